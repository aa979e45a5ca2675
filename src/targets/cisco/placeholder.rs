//! What stands in a committed relay guard where a secret goes, for a
//! tenant's own guard (`render`) and a shared appliance's (`appliance`).

/// What stands in the committed filter where the secret goes: pasted by
/// mistake, it matches nothing and the filter fails closed (drops relay mail).
pub fn placeholder(sha256: &str) -> String {
    format!("SECRET-NOT-IN-THIS-FILE-sha256-{sha256}")
}
