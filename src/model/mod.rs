//! Wire types and the rules that judge them, shared by server and browser.
//!
//! Nothing here is secret: no hash, token or password is ever part of a model type, so a model
//! value can always be rendered, serialised into an island's props, or returned over the API.
//!
//! Every closed set of words (scopes, security-event kinds, end reasons, topics, preference
//! options) is a `vocabulary!` enum: stored and sent as its word (`as_str`, serde), shown as
//! its translated `label()`, so the compiler finds every use and no string can be misspelt.

/// Declares a vocabulary: `Variant = "word" => LabelMsg` per entry.
macro_rules! vocabulary {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal => $label:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),*
        }

        // Written out, not derived: the derive cannot read a `rename` that a macro passes in,
        // and would document the Rust names instead of the words on the wire.
        #[cfg(feature = "ssr")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
                ObjectBuilder::new()
                    .schema_type(SchemaType::new(Type::String))
                    .enum_values(Some([$($word),*]))
                    .into()
            }
        }

        #[cfg(feature = "ssr")]
        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word stored and sent for it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),* }
            }

            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)* _ => None }
            }

            /// How the interface names it.
            pub fn label(self) -> crate::i18n::Msg {
                match self { $($name::$variant => crate::i18n::Msg::$label),* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocabulary;

pub mod accounts;
pub mod api_keys;
pub mod auth;
pub mod avatar;
pub mod contacts;
pub mod form;
pub mod mfa;
pub mod notifications;
pub mod paging;
pub mod preferences;
pub mod profile;
pub mod security;
pub mod sessions;
pub mod text;
