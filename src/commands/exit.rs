//! How a command ends: one typed exit code, the same for every command.

/// A command's exit code ([`EXIT_CODES`] says what each means).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Exit {
    /// Success: warnings allowed; nothing to do; the tree is up to date.
    #[default]
    Ok,
    /// The topology has errors.
    Invalid,
    /// Usage, I/O or internal error; a check that could not be made.
    Failure,
    /// A difference was found.
    Different,
}

impl Exit {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Invalid => 1,
            Exit::Failure => 2,
            Exit::Different => 3,
        }
    }

    /// One exit code for many: a failure (2) over errors (1) over
    /// differences (3) over success.
    pub fn combine(exits: impl Iterator<Item = Exit>) -> Exit {
        let exits: Vec<Exit> = exits.collect();
        [Exit::Failure, Exit::Invalid, Exit::Different]
            .into_iter()
            .find(|worst| exits.contains(worst))
            .unwrap_or(Exit::Ok)
    }
}

/// Every exit code, with what it means; the README carries the same table.
pub const EXIT_CODES: &[(u8, &str)] = &[
    (
        Exit::Ok.code(),
        "success: warnings allowed; nothing to do; the tree is up to date",
    ),
    (
        Exit::Invalid.code(),
        "the topology has errors (for `import`: the one the tenant makes)",
    ),
    (
        Exit::Failure.code(),
        "usage, I/O or internal error (a crash is caught and reported as one); a check that could not be made (`dns-check` could not ask a domain's server)",
    ),
    (
        Exit::Different.code(),
        "a difference was found: `build --check` on a stale tree, `plan` with changes, `drift`, `dns-check`, an `audit` error, an `import` that would change the tenant",
    ),
];
