//! Exchange Online: plan, rendering, quoting and limits.

pub mod help;
mod objects;
pub mod plan;
pub mod quote;
mod render;

pub use render::render;
