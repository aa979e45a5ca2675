use serde::{Deserialize, Serialize};

/// One gateway vendor as its catalog file describes it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The region used when the topology names none.
    #[serde(default)]
    pub default_region: Option<String>,
    /// Topology keys the user must give because the vendor publishes no
    /// general value (`gateway.egress`, `gateway.mx`).
    #[serde(default)]
    pub needs: Vec<String>,
    /// The vendor documents no outbound relay for Microsoft 365 (Cloudflare:
    /// gateway-setup.md §1, [doc CF-OUT]): `[outbound]` is refused.
    #[serde(default)]
    pub no_outbound_relay: bool,
    /// The gateway's relay side checks and strips the secret header that
    /// Microsoft 365 stamps (Cisco: the relay guard mailflowc writes). Where
    /// it does not, the topology needs no `[outbound.secret_header]`: a
    /// header stamped anyway would leave with every message (MF0523).
    #[serde(default)]
    pub checks_secret_header: bool,
    /// How the vendor documents telling one tenant's relayed mail from
    /// another's (Microsoft 365's outbound servers are shared), with its
    /// source's id; what the runbook says the gateway checks.
    #[serde(default)]
    pub tenant_recognition: Option<Modifies>,
    pub notes: String,
    pub sources: Vec<Source>,
    /// Egress valid for every region.
    #[serde(default)]
    pub egress: Option<Egress>,
    #[serde(default)]
    pub regions: Vec<Region>,
    /// The certificate name the vendor documents for Microsoft 365 to check
    /// (`TlsSenderCertificateName`); shown, never applied: it may differ by
    /// region.
    #[serde(default)]
    pub certificate: Option<Certificate>,
    /// Exchange transport rules the vendor's guide asks for, acting on the
    /// verdict header it stamps; mailflowc documents them as a step.
    #[serde(default)]
    pub disposition_rules: Vec<DispositionRule>,
    /// How the vendor documents changing messages on their way in (link
    /// rewriting, banners): such a gateway breaks DKIM, and Microsoft
    /// recommends trusting it as an ARC sealer.
    #[serde(default)]
    pub modifies: Option<Modifies>,
}

/// What a vendor documents (what it changes in messages, how it recognizes
/// a tenant), with its source's id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Modifies {
    pub what: String,
    pub source: String,
}

/// A certificate name a vendor documents, with its source's id.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    pub name: String,
    pub source: String,
}

/// A transport rule a vendor documents for its verdict header.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DispositionRule {
    /// The rule's name in the vendor's guide.
    pub name: String,
    pub header: String,
    /// The header values (words) the rule matches.
    pub words: Vec<String>,
    /// Whether the rule also requires the sender IP in the gateway's egress.
    #[serde(default)]
    pub from_egress: bool,
    /// What the rule does, as the guide says it.
    pub action: String,
    /// The id of the source in `sources`.
    pub source: String,
}

/// Where a list comes from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub url: String,
    /// The date the page itself carries, when it shows one.
    #[serde(default)]
    pub page_date: Option<String>,
    /// When it was read, for pages that show no date.
    #[serde(default)]
    pub retrieved: Option<String>,
}

impl Source {
    /// The date data from this page is as old as.
    pub fn date(&self) -> &str {
        self.page_date
            .as_deref()
            .or(self.retrieved.as_deref())
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    pub source: String,
    pub addresses: Vec<String>,
    /// The vendor's own split of `addresses` for Microsoft 365, where it
    /// publishes one: tested against mailflowc's split.
    #[serde(default)]
    pub microsoft365_split: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub egress_source: Option<String>,
    #[serde(default)]
    pub egress: Vec<String>,
    #[serde(default)]
    pub mx_source: Option<String>,
    #[serde(default)]
    pub mx: Vec<CatalogMx>,
    /// The MX hosts are the example a vendor page shows, not necessarily
    /// the ones the vendor's dashboard assigns (vendors.toml role
    /// `current-example`; gateway-setup.md §1 "MX (current example)").
    #[serde(default)]
    pub mx_is_example: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogMx {
    pub host: String,
    pub priority: u16,
}

impl Vendor {
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.id == id)
    }

    /// Egress addresses for `region`, and the source they come from.
    pub fn egress_for<'a>(
        &'a self,
        region: Option<&'a Region>,
    ) -> Option<(&'a [String], &'a Source)> {
        if let Some(region) = region.filter(|r| !r.egress.is_empty()) {
            let source = self.source(region.egress_source.as_deref()?)?;
            return Some((&region.egress, source));
        }
        let egress = self.egress.as_ref()?;
        Some((&egress.addresses, self.source(&egress.source)?))
    }

    /// MX records for `region`, and the source they come from.
    pub fn mx_for<'a>(
        &'a self,
        region: Option<&'a Region>,
    ) -> Option<(&'a [CatalogMx], &'a Source)> {
        let region = region.filter(|r| !r.mx.is_empty())?;
        Some((&region.mx, self.source(region.mx_source.as_deref()?)?))
    }
}
