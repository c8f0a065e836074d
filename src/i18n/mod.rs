//! The interface's languages: English, the source text, and German.
//!
//! Strings are written in English in the code and looked up in `de::DE` when the page is in
//! German (gettext-style: the English text is the key, so the code reads naturally and a
//! missing translation shows English rather than a key). `t` is for the literals in views,
//! `tr` for text made at run time (error messages, which may carry numbers).
//!
//! Which language a request gets: the one the person chose on the Preferences tab; "Same as
//! my browser" (the default, and every signed-out page) follows `Accept-Language`. Pages are
//! rendered on the server in that language; the island reads it from `<html lang>`.
//! `tests::every_string_in_the_code_is_translated` keeps the catalogue complete.

mod de;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The best of our languages for an `Accept-Language` header (English when none fits).
    pub fn negotiate(accept_language: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.trim().split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::from_code(primary) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The language for a saved choice (`auto`, `en`, `de`) and the browser's header.
    pub fn resolve(chosen: &str, accept_language: Option<&str>) -> Lang {
        Lang::from_code(chosen).unwrap_or_else(|| Lang::negotiate(accept_language.unwrap_or("")))
    }
}

/// The language of the page being rendered: on the server the request's (set by the session
/// middleware), in the browser the page's `<html lang>`.
pub fn current() -> Lang {
    #[cfg(feature = "ssr")]
    {
        crate::server::context::request_language()
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser_lang()
    }
}

#[cfg(not(feature = "ssr"))]
fn browser_lang() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::from_code(&l))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Lang::En
    }
}

/// A literal of the interface in the current language.
pub fn t(english: &'static str) -> &'static str {
    lookup(current(), english).unwrap_or(english)
}

/// A literal in a given language: for messages to someone other than the request's reader,
/// or made outside a request (e-mails and notifications, in their recipient's language).
pub fn in_lang(lang: Lang, english: &'static str) -> &'static str {
    lookup(lang, english).unwrap_or(english)
}

/// Text made at run time in the current language (see `translate`).
pub fn tr(english: &str) -> String {
    translate(current(), english)
}

/// `english` in `lang`: the catalogue's entry; else, for text with numbers in it ("Try again in
/// 30 s."), the entry for its template with `{n}` in their place, the numbers put back; else
/// the English text itself.
pub fn translate(lang: Lang, english: &str) -> String {
    if let Some(text) = lookup(lang, english) {
        return text.to_string();
    }
    // The one message that carries a reference, which is not a number.
    if let Some((reference, template)) = reference_out(english) {
        if let Some(text) = lookup(lang, &template) {
            return fill(text, &[reference]);
        }
    }
    let (template, numbers) = numbers_out(english);
    if numbers.is_empty() {
        return english.to_string();
    }
    match lookup(lang, &template) {
        Some(text) => {
            let mut out = String::new();
            let mut numbers = numbers.into_iter();
            let mut rest = text;
            while let Some(at) = rest.find("{n}") {
                out.push_str(&rest[..at]);
                out.push_str(&numbers.next().unwrap_or_default());
                rest = &rest[at + 3..];
            }
            out.push_str(rest);
            out
        }
        None => english.to_string(),
    }
}

/// Fills `{}` in a translated template with `values`, in order (for names and other text that
/// is not a number).
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(values.next().copied().unwrap_or_default());
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// `(reference X)` in an error message: X, and the text with `{}` in its place.
fn reference_out(text: &str) -> Option<(&str, String)> {
    let start = text.find("(reference ")? + "(reference ".len();
    let end = start + text[start..].find(')')?;
    Some((
        &text[start..end],
        format!("{}{{}}{}", &text[..start], &text[end..]),
    ))
}

/// The text with each run of digits replaced by `{n}`, and the digits.
fn numbers_out(text: &str) -> (String, Vec<String>) {
    let mut template = String::new();
    let mut numbers = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
        } else {
            if !current.is_empty() {
                template.push_str("{n}");
                numbers.push(std::mem::take(&mut current));
            }
            template.push(c);
        }
    }
    if !current.is_empty() {
        template.push_str("{n}");
        numbers.push(current);
    }
    (template, numbers)
}

fn lookup(lang: Lang, english: &str) -> Option<&'static str> {
    match lang {
        Lang::En => None,
        Lang::De => {
            #[cfg(not(feature = "hydrate"))]
            if let Some(text) = search(de::DE, english) {
                return Some(text);
            }
            search(de::BROWSER, english)
        }
    }
}

