//! Exchange Online's limits, which `check` calls so that a topology that
//! passes `check` always renders.

/// Entries per connection-filter list (exchange-facts F-CF-03).
pub const ALLOW_LIST_CAP: usize = 1273;

/// Entries a connector's `SenderIPAddresses` may receive. Microsoft documents
/// no maximum for it; mailflowc applies the allow list's, so that the scripts
/// stay bounded whatever `allow_list` says (a /12 alone splits into 4,096 /24
/// entries).
pub const CONNECTOR_ADDRESS_CAP: usize = ALLOW_LIST_CAP;
