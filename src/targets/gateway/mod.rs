//! The gateway side for vendors other than Cisco Secure Email: the vendor's
//! documented onboarding steps, from `shared/reference/gateway-setup.md`,
//! with every undocumented point an explicit "confirm with the vendor".

pub mod plan;
mod render;

pub use render::files;
