//! [`AddressSet`]: one canonical set of networks, rendered per Exchange field.
//!
//! Exchange fields disagree on what they take. `SenderIPAddresses` and the
//! connection-filter `IPAllowList` accept only IPv4 single addresses and CIDR
//! /24 to /32 (exchange-facts F-IN-03, F-CF-02); `EFSkipIPs` states no prefix
//! limit (F-EF-01); transport-rule `SenderIpRanges` states none either
//! (F-TR-06). So the set is kept once, merged and sorted, and each field asks
//! for its own rendering.

use crate::knowledge::address::render_net;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

/// The narrowest prefix `SenderIPAddresses` and `IPAllowList` accept.
pub const EXCHANGE_WIDEST_PREFIX: u8 = 24;

/// A merged, sorted set of IPv4 and IPv6 networks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AddressSet {
    v4: Vec<Ipv4Net>,
    v6: Vec<Ipv6Net>,
}

impl AddressSet {
    /// Builds the canonical set: duplicates and overlaps merged, adjacent
    /// networks joined, sorted by address. Input order never matters.
    pub fn new(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for net in nets {
            match net {
                IpNet::V4(n) => v4.push(n),
                IpNet::V6(n) => v6.push(n),
            }
        }
        let mut v4 = Ipv4Net::aggregate(&v4);
        let mut v6 = Ipv6Net::aggregate(&v6);
        v4.sort();
        v6.sort();
        AddressSet { v4, v6 }
    }

    pub fn has_ipv4(&self) -> bool {
        !self.v4.is_empty()
    }

    pub fn ipv4(&self) -> &[Ipv4Net] {
        &self.v4
    }

    pub fn ipv6(&self) -> &[Ipv6Net] {
        &self.v6
    }

    /// IPv4 only, prefixes kept as merged (for `EFSkipIPs`, `SenderIpRanges`).
    pub fn ipv4_prefixes(&self) -> Vec<String> {
        self.v4.iter().map(|n| render_net(&IpNet::V4(*n))).collect()
    }

    /// IPv4 only, anything wider than /24 split into /24s (for
    /// `SenderIPAddresses`, `IPAllowList`).
    pub fn ipv4_exchange_entries(&self) -> Vec<String> {
        let mut out = Vec::new();
        for net in &self.v4 {
            if net.prefix_len() >= EXCHANGE_WIDEST_PREFIX {
                out.push(render_net(&IpNet::V4(*net)));
            } else if let Ok(subnets) = net.subnets(EXCHANGE_WIDEST_PREFIX) {
                out.extend(subnets.map(|s| render_net(&IpNet::V4(s))));
            }
        }
        out
    }

    /// How many entries [`Self::ipv4_exchange_entries`] yields, without
    /// building them.
    pub fn ipv4_exchange_entry_count(&self) -> usize {
        self.v4
            .iter()
            .map(|net| {
                let len = net.prefix_len();
                if len >= EXCHANGE_WIDEST_PREFIX {
                    1
                } else {
                    1usize << (EXCHANGE_WIDEST_PREFIX - len)
                }
            })
            .sum()
    }

    /// The IPv4 prefixes that [`Self::ipv4_exchange_entries`] splits.
    pub fn ipv4_split_prefixes(&self) -> Vec<String> {
        self.v4
            .iter()
            .filter(|n| n.prefix_len() < EXCHANGE_WIDEST_PREFIX)
            .map(|n| n.to_string())
            .collect()
    }

    pub fn ipv6_prefixes(&self) -> Vec<String> {
        self.v6.iter().map(|n| render_net(&IpNet::V6(*n))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[&str]) -> AddressSet {
        AddressSet::new(entries.iter().map(|e| e.parse::<IpNet>().unwrap()))
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let a = set(&["10.0.2.0/24", "10.0.0.0/24", "2001:db8::/32", "10.0.0.5/32"]);
        let b = set(&["10.0.0.5/32", "2001:db8::/32", "10.0.0.0/24", "10.0.2.0/24"]);
        assert_eq!(a, b);
        assert_eq!(a.ipv4_prefixes(), vec!["10.0.0.0/24", "10.0.2.0/24"]);
    }

    #[test]
    fn wide_prefixes_split_into_24s_for_exchange_fields() {
        let s = set(&["134.195.26.0/23", "52.11.209.211/32"]);
        assert_eq!(
            s.ipv4_exchange_entries(),
            vec!["52.11.209.211", "134.195.26.0/24", "134.195.27.0/24"]
        );
        assert_eq!(s.ipv4_exchange_entry_count(), 3);
        assert_eq!(s.ipv4_prefixes(), vec!["52.11.209.211", "134.195.26.0/23"]);
    }

    #[test]
    fn a_19_becomes_32_entries() {
        let s = set(&["104.30.32.0/19"]);
        let entries = s.ipv4_exchange_entries();
        assert_eq!(entries.len(), 32);
        assert_eq!(entries.first().unwrap(), "104.30.32.0/24");
        assert_eq!(entries.last().unwrap(), "104.30.63.0/24");
    }

    #[test]
    fn adjacent_networks_are_joined() {
        let s = set(&["158.51.64.0/26", "158.51.64.64/26"]);
        assert_eq!(s.ipv4_prefixes(), vec!["158.51.64.0/25"]);
    }
}
