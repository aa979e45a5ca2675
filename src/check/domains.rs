//! Domains: the tenant, the accepted domains, the gateway's certificate name.

use crate::diagnostics::{Code, Diagnostic};
use crate::parse::RawTopology;
use std::collections::{HashMap, HashSet};

use crate::knowledge::hosts::{
    certificate_name_problem, default_microsoft365_mx, domain_problem, microsoft365_mx_problem,
};

const TENANT_SUFFIX: &str = ".onmicrosoft.com";

pub fn check(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let org = raw.organization.get_ref();
    check_microsoft365_mx(raw, found);

    let tenant = org.tenant.get_ref().trim().to_ascii_lowercase();
    let tenant_label = tenant.strip_suffix(TENANT_SUFFIX);
    if domain_problem(&tenant).is_some()
        || tenant_label.is_none_or(|label| label.is_empty() || label.contains('.'))
    {
        found.push(
            Diagnostic::new(
                Code::TenantNotOnMicrosoft,
                format!("tenant `{}` is not an `onmicrosoft.com` name", org.tenant.get_ref()),
            )
            .at(org.tenant.span())
            .with_label("expected `NAME.onmicrosoft.com`")
            .with_help("use the tenant's initial domain, shown in the Microsoft 365 admin center under Settings > Domains"),
        );
    }

    if org.domains.get_ref().is_empty() {
        found.push(
            Diagnostic::new(
                Code::InvalidDomain,
                "`organization.domains` lists no domain",
            )
            .at(org.domains.span())
            .with_help("list the accepted domains whose MX records will point at the gateway"),
        );
    }
    let mut seen: HashMap<String, std::ops::Range<usize>> = HashMap::new();
    for domain in org.domains.get_ref() {
        let text = domain.get_ref();
        let normalized = text.trim().to_ascii_lowercase();
        if let Some(problem) = domain_problem(&normalized) {
            found.push(
                Diagnostic::new(
                    Code::InvalidDomain,
                    format!("`{text}` is not a valid domain name"),
                )
                .at(domain.span())
                .with_label(problem)
                .with_help(
                    "write the accepted domain as it appears in Exchange, such as `contoso.com`",
                ),
            );
            continue;
        }
        if normalized.ends_with(TENANT_SUFFIX) {
            found.push(
                Diagnostic::new(
                    Code::InvalidDomain,
                    format!("`{text}` cannot be routed through the gateway"),
                )
                .at(domain.span())
                .with_label("an onmicrosoft.com domain's MX always stays with Microsoft 365")
                .with_help("remove it from `organization.domains`; the tenant is named in `organization.tenant`"),
            );
            continue;
        }
        if let Some(first) = seen.get(&normalized) {
            found.push(
                Diagnostic::new(
                    Code::DuplicateDomain,
                    format!("domain `{normalized}` is listed twice"),
                )
                .at(domain.span())
                .with_label("listed again here")
                .also_at(first.clone(), "first listed here")
                .with_help("remove one of the two entries"),
            );
            continue;
        }
        seen.insert(normalized, domain.span());
    }

    // Outbound-only domains: each a domain, none routed or listed twice.
    for domain in org.outbound_only_domains.iter().flat_map(|l| l.get_ref()) {
        let text = domain.get_ref();
        let normalized = text.trim().to_ascii_lowercase();
        let problem = domain_problem(&normalized).map(|p| (p.to_string(), "write the accepted domain as it appears in Exchange, such as `contoso-mail.com`")).or_else(|| {
            normalized.ends_with(TENANT_SUFFIX).then(|| {
                (
                    "the tenant's onmicrosoft.com domain is always accepted as a sender".to_owned(),
                    "remove it: the relay guard takes the tenant's domain from `organization.tenant`",
                )
            })
        });
        if let Some((label, help)) = problem {
            found.push(
                Diagnostic::new(
                    Code::InvalidDomain,
                    format!("`{text}` is not an outbound-only domain to list"),
                )
                .at(domain.span())
                .with_label(label)
                .with_help(help),
            );
            continue;
        }
        if let Some(first) = seen.get(&normalized) {
            found.push(
                Diagnostic::new(
                    Code::DuplicateDomain,
                    format!("domain `{normalized}` is listed twice"),
                )
                .at(domain.span())
                .with_label("listed again here")
                .also_at(first.clone(), "first listed here")
                .with_help("a routed domain sends through the gateway already: list each domain once, in `domains` or in `outbound_only_domains`"),
            );
            continue;
        }
        seen.insert(normalized, domain.span());
    }

    if let Some(cert) = &raw.gateway.get_ref().tls_certificate {
        if let Some(problem) = certificate_name_problem(cert.get_ref()) {
            found.push(
                Diagnostic::new(
                    Code::InvalidCertificateName,
                    format!("`{}` is not a certificate name Exchange accepts", cert.get_ref()),
                )
                .at(cert.span())
                .with_label(problem)
                .with_help("give the certificate's subject as a domain, such as `mx.gateway.example` or `*.gateway.example`"),
            );
        }
    }
}

