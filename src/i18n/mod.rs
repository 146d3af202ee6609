//! The bottom layer beside the scenario: messages in the user's language. English is the
//! source text, written in the code; other languages are Fluent catalogs (`ja.ftl`), looked up
//! by message ID, and anything a catalog lacks is shown in English. The language comes from
//! LC_ALL, LC_MESSAGES or LANG, as gettext reads them (`ja_JP.UTF-8` is Japanese).

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

/// The language of the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty.
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
}
