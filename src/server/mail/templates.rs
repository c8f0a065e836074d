//! The messages Profile Center sends, in their recipient's language. Each has a plain-text and
//! an HTML part; every value that comes from a person or a request is escaped in the HTML.

use super::Email;
use crate::i18n::Msg;
use crate::i18n::{fill, in_lang, Lang};

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

/// A paragraph that is only a link (a URL on its own) is shown as a link in the HTML part.
fn is_link(paragraph: &str) -> bool {
    (paragraph.starts_with("https://") || paragraph.starts_with("http://"))
        && !paragraph.contains(char::is_whitespace)
}

/// A short notice: a heading line and paragraphs, the same in both parts. Long words (addresses,
/// links) may break anywhere in the HTML part, so nothing is wider than a phone's screen.
fn notice(lang: Lang, to: &str, subject: &str, paragraphs: &[String]) -> Email {
    let text = paragraphs.join("\n\n") + "\n\n— Profile Center\n";
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body style=\"font-family:system-ui,sans-serif;line-height:1.5;overflow-wrap:anywhere\">{}<p>— Profile Center</p></body></html>",
        lang.code(),
        paragraphs
            .iter()
            .map(|p| match is_link(p) {
                true => format!("<p><a href=\"{0}\">{0}</a></p>", escape_html(p)),
                false => format!("<p>{}</p>", escape_html(p)),
            })
            .collect::<String>()
    );
    Email {
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
    }
}

fn hello(lang: Lang, name: &str) -> String {
    fill(in_lang(lang, Msg::Hello), &[name])
}

/// A security notice (see `notifications::security_notice`): what happened, in one sentence
/// that also says when and from where; more paragraphs if any; what to do if it was not them.
pub fn security_notice(
    lang: Lang,
    to: &str,
    name: &str,
    subject: &str,
    sentence: &str,
    more: &[String],
    advice: &str,
    act_at: &str,
) -> Email {
    let mut paragraphs = vec![hello(lang, name), sentence.to_string()];
    paragraphs.extend(more.iter().cloned());
    paragraphs.push(advice.to_string());
    // On a line of its own, so the HTML part makes it a link.
    paragraphs.push(act_at.to_string());
    notice(lang, to, subject, &paragraphs)
}

/// A notification the person subscribed to: its title, text, where it leads, and where to
/// change what they receive.
pub fn notification(
    lang: Lang,
    to: &str,
    name: &str,
    title: &str,
    body: &str,
    link: &str,
    manage: &str,
) -> Email {
    let mut paragraphs = vec![hello(lang, name), body.to_string()];
    if !link.is_empty() {
        paragraphs.push(fill(in_lang(lang, Msg::Details), &[link]));
    }
    paragraphs.push(fill(in_lang(lang, Msg::YouGetThisEMailBecause), &[manage]));
    notice(lang, to, title, &paragraphs)
}

/// The verification link for an address just added (the link carries a single-use token).
pub fn verify_email(lang: Lang, to: &str, name: &str, link: &str) -> Email {
    notice(
        lang,
        to,
        in_lang(lang, Msg::ConfirmYourEMailAddressFor),
        &[
            hello(lang, name),
            in_lang(lang, Msg::PleaseConfirmThatThisAddressBelongs).to_string(),
            link.to_string(),
            in_lang(lang, Msg::IfYouDidNotAddThis).to_string(),
        ],
    )
}

/// The link that finishes a sign-up (single use, 24 hours; the password chosen is asked for).
pub fn confirm_signup(lang: Lang, to: &str, name: &str, link: &str) -> Email {
    notice(
        lang,
        to,
        in_lang(lang, Msg::FinishCreatingYourProfileCenterAccount),
        &[
            hello(lang, name),
            in_lang(lang, Msg::ToFinishCreatingYourAccountOpen).to_string(),
            link.to_string(),
            in_lang(lang, Msg::IfYouDidNotSignUp).to_string(),
        ],
    )
}

