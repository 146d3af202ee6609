//! The bottom layer beside the scenario: messages in the user's language. English is the
//! source text, written in the code; other languages are Fluent catalogs (`ja.ftl`), looked up
//! by message ID, and anything a catalog lacks is shown in English. The language comes from
//! LC_ALL, LC_MESSAGES or LANG, as gettext reads them (`ja_JP.UTF-8` is Japanese).
//!
//! A message with arguments names them as Fluent does, `{ $lab }`, in the English text too:
//! `tr!("up-done", "lab { $lab } is up", lab = name)`. English gets the same substitution, so
//! the English output is the text written in the code.

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

/// The language of the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty.
/// The crate's own unit tests always get English: their expected texts must not depend on the
/// locale of whoever runs them.
#[cfg(test)]
pub fn lang() -> Lang {
    Lang::En
}

/// The language of the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty.
#[cfg(not(test))]
pub fn lang() -> Lang {
    let v = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    from_locale(v.as_deref().unwrap_or(""))
}

fn from_locale(locale: &str) -> Lang {
    if locale.starts_with("ja") { Lang::Ja } else { Lang::En }
}

const JA: &str = include_str!("ja.ftl");

fn ja() -> Option<&'static FluentBundle<FluentResource>> {
    static BUNDLE: OnceLock<Option<FluentBundle<FluentResource>>> = OnceLock::new();
    BUNDLE
        .get_or_init(|| {
            // A catalog with a syntax error is refused whole (a test parses it).
            let res = FluentResource::try_new(JA.to_string()).ok()?;
            let id: unic_langid::LanguageIdentifier = "ja".parse().ok()?;
            let mut b = FluentBundle::new_concurrent(vec![id]);
            // Text is shown in a terminal: no Unicode isolation marks around arguments.
            b.set_use_isolating(false);
            b.add_resource(res).ok()?;
            Some(b)
        })
        .as_ref()
}

/// Message `id` in `lang`, or `english` when the catalog has none.
pub fn text(lang: Lang, id: &str, english: &str) -> String {
    if lang == Lang::En {
        return english.to_string();
    }
    let Some(b) = ja() else { return english.to_string() };
    let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else { return english.to_string() };
    let mut errors = vec![];
    let s = b.format_pattern(pattern, None, &mut errors);
    if errors.is_empty() { s.into_owned() } else { english.to_string() }
}

/// A message's arguments: each name (as in `{ $name }`) and its value.
pub type Args<'a> = [(&'a str, &'a dyn std::fmt::Display)];

/// Message `id` in `lang` with `args` put into its `{ $name }` places; `english`, filled the
/// same way, when the catalog has none (or its message names an argument not given).
pub fn text_args(lang: Lang, id: &str, english: &str, args: &Args<'_>) -> String {
    let values: Vec<(&str, String)> = args.iter().map(|(k, v)| (*k, v.to_string())).collect();
    if lang == Lang::Ja {
        if let Some(s) = ja_args(id, &values) {
            return s;
        }
    }
    fill(english, &values)
}

fn ja_args(id: &str, values: &[(&str, String)]) -> Option<String> {
    let b = ja()?;
    let pattern = b.get_message(id)?.value()?;
    let mut fa = fluent_bundle::FluentArgs::new();
    // Every value as a string: numbers are shown as the English text shows them.
    for (k, v) in values {
        fa.set(*k, fluent_bundle::FluentValue::from(v.as_str()));
    }
    let mut errors = vec![];
    let s = b.format_pattern(pattern, Some(&fa), &mut errors);
    errors.is_empty().then(|| s.into_owned())
}