fn search(table: &'static [(&'static str, &'static str)], english: &str) -> Option<&'static str> {
    table
        .binary_search_by(|(key, _)| (*key).cmp(english))
        .ok()
        .map(|i| table[i].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_language_decides_when_nothing_was_chosen() {
        assert_eq!(Lang::negotiate("de-DE,de;q=0.9,en;q=0.8"), Lang::De);
        assert_eq!(
            Lang::negotiate("fr-FR,fr;q=0.9,en;q=0.5,de;q=0.7"),
            Lang::De
        );
        assert_eq!(Lang::negotiate("fr-FR"), Lang::En);
        assert_eq!(Lang::negotiate("en-GB,de;q=0"), Lang::En);
        assert_eq!(Lang::negotiate(""), Lang::En);
        assert_eq!(Lang::resolve("auto", Some("de")), Lang::De);
        assert_eq!(Lang::resolve("en", Some("de")), Lang::En);
        assert_eq!(Lang::resolve("de", None), Lang::De);
    }

    #[test]
    fn text_with_numbers_is_translated_through_its_template() {
        assert_eq!(
            translate(Lang::De, "Too many attempts. Try again in 30 s."),
            "Zu viele Versuche. Versuchen Sie es in 30 s erneut."
        );
        assert_eq!(
            translate(Lang::En, "Too many attempts. Try again in 30 s."),
            "Too many attempts. Try again in 30 s."
        );
        assert_eq!(translate(Lang::De, "No such text 42"), "No such text 42");
        assert_eq!(fill("Kontomenü für {}", &["Ada"]), "Kontomenü für Ada");
        let internal = crate::error::AppError::Internal("x7Yz".into()).to_string();
        assert!(translate(Lang::De, &internal).contains("(Referenz x7Yz)"));
    }

    #[test]
    fn the_catalogue_is_sorted_without_duplicates_and_keeps_placeholders() {
        for table in [de::DE, de::BROWSER] {
            for pair in table.windows(2) {
                assert!(
                    pair[0].0 < pair[1].0,
                    "not sorted or duplicated: {:?}",
                    pair[1].0
                );
            }
        }
        for (english, _) in de::BROWSER {
            assert!(
                search(de::DE, english).is_none(),
                "in both tables: {english}"
            );
        }
        for (english, german) in de::DE.iter().chain(de::BROWSER) {
            assert!(!german.trim().is_empty(), "{english}");
            for mark in ["{n}", "{}"] {
                assert_eq!(
                    english.matches(mark).count(),
                    german.matches(mark).count(),
                    "placeholders differ: {english}"
                );
            }
        }
    }

    /// What the island shows in the browser has its German in the table compiled there: its
    /// own literals, the strength hints, the picture checks it makes before uploading, and
    /// every error summary.
    #[test]
    fn the_browser_table_has_what_the_island_shows() {
        use crate::{error::AppError, model::avatar::Problem, model::security::password_strength};
        let mut needed = calls(include_str!("../ui/components/enhance.rs"));
        for password in [
            "a",
            "abcdefgh",
            "abcdefgH1",
            "abcdefgH1!xyzw",
            "abcdefgH1!xyzwQRST12",
        ] {
            needed.push(password_strength(password).to_string());
        }
        needed.push(Problem::Empty.message().into());
        needed.push(Problem::TooLarge.message().into());
        for err in [
            AppError::Unauthenticated,
            AppError::ReauthRequired,
            AppError::Forbidden,
            AppError::NotFound,
            AppError::Validation(Default::default()),
            AppError::InvalidCredentials,
            AppError::RateLimited(30),
            AppError::BadRequest,
            AppError::TooLarge,
            AppError::Unavailable,
            AppError::Internal("ref".into()),
        ] {
            needed.push(err.to_string());
        }
        for english in needed.iter().filter(|e| !e.is_empty()) {
            let template = match reference_out(english) {
                Some((_, template)) => template,
                None if search(de::BROWSER, english).is_some() => english.clone(),
                None => numbers_out(english).0,
            };
            assert!(
                search(de::BROWSER, &template).is_some(),
                "not in BROWSER: {english}"
            );
        }
    }

    /// Every literal the interface shows (see `calls`) in `src/` has a German entry, so a new
    /// string without one fails here.
    #[test]
    fn every_string_in_the_code_is_translated() {
        let mut missing = Vec::new();
        for (file, text) in source_strings() {
            if lookup(Lang::De, &text).is_none() {
                missing.push(format!("{file}: {text:?}"));
            }
        }
        assert!(missing.is_empty(), "no German for:\n{}", missing.join("\n"));
    }

    fn source_strings() -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") || path.ends_with("i18n/de.rs") {
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                let name = path.display().to_string();
                for text in calls(&source) {
                    found.push((name.clone(), text));
                }
            }
        }
        found
    }

    /// String literals that are arguments of `t(`/`tr(`/`in_lang(lang, ` or values of the form components'
    /// translated props (`label=`, `hint=`, …), and the last literal of a line ending with
    /// `// i18n` (the label in a constant table such as `TABS`).
    fn calls(source: &str) -> Vec<String> {
        const PROPS: [&str; 5] = ["label=", "hint=", "pending_label=", "pending=", "purpose="];
        let mut out = Vec::new();
        for line in source.lines() {
            let mut last = None;
            let mut rest = line;
            while let Some(start) = rest.find('"') {
                let before = &rest[..start];
                let Some(len) = literal_len(&rest[start + 1..]) else {
                    break;
                };
                let literal = rest[start + 1..start + 1 + len].replace("\\\"", "\"");
                // `say(`: the notification router's sentence in its recipient's language.
                let call = ["t(", "tr(", "in_lang(lang, ", "say("].iter().any(|f| {
                    before.strip_suffix(f).is_some_and(|b| {
                        b.chars()
                            .last()
                            .is_none_or(|c| !c.is_alphanumeric() && c != '_')
                    })
                });
                if call || PROPS.iter().any(|p| before.ends_with(p)) {
                    out.push(literal.clone());
                }
                last = Some(literal);
                rest = &rest[start + len + 2..];
            }
            if line.trim_end().ends_with("// i18n") {
                out.extend(last);
            }
        }
        out.into_iter()
            .filter(|s| s.chars().any(char::is_alphabetic))
            .collect()
    }

    fn literal_len(s: &str) -> Option<usize> {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return Some(i),
                _ => escaped = false,
            }
        }
        None
    }
}
