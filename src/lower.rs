//! Stage 3 of the pipeline: raw topology → [`Topology`], the model `emit` reads.
//!
//! Runs only on a topology `check` found no errors in. Applies defaults,
//! normalizes case and addresses, and sorts every list, so the output is the
//! same whatever order the file lists things in.

use crate::model::address::parse_address;
use crate::model::{
    AddressSet, EnhancedFiltering, Gateway, Inbound, Lockdown, Names, Organization, Topology,
};
use crate::parse::{EfMode, RawTopology, SpannedList};
use std::collections::BTreeSet;
use toml::Spanned;

pub fn lower(raw: &RawTopology) -> Topology {
    let org = raw.organization.get_ref();
    let gateway = raw.gateway.get_ref();
    let egress = address_set(&gateway.egress);

    let mode = raw.ef_mode();
    let ef = raw.ef();
    let skip_ips = match (mode, ef.and_then(|ef| ef.skip_ips.as_ref())) {
        (EfMode::SkipListed, Some(list)) => ipv4_only(&address_set(list)),
        (EfMode::SkipListed, None) => ipv4_only(&egress),
        _ => AddressSet::default(),
    };
    let pilot_recipients = ef
        .and_then(|ef| ef.pilot_recipients.as_ref())
        .map(lowercase_sorted)
        .unwrap_or_default();

    let names = raw.names();
    let name_or = |pick: Option<&Spanned<String>>, default: &str| {
        pick.map_or_else(|| default.to_owned(), |n| n.get_ref().clone())
    };

    Topology {
        organization: Organization {
            name: org.name.get_ref().trim().to_owned(),
            tenant: org.tenant.get_ref().trim().to_ascii_lowercase(),
            domains: lowercase_sorted(&org.domains),
        },
        gateway: Gateway {
            name: gateway.name.get_ref().trim().to_owned(),
            egress,
            tls_certificate: gateway
                .tls_certificate
                .as_ref()
                .map(|c| c.get_ref().trim().to_ascii_lowercase()),
        },
        inbound: Inbound {
            enhanced_filtering: EnhancedFiltering {
                mode,
                skip_ips,
                pilot_recipients,
            },
            allow_list: raw.allow_list(),
            spf_hard_fail_off: raw.spf_hard_fail_off(),
            lockdown: raw.lockdown().then(|| Lockdown {
                by: raw.lockdown_by(),
            }),
            scl_bypass_rule: raw.scl_bypass_rule(),
        },
        names: Names {
            inbound_connector: name_or(
                names.and_then(|n| n.inbound_connector.as_ref()),
                Names::DEFAULT_INBOUND_CONNECTOR,
            ),
            lockdown_connector: name_or(
                names.and_then(|n| n.lockdown_connector.as_ref()),
                Names::DEFAULT_LOCKDOWN_CONNECTOR,
            ),
            scl_bypass_rule: name_or(
                names.and_then(|n| n.scl_bypass_rule.as_ref()),
                Names::DEFAULT_SCL_BYPASS_RULE,
            ),
        },
    }
}

fn address_set(list: &SpannedList) -> AddressSet {
    AddressSet::new(
        list.get_ref()
            .iter()
            .filter_map(|item| parse_address(item.get_ref()).ok())
            .map(|parsed| parsed.net),
    )
}

fn ipv4_only(set: &AddressSet) -> AddressSet {
    AddressSet::new(set.ipv4().iter().map(|n| ipnet::IpNet::V4(*n)))
}

fn lowercase_sorted(list: &SpannedList) -> Vec<String> {
    list.get_ref()
        .iter()
        .map(|item| item.get_ref().trim().to_ascii_lowercase())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
