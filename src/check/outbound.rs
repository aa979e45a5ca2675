//! The outbound path: smart hosts, TLS, and the secret header that keeps the
//! gateway from relaying for every Microsoft 365 tenant.

use crate::context::Context;
use crate::diagnostics::{Code, Diagnostic};
use crate::knowledge::address::parse_address;
use crate::knowledge::hosts::{certificate_name_problem, domain_problem, normalize_host};
use crate::knowledge::microsoft365::microsoft365_range;
use crate::knowledge::reserved_ranges::non_public_block;
use crate::parse::{OutboundTls, RawSecretHeader, RawTopology};
use crate::secret::{
    fingerprint, is_fingerprint, normalize_fingerprint, secret_problem, SecretSource,
};
use std::ops::Range;
use toml::Spanned;

pub fn check(raw: &RawTopology, ctx: &Context, found: &mut Vec<Diagnostic>) {
    let (Some(outbound_table), true) = (raw.outbound.as_ref(), raw.outbound_through_gateway())
    else {
        return;
    };
    let outbound = outbound_table.get_ref();

    match &outbound.smart_hosts {
        None => found.push(
            Diagnostic::new(
                Code::NoSmartHosts,
                "outbound mail goes through the gateway, but no `smart_hosts` are given",
            )
            .at(outbound_table.span())
            .with_label("`smart_hosts` missing")
            .with_help(
                "add `smart_hosts` with the gateway's outgoing (relay) host names or addresses",
            ),
        ),
        Some(list) if list.get_ref().is_empty() => found.push(
            Diagnostic::new(Code::NoSmartHosts, "`smart_hosts` is empty")
                .at(list.span())
                .with_help("list the gateway's outgoing (relay) host names or addresses"),
        ),
        Some(list) => {
            let mx_hosts: Vec<String> = super::dns::gateway_mx_hosts(raw)
                .iter()
                .map(|h| normalize_host(h))
                .collect();
            for host in list.get_ref() {
                let text = host.get_ref().trim();
                if let Some(problem) = smart_host_problem(text) {
                    found.push(
                        Diagnostic::new(Code::InvalidSmartHost, format!("smart host `{text}` is not a host name or address"))
                            .at(host.span())
                            .with_label(problem)
                            .with_help("give a host name (`relay.gateway.example`), an IPv4 address or a CIDR prefix; Exchange always connects on port 25"),
                    );
                } else if let Some(d) = smart_host_address_problem(text, host.span()) {
                    found.push(d);
                } else if mx_hosts.contains(&normalize_host(text)) {
                    found.push(
                        Diagnostic::new(Code::SmartHostIsMx, format!("smart host `{text}` is one of the gateway's MX hosts"))
                            .at(host.span())
                            .with_label("the inbound listener")
                            .with_help("use the gateway's outgoing listener: on the inbound listener the relay sender group also catches mail other Microsoft 365 tenants send you"),
                    );
                }
            }
        }
    }

    let tls = raw.outbound_tls();
    if let Some(domain) = &outbound.tls_domain {
        if tls != Some(OutboundTls::DomainValidation) {
            found.push(
                Diagnostic::new(
                    Code::TlsDomainWithoutDomainValidation,
                    "`tls_domain` is set but `tls` is not `domain-validation`",
                )
                .at(domain.span())
                .with_label("Exchange takes TlsDomain only with DomainValidation")
                .with_help("set `tls = \"domain-validation\"`, or remove `tls_domain`"),
            );
        } else if let Some(problem) = certificate_name_problem(domain.get_ref()) {
            found.push(
                Diagnostic::new(Code::InvalidCertificateName, format!("`{}` is not a TLS domain Exchange accepts", domain.get_ref()))
                    .at(domain.span())
                    .with_label(problem)
                    .with_help("give the domain in the gateway's certificate, such as `relay.gateway.example` or `*.gateway.example`"),
            );
        }
    }
    if tls == Some(OutboundTls::DomainValidation) && outbound.tls_domain.is_none() {
        let span = outbound
            .tls
            .as_ref()
            .map_or(outbound_table.span(), |t| t.span());
        found.push(
            Diagnostic::new(
                Code::DomainValidationWithoutTlsDomain,
                "`tls = \"domain-validation\"` but no `tls_domain` to validate against",
            )
            .at(span)
            .with_label("DomainValidation checks the certificate against TlsDomain")
            .with_help("add `tls_domain` with the domain in the gateway's certificate, or use `certificate-validation`"),
        );
    }
    if tls == Some(OutboundTls::EncryptionOnly) {
        let span = outbound
            .tls
            .as_ref()
            .map_or(outbound_table.span(), |t| t.span());
        found.push(
            Diagnostic::new(Code::EncryptionOnly, "outbound TLS encrypts but does not check the gateway's certificate")
                .at(span)
                .with_label("`encryption-only`")
                .with_help("use `certificate-validation`, or `domain-validation` with `tls_domain`, so mail cannot be handed to an impostor"),
        );
    }

    let unchecked_by = vendor_without_guard(raw);
    if let (Some(vendor), Some(table)) = (unchecked_by, &outbound.secret_header) {
        let recognition = vendor.tenant_recognition.as_ref().map_or_else(
            || format!("how {} tells your tenant's relayed mail from other tenants' is not in the sources mailflowc uses: ask {}", vendor.name, vendor.name),
            |r| r.what.clone(),
        );
        found.push(
            Diagnostic::new(
                Code::UncheckedSecretHeader,
                format!("{} checks no secret header: Microsoft 365 would stamp the secret on every outbound message, and it would leave with the message", vendor.name),
            )
            .at(table.span())
            .with_label("stamped by `60-outbound-rule.ps1`, checked and stripped by no step")
            .with_help(format!("remove `[outbound.secret_header]` ({recognition}); keep it only if you set the gateway up to check the header and strip it yourself")),
        );
    }
    let Some(secret_table) = &outbound.secret_header else {
        // A gateway that checks no header needs none (it recognizes the
        // tenant otherwise, catalog `tenant_recognition`).
        if unchecked_by.is_some() {
            return;
        }
        found.push(
            Diagnostic::new(Code::OpenRelay, "outbound mail goes through the gateway without a secret header")
                .at(outbound_table.span())
                .with_label("no `[outbound.secret_header]`")
                .with_help("add `[outbound.secret_header]`: without it the gateway relays for any Microsoft 365 tenant, whose servers are shared"),
        );
        return;
    };
    check_secret_header(secret_table, ctx, found);
}

