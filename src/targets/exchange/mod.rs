//! Exchange Online, the forward side: the plan's steps from the settings of
//! `exchange::settings`, their rendering into template contexts, the
//! scripts' help facts and PowerShell quoting.

pub mod help;
pub mod plan;
pub mod quote;
mod render;

pub use render::render;
