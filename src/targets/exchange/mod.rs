//! Exchange Online: plan, rendering, quoting and limits.

pub mod audit;
pub mod plan;
pub mod quote;
pub mod readback;
mod render;

pub use render::render;
