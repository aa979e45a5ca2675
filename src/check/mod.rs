//! Stage 2 of the pipeline: semantic rules over the raw topology.
//!
//! Every rule runs and every problem is collected, so a user fixes a file in
//! one pass. One file per family of rules. Checks only judge; `lower` builds
//! the model, using the same parsing functions so the two cannot disagree.

pub mod addressing;
pub mod cisco;
pub mod dns;
pub mod domains;
mod examples;
mod inbound;
mod names;
pub mod outbound;
pub mod vendor;

use crate::context::Context;
use crate::diagnostics::Diagnostic;
use crate::parse::RawTopology;

pub use addressing::ALLOW_LIST_CAP;

/// Runs every rule; the result holds errors and warnings alike.
pub fn check(raw: &RawTopology, ctx: &Context) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    domains::check(raw, &mut found);
    vendor::check(raw, ctx, &mut found);
    addressing::check(raw, &mut found);
    dns::check(raw, &mut found);
    inbound::check(raw, &mut found);
    outbound::check(raw, ctx, &mut found);
    cisco::check(raw, &mut found);
    names::check(raw, &mut found);
    examples::check(raw, &mut found);
    found
}
