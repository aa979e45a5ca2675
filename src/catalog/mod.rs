//! The vendor catalog: egress addresses and MX hosts that gateway vendors
//! publish, each list with the page it comes from and that page's date.
//!
//! One TOML file per vendor under `catalog/vendors/`, embedded in the binary.
//! `vendor = "cloudflare"` in a topology fills what the user leaves out;
//! anything the topology gives explicitly wins. Values come from
//! `shared/reference/vendors.toml`, vendor-official entries only.
//! `tests/catalog.rs` checks that every file parses, every address is a
//! public address, and every list names a known source.

mod vendor;

pub use vendor::{CatalogMx, Certificate, Egress, Region, Source, Vendor};

use std::sync::OnceLock;

const FILES: &[(&str, &str)] = &[
    ("barracuda", include_str!("vendors/barracuda.toml")),
    ("cisco", include_str!("vendors/cisco.toml")),
    ("cisco-etd", include_str!("vendors/cisco-etd.toml")),
    ("cloudflare", include_str!("vendors/cloudflare.toml")),
    (
        "hornetsecurity",
        include_str!("vendors/hornetsecurity.toml"),
    ),
    ("mimecast", include_str!("vendors/mimecast.toml")),
    (
        "proofpoint-essentials",
        include_str!("vendors/proofpoint-essentials.toml"),
    ),
    ("sophos", include_str!("vendors/sophos.toml")),
    ("trend-micro", include_str!("vendors/trend-micro.toml")),
];

/// Every vendor, in id order. The files are part of the binary and covered
/// by tests, so a file that does not parse is a build defect, reported here.
pub fn vendors() -> &'static [Vendor] {
    static CATALOG: OnceLock<Vec<Vendor>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        FILES
            .iter()
            .map(|(id, text)| {
                toml::from_str(text)
                    .unwrap_or_else(|error| panic!("catalog file {id}.toml is invalid: {error}"))
            })
            .collect()
    })
}

/// A vendor by id or alias, case-insensitively.
pub fn find(name: &str) -> Option<&'static Vendor> {
    let name = name.trim().to_ascii_lowercase();
    vendors()
        .iter()
        .find(|v| v.id == name || v.aliases.contains(&name))
}

/// A vendor by id or alias, or the message that says it is not in the
/// catalog (with the closest id as a did-you-mean).
pub fn find_or_explain(name: &str) -> Result<&'static Vendor, String> {
    find(name).ok_or_else(|| {
        let ids = vendors().iter().map(|v| v.id.as_str());
        match closest(name, ids) {
            Some(id) => format!("no vendor `{name}` in the catalog; did you mean `{id}`?"),
            None => format!("no vendor `{name}` in the catalog; run `mailflowc vendors`"),
        }
    })
}

