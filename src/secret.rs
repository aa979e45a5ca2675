//! The outbound secret: where its value lives, and its fingerprint.
//!
//! The value never enters the topology, the model or a committed file. The
//! topology names where to find it (`env:NAME` or `file:PATH`, the path
//! relative to the topology) and records its SHA-256, which committed output
//! shows instead: a rotation shows in review, the value never does.

use sha2::{Digest, Sha256};
use std::path::Path;

/// Where a secret's value is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(String),
}

impl SecretSource {
    /// Parses `env:NAME` or `file:PATH`.
    pub fn parse(reference: &str) -> Result<SecretSource, String> {
        let reference = reference.trim();
        if let Some(name) = reference.strip_prefix("env:") {
            let valid = !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit());
            // Never echo what was written: it may be the secret itself.
            return if valid {
                Ok(SecretSource::Env(name.to_owned()))
            } else {
                Err("not an environment variable name (letters, digits and `_`)".to_owned())
            };
        }
        if let Some(path) = reference.strip_prefix("file:") {
            return if path.trim().is_empty() {
                Err("`file:` needs a path".to_owned())
            } else {
                Ok(SecretSource::File(path.trim().to_owned()))
            };
        }
        Err("write `env:VARIABLE` or `file:PATH`".to_owned())
    }

    /// Reads the value: the variable or the file's content, surrounding white
    /// space removed. A file must be a regular file of at most
    /// [`MAX_SECRET_FILE_BYTES`]: FIFOs, devices and sockets are refused
    /// before anything is read, so `file:/dev/zero` or a pipe cannot hang or
    /// exhaust memory. No error describes the content.
    pub fn resolve(&self, base_dir: &Path) -> Result<String, String> {
        let value = match self {
            SecretSource::Env(name) => std::env::var(name)
                .map_err(|_| format!("environment variable `{name}` is not set"))?,
            SecretSource::File(path) => read_secret_file(&base_dir.join(path))?,
        };
        let value = value.trim().to_owned();
        if value.is_empty() {
            return Err(NOT_A_SECRET.to_owned());
        }
        Ok(value)
    }

    /// The file a `file:` reference names, for checks on where it lies.
    pub fn file_path(&self, base_dir: &Path) -> Option<std::path::PathBuf> {
        match self {
            SecretSource::File(path) => Some(base_dir.join(path)),
            SecretSource::Env(_) => None,
        }
    }

    /// The environment variable a generated script may read the value from.
    pub fn env_name(&self) -> Option<&str> {
        match self {
            SecretSource::Env(name) => Some(name),
            SecretSource::File(_) => None,
        }
    }
}

/// The largest secret file read: a secret is a line of letters and digits.
pub const MAX_SECRET_FILE_BYTES: u64 = 4096;

/// What every problem with a secret's content is reported as: nothing more
/// is said about a file's content, whatever file it is.
pub const NOT_A_SECRET: &str = "not a valid secret (at least 32 letters and digits, nothing else)";

fn read_secret_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let metadata = std::fs::metadata(path)
        .map_err(|error| format!("cannot read `{shown}`: {}", error.kind()))?;
    if !metadata.is_file() {
        return Err(format!("`{shown}` is not a regular file"));
    }
    if metadata.len() > MAX_SECRET_FILE_BYTES {
        return Err(format!(
            "`{shown}` is larger than {MAX_SECRET_FILE_BYTES} bytes: {NOT_A_SECRET}"
        ));
    }
    let file = std::fs::File::open(path)
        .map_err(|error| format!("cannot read `{shown}`: {}", error.kind()))?;
    let mut bytes = Vec::new();
    file.take(MAX_SECRET_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read `{shown}`: {}", error.kind()))?;
    if bytes.len() as u64 > MAX_SECRET_FILE_BYTES {
        return Err(format!(
            "`{shown}` is larger than {MAX_SECRET_FILE_BYTES} bytes: {NOT_A_SECRET}"
        ));
    }
    String::from_utf8(bytes).map_err(|_| NOT_A_SECRET.to_owned())
}

/// Lowercase hex SHA-256 of the value's UTF-8 bytes, as `sha256sum` prints it.
pub fn fingerprint(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The shortest secret the gateway filter accepts: long enough that guessing
/// it is hopeless, given that any Microsoft 365 tenant can try.
pub const MIN_SECRET_LEN: usize = 32;

/// Why `value` cannot serve as the secret, if it cannot. Letters and digits
/// only: anything else would need escaping in an AsyncOS regular expression
/// or a PowerShell string, and Cisco advises against special characters.
pub fn secret_problem(value: &str) -> Option<String> {
    // Which character or how long is not said: a reference can name any
    // readable file, and the message would leak facts about its content.
    let valid = value.len() >= MIN_SECRET_LEN && value.chars().all(|c| c.is_ascii_alphanumeric());
    (!valid).then(|| NOT_A_SECRET.to_owned())
}

/// Whether `text` has the form of a SHA-256 fingerprint: 64 hex digits, in
/// either case (`Get-FileHash` prints upper case; `sha256sum` lower).
pub fn is_fingerprint(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A fingerprint as every output writes it: trimmed, lower case.
pub fn normalize_fingerprint(text: &str) -> String {
    text.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(
            SecretSource::parse("env:RELAY_SECRET"),
            Ok(SecretSource::Env("RELAY_SECRET".into()))
        );
        assert_eq!(
            SecretSource::parse("file:secrets/relay.txt"),
            Ok(SecretSource::File("secrets/relay.txt".into()))
        );
        assert!(SecretSource::parse("RELAY_SECRET").is_err());
        assert!(SecretSource::parse("env:1BAD").is_err());
        assert!(SecretSource::parse("env:BAD-NAME").is_err());
    }

    #[test]
    fn fingerprint_matches_sha256sum() {
        // printf %s abc | sha256sum
        assert_eq!(
            fingerprint("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_fingerprint(&fingerprint("abc")));
    }

    #[test]
    fn secrets_must_be_long_alphanumeric() {
        assert_eq!(secret_problem("0123456789abcdefABCDEF0123456789"), None);
        assert!(secret_problem("short").is_some());
        assert!(secret_problem("0123456789abcdefABCDEF0123456789$").is_some());
    }

    #[test]
    fn environment_values_are_read() {
        std::env::set_var("MAILFLOWC_TEST_SECRET_READ", "  value  \n");
        let source = SecretSource::parse("env:MAILFLOWC_TEST_SECRET_READ").unwrap();
        assert_eq!(source.resolve(Path::new(".")).unwrap(), "value");
        assert!(SecretSource::parse("env:MAILFLOWC_TEST_SECRET_UNSET")
            .unwrap()
            .resolve(Path::new("."))
            .is_err());
    }
}

/// Secret values read for `mailflowc reveal`: kept apart from the model so
/// they can only reach the files that explicitly ask for them.
#[derive(Clone, PartialEq, Eq)]
pub struct RevealedSecrets {
    pub current: String,
    pub previous: Option<String>,
}

impl std::fmt::Debug for RevealedSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RevealedSecrets(..)")
    }
}
