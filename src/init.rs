//! `mailflowc init`: a commented starter topology that passes `check` as it
//! is written. Values only the user knows (tenant, domains, and for some
//! vendors egress and MX) come from flags; without them the starter holds
//! example values, each named in the file's header and in a warning.

use crate::catalog;
use crate::targets::templates::ids;
use serde::Serialize;

/// What the user gave (flags of `mailflowc init`, or answers at a prompt).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Answers {
    /// The gateway vendor (`mailflowc vendors`).
    #[arg(long, default_value = "cloudflare")]
    pub vendor: String,
    /// The vendor's region [default: the vendor's default].
    #[arg(long)]
    pub region: Option<String>,
    /// The tenant's initial domain, NAME.onmicrosoft.com.
    #[arg(long)]
    pub tenant: Option<String>,
    /// The organization's name, as the runbook and the scripts' comments
    /// show it [default: the tenant's NAME, named in a warning].
    #[arg(long)]
    pub organization: Option<String>,
    /// An accepted domain whose MX moves to the gateway (repeatable).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// An address or prefix the gateway delivers from (repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub egress: Vec<String>,
    /// An MX host of the gateway (repeatable, in priority order).
    #[arg(long, value_name = "HOST")]
    pub mx: Vec<String>,
    /// Send outbound mail through the gateway (vendors with a documented
    /// outbound relay only).
    #[arg(long)]
    pub outbound: bool,
    /// The gateway's outgoing listener, with --outbound (repeatable).
    #[arg(long = "smart-host", value_name = "HOST")]
    pub smart_hosts: Vec<String>,
    /// The domain the gateway ARC-seals with (the d= of the ARC-Seal header
    /// it adds); written for a vendor the catalog records as changing
    /// messages.
    #[arg(long = "arc-sealer", value_name = "DOMAIN")]
    pub arc_sealer: Option<String>,
}

/// A starter topology and the example values it holds.
#[derive(Debug)]
pub struct Starter {
    pub text: String,
    /// One line per example value the user must replace.
    pub examples: Vec<String>,
}

#[derive(Serialize)]
struct Context<'a> {
    file_name: &'a str,
    vendor: &'a str,
    vendor_name: &'a str,
    region: Option<&'a str>,
    organization_name: String,
    tenant: String,
    domains: Vec<String>,
    egress: Vec<String>,
    mx: Vec<String>,
    outbound: bool,
    /// The gateway checks a secret header (catalog `checks_secret_header`).
    secret_header: bool,
    smart_hosts: Vec<String>,
    arc_sealer: Option<String>,
    modifies: Option<&'a str>,
    secret_from: &'a str,
    secret_sha256: String,
    examples: &'a [String],
}

/// The environment variable the starter's outbound secret is read from.
pub const SECRET_VARIABLE: &str = "MAILFLOWC_RELAY_SECRET";

