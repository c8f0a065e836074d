//! The interface's languages: English and German, by message id.
//!
//! Every message is a `Msg` (see `messages.rs`, the one catalogue): views write `t(Msg::Save)`,
//! errors and field messages carry a `Text` (a message id with its arguments) that is rendered
//! in the reader's language only when shown, so nothing ever parses English text back.
//! Placeholders are numbered (`{0}`), so a translation may reorder them.
//!
//! Which language a request gets: the one the person chose on the Preferences tab; "Same as
//! my browser" (the default, and every signed-out page) follows `Accept-Language`. Pages are
//! rendered on the server in that language; in the browser the language is `<html lang>`.

use serde::{Deserialize, Serialize};

/// Declares the catalogue: `Id => "English", "German";` per message.
macro_rules! messages {
    ($($id:ident => $en:literal, $de:literal;)*) => {
        /// A message of the interface, by id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum Msg { $($id),* }

        impl Msg {
            /// Every message, for the tests that check the catalogue.
            pub const ALL: &'static [Msg] = &[$(Msg::$id),*];

            pub fn en(self) -> &'static str {
                match self { $(Msg::$id => $en),* }
            }

            pub fn de(self) -> &'static str {
                match self { $(Msg::$id => $de),* }
            }
        }
    };
}

mod messages;

pub use messages::Msg;

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

impl Msg {
    /// This message in `lang`, placeholders unfilled.
    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en(),
            Lang::De => self.de(),
        }
    }

    /// This message with its arguments, to be rendered when shown.
    pub fn with(self, args: &[&str]) -> Text {
        Text {
            msg: self,
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// The message whose English text is `english` (for names stored in the database, such as
    /// the dashboards, and the fixed details of the security log).
    pub fn find(english: &str) -> Option<Msg> {
        Msg::ALL.iter().copied().find(|m| m.en() == english)
    }
}

/// A message id with its arguments: what errors and field messages carry, rendered in the
/// reader's language when shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub msg: Msg,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

impl From<Msg> for Text {
    fn from(msg: Msg) -> Self {
        Text {
            msg,
            args: Vec::new(),
        }
    }
}

impl Text {
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        fill(self.msg.text(lang), &args)
    }

    /// In the language of the page being shown.
    pub fn show(&self) -> String {
        self.render(current())
    }
}

impl std::fmt::Display for Text {
    /// English: for logs and the REST API.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
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

/// A message in the current language.
pub fn t(msg: Msg) -> &'static str {
    msg.text(current())
}

/// A message in a given language: for messages to someone other than the request's reader,
/// or made outside a request (e-mails and notifications, in their recipient's language).
pub fn in_lang(lang: Lang, msg: Msg) -> &'static str {
    msg.text(lang)
}

/// A message with arguments in the current language.
pub fn tf(msg: Msg, args: &[&str]) -> String {
    fill(t(msg), args)
}

/// Fills the numbered placeholders `{0}`, `{1}`, … of a message with `values`.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match after
            .find('}')
            .and_then(|end| after[..end].parse::<usize>().ok().map(|i| (i, end)))
        {
            Some((i, end)) => {
                out.push_str(values.get(i).copied().unwrap_or_default());
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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
    fn placeholders_are_filled_by_number_in_any_order() {
        assert_eq!(fill("{1} before {0}", &["a", "b"]), "b before a");
        assert_eq!(fill("Kontomenü für {0}", &["Ada"]), "Kontomenü für Ada");
        assert_eq!(fill("{x} and {", &[]), "{x} and {");
        let text = Msg::TooManyAttemptsTryAgainIn.with(&["30"]);
        assert_eq!(
            text.render(Lang::De),
            "Zu viele Versuche. Versuchen Sie es in 30 s erneut."
        );
        assert_eq!(text.to_string(), "Too many attempts. Try again in 30 s.");
    }

    /// Walks the message ids: every message has text in both languages, with the same
    /// placeholders, and no two ids share an English text (so `Msg::find` is unambiguous).
    #[test]
    fn every_message_keeps_its_placeholders() {
        let placeholders = |s: &str| {
            let mut found: Vec<usize> = (0..10)
                .filter(|i| s.contains(&format!("{{{i}}}")))
                .collect();
            found.sort();
            found
        };
        let mut seen = std::collections::HashSet::new();
        for msg in Msg::ALL {
            assert!(
                !msg.en().trim().is_empty() && !msg.de().trim().is_empty(),
                "{msg:?}"
            );
            assert_eq!(
                placeholders(msg.en()),
                placeholders(msg.de()),
                "placeholders differ: {msg:?}"
            );
            assert!(seen.insert(msg.en()), "two ids for {:?}", msg.en());
        }
    }

    #[test]
    fn texts_travel_as_their_id_and_arguments() {
        let text = Msg::TooManyAttemptsTryAgainIn.with(&["30"]);
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(json, r#"{"msg":"TooManyAttemptsTryAgainIn","args":["30"]}"#);
        assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), text);
    }
}
