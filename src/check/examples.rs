//! Example values `mailflowc init` writes where only the user knows the
//! value: a topology that still holds one builds for nobody's tenant (or
//! points MX at a name that does not exist), so each is a warning (MF0707)
//! that `--deny-warnings` turns into a refusal.

use crate::diagnostics::{Code, Diagnostic};
use crate::init::{
    EXAMPLE_ARC_SEALER, EXAMPLE_DOMAIN, EXAMPLE_EGRESS, EXAMPLE_MX, EXAMPLE_SHA256,
    EXAMPLE_SMART_HOST, EXAMPLE_TENANT,
};
use crate::parse::defaults::written;
use crate::parse::RawTopology;
use toml::Spanned;

fn example(key: &str, value: &Spanned<String>, found: &mut Vec<Diagnostic>) {
    found.push(
        Diagnostic::new(
            Code::ExampleValue,
            format!(
                "`{key}` still holds the example `{}`",
                value.get_ref().trim()
            ),
        )
        .at(value.span())
        .with_label("written by `mailflowc init`")
        .with_help("replace it with your own value before you build for a tenant"),
    );
}

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let is = |value: &Spanned<String>, example: &str| {
        value.get_ref().trim().eq_ignore_ascii_case(example)
    };
    let org = raw.organization.get_ref();
    if is(&org.tenant, EXAMPLE_TENANT) {
        example("organization.tenant", &org.tenant, found);
    }
    for domain in org.domains.get_ref() {
        if is(domain, EXAMPLE_DOMAIN) {
            example("organization.domains", domain, found);
        }
    }
    let gateway = raw.gateway.get_ref();
    for address in gateway.egress.iter().flat_map(|list| list.get_ref()) {
        if is(address, EXAMPLE_EGRESS) {
            example("gateway.egress", address, found);
        }
    }
    for record in gateway.mx.iter().flat_map(|list| list.get_ref()) {
        let host = &record.get_ref().host;
        if is(host, EXAMPLE_MX) {
            example("gateway.mx", host, found);
        }
    }
    if let Some(sealer) = gateway
        .arc_sealer
        .as_ref()
        .filter(|s| is(s, EXAMPLE_ARC_SEALER))
    {
        example("gateway.arc_sealer", sealer, found);
    }
    if let Some(outbound) = raw.outbound() {
        for host in outbound.smart_hosts.iter().flat_map(|list| list.get_ref()) {
            if is(host, EXAMPLE_SMART_HOST) {
                example("outbound.smart_hosts", host, found);
            }
        }
    }
    if let Some(secret) = raw.secret_header() {
        if let Some(sha256) = written(secret.sha256.as_ref()).filter(|s| is(s, EXAMPLE_SHA256)) {
            example("outbound.secret_header.sha256", sha256, found);
        }
    }
}