/// Example values: under `replace-me.example` (RFC 2606 reserves
/// `.example`) where a name will do. An egress address cannot be a
/// documentation address (refused as non-public, MF0107), so the example is
/// Google's public DNS resolver, an address that never delivers mail: left
/// in place, the lock-down connector refuses mail rather than trusting a
/// stranger. `check` warns about every one of them still in a topology
/// (MF0707, `crate::check::examples`), and `build --deny-warnings` refuses it.
pub const EXAMPLE_TENANT: &str = "replace-me.onmicrosoft.com";
pub const EXAMPLE_DOMAIN: &str = "replace-me.example";
pub const EXAMPLE_EGRESS: &str = "8.8.8.8";
pub const EXAMPLE_MX: &str = "mx1.replace-me.example";
pub const EXAMPLE_SMART_HOST: &str = "relay.replace-me.example";
pub const EXAMPLE_ARC_SEALER: &str = "seal.replace-me.example";
/// The fingerprint written until the secret is set: no SHA-256 of a real
/// secret is all zeros.
pub const EXAMPLE_SHA256: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Writes the starter for `answers`, or says why it cannot.
pub fn starter(answers: &Answers, file_name: &str) -> Result<Starter, String> {
    let vendor = catalog::find_or_explain(&answers.vendor)?;
    if !answers.outbound && !answers.smart_hosts.is_empty() {
        return Err("`--smart-host` goes with `--outbound`".to_owned());
    }
    if answers.outbound && vendor.no_outbound_relay {
        return Err(format!(
            "`{}` documents no outbound relay for Microsoft 365, so `--outbound` cannot be offered (MF0705)",
            vendor.id
        ));
    }
    let region = match &answers.region {
        Some(region) => {
            if vendor.region(region).is_none() {
                return Err(format!(
                    "`{}` has no region `{region}`; run `mailflowc vendors show {}`",
                    vendor.id, vendor.id
                ));
            }
            Some(region.clone())
        }
        // A vendor whose egress is per region and which names no default:
        // its first region, said in a warning.
        None if vendor.default_region.is_none() && !vendor.regions.is_empty() => {
            Some(vendor.regions[0].id.clone())
        }
        None => None,
    };
    let mut examples = Vec::new();
    if answers.region.is_none() {
        if let Some(region) = &region {
            examples.push(format!(
                "gateway.region = \"{region}\": the first of the vendor's regions (--region)"
            ));
        }
    }
    // The values a flag gave, or the example, named in `examples`.
    let mut given_or = |given: &[String], wanted: bool, example: &str, line: String| {
        if given.is_empty() && wanted {
            examples.push(line);
            vec![example.to_owned()]
        } else {
            given.to_vec()
        }
    };
    let tenants: Vec<String> = answers.tenant.iter().cloned().collect();
    let tenant = given_or(
        &tenants,
        true,
        EXAMPLE_TENANT,
        format!(
            "organization.tenant = \"{EXAMPLE_TENANT}\": your tenant's initial domain (--tenant)"
        ),
    )
    .concat();
    let domains = given_or(&answers.domains, true, EXAMPLE_DOMAIN, format!(
        "organization.domains = [\"{EXAMPLE_DOMAIN}\"]: the accepted domains whose MX moves (--domain)"
    ));
    let needs = |key: &str| vendor.needs.iter().any(|n| n == key);
    let egress = given_or(&answers.egress, needs("gateway.egress"), EXAMPLE_EGRESS, format!(
        "gateway.egress = [\"{EXAMPLE_EGRESS}\"]: the addresses your gateway delivers from (--egress); the example never sends mail"
    ));
    let mx = given_or(
        &answers.mx,
        needs("gateway.mx"),
        EXAMPLE_MX,
        format!(
            "gateway.mx = [\"{EXAMPLE_MX}\"]: the MX hosts the vendor gave your account (--mx)"
        ),
    );
    let smart_hosts = given_or(&answers.smart_hosts, answers.outbound, EXAMPLE_SMART_HOST, format!(
        "outbound.smart_hosts = [\"{EXAMPLE_SMART_HOST}\"]: the gateway's outgoing listener (--smart-host)"
    ));
    // A vendor that changes messages is trusted as an ARC sealer (MF0210).
    let sealers: Vec<String> = answers.arc_sealer.iter().cloned().collect();
    let arc_sealer = given_or(&sealers, vendor.modifies.is_some(), EXAMPLE_ARC_SEALER, format!(
        "gateway.arc_sealer = \"{EXAMPLE_ARC_SEALER}\": the d= of the ARC-Seal header on a message the gateway delivered (--arc-sealer)"
    ))
    .into_iter()
    .next();
    // The secret's fingerprint: of the variable's value when it is set,
    // otherwise an example that `check` cannot verify (MF0518) until it is.
    // Only a gateway that checks the header gets one (MF0523).
    let secret_header = answers.outbound && vendor.checks_secret_header;
    let secret_sha256 = match std::env::var(SECRET_VARIABLE) {
        Ok(value) if secret_header && !value.is_empty() => crate::secret::fingerprint(&value),
        _ => {
            if secret_header {
                examples.push(format!(
                    "outbound.secret_header.sha256: set {SECRET_VARIABLE} to a long random secret of letters and digits, then write `printf %s \"${SECRET_VARIABLE}\" | sha256sum` here"
                ));
            }
            EXAMPLE_SHA256.to_owned()
        }
    };
    let organization_name = match &answers.organization {
        Some(name) => name.clone(),
        None => {
            let name = tenant
                .split('.')
                .next()
                .filter(|s| !s.is_empty() && *s != "replace-me")
                .unwrap_or("Replace Me Ltd")
                .to_owned();
            examples.push(format!(
                "organization.name = \"{name}\": taken from the tenant's name; give your organization's (--organization)"
            ));
            name
        }
    };
    let secret_from = format!("env:{SECRET_VARIABLE}");
    // The file name reaches a comment: only letters, digits and `._-+`.
    let file_name = &crate::targets::source_label(file_name);
    let context = Context {
        file_name,
        vendor: &vendor.id,
        vendor_name: &vendor.name,
        region: region.as_deref(),
        organization_name,
        tenant,
        domains,
        egress,
        mx,
        outbound: answers.outbound,
        smart_hosts,
        arc_sealer,
        modifies: vendor.modifies.as_ref().map(|m| m.what.as_str()),
        secret_header,
        secret_from: &secret_from,
        secret_sha256,
        examples: &examples,
    };
    let env = crate::targets::environment().map_err(|e| format!("internal error: {e:#}"))?;
    let text = env
        .get_template(ids::INIT_TOPOLOGY)
        .and_then(|t| t.render(&context))
        .map_err(|e| format!("internal error: {e:#}"))?;
    Ok(Starter { text, examples })
}