/// The catalog vendor of a gateway that checks no secret header: neither
/// mailflowc's Cisco relay guard (a `[cisco]` table, or vendor cisco) nor a
/// gateway the catalog does not know (the operator's own, which may) is one.
fn vendor_without_guard(raw: &RawTopology) -> Option<&'static crate::catalog::Vendor> {
    if raw.cisco().is_some() {
        return None;
    }
    let vendor = crate::catalog::find(raw.gateway.get_ref().vendor.as_ref()?.get_ref())?;
    // A vendor with no outbound relay at all gets MF0705 instead.
    (!vendor.checks_secret_header && !vendor.no_outbound_relay).then_some(vendor)
}

/// A secret file inside a git work tree that git does not ignore would be
/// committed with the topology: warn. Asks git itself (`check-ignore`,
/// `ls-files`); without git, or outside a work tree, nothing is said.
fn committed_secret_file(path: &std::path::Path, span: Range<usize>) -> Option<Diagnostic> {
    let dir = path.parent()?;
    let file = path.file_name()?;
    let git = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()
    };
    let inside = git(&["rev-parse".as_ref(), "--is-inside-work-tree".as_ref()])?;
    if !inside.success() {
        return None;
    }
    let ignored = git(&["check-ignore".as_ref(), "-q".as_ref(), "--".as_ref(), file])?;
    let tracked = git(&[
        "ls-files".as_ref(),
        "--error-unmatch".as_ref(),
        "--".as_ref(),
        file,
    ])?;
    if ignored.success() && !tracked.success() {
        return None;
    }
    Some(
        Diagnostic::new(
            Code::SecretFileNotIgnored,
            "the secret file is inside the git work tree and not ignored",
        )
        .at(span)
        .with_label(if tracked.success() { "tracked by git" } else { "not in .gitignore" })
        .with_help("keep the secret outside the repository, or add it to .gitignore (and `git rm --cached` it if it was committed)"),
    )
}

/// A smart host given as an address gets the same checks as the gateway's
/// egress: never non-public space, never Microsoft 365's own ranges.
fn smart_host_address_problem(text: &str, span: Range<usize>) -> Option<Diagnostic> {
    let net = parse_address(text).ok()?.net;
    if let Some((block, name)) = non_public_block(&net) {
        return Some(
            Diagnostic::new(
                Code::NonPublicAddress,
                format!("smart host `{text}` lies in {name}"),
            )
            .at(span)
            .with_label(format!("overlaps `{block}`"))
            .with_help("Exchange Online delivers only to public addresses: give the gateway's public relay address or host name"),
        );
    }
    microsoft365_range(&net).map(|range| {
        Diagnostic::new(
            Code::Microsoft365Address,
            format!("smart host `{text}` is inside Microsoft 365's mail ranges"),
        )
        .at(span)
        .with_label(format!("overlaps Microsoft 365's `{range}`"))
        .with_help("the smart host must be the gateway, not Microsoft 365 itself")
    })
}

