//! The operator's documents in other languages (`build --lang`). Each
//! document has one template, written in English; its prose goes through
//! `t("English text with {name}", name=value)`, and text Rust hands it
//! (phase titles, step summaries, catalog rule actions) through
//! `t(value)`. English fills the placeholders in; another language looks
//! the English up in its catalog, one file per language beside this one
//! (`src/targets/i18n/<code>.toml`, gettext style: keyed by the English, so
//! the template still reads as the English document), and fills the
//! translation's placeholders in. Placeholders are named because word order
//! differs between languages.
//!
//! A missing entry fails the build rather than leave English in a
//! translated document, and so does an entry whose placeholders differ from
//! its English (checked when the catalog loads). `tests/lang.rs` builds
//! every valid fixture, every catalog vendor and the shared-appliance fleet
//! in every language, and fails on a catalog entry that no template asks
//! for and no build looked up (nor a string of the sources holds).
//!
//! A paragraph whose wording depends on the topology is one message: the
//! template renders the part that varies first (`{% set … %}`, itself
//! through `t`) and hands it in as a placeholder, so a translation can put
//! it where its word order wants it.
//!
//! A new language is one catalog file plus one line in [`languages!`] (and
//! its value of `build --lang` in `src/cli.rs`).

use minijinja::value::{Kwargs, Value};
use minijinja::{Error, ErrorKind, State};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

macro_rules! languages {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// The language of the files an operator reads (the runbook and the
        /// gateway steps): `build --lang`. Scripts, zone fragments and the
        /// desired state are the same in every language.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub enum Lang {
            #[default]
            En,
            $($variant),*
        }

        impl Lang {
            /// Every language, English first.
            pub const ALL: &'static [Lang] = &[Lang::En, $(Lang::$variant),*];

            /// The language's code, as `build --lang` and the catalog's
            /// file name spell it.
            pub fn code(self) -> &'static str {
                match self {
                    Lang::En => "en",
                    $(Lang::$variant => $code),*
                }
            }

            /// The catalog's text; English, the templates' own, has none.
            fn catalog_source(self) -> Option<&'static str> {
                match self {
                    Lang::En => None,
                    $(Lang::$variant => Some(include_str!(concat!("i18n/", $code, ".toml")))),*
                }
            }
        }
    };
}

languages! {
    Ja => "ja",
}

/// One language's messages: the translation of each English text.
#[derive(Debug)]
pub struct Catalog {
    /// English → (translation, index into `used`).
    messages: HashMap<String, (String, usize)>,
    /// The English of each entry, in file order.
    english: Vec<String>,
    /// Whether each entry was looked up (the test for unused entries).
    used: Vec<AtomicBool>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    message: Vec<BTreeMap<String, String>>,
}

impl Catalog {
    /// Reads a catalog whose entries are `[[message]]` tables with the
    /// English under `en` and the translation under the language's `code`.
    /// Fails on a duplicate, on a table with other keys, and on an entry
    /// whose placeholders are not exactly those of its English.
    pub fn parse(code: &str, text: &str) -> Result<Catalog, String> {
        let file: CatalogFile =
            toml::from_str(text).map_err(|e| format!("the `{code}` catalog: {e}"))?;
        let mut catalog = Catalog {
            messages: HashMap::new(),
            english: Vec::new(),
            used: Vec::new(),
        };
        for (index, entry) in file.message.into_iter().enumerate() {
            let keys: Vec<&str> = entry.keys().map(String::as_str).collect();
            let (Some(en), Some(translation), 2) = (entry.get("en"), entry.get(code), keys.len())
            else {
                return Err(format!(
                    "the `{code}` catalog: message {} has keys {keys:?}, not `en` and `{code}`",
                    index + 1
                ));
            };
            let (wanted, found) = (placeholders(en), placeholders(translation));
            if wanted != found {
                return Err(format!(
                    "the `{code}` catalog: the translation of `{en}` has placeholders \
                     {found:?}, the English {wanted:?}"
                ));
            }
            let slot = catalog.english.len();
            if catalog
                .messages
                .insert(en.clone(), (translation.clone(), slot))
                .is_some()
            {
                return Err(format!("the `{code}` catalog: `{en}` is listed twice"));
            }
            catalog.english.push(en.clone());
            catalog.used.push(AtomicBool::new(false));
        }
        Ok(catalog)
    }

    /// The translation of `english`, marked as used.
    pub fn get(&self, english: &str) -> Option<&str> {
        let (translation, slot) = self.messages.get(english)?;
        if let Some(used) = self.used.get(*slot) {
            used.store(true, Ordering::Relaxed);
        }
        Some(translation)
    }

