//! Domains: the tenant, the accepted domains, the gateway's certificate name.

use crate::diagnostics::{Code, Diagnostic};
use crate::parse::RawTopology;
use std::collections::HashMap;

use crate::knowledge::hosts::{certificate_name_problem, domain_problem, microsoft365_mx_problem};

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
    let Some(table) = &org.microsoft365_mx else {
        return;
    };
    let domains = raw.normalized_domains();
    for (domain, host) in table.get_ref() {
        if !domains.contains(&domain.trim().to_ascii_lowercase()) {
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