fn check_secret_header(
    table: &Spanned<RawSecretHeader>,
    ctx: &Context,
    found: &mut Vec<Diagnostic>,
) {
    let header = table.get_ref();
    if let Some(name) = &header.name {
        if let Some(problem) = header_name_problem(name.get_ref()) {
            found.push(
                Diagnostic::new(Code::InvalidHeaderName, format!("`{}` is not a header field name to use here", name.get_ref()))
                    .at(name.span())
                    .with_label(problem)
                    .with_help("use `X-` followed by letters, digits and hyphens, such as `X-Contoso-Relay-Auth`"),
            );
        }
    }
    let current = SecretKeys {
        which: "secret",
        reference_key: "value_from",
        fingerprint_key: "sha256",
        reference: header.value_from.as_ref(),
        recorded: header.sha256.as_ref(),
    };
    check_one_secret(&current, table.span(), ctx, found);
    if header.previous_value_from.is_some() || header.previous_sha256.is_some() {
        let previous = SecretKeys {
            which: "previous secret",
            reference_key: "previous_value_from",
            fingerprint_key: "previous_sha256",
            reference: header.previous_value_from.as_ref(),
            recorded: header.previous_sha256.as_ref(),
        };
        check_one_secret(&previous, table.span(), ctx, found);
    }
}

/// One secret of `[outbound.secret_header]`: its name in messages, its two
/// keys, and what the topology gives for them.
struct SecretKeys<'a> {
    which: &'static str,
    reference_key: &'static str,
    fingerprint_key: &'static str,
    reference: Option<&'a Spanned<String>>,
    recorded: Option<&'a Spanned<String>>,
}

/// One secret (current or previous): reference, value, fingerprint.
fn check_one_secret(
    keys: &SecretKeys<'_>,
    table_span: Range<usize>,
    ctx: &Context,
    found: &mut Vec<Diagnostic>,
) {
    let SecretKeys {
        which,
        reference_key,
        fingerprint_key,
        reference,
        recorded,
    } = *keys;
    let Some(reference) = reference else {
        found.push(
            Diagnostic::new(Code::SecretReferenceMissing, format!("the {which} has no `{reference_key}`"))
                .at(table_span)
                .with_label(format!("`{reference_key}` missing"))
                .with_help(format!("add `{reference_key} = \"env:VARIABLE\"` or `\"file:PATH\"`; the value itself never goes in the topology")),
        );
        return;
    };
    let source = match SecretSource::parse(reference.get_ref()) {
        Ok(source) => source,
        Err(problem) => {
            // The text is never echoed: a value pasted here is the secret.
            found.push(
                Diagnostic::new(
                    Code::SecretReferenceMissing,
                    format!("`{reference_key}` is not a secret reference"),
                )
                .at(reference.span())
                .with_label(problem)
                .with_help("write `env:VARIABLE` or `file:PATH` (relative to the topology file)"),
            );
            return;
        }
    };

    let value = match source.resolve(&ctx.base_dir) {
        Ok(value) => Some(value),
        Err(problem) if ctx.reveal => {
            found.push(
                Diagnostic::new(
                    Code::SecretUnresolvable,
                    format!("the {which} cannot be read"),
                )
                .at(reference.span())
                .with_label(problem)
                .with_help(
                    "set the variable or create the file, then run `mailflowc reveal` again",
                ),
            );
            return;
        }
        Err(_)
            if source
                .file_path(&ctx.base_dir)
                .is_some_and(|path| (!path.exists() && !path.is_symlink()) || path.is_dir()) =>
        {
            // A file the topology names and that is not there (or is a
            // directory) is a mistake (a typo, a path relative to the wrong
            // directory), not a machine without the secret: that one uses
            // `env:`.
            let is_dir = source
                .file_path(&ctx.base_dir)
                .is_some_and(|path| path.is_dir());
            found.push(
                Diagnostic::new(
                    Code::SecretFileMissing,
                    if is_dir {
                        format!("the {which} names a directory, not a file")
                    } else {
                        format!("the {which} names a file that does not exist")
                    },
                )
                .at(reference.span())
                .with_label(if is_dir {
                    "a directory (relative paths start beside the topology)"
                } else {
                    "no such file (relative paths start beside the topology)"
                })
                .with_help(
                    "create the file, correct the path, or use `env:NAME` on machines that do not hold the secret",
                ),
            );
            return;
        }
        Err(problem) => {
            // `check` and `build` need no secret; say what was not verified.
            found.push(
                Diagnostic::new(
                    Code::SecretNotVerified,
                    format!("the {which} could not be read: `{fingerprint_key}` is not verified"),
                )
                .at(reference.span())
                .with_label(problem)
                .with_help("nothing to change if this machine has no access to the secret; `mailflowc reveal` checks it"),
            );
            None
        }
    };
    if let (Some(path), true) = (source.file_path(&ctx.base_dir), ctx.check_git) {
        if let Some(d) = committed_secret_file(&path, reference.span()) {
            found.push(d);
        }
    }

    if let Some(value) = &value {
        if let Some(problem) = secret_problem(value) {
            found.push(
                Diagnostic::new(
                    Code::WeakSecret,
                    format!("the {which} is not strong enough or not plain enough"),
                )
                .at(reference.span())
                .with_label(problem)
                .with_help(
                    "generate one with letters and digits only, such as `openssl rand -hex 24`",
                ),
            );
            return;
        }
    }

    let recorded_ok = recorded.filter(|r| is_fingerprint(r.get_ref().trim()));
    match (recorded_ok, &value) {
        (None, _) => {
            let help = match &value {
                Some(_) => format!("add `{fingerprint_key}` = the 64 hex digits `printf %s \"$SECRET\" | sha256sum` prints for the value (or `Get-FileHash` for the file)"),
                None => format!("add `{fingerprint_key}` = the output of `printf %s \"$SECRET\" | sha256sum` (64 hex digits)"),
            };
            let mut d = Diagnostic::new(Code::FingerprintMissing, format!("the {which} has no valid `{fingerprint_key}`"))
                .with_label("committed output shows this fingerprint instead of the value")
                .with_help(help);
            d = d.at(recorded.map_or(table_span, |r| r.span()));
            found.push(d);
        }
        (Some(recorded), Some(value)) if normalize_fingerprint(recorded.get_ref()) != fingerprint(value) => found.push(
            Diagnostic::new(Code::FingerprintMismatch, format!("the {which} read from `{}` does not match `{fingerprint_key}`", reference.get_ref()))
                .at(recorded.span())
                .with_label("recorded fingerprint")
                .with_help(format!(
                    "if the secret was rotated on purpose, set `{fingerprint_key}` to the output of `printf %s \"$SECRET\" | sha256sum`; otherwise the wrong secret is configured"
                )),
        ),
        _ => {}
    }
}