fn check_microsoft365_mx(raw: &RawTopology, found: &mut Vec<Diagnostic>) {
    let org = raw.organization.get_ref();
    // Sets and maps: one lookup per domain, whatever the table's size.
    let domains: HashSet<String> = raw.normalized_domains().into_iter().collect();
    let mut overridden: HashMap<String, std::ops::Range<usize>> = HashMap::new();
    if let Some(table) = &org.microsoft365_mx {
        for (domain, host) in table.get_ref() {
            let key = domain.trim().to_ascii_lowercase();
            if let Some(first) = overridden.get(&key) {
                found.push(
                    Diagnostic::new(
                        Code::DuplicateDomain,
                        format!("`{key}` has two entries in `organization.microsoft365_mx`"),
                    )
                    .at(host.span())
                    .with_label("listed again here, in other letter case")
                    .also_at(first.clone(), "first listed here")
                    .with_help("domains are case-insensitive: keep one entry"),
                );
                continue;
            }
            overridden.insert(key.clone(), host.span());
            if !domains.contains(&key) {
                found.push(
                    Diagnostic::new(Code::InvalidMicrosoft365Mx, format!("`{domain}` in `organization.microsoft365_mx` is not in `organization.domains`"))
                        .at(host.span())
                        .with_label("no such routed domain")
                        .with_help("key each entry by one of `organization.domains`"),
                );
            } else if let Some(problem) = microsoft365_mx_problem(host.get_ref()) {
                found.push(
                    Diagnostic::new(Code::InvalidMicrosoft365Mx, format!("`{}` is not a Microsoft 365 MX host", host.get_ref()))
                        .at(host.span())
                        .with_label(problem)
                        .with_help("copy the MX value the Microsoft 365 admin center shows for the domain (Settings > Domains)"),
                );
            }
        }
    }
    // Without an override, the domain's MX host is its name with dashes under
    // `mail.protection.outlook.com`: that label has DNS's 63-character limit.
    for domain in org.domains.get_ref() {
        let key = domain.get_ref().trim().to_ascii_lowercase();
        if overridden.contains_key(&key) || domain_problem(&key).is_some() {
            continue;
        }
        let host = default_microsoft365_mx(&key);
        let label = host.split('.').next().unwrap_or("");
        if label.len() > 63 {
            found.push(
                Diagnostic::new(
                    Code::DefaultMicrosoft365MxTooLong,
                    format!("`{key}` is too long for its default Microsoft 365 MX host"),
                )
                .at(domain.span())
                .with_label(format!("`{label}` would be a {}-character DNS label (63 at most)", label.len()))
                .with_help(format!("set `organization.microsoft365_mx.\"{key}\"` to the MX host the Microsoft 365 admin center shows for it")),
            );
        }
    }

    if let Some(sealer) = &raw.gateway.get_ref().arc_sealer {
        let normalized = crate::knowledge::hosts::normalize_host(sealer.get_ref());
        if let Some(problem) = domain_problem(&normalized) {
            found.push(
                Diagnostic::new(
                    Code::InvalidDomain,
                    format!("`{}` is not a valid ARC sealer domain", sealer.get_ref()),
                )
                .at(sealer.span())
                .with_label(problem)
                .with_help("give the domain of the `d=` tag in the ARC-Seal header the gateway adds, such as `gateway.example`"),
            );
        }
    }
}
