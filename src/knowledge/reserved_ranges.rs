//! Address space that is not publicly routable, with the name a user will
//! recognise. Enhanced Filtering rejects RFC 1918 entries in its skip list and
//! detects private hops by itself (exchange-facts F-EF-03); the other blocks
//! here can never be the public address a cloud gateway connects from.
//! Source: the IANA IPv4 and IPv6 Special-Purpose Address Registries
//! (RFC 6890 and the RFCs it lists).

use ipnet::IpNet;

/// (block, name) pairs.
pub const NON_PUBLIC: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\" (RFC 791)"),
    ("10.0.0.0/8", "private space (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "private space (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation range TEST-NET-1 (RFC 5737)"),
    ("192.168.0.0/16", "private space (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking space (RFC 2544)"),
    (
        "198.51.100.0/24",
        "documentation range TEST-NET-2 (RFC 5737)",
    ),
    (
        "203.0.113.0/24",
        "documentation range TEST-NET-3 (RFC 5737)",
    ),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved space (RFC 1112)"),
    ("::/127", "unspecified or loopback (RFC 4291)"),
    ("::ffff:0:0/96", "IPv4-mapped space (RFC 4291)"),
    ("100::/64", "discard-only space (RFC 6666)"),
    ("2001:db8::/32", "documentation range (RFC 3849)"),
    ("fc00::/7", "unique local space (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("ff00::/8", "multicast (RFC 4291)"),
];

/// The first non-public block `net` overlaps, with its name.
pub fn non_public_block(net: &IpNet) -> Option<(IpNet, &'static str)> {
    NON_PUBLIC.iter().find_map(|(block, name)| {
        let block: IpNet = block.parse().ok()?;
        overlaps(net, &block).then_some((block, *name))
    })
}

/// Whether two prefixes share any address (prefixes are nested or disjoint).
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_parses() {
        for (block, _) in NON_PUBLIC {
            assert!(block.parse::<IpNet>().is_ok(), "{block}");
        }
    }

    #[test]
    fn private_and_cgnat_are_caught_public_is_not() {
        let check = |s: &str| non_public_block(&s.parse().unwrap()).map(|(_, n)| n);
        assert_eq!(check("192.168.1.1/32"), Some("private space (RFC 1918)"));
        assert_eq!(
            check("100.100.0.0/16"),
            Some("carrier-grade NAT space (RFC 6598)")
        );
        assert_eq!(check("8.0.0.0/7"), None);
        assert_eq!(check("104.30.32.0/19"), None);
        // A wide prefix that swallows a private block is caught too.
        assert!(check("8.0.0.0/4").is_some());
    }
}
