//! Cisco Secure Email (AsyncOS): plan, rendering, quoting and limits.

pub mod appliance;
pub mod audit;
mod placeholder;
pub mod plan;
pub mod quote;
mod render;

pub use placeholder::placeholder;
pub use plan::FILTER_FILE;
pub use render::files;