    /// Every English text, in file order.
    pub fn english(&self) -> &[String] {
        &self.english
    }

    /// The English of the entries no lookup has asked for yet.
    pub fn unused(&self) -> Vec<&str> {
        self.english
            .iter()
            .zip(&self.used)
            .filter(|(_, used)| !used.load(Ordering::Relaxed))
            .map(|(en, _)| en.as_str())
            .collect()
    }
}

/// The catalog of `lang`, read once per process; `None` for English.
pub fn catalog(lang: Lang) -> Result<Option<&'static Catalog>, Error> {
    static CATALOGS: OnceLock<Vec<Result<Catalog, String>>> = OnceLock::new();
    let all = CATALOGS.get_or_init(|| {
        Lang::ALL
            .iter()
            .map(|lang| {
                Catalog::parse(lang.code(), lang.catalog_source().unwrap_or("message = []"))
            })
            .collect()
    });
    if lang == Lang::En {
        return Ok(None);
    }
    let slot = Lang::ALL.iter().position(|l| *l == lang);
    match slot.and_then(|i| all.get(i)) {
        Some(Ok(catalog)) => Ok(Some(catalog)),
        Some(Err(message)) => Err(Error::new(ErrorKind::InvalidOperation, message.clone())),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("no catalog for `{}`", lang.code()),
        )),
    }
}

/// The names of `{name}` placeholders in `text` (other braces are text).
pub fn placeholders(text: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            if is_name(&rest[..close]) {
                out.insert(&rest[..close]);
            }
        }
    }
    out
}

fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `text` with each `{name}` replaced by `values[name]`.
fn fill(text: &str, values: &BTreeMap<&str, String>) -> Result<String, Error> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| &after[..close]) {
            Some(name) if is_name(name) => {
                let value = values.get(name).ok_or_else(|| {
                    Error::new(
                        ErrorKind::MissingArgument,
                        format!("`{text}` needs a value for `{{{name}}}`"),
                    )
                })?;
                out.push_str(value);
                rest = &after[name.len() + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The language a template renders in: the `lang` its context carries
/// (`targets::render`), English without one.
fn lang_of(state: &State) -> Lang {
    let code = state.lookup("lang");
    let code = code.as_ref().and_then(Value::as_str).unwrap_or("en");
    Lang::ALL
        .iter()
        .copied()
        .find(|l| l.code() == code)
        .unwrap_or_default()
}

/// `text` in `lang` with its placeholders filled in from `values`; every
/// placeholder needs a value and every value a placeholder.
pub fn translate(lang: Lang, text: &str, values: &BTreeMap<&str, String>) -> Result<String, Error> {
    let wanted = placeholders(text);
    if let Some(extra) = values.keys().find(|name| !wanted.contains(*name)) {
        return Err(Error::new(
            ErrorKind::TooManyArguments,
            format!("`{text}` has no placeholder `{{{extra}}}`"),
        ));
    }
    // Nothing to translate in an empty text (a step without a summary).
    if text.is_empty() {
        return Ok(String::new());
    }
    match catalog(lang)? {
        None => fill(text, values),
        Some(catalog) => match catalog.get(text) {
            Some(translation) => fill(translation, values),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "no `{}` for `{text}` (src/targets/i18n/{}.toml)",
                    lang.code(),
                    lang.code()
                ),
            )),
        },
    }
}

/// minijinja function `t(text, name=value, …)`: `text` in the template's
/// language.
pub fn t_function(state: &State, text: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut values = BTreeMap::new();
    for name in kwargs.args() {
        let value: Value = kwargs.get(name)?;
        values.insert(name, value.to_string());
    }
    kwargs.assert_all_used()?;
    translate(lang_of(state), text, &values)
}

/// minijinja function `t_name(name)`: a rule name as the operator types it.
/// A name with a note of mailflowc's has a translation; a vendor's own name
/// has none and stays as the vendor gives it.
pub fn t_name_function(state: &State, name: &str) -> Result<String, Error> {
    match catalog(lang_of(state))? {
        Some(catalog) => Ok(catalog.get(name).unwrap_or(name).to_owned()),
        None => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_named_braces_only() {
        let found = placeholders("{a} and {b_2} but not {Upper}, { x } or {}");
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["a", "b_2"]);
        let values = BTreeMap::from([("a", "1".to_owned()), ("b_2", "2".to_owned())]);
        assert_eq!(
            fill("{a} and {b_2} but not { x } or {}", &values).unwrap(),
            "1 and 2 but not { x } or {}"
        );
    }
}
