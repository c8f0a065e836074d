//! Stage 3: delivering a notification to one person — the in-app notification and the queued
//! e-mail in one write, idempotent per person and reason — including the one way every flow
//! sends a security notice (`security_notice`).

use super::super::{
    context::ClientInfo,
    db::{notifications as db, users},
    mail::templates,
    now,
    state::AppState,
};
use crate::{
    error::AppError,
    i18n::{fill, in_lang, Lang, Msg},
    model::notifications::{Channel, Topic},
};
use sqlx::AnyConnection;

/// One notification: its topic, why it is sent (`key`, unique per person), and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    pub topic: Topic,
    pub key: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Where it leads: a path, an https URL, or empty.
    pub link: &'a str,
    /// The recipient's language, which the e-mail around it is written in.
    pub lang: Lang,
}

/// Delivers one notification to one person on the channels they chose for its topic (security
/// notices are always e-mailed). Idempotent per person and key: false when already delivered.
pub async fn notify(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    note: &Note<'_>,
) -> Result<bool, AppError> {
    let sub = db::subscription(&mut *conn, user_id, note.topic).await?;
    deliver(
        conn,
        state,
        user_id,
        note,
        sub.wants(Channel::InApp),
        sub.wants(Channel::Email),
    )
    .await
}

/// Delivers on the given channels (test sends choose theirs).
pub async fn deliver(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    note: &Note<'_>,
    in_app: bool,
    by_email: bool,
) -> Result<bool, AppError> {
    let email = match by_email {
        true => users::current_user(&mut *conn, user_id).await?.map(|u| {
            templates::notification(
                note.lang,
                &u.email,
                &u.display_name(),
                note.title,
                note.body,
                &absolute(state, note.link),
                &absolute(state, "/settings/notifications"),
            )
        }),
        false => None,
    };
    let delivery = db::Delivery {
        user_id,
        topic: note.topic,
        dedupe_key: note.key,
        title: note.title,
        body: note.body,
        link: note.link,
        in_app,
        email: email.as_ref(),
    };
    db::deliver(conn, &state.config.secret_key, delivery, now()).await
}

/// A link for an e-mail: a path on this site made absolute (from configuration, never from a
/// request), an external https link as it is.
fn absolute(state: &AppState, link: &str) -> String {
    match link.starts_with('/') {
        true => state.link(link),
        false => link.to_string(),
    }
}

/// What a security notice says. `sentence` tells what happened: `{0}` is when, `{1}` the browser
/// and system, `{2}` the IP address, `{3}` `what` (completed by `args`), then `args`.
pub struct SecurityNotice<'a> {
    pub subject: Msg,
    pub sentence: Msg,
    pub what: Option<Msg>,
    pub args: &'a [&'a str],
    /// Who did it (none for something the system did, such as a key about to expire).
    pub client: Option<&'a ClientInfo>,
    /// When it happened, or happens (now when not given).
    pub at: Option<i64>,
    /// Further paragraphs (e.g. "All your other sessions were signed out.").
    pub more: &'a [Msg],
    /// What to do if it was not them.
    pub advice: Msg,
    /// Where the e-mail sends them to do it (a path of ours): the Security tab, or the forgot
    /// password page when the advice is to reset (their sessions may all be someone else's).
    pub act_at: &'a str,
    /// Another address than the primary one (the old primary, when the primary changed).
    pub to: Option<&'a str>,
}

impl<'a> SecurityNotice<'a> {
    /// The usual notice: "On your Profile Center account: {what} on {when} from {device} …".
    pub fn happened(subject: Msg, what: Msg, args: &'a [&'a str], client: &'a ClientInfo) -> Self {
        SecurityNotice {
            subject,
            sentence: Msg::OnYourProfileCenterAccount,
            what: Some(what),
            args,
            client: Some(client),
            at: None,
            more: &[],
            advice: Msg::IfThisWasNotYouChange2,
            act_at: "/settings/security",
            to: None,
        }
    }
}

/// Sends a security notice to the person: always by e-mail, and in the app unless they switched
/// that off; the in-app text is the notice's sentence (the e-mail adds greeting and advice).
/// Written on `conn`, so it commits (or not) with the change it is about.
pub async fn security_notice(
    conn: &mut AnyConnection,
    state: &AppState,
    user_id: &str,
    notice: SecurityNotice<'_>,
) -> Result<(), AppError> {
    let Some(person) = users::current_user(&mut *conn, user_id).await? else {
        return Ok(());
    };
    let lang = super::super::mail::language_of(&mut *conn, user_id).await?;
    // When, in the person's own zone and formats.
    let prefs = super::super::db::preferences::get(&mut *conn, user_id)
        .await?
        .unwrap_or_default();
    let when = prefs.format(notice.at.unwrap_or_else(now));
    let (device, ip) = match notice.client {
        Some(client) => {
            let (browser, os) = super::super::sessions::describe_user_agent(&client.user_agent);
            let device = fill(in_lang(lang, Msg::BrowserOnSystem), &[&browser, &os]);
            (device, client.ip.clone())
        }
        None => (String::new(), String::new()),
    };
    let what = notice
        .what
        .map(|m| fill(in_lang(lang, m), notice.args))
        .unwrap_or_default();
    let mut values: Vec<&str> = vec![&when, &device, &ip, &what];
    values.extend(notice.args);
    let sentence = fill(in_lang(lang, notice.sentence), &values);
    let subject = in_lang(lang, notice.subject);
    let more: Vec<String> = notice
        .more
        .iter()
        .map(|m| in_lang(lang, *m).to_string())
        .collect();
    let email = templates::security_notice(
        lang,
        notice.to.unwrap_or(&person.email),
        &person.display_name(),
        subject,
        &sentence,
        &more,
        in_lang(lang, notice.advice),
        &absolute(state, notice.act_at),
    );
    let sub = db::subscription(&mut *conn, user_id, Topic::Security).await?;
    let key = format!("security:{}", super::super::random_id(9));
    let delivery = db::Delivery {
        user_id,
        topic: Topic::Security,
        dedupe_key: &key,
        title: subject,
        body: &sentence,
        link: "/settings/security",
        in_app: sub.wants(Channel::InApp),
        email: Some(&email),
    };
    db::deliver(conn, &state.config.secret_key, delivery, now()).await?;
    Ok(())
}

/// "Send me a test notification" on one channel.
pub async fn send_test(state: &AppState, user_id: &str, channel: Channel) -> Result<(), AppError> {
    let key = format!("test:{}", super::super::random_id(9));
    let (in_app, email) = match channel {
        Channel::Email => (false, true),
        Channel::InApp => (true, false),
    };
    let mut tx = state.begin().await?;
    if email {
        let to = users::current_user(&mut *tx, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?
            .email;
        super::super::mail::allow_requested(&mut tx, Some(user_id), &to).await?;
    }
    let lang = super::super::mail::language_of(&mut *tx, user_id).await?;
    let note = Note {
        topic: Topic::Test,
        key: &key,
        title: in_lang(lang, Msg::TestNotification),
        body: in_lang(lang, Msg::ThisIsTheTestYouAsked),
        link: "/settings/notifications",
        lang,
    };
    deliver(&mut tx, state, user_id, &note, in_app, email).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}
