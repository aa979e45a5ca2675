//! Microsoft 365's own mail addresses, which Enhanced Filtering refuses in its
//! skip list (exchange-facts F-EF-04) and which no third-party gateway sends
//! from.
//!
//! Source: Microsoft 365 IP Address and URL web service, worldwide instance,
//! endpoint set 10 (Exchange Online, TCP 25: `*.mail.protection.outlook.com`),
//! identical in versions 2022072800, 2023073100 and 2025013000; rendered at
//! <https://learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges>
//! (page dated 2025-04-02). Microsoft's SPF include and its relay pool
//! (40.95.0.0/16) lie inside or beside these; the relay pool is listed too
//! because it is Microsoft's outbound space as well.

use super::reserved_ranges::overlaps;
use ipnet::IpNet;

pub const MAIL_RANGES: &[&str] = &[
    "40.92.0.0/15",
    "40.95.0.0/16",
    "40.107.0.0/16",
    "52.100.0.0/14",
    "104.47.0.0/17",
    "2a01:111:f400::/48",
    "2a01:111:f403::/48",
];

/// The Microsoft 365 mail range `net` overlaps, if any.
pub fn microsoft365_range(net: &IpNet) -> Option<IpNet> {
    MAIL_RANGES.iter().find_map(|range| {
        let range: IpNet = range.parse().ok()?;
        overlaps(net, &range).then_some(range)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_range_parses() {
        for range in MAIL_RANGES {
            assert!(range.parse::<IpNet>().is_ok(), "{range}");
        }
    }

    #[test]
    fn eop_addresses_are_recognised() {
        let hit = |s: &str| microsoft365_range(&s.parse().unwrap()).map(|n| n.to_string());
        assert_eq!(hit("40.107.22.5/32").as_deref(), Some("40.107.0.0/16"));
        assert_eq!(hit("52.103.0.0/24").as_deref(), Some("52.100.0.0/14"));
        assert_eq!(hit("104.47.128.0/24"), None);
        assert_eq!(hit("104.30.32.0/19"), None);
    }
}
