//! What a form posted without JavaScript had typed, brought back with its error (sealed in the
//! URL by `middleware::server_fn_status`) so the form shows it again. Secrets (passwords,
//! codes, tokens) are never kept: the person types those again.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typed(pub Vec<(String, String)>);

impl Typed {
    /// The first value posted under `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value posted under `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether a field of this name holds something that must not travel back, even sealed.
    pub fn is_secret(name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        ["password", "code", "token", "secret", "otp"]
            .iter()
            .any(|s| name.contains(s))
    }
}

#[cfg(test)]
mod tests {
    use super::Typed;

    #[test]
    fn secrets_are_known_by_their_names() {
        for name in [
            "password",
            "current_password",
            "new_password",
            "code",
            "confirm_code",
            "token",
        ] {
            assert!(Typed::is_secret(name), "{name}");
        }
        for name in [
            "name",
            "scopes[]",
            "expires_in",
            "id",
            "first_name",
            "email",
        ] {
            assert!(!Typed::is_secret(name), "{name}");
        }
    }

    #[test]
    fn values_are_found_by_name() {
        let typed = Typed(vec![
            ("name".into(), "Nightly".into()),
            ("scopes[]".into(), "profile:read".into()),
            ("scopes[]".into(), "sessions:read".into()),
        ]);
        assert_eq!(typed.get("name"), Some("Nightly"));
        assert_eq!(typed.all("scopes[]"), ["profile:read", "sessions:read"]);
        assert_eq!(typed.get("missing"), None);
    }
}