/// The id closest in spelling to `name`, as a did-you-mean.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let name = name.trim().to_ascii_lowercase();
    candidates
        .map(|c| (strsim::jaro_winkler(&name, c), c))
        .filter(|(score, _)| *score >= 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A vendor as `mailflowc vendors show` prints it: what it supplies, for
/// which region, from which page of which date.
pub fn describe(vendor: &Vendor) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", vendor.name, vendor.id);
    if !vendor.aliases.is_empty() {
        let _ = writeln!(out, "aliases: {}", vendor.aliases.join(", "));
    }
    let _ = writeln!(out, "\n{}", vendor.notes.trim());
    if !vendor.needs.is_empty() {
        let _ = writeln!(out, "\nyou must give: {}", vendor.needs.join(", "));
    }
    let source_line = |id: &str| match vendor.source(id) {
        Some(s) => format!("[{}, {}]", s.id, s.date()),
        None => format!("[{id}]"),
    };
    if let Some(certificate) = &vendor.certificate {
        let _ = writeln!(
            out,
            "\nTLS certificate the gateway presents {}: {} (give it as gateway.tls_certificate)",
            source_line(&certificate.source),
            certificate.name
        );
    }
    match &vendor.modifies {
        Some(modifies) => {
            let _ = writeln!(
                out,
                "\nchanges messages {}: {}; trust it as an ARC sealer: give gateway.arc_sealer (the vendor publishes no sealer domain: take the d= of the ARC-Seal header on a message it delivered)",
                source_line(&modifies.source),
                modifies.what
            );
        }
        None => {
            let _ = writeln!(
                out,
                "\nchanges messages: not recorded; if yours does, give gateway.modifies_messages = true and gateway.arc_sealer"
            );
        }
    }
    if let Some(egress) = &vendor.egress {
        let _ = writeln!(
            out,
            "\negress, every region {}:",
            source_line(&egress.source)
        );
        for address in &egress.addresses {
            let _ = writeln!(out, "  {address}");
        }
    }
    for region in &vendor.regions {
        let default = if vendor.default_region.as_deref() == Some(region.id.as_str()) {
            " (default)"
        } else {
            ""
        };
        let _ = writeln!(out, "\nregion {}{default}: {}", region.id, region.name);
        if !region.egress.is_empty() {
            let _ = writeln!(
                out,
                "  egress {}:",
                source_line(region.egress_source.as_deref().unwrap_or(""))
            );
            for address in &region.egress {
                let _ = writeln!(out, "    {address}");
            }
        }
        if !region.mx.is_empty() {
            let _ = writeln!(
                out,
                "  MX {}:",
                source_line(region.mx_source.as_deref().unwrap_or(""))
            );
            for mx in &region.mx {
                let _ = writeln!(out, "    {:>5}  {}", mx.priority, mx.host);
            }
        }
    }
    let _ = writeln!(
        out,
        "\nto pin these lists (gateway.catalog_pin; a catalog that changes is then refused until you review it):"
    );
    if vendor.regions.is_empty() {
        if let Some(selection) = select(&vendor.id, None) {
            let _ = writeln!(out, "  catalog_pin = \"{}\"", selection.pin());
        }
    }
    for region in &vendor.regions {
        if let Some(selection) = select(&vendor.id, Some(&region.id)) {
            let _ = writeln!(
                out,
                "  catalog_pin = \"{}\"   # region {}",
                selection.pin(),
                region.id
            );
        }
    }
    let _ = writeln!(out, "\nsources:");
    for source in &vendor.sources {
        let dated = match (&source.page_date, &source.retrieved) {
            (Some(date), _) => format!("page dated {date}"),
            (None, Some(date)) => format!("undated page, read {date}"),
            (None, None) => "undated".to_owned(),
        };
        let _ = writeln!(
            out,
            "  [{}] {} ({dated})\n      {}",
            source.id, source.title, source.url
        );
    }
    out
}

/// The catalog entry and region a topology selects.
#[derive(Debug, Clone, Copy)]
pub struct Selection {
    pub vendor: &'static Vendor,
    pub region: Option<&'static Region>,
}

impl Selection {
    /// The catalog's egress list, when the topology gives none.
    pub fn egress(&self) -> Option<(&'static [String], &'static Source)> {
        self.vendor.egress_for(self.region)
    }

    pub fn mx(&self) -> Option<(&'static [CatalogMx], &'static Source)> {
        self.vendor.mx_for(self.region)
    }

    /// What `gateway.catalog_pin` holds: 16 hex digits of a SHA-256 over
    /// the vendor, the region and the egress and MX lists the catalog
    /// supplies for it, so any change to what a build would take differs.
    pub fn pin(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        let mut line = |text: &str| {
            hash.update(text.as_bytes());
            hash.update(b"\n");
        };
        line(&self.vendor.id);
        line(self.region.map_or("", |r| r.id.as_str()));
        for address in self.egress().map(|(list, _)| list).unwrap_or_default() {
            line(&format!("egress {address}"));
        }
        for mx in self.mx().map(|(list, _)| list).unwrap_or_default() {
            line(&format!("mx {} {}", mx.priority, mx.host));
        }
        hash.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The catalog entry `vendor` names (an id or alias) and its `region`, or the
/// vendor's default region; `None` when either is unknown.
pub fn select(vendor: &str, region: Option<&str>) -> Option<Selection> {
    let vendor = find(vendor)?;
    let region = match region {
        Some(region) => Some(vendor.region(region.trim())?),
        None => vendor
            .default_region
            .as_deref()
            .and_then(|id| vendor.region(id)),
    };
    Some(Selection { vendor, region })
}
