//! Exchange Online as a provider: the room that owns mailflowc's Exchange
//! side in both directions (STYLE 11), as a DNS provider owns the zone it
//! writes and reads.
//!
//! - [`vocabulary`]: the kinds, fixed identities and property names, spelled once;
//! - [`readback`]: how Exchange reads back each property, one rule each;
//! - [`export`]: a tenant export, read once into types;
//! - [`limits`]: Exchange Online's limits, which `check` enforces;
//! - [`compare`]: a wanted object against the export, the findings drift reports;
//! - [`settings`]: one file per tenant-wide setting (the allow list, SPF hard
//!   fail, the trusted ARC sealers, Reject Direct Send), each owning its
//!   steps, wanted state, comparison and reading back, in one registry.
//!
//! The forward side (the plan's steps, the scripts' contexts, quoting)
//! is under `targets::exchange`, which uses this room, never the reverse:
//! nothing here imports from `targets` but the pipeline's plain data types
//! (`targets::plan`, `targets::state`) and the template ids
//! (`targets::templates`), and nothing here reads the file system: a
//! command reads an export's bytes and hands them to
//! [`export::from_bytes`]. `tests/consistency.rs` checks both.

pub mod compare;
pub mod export;
pub mod limits;
pub mod readback;
pub mod settings;
pub mod vocabulary;
