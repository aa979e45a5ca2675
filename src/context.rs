//! What a compilation may look at besides the topology text.

use std::path::PathBuf;

/// Where relative paths in the topology point, and whether the real secret
/// values are wanted (`mailflowc reveal`).
#[derive(Debug, Clone)]
pub struct Context {
    /// The topology's directory: `file:` secret references are relative to it.
    pub base_dir: PathBuf,
    /// Secrets must be readable: a reference that cannot be read is an error.
    pub reveal: bool,
    /// The date vendor data ages against; none skips the age check (the CLI
    /// passes the system date, tests a fixed one).
    pub today: Option<time::Date>,
    /// Ask git whether a `file:` secret sits in the work tree without being
    /// ignored (the CLI does; tests whose fixtures are committed do not).
    pub check_git: bool,
    /// The language of the runbook and the gateway steps (`build --lang`).
    pub lang: crate::targets::Lang,
}

impl Default for Context {
    fn default() -> Self {
        Context {
            base_dir: PathBuf::from("."),
            reveal: false,
            today: None,
            check_git: false,
            lang: crate::targets::Lang::En,
        }
    }
}
