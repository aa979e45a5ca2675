//! `mailflowc init`: a commented starter topology, never over a file; and
//! what `init` and `import` share: the never-overwrite check, the context a
//! new topology is checked in, and the create-new write.

use super::{Exit, Settings};
use crate::context::Context;
use crate::diagnostics::{self, Diagnostic};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Asks on a terminal for a value only the user knows; `None` when not on a
/// terminal or left empty.
fn prompt(question: &str) -> Option<String> {
    use std::io::{BufRead as _, Write as _};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return None;
    }
    let _ = write!(std::io::stderr().lock(), "{question}: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).ok()?;
    let line = line.trim().to_owned();
    (!line.is_empty()).then_some(line)
}

/// Refuses a file `command` would write when it exists: init and import
/// never overwrite.
pub(super) fn exists_refused(path: &Path, command: &str) -> Option<Exit> {
    path.exists().then(|| {
        warn!(
            "error: `{}` exists; `mailflowc {command}` never overwrites a file",
            path.display()
        );
        Exit::Failure
    })
}

/// The context a topology about to be written at `path` is checked in.
pub(super) fn context_beside(path: Option<&Path>) -> Context {
    let base_dir = path
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Context {
        base_dir,
        reveal: false,
        today: Some(time::OffsetDateTime::now_utc().date()),
        check_git: false,
        lang: crate::targets::Lang::En,
    }
}

/// Writes a file that must not exist yet (`create_new`: never one that
/// appeared since the check).
pub(super) fn write_new(path: &Path, text: &str) -> Result<(), Exit> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|error| {
            warn!("error: cannot write `{}`: {error}", path.display());
            Exit::Failure
        })
}

pub fn init(path: &Path, mut answers: crate::init::Answers, settings: &Settings) -> Exit {
    use std::io::Write as _;
    if let Some(code) = exists_refused(path, "init") {
        return code;
    }
    if answers.tenant.is_none() {
        answers.tenant = prompt("Tenant's initial domain (NAME.onmicrosoft.com)");
    }
    if answers.domains.is_empty() {
        if let Some(domains) = prompt("Accepted domains whose MX moves, separated by spaces") {
            answers.domains = domains.split_whitespace().map(str::to_owned).collect();
        }
    }
    let file_name = path.file_name().map_or_else(
        || "topology.toml".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let starter = match crate::init::starter(&answers, &file_name) {
        Ok(starter) => starter,
        Err(message) => {
            warn!("error: {message}");
            return Exit::Failure;
        }
    };
    // What the flags say must pass `check` (example values aside, which the
    // warnings below name): refuse, writing nothing, rather than leave a
    // file that fails.
    let context = context_beside(Some(path));
    let display = path.display().to_string();
    let sources = crate::pipeline::load(&starter.text, &display, &context, None);
    let (_, found) = crate::pipeline::analyze_sources(&sources, &context);
    let errors: Vec<Diagnostic> = found.into_iter().filter(Diagnostic::is_error).collect();
    if !errors.is_empty() {
        let text = diagnostics::render_sources(&errors, &sources, settings.color_on_stderr());
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        warn!(
            "error: the values given would write a topology that fails `check` ({} error(s)); \
             nothing was written: correct the flags above",
            errors.len()
        );
        return Exit::Invalid;
    }
    if let Err(code) = write_new(path, &starter.text) {
        return code;
    }
    for example in &starter.examples {
        warn!("warning: example value, replace it: {example}");
    }
    if !settings.quiet {
        say!(
            "wrote {}; next: mailflowc check {}",
            path.display(),
            path.display()
        );
    }
    Exit::Ok
}