/// `text` with `{ $name }` replaced by its value; a place with no value is left as written.
fn fill(text: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{ $") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let name_len =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(after.len());
        let (name, tail) = after.split_at(name_len);
        match (tail.strip_prefix(" }"), values.iter().find(|(k, _)| *k == name)) {
            (Some(tail), Some((_, v))) => {
                out.push_str(v);
                rest = tail;
            }
            _ => {
                out.push_str("{ $");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{ $name }` places of an English text, in order (for the catalog test).
pub fn places(text: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = text;
    while let Some(at) = rest.find("{ $") {
        let after = &rest[at + 3..];
        let name_len =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(after.len());
        if after[name_len..].starts_with(" }") {
            out.push(after[..name_len].to_string());
        }
        rest = after;
    }
    out
}

/// A message in the user's language: `tr!("id", "English { $x }", x = value)`. The English text
/// is the source; the ID is looked up in `ja.ftl` (a test checks every ID used and its places).
macro_rules! tr {
    ($id:literal, $en:literal $(,)?) => {
        $crate::i18n::text($crate::i18n::lang(), $id, $en)
    };
    ($id:literal, $en:literal, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::i18n::text_args(
            $crate::i18n::lang(), $id, $en, &[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),+])
    };
}
pub(crate) use tr;

/// `tr!` in a language given, for text that has an English-only caller too (goldens, CI files).
macro_rules! tr_in {
    ($lang:expr, $id:literal, $en:literal $(,)?) => {
        $crate::i18n::text($lang, $id, $en)
    };
    ($lang:expr, $id:literal, $en:literal, $($k:ident = $v:expr),+ $(,)?) => {
        $crate::i18n::text_args($lang, $id, $en, &[$((stringify!($k), &$v as &dyn ::std::fmt::Display)),+])
    };
}
pub(crate) use tr_in;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_picks_the_language() {
        assert_eq!(from_locale("ja_JP.UTF-8"), Lang::Ja);
        assert_eq!(from_locale("ja"), Lang::Ja);
        assert_eq!(from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(from_locale("C"), Lang::En);
        assert_eq!(from_locale(""), Lang::En);
    }

    #[test]
    fn the_japanese_catalog_parses_and_falls_back_to_english() {
        assert!(ja().is_some(), "ja.ftl parses");
        assert_eq!(text(Lang::Ja, "label-why", "why"), "理由");
        assert_eq!(text(Lang::Ja, "no-such-message", "english"), "english");
        assert_eq!(text(Lang::En, "label-why", "why"), "why");
    }

    #[test]
    fn messages_with_arguments_in_both_languages() {
        let n = 3;
        let args: &Args<'_> = &[("lab", &"web"), ("count", &n)];
        let en = "lab { $lab } has { $count } tasks";
        assert_eq!(text_args(Lang::En, "test-args", en, args), "lab web has 3 tasks");
        assert_eq!(text_args(Lang::Ja, "test-args", en, args), "ラボ web のタスクは 3 個です");
        // No message in the catalog: the English text, filled.
        assert_eq!(text_args(Lang::Ja, "no-such-message", en, args), "lab web has 3 tasks");
        // An argument the catalog names but the caller does not give: English, not a hole.
        assert_eq!(text_args(Lang::Ja, "test-args", en, &[("lab", &"web")]), "lab web has { $count } tasks");
        // Braces that are not a place stay as written.
        assert_eq!(fill("{a} { $x} { $y }", &[("y", "1".into())]), "{a} { $x} 1");
        assert_eq!(places("{ $a } and { $b }{ $c"), vec!["a", "b"]);
    }

    #[test]
    fn the_macros_follow_the_language() {
        assert_eq!(
            tr_in!(Lang::Ja, "test-args", "lab { $lab } has { $count } tasks", lab = "a", count = 2),
            "ラボ a のタスクは 2 個です"
        );
        assert_eq!(tr!("test-args", "lab { $lab } has { $count } tasks", lab = "a", count = 2), "lab a has 2 tasks");
        assert_eq!(tr_in!(Lang::Ja, "label-why", "why"), "理由");
    }

    /// One `tr!`/`tr_in!` call found in the source.
    struct Call {
        at: String,
        id: String,
        english: String,
        args: Vec<String>,
    }

    struct Finder {
        file: String,
        calls: Vec<Call>,
        bad: Vec<String>,
    }

    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            use syn::punctuated::Punctuated;
            let Some(last) = m.path.segments.last() else { return };
            let name = last.ident.to_string();
            if name != "tr" && name != "tr_in" {
                // `println!("{}", tr!(..))`: syn leaves macro bodies as tokens; read those that
                // are expressions (format-like macros) to find the calls inside.
                if let Ok(list) = m.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated) {
                    list.iter().for_each(|e| self.visit_expr(e));
                }
                return;
            }
            let at = format!("{}:{}", self.file, last.ident.span().start().line);
            let Ok(list) = m.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated) else {
                self.bad.push(format!("{at}: {name}! does not parse"));
                return;
            };
            let mut it = list.into_iter().skip(usize::from(name == "tr_in"));
            let lit = |e: Option<syn::Expr>| match e {
                Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. })) => Some(s.value()),
                _ => None,
            };
            let (Some(id), Some(english)) = (lit(it.next()), lit(it.next())) else {
                self.bad.push(format!("{at}: {name}! needs a literal ID and English text"));
                return;
            };
            let mut args = vec![];
            for e in it {
                if let syn::Expr::Assign(a) = e {
                    self.visit_expr(&a.right); // a message in an argument
                    if let syn::Expr::Path(p) = *a.left {
                        args.extend(p.path.get_ident().map(|i| i.to_string()));
                    }
                }
            }
            self.calls.push(Call { at, id, english, args });
        }
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    fn calls() -> Vec<Call> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = vec![];
        rust_files(&src, &mut files);
        let mut f = Finder { file: String::new(), calls: vec![], bad: vec![] };
        for p in files {
            let text = std::fs::read_to_string(&p).unwrap();
            let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            f.file = p.strip_prefix(&src).unwrap().display().to_string();
            syn::visit::visit_file(&mut f, &ast);
        }
        assert!(f.bad.is_empty(), "{:#?}", f.bad);
        f.calls
    }

    /// Every message the code asks for is in ja.ftl, formats there with the arguments the code
    /// gives (no place the English call lacks), and its English names exactly those arguments.
    #[test]
    fn every_message_used_is_in_the_catalog_with_its_arguments() {
        let calls = calls();
        assert!(calls.len() > 50, "the scan found only {} tr! calls", calls.len());
        let b = ja().expect("ja.ftl parses");
        let mut english_of: std::collections::BTreeMap<&str, &str> = Default::default();
        let mut problems = vec![];
        for c in &calls {
            let (at, id) = (&c.at, &c.id);
            if id.starts_with("test-") {
                continue; // the tests' own
            }
            if let Some(e) = english_of.insert(id, &c.english) {
                if e != c.english {
                    problems.push(format!("{at}: {id} has two English texts"));
                }
            }
            let mut places = places(&c.english);
            places.sort();
            places.dedup();
            let mut args = c.args.clone();
            args.sort();
            if places != args {
                problems.push(format!("{at}: {id}: the English places {places:?} are not the arguments {args:?}"));
            }
            let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
                problems.push(format!("{at}: no {id} in src/i18n/ja.ftl"));
                continue;
            };
            let mut fa = fluent_bundle::FluentArgs::new();
            for a in &c.args {
                fa.set(a.as_str(), "x");
            }
            let mut errors = vec![];
            let s = b.format_pattern(pattern, Some(&fa), &mut errors);
            if !errors.is_empty() || s.trim().is_empty() {
                problems.push(format!("{at}: {id} in ja.ftl: {errors:?} (the code gives {:?})", c.args));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// No message in ja.ftl is left over from code that no longer asks for it.
    #[test]
    fn every_catalog_message_is_used() {
        let used: std::collections::BTreeSet<String> = calls().into_iter().map(|c| c.id).collect();
        let res = fluent_bundle::FluentResource::try_new(JA.to_string()).expect("ja.ftl parses");
        let mut unused = vec![];
        for e in res.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = e {
                let id = m.id.name;
                // These IDs are made at run time (by --help, Reason and the tests) or sit in a
                // table (the picture's legend, checked by graph's tests).
                let dynamic = ["help-", "reason-", "label-", "test-", "picture-"].iter().any(|p| id.starts_with(p));
                if !dynamic && !used.contains(id) {
                    unused.push(id.to_string());
                }
            }
        }
        assert!(unused.is_empty(), "unused in ja.ftl: {unused:?}");
    }
}
