//! Shared knowledge: facts about addresses, host names and Microsoft's and the
//! vendors' published ranges that `check`, `lower` and every target rely on.
//! Nothing here knows the topology; each function judges or normalizes one
//! value, so the stages cannot disagree about it.

pub mod address;
pub mod hosts;
pub mod microsoft365;
pub mod reserved_ranges;
pub mod spf;