/// Why `host` is not a smart host Exchange accepts (FQDN, IPv4 address or
/// CIDR; exchange-facts F-OUT-02), if it is not.
fn smart_host_problem(host: &str) -> Option<String> {
    if host.contains(':') && !host.contains("::") && host.matches(':').count() == 1 {
        return Some("a port cannot be given: Exchange always uses port 25".to_owned());
    }
    match parse_address(host) {
        Ok(parsed) if parsed.net.addr().is_ipv4() => None,
        Ok(_) => Some("IPv6 smart hosts are not documented for Exchange Online".to_owned()),
        Err(_) if host.contains(':') => {
            Some("IPv6 smart hosts are not documented for Exchange Online".to_owned())
        }
        Err(_) => domain_problem(&normalize_host(host)),
    }
}

/// Why `name` is not a safe custom header field name, if it is not:
/// `X-`, then letters, digits and hyphens, at most 62 characters, not one of
/// the gateway's own `X-IronPort-` headers.
pub fn header_name_problem(name: &str) -> Option<String> {
    let name = name.trim();
    let Some(rest) = name
        .get(..2)
        .filter(|p| p.eq_ignore_ascii_case("x-"))
        .map(|_| &name[2..])
    else {
        return Some("a custom header must start with `X-`".to_owned());
    };
    if rest.is_empty() || rest.len() > 60 {
        return Some("1 to 60 characters after `X-`".to_owned());
    }
    if let Some(c) = rest
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        return Some(format!(
            "holds `{}`; use letters, digits and hyphens",
            c.escape_default()
        ));
    }
    if rest.to_ascii_lowercase().starts_with("ironport-") {
        return Some("`X-IronPort-` headers belong to the gateway itself".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smart_hosts() {
        assert_eq!(smart_host_problem("relay.gateway.example"), None);
        assert_eq!(smart_host_problem("68.232.140.27"), None);
        assert_eq!(smart_host_problem("68.232.140.0/28"), None);
        assert!(smart_host_problem("relay.gateway.example:587").is_some());
        assert!(smart_host_problem("2001:db8::1").is_some());
        assert!(smart_host_problem("relay").is_some());
    }

    #[test]
    fn header_names() {
        assert_eq!(header_name_problem("X-Outbound-Auth"), None);
        assert!(header_name_problem("Outbound-Auth").is_some());
        assert!(header_name_problem("X-Outbound Auth").is_some());
        assert!(header_name_problem("X-Outbound:Auth").is_some());
        assert!(header_name_problem("X-IronPort-Auth").is_some());
    }
}
