//! The lowered model: what the topology means once defaults are applied and
//! every address, domain and address list is normalized and sorted.
//!
//! Built by `lower` from a raw topology that `check` has passed; read by
//! `emit`. No spans, no options left to interpret: determinism comes from
//! here, so templates never sort or compute.

pub mod address_set;

mod cisco;
mod dns;
mod gateway;
mod inbound;
mod names;
mod organization;
mod outbound;
mod topology;

pub use address_set::AddressSet;
pub use cisco::{relay_policy, Cisco, DestinationControls};
pub use dns::Dns;
pub use gateway::{DispositionRule, Gateway, MxRecord, SourceRef, VendorData};
pub use inbound::{EnhancedFiltering, Inbound, Lockdown};
pub use names::Names;
pub use organization::{DomainMx, Organization};
pub use outbound::{Outbound, SecretHeader};
pub use topology::Topology;
