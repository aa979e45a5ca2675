//! DNS: plan, rendering and quoting for BIND zone fragments and octoDNS.

pub mod plan;
pub mod quote;
mod render;

pub use render::files;

/// The environment variables the generated octoDNS configurations read the
/// DNS server and its TSIG key from (octoDNS's `env/NAME`): the user's, so no
/// credential is ever written to the output.
pub const ENV_HOST: &str = "MAILFLOWC_DNS_SERVER";
pub const ENV_PORT: &str = "MAILFLOWC_DNS_PORT";
pub const ENV_KEY_NAME: &str = "MAILFLOWC_TSIG_KEY_NAME";
pub const ENV_KEY_SECRET: &str = "MAILFLOWC_TSIG_KEY_SECRET";
