//! Parsing one address entry as a user writes it: `192.0.2.1`, `192.0.2.0/24`,
//! `2001:db8::/32`. The one function every stage uses, so `check` and `lower`
//! can never disagree about what an entry means.

use ipnet::IpNet;
use std::net::IpAddr;

/// An entry that parsed: the network it names, and whether the written form
/// had host bits set (`192.0.2.7/24`), which lowering silently clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedAddress {
    pub net: IpNet,
    pub had_host_bits: bool,
}

/// Parses a single address or a CIDR prefix, IPv4 or IPv6.
pub fn parse_address(text: &str) -> Result<ParsedAddress, String> {
    let text = text.trim();
    if text.contains('-') {
        return Err("address ranges (`a-b`) are not accepted; write CIDR prefixes".to_owned());
    }
    if text.contains('/') {
        let net: IpNet = text
            .parse()
            .map_err(|_| "not an IP prefix such as `192.0.2.0/24`".to_owned())?;
        let trunc = net.trunc();
        return Ok(ParsedAddress {
            net: trunc,
            had_host_bits: trunc != net,
        });
    }
    let addr: IpAddr = text
        .parse()
        .map_err(|_| "not an IP address such as `192.0.2.1`".to_owned())?;
    Ok(ParsedAddress {
        net: IpNet::from(addr),
        had_host_bits: false,
    })
}

/// Renders a network the way Exchange expects it: a host prefix as a bare
/// address, anything wider in CIDR notation.
pub fn render_net(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_address_becomes_full_length_prefix() {
        let parsed = parse_address("52.11.209.211").unwrap();
        assert_eq!(parsed.net.to_string(), "52.11.209.211/32");
        assert!(!parsed.had_host_bits);
    }

    #[test]
    fn host_bits_are_cleared_and_reported() {
        let parsed = parse_address("104.30.33.7/19").unwrap();
        assert_eq!(parsed.net.to_string(), "104.30.32.0/19");
        assert!(parsed.had_host_bits);
    }

    #[test]
    fn ranges_and_garbage_are_refused() {
        assert!(parse_address("1.2.3.4-1.2.3.9").is_err());
        assert!(parse_address("1.2.3.256").is_err());
        assert!(parse_address("1.2.3.0/33").is_err());
        assert!(parse_address("mx.example.com").is_err());
    }

    #[test]
    fn rendering_drops_host_prefix_length() {
        assert_eq!(render_net(&"1.2.3.4/32".parse().unwrap()), "1.2.3.4");
        assert_eq!(render_net(&"1.2.3.0/24".parse().unwrap()), "1.2.3.0/24");
        assert_eq!(
            render_net(&"2001:db8::1/128".parse().unwrap()),
            "2001:db8::1"
        );
    }
}
