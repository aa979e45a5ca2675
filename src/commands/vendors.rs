//! `mailflowc vendors`: the vendor catalog, or one vendor.

use super::Exit;

/// Every vendor of the catalog, a line each.
pub fn list() -> Exit {
    let width = crate::catalog::vendors()
        .iter()
        .map(|v| v.id.len())
        .max()
        .unwrap_or(0);
    for vendor in crate::catalog::vendors() {
        let regions: Vec<&str> = vendor.regions.iter().map(|r| r.id.as_str()).collect();
        let regions = if regions.is_empty() {
            "-".to_owned()
        } else {
            regions.join(", ")
        };
        say!(
            "{:<width$} {:<48} regions: {regions}",
            vendor.id,
            vendor.name
        );
    }
    Exit::Ok
}

/// One vendor: what the catalog supplies, from which page, of which date.
pub fn show(name: &str) -> Exit {
    match crate::catalog::find_or_explain(name) {
        Ok(vendor) => {
            super::say_raw(&crate::catalog::describe(vendor));
            Exit::Ok
        }
        Err(message) => {
            warn!("error: {message}");
            Exit::Failure
        }
    }
}
