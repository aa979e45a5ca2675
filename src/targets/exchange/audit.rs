//! Exchange Online's limits, which `check` calls so that a topology that
//! passes `check` always renders.

/// Entries per connection-filter list (exchange-facts F-CF-03).
pub const ALLOW_LIST_CAP: usize = 1273;
