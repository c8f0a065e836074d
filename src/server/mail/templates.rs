//! The messages Profile Center sends. Each has a plain-text and an HTML part; every value that
//! comes from a person or a request is escaped in the HTML.

use super::Email;

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A short notice: a heading line and paragraphs, the same in both parts.
fn notice(to: &str, subject: &str, paragraphs: &[String]) -> Email {
    let text = paragraphs.join("\n\n") + "\n\n— Profile Center\n";
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;line-height:1.5\">{}<p>— Profile Center</p></body></html>",
        paragraphs.iter().map(|p| format!("<p>{}</p>", escape_html(p))).collect::<String>()
    );
    Email {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
    }
}

/// "Your password was changed", with when and from where, and what to do if it was not them.
pub fn password_changed(to: &str, name: &str, when: &str, ip: &str, browser: &str) -> Email {
    notice(
        to,
        "Your Profile Center password was changed",
        &[
            format!("Hello {name},"),
            format!("the password of your Profile Center account was changed on {when} from {browser} (IP address {ip})."),
            "All your other sessions were signed out.".to_string(),
            "If this was not you, reset your password right away and review your sessions and security log.".to_string(),
        ],
    )
}

/// A security notice: what happened, when, from where, and what to do if it was not them.
pub fn security_notice(
    to: &str,
    name: &str,
    subject: &str,
    what: &str,
    when: &str,
    ip: &str,
    browser: &str,
) -> Email {
    notice(
        to,
        subject,
        &[
            format!("Hello {name},"),
            format!("on your Profile Center account, {what} on {when} from {browser} (IP address {ip})."),
            "If this was not you, change your password right away and review your sessions and security log.".to_string(),
        ],
    )
}

/// A notification the person subscribed to: its title, text, where it leads, and where to
/// change what they receive.
pub fn notification(
    to: &str,
    name: &str,
    title: &str,
    body: &str,
    link: &str,
    manage: &str,
) -> Email {
    let mut paragraphs = vec![format!("Hello {name},"), body.to_string()];
    if !link.is_empty() {
        paragraphs.push(format!("Details: {link}"));
    }
    paragraphs.push(format!(
        "You get this e-mail because of your notification settings: {manage}"
    ));
    notice(to, title, &paragraphs)
}

/// The verification link for an address just added (the link carries a single-use token).
pub fn verify_email(to: &str, name: &str, link: &str) -> Email {
    notice(
        to,
        "Confirm your e-mail address for Profile Center",
        &[
            format!("Hello {name},"),
            "please confirm that this address belongs to you by opening this link within 24 hours:".to_string(),
            link.to_string(),
            "If you did not add this address to a Profile Center account, ignore this message: nothing will be sent to it.".to_string(),
        ],
    )
}

/// To the old primary address, when another became primary.
pub fn primary_changed(to: &str, name: &str, new_primary: &str) -> Email {
    notice(
        to,
        "Your Profile Center primary e-mail address was changed",
        &[
            format!("Hello {name},"),
            format!("the primary e-mail address of your Profile Center account is now {new_primary}. You sign in with it, and mail goes there."),
            "If this was not you, change your password right away and review your security log.".to_string(),
        ],
    )
}

/// "Your API key expires in a week": which key, when, and what to do.
pub fn key_expiring(to: &str, name: &str, key_name: &str, key_id: &str, when: &str) -> Email {
    notice(
        to,
        "Your Profile Center API key expires in a week",
        &[
            format!("Hello {name},"),
            format!("your API key \"{key_name}\" ({key_id}) expires on {when}. Scripts that use it will then get 401 responses."),
            "To keep them working, create a new key under Settings → API keys, put it in place of the old one, then revoke the old key.".to_string(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_parts_escape_what_people_typed() {
        let email = password_changed(
            "a@example.com",
            "<script>alert(1)</script>",
            "2026-11-24 10:00 UTC",
            "127.0.0.1",
            "Firefox 128 on Linux",
        );
        assert!(email.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!email.html.contains("<script>"));
        assert!(
            email.text.contains("<script>alert(1)</script>"),
            "plain text stays as typed"
        );
        assert!(
            email.text.contains("2026-11-24 10:00 UTC")
                && email.text.contains("Firefox 128 on Linux")
        );
    }
}
