//! Cisco Secure Email (AsyncOS): plan, rendering, quoting and limits.

pub mod appliance;
pub mod audit;
pub mod plan;
pub mod quote;
mod render;

pub use plan::FILTER_FILE;
pub use render::{files, placeholder};
