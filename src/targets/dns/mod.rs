//! DNS: plan, rendering and quoting for BIND zone fragments and octoDNS.

pub mod plan;
pub mod quote;
mod render;

pub use render::files;