/// A "forgot password" link (single use, 30 minutes).
pub fn password_reset(lang: Lang, to: &str, name: &str, link: &str) -> Email {
    notice(
        lang,
        to,
        in_lang(lang, Msg::ResetYourProfileCenterPassword),
        &[
            hello(lang, name),
            in_lang(lang, Msg::ToChooseANewPasswordOpen).to_string(),
            link.to_string(),
            in_lang(lang, Msg::IfYouDidNotAskToReset).to_string(),
        ],
    )
}

/// An invitation to an account: who invites, to which account and role, and the link.
pub fn invitation(
    lang: Lang,
    to: &str,
    from: &str,
    account: &str,
    role: crate::model::accounts::Role,
    link: &str,
) -> Email {
    notice(
        lang,
        to,
        &fill(in_lang(lang, Msg::YouAreInvitedToAccount), &[account]),
        &[
            in_lang(lang, Msg::Hello2).to_string(),
            fill(
                in_lang(lang, Msg::InviterInvitedYouToJoinAccount),
                &[from, account, in_lang(lang, role.label())],
            ),
            in_lang(lang, Msg::ToAcceptOpenThisLinkWithin).to_string(),
            link.to_string(),
            in_lang(lang, Msg::IfYouDoNotExpectThisInvitation).to_string(),
        ],
    )
}

/// To a member without two-factor sign-in when their account starts requiring it.
pub fn mfa_required(lang: Lang, to: &str, account: &str, due: &str, link: &str) -> Email {
    notice(
        lang,
        to,
        &fill(in_lang(lang, Msg::AccountNowRequiresTwoFactor), &[account]),
        &[
            in_lang(lang, Msg::Hello2).to_string(),
            fill(
                in_lang(lang, Msg::AccountRequiresTwoFactorFromMail),
                &[account, due],
            ),
            in_lang(lang, Msg::TurnItOnHere).to_string(),
            link.to_string(),
        ],
    )
}

/// To the owner of an address someone tried to sign up (or add to another account) with.
pub fn signup_attempt(lang: Lang, to: &str, signin: &str) -> Email {
    notice(
        lang,
        to,
        in_lang(lang, Msg::SomeoneTriedToUseYourE),
        &[
            in_lang(lang, Msg::Hello2).to_string(),
            in_lang(lang, Msg::SomeoneJustTriedToCreateA).to_string(),
            in_lang(lang, Msg::IfItWasYouSignIn).to_string(),
            signin.to_string(),
            in_lang(lang, Msg::IfItWasNotYouYou).to_string(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_go_out_in_the_recipients_language() {
        let email = verify_email(
            Lang::De,
            "a@example.com",
            "Ada",
            "https://x/verify-email?token=t",
        );
        assert_eq!(
            email.subject,
            "Bestätigen Sie Ihre E-Mail-Adresse für Profile Center"
        );
        assert!(email.text.starts_with("Hallo Ada,"));
        assert!(email.html.contains("lang=\"de\""));
        let email = verify_email(
            Lang::En,
            "a@example.com",
            "Ada",
            "https://x/verify-email?token=t",
        );
        assert!(email.text.starts_with("Hello Ada,"));
    }

    #[test]
    fn a_link_on_its_own_is_a_link_in_the_html_part() {
        let email = verify_email(
            Lang::En,
            "a@example.com",
            "Ada",
            "https://x.test/verify-email?token=t&x=1",
        );
        assert!(
            email
                .html
                .contains("<a href=\"https://x.test/verify-email?token=t&amp;x=1\">"),
            "{}",
            email.html
        );
        assert!(email
            .text
            .contains("https://x.test/verify-email?token=t&x=1"));
        let every_sentence_starts_upper_case = email
            .text
            .split("\n\n")
            .filter(|p| !is_link(p))
            .all(|p| p.chars().next().is_some_and(|c| !c.is_lowercase()));
        assert!(every_sentence_starts_upper_case, "{}", email.text);
    }

    #[test]
    fn html_parts_escape_what_people_typed() {
        let email = security_notice(
            Lang::En,
            "a@example.com",
            "<script>alert(1)</script>",
            "Your password was changed",
            "The password was changed on 2026-11-24 10:00 UTC from Firefox 128 on Linux.",
            &[],
            "If this was not you, act.",
            "https://x.test/forgot-password",
        );
        assert!(email
            .html
            .contains("<a href=\"https://x.test/forgot-password\">"));
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
