//! Exchange Online as a provider: the room where mailflowc's Exchange side
//! is to live in both directions (STYLE 11), as a DNS provider owns the
//! zone it writes and reads. Today it holds the reading side, the tenant
//! export ([`export`]); the writing side (plan, scripts, quoting, the
//! read-back rules) is still under `targets::exchange` and moves here a
//! setting at a time.

pub mod export;
