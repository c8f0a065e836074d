//! Notifications: platform events come in (validated, stored once per id), the router decides
//! per recipient from their subscriptions what goes to which channel, and the scheduler delivers
//! what is due later (payment reminders, weekly summaries, the month-end reminder).
//!
//! Every delivery goes through `db::notifications::deliver`, which is idempotent per person and
//! reason (`dedupe_key`) and queues the e-mail in the same transaction, so re-running any step
//! after a crash or on another instance neither repeats nor loses a notification.

use super::{
    db::{notifications as db, outbox::Email, users},
    mail::templates,
    now,
    state::AppState,
};
use crate::i18n::Msg;
use crate::{
    error::{AppError, FieldErrors},
    i18n::{fill, in_lang, Lang},
    model::notifications::{
        build_wanted, credit_thresholds_reached, format_date, percent, Channel, Severity,
        PAYMENT_REMINDERS, QUOTA_THRESHOLD,
    },
};
use serde::Deserialize;
use serde_json::Value;

/// The event types the platform may send (the OpenAPI document's enum for `type`).
#[derive(Debug, Clone, Copy, serde::Serialize, utoipa::ToSchema)]
pub enum EventType {
    #[serde(rename = "invoice.issued")]
    InvoiceIssued,
    #[serde(rename = "invoice.paid")]
    InvoicePaid,
    #[serde(rename = "credits.usage")]
    CreditsUsage,
    #[serde(rename = "quota.usage")]
    QuotaUsage,
    #[serde(rename = "cost.anomaly")]
    CostAnomaly,
    #[serde(rename = "incident.known_issue")]
    KnownIssue,
    #[serde(rename = "maintenance.scheduled")]
    Maintenance,
    #[serde(rename = "build.finished")]
    BuildFinished,
    #[serde(rename = "usage.weekly")]
    UsageWeekly,
    #[serde(rename = "news.published")]
    NewsPublished,
}

/// An event as the platform posts it to `POST /api/v1/events`.
#[derive(Debug, Clone, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// The platform's id for this event: sending the same id again does nothing.
    #[schema(min_length = 1, max_length = 200)]
    pub id: String,
    /// What happened; `data` holds the fields of that type.
    #[serde(rename = "type")]
    #[schema(value_type = EventType)]
    pub kind: String,
    /// Who it concerns: user ids or primary e-mail addresses.
    #[serde(default)]
    pub users: Vec<String>,
    /// Platform-wide events (incidents, maintenance, news) may go to everyone instead.
    #[serde(default)]
    pub all_users: bool,
    /// The event's own fields; which ones depends on `type`.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// Where a notification about `event` leads: the event's own `link` (or, for news, its
/// `url`) when it is a path or an https URL; else what the event is about in the console
/// (`CONSOLE_URL`): the invoice, or the billing pages for credits and quotas.
fn link_for(state: &AppState, event: &EventIn) -> String {
    let given = ["link", "url"]
        .iter()
        .find_map(|field| event.data.get(*field).and_then(Value::as_str))
        .filter(|l| l.starts_with('/') || l.starts_with("https://"))
        .filter(|l| !l.chars().any(|c| c.is_control() || c.is_whitespace()));
    if let Some(link) = given {
        return link.chars().take(500).collect();
    }
    let Some(console) = state.config.console_url.as_deref() else {
        return String::new();
    };
    let id = |field: &str| {
        let raw = event.data.get(field).and_then(Value::as_str).unwrap_or("");
        url::form_urlencoded::byte_serialize(raw.as_bytes()).collect::<String>()
    };
    match event.kind.as_str() {
        "invoice.issued" | "invoice.paid" => {
            format!("{console}/billing/invoices/{}", id("invoice_id"))
        }
        "credits.usage" | "quota.usage" => format!("{console}/billing"),
        _ => String::new(),
    }
}

/// A text field of `data`: present, non-empty, at most `max` characters, no control characters.
fn text(data: &Value, field: &str, max: usize, errors: &mut FieldErrors) -> String {
    match data.get(field).and_then(Value::as_str).map(str::trim) {
        Some(v)
            if !v.is_empty() && v.chars().count() <= max && !v.chars().any(char::is_control) =>
        {
            v.to_string()
        }
        _ => {
            errors.add(
                &format!("data.{field}"),
                Msg::RequiredTextOf1ToNCharacters.with(&[&max.to_string()]),
            );
            String::new()
        }
    }
}

fn number(data: &Value, field: &str, errors: &mut FieldErrors) -> f64 {
    match data.get(field).and_then(Value::as_f64) {
        Some(v) if v.is_finite() && v >= 0.0 => v,
        _ => {
            errors.add(&format!("data.{field}"), Msg::RequiredANumber0OrMore);
            0.0
        }
    }
}

/// A number above 0 (a total or a limit: a share of nothing is no share).
fn positive(data: &Value, field: &str, errors: &mut FieldErrors) -> f64 {
    match data.get(field).and_then(Value::as_f64) {
        Some(v) if v.is_finite() && v > 0.0 => v,
        _ => {
            errors.add(&format!("data.{field}"), Msg::RequiredANumberAbove0);
            1.0
        }
    }
}

fn one_of<'a>(data: &Value, field: &str, allowed: &[&'a str], errors: &mut FieldErrors) -> &'a str {
    let raw = data.get(field).and_then(Value::as_str).unwrap_or("");
    match allowed.iter().find(|a| **a == raw) {
        Some(v) => v,
        None => {
            errors.add(
                &format!("data.{field}"),
                Msg::RequiredOneOf.with(&[&allowed.join(", ")]),
            );
            ""
        }
    }
}

/// `YYYY-MM-DD` → unix seconds at 00:00 UTC.
fn date(data: &Value, field: &str, errors: &mut FieldErrors) -> i64 {
    let raw = data.get(field).and_then(Value::as_str).unwrap_or("");
    match crate::model::notifications::parse_date(raw) {
        Some(ts) => ts,
        None => {
            errors.add(&format!("data.{field}"), Msg::RequiredADateAsYYYYMMDD);
            0
        }
    }
}

/// What an event means, once its fields checked out.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    InvoiceIssued {
        invoice_id: String,
        number: String,
        amount: String,
        due: i64,
    },
    InvoicePaid {
        invoice_id: String,
    },
    CreditsUsage {
        grant_id: String,
        used: f64,
        total: f64,
    },
    QuotaUsage {
        quota_id: String,
        name: String,
        used: f64,
        limit: f64,
    },
    CostAnomaly {
        severity: Severity,
        description: String,
    },
    KnownIssue {
        title: String,
        description: String,
    },
    Maintenance {
        title: String,
        description: String,
    },
    BuildFinished {
        pipeline: String,
        build_id: String,
        succeeded: bool,
        trigger: String,
    },
    UsageWeekly {
        week_start: i64,
        summary: String,
    },
    News {
        title: String,
        body: String,
    },
}

pub const KINDS: &[&str] = &[
    "invoice.issued",
    "invoice.paid",
    "credits.usage",
    "quota.usage",
    "cost.anomaly",
    "incident.known_issue",
    "maintenance.scheduled",
    "build.finished",
    "usage.weekly",
    "news.published",
];

/// Checks an incoming event; field errors name `id`, `type`, `users` or `data.<field>`.
pub fn parse(event: &EventIn) -> Result<Event, AppError> {
    let mut errors = FieldErrors::new();
    let id = event.id.trim();
    if id.is_empty() || id.len() > 200 || id.chars().any(char::is_control) {
        errors.add("id", Msg::RequiredId);
    }
    let broadcast = matches!(
        event.kind.as_str(),
        "incident.known_issue" | "maintenance.scheduled" | "news.published"
    );
    if event.all_users && !broadcast {
        errors.add("all_users", Msg::OnlyIncidentsMaintenanceAndNewsToAll);
    }
    if event.users.is_empty() && !event.all_users {
        errors.add("users", Msg::NameAtLeastOneUser);
    }
    if event.users.len() > 1000 {
        errors.add("users", Msg::AtMost1000UsersPerEvent);
    }
    let d = &event.data;
    let parsed = match event.kind.as_str() {
        "invoice.issued" => Event::InvoiceIssued {
            invoice_id: text(d, "invoice_id", 100, &mut errors),
            number: text(d, "number", 100, &mut errors),
            amount: text(d, "amount", 50, &mut errors),
            due: date(d, "due_date", &mut errors),
        },
        "invoice.paid" => Event::InvoicePaid {
            invoice_id: text(d, "invoice_id", 100, &mut errors),
        },
        "credits.usage" => Event::CreditsUsage {
            grant_id: text(d, "grant_id", 100, &mut errors),
            used: number(d, "used", &mut errors),
            total: positive(d, "total", &mut errors),
        },
        "quota.usage" => Event::QuotaUsage {
            quota_id: text(d, "quota_id", 100, &mut errors),
            name: text(d, "name", 200, &mut errors),
            used: number(d, "used", &mut errors),
            limit: positive(d, "limit", &mut errors),
        },
        "cost.anomaly" => Event::CostAnomaly {
            severity: Severity::parse(one_of(
                d,
                "severity",
                &["information", "warning", "critical"],
                &mut errors,
            ))
            .unwrap_or(Severity::Information),
            description: text(d, "description", 1000, &mut errors),
        },
        "incident.known_issue" => Event::KnownIssue {
            title: text(d, "title", 200, &mut errors),
            description: text(d, "description", 2000, &mut errors),
        },
        "maintenance.scheduled" => Event::Maintenance {
            title: text(d, "title", 200, &mut errors),
            description: text(d, "description", 2000, &mut errors),
        },
        "build.finished" => Event::BuildFinished {
            pipeline: text(d, "pipeline", 200, &mut errors),
            build_id: text(d, "build_id", 100, &mut errors),
            succeeded: one_of(d, "status", &["success", "failed"], &mut errors) == "success",
            trigger: one_of(d, "trigger", &["push", "schedule", "manual"], &mut errors).to_string(),
        },
        "usage.weekly" => Event::UsageWeekly {
            week_start: date(d, "week_start", &mut errors),
            summary: text(d, "summary", 2000, &mut errors),
        },
        "news.published" => Event::News {
            title: text(d, "title", 200, &mut errors),
            body: text(d, "body", 2000, &mut errors),
        },
        _ => {
            errors.add("type", Msg::UnknownEventType.with(&[&KINDS.join(", ")]));
            return Err(AppError::Validation(errors));
        }
    };
    errors.into_result()?;
    Ok(parsed)
}

/// Stores an event once and routes it. `Ok(false)`: this id was seen before; nothing happened.
pub async fn ingest(state: &AppState, event: &EventIn) -> Result<bool, AppError> {
    let parsed = parse(event)?;
    let recipients = recipients(state, event).await?;
    let payload = serde_json::to_string(event).map_err(super::context::internal)?;
    if !db::insert_event(&state.db, event.id.trim(), &event.kind, &payload, now()).await? {
        // A retry of the same event is a duplicate; another event under a used id is a mistake
        // the platform must hear about, not a silent "duplicate".
        let stored = db::event_payload(&state.db, event.id.trim()).await?;
        let same = stored
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .is_some_and(|s| serde_json::to_value(event).is_ok_and(|e| e == s));
        if !same {
            return Err(AppError::Conflict(Msg::AnEventWithThisIdWas.into()));
        }
        return Ok(false);
    }
    route(
        state,
        event.id.trim(),
        &parsed,
        &link_for(state, event),
        &recipients,
    )
    .await?;
    db::mark_processed(&state.db, event.id.trim(), now()).await?;
    Ok(true)
}

async fn recipients(state: &AppState, event: &EventIn) -> Result<Vec<String>, AppError> {
    if event.all_users {
        return users::all_ids(&state.db).await;
    }
    let (found, unknown) = users::ids_for(&state.db, &event.users).await?;
    if !unknown.is_empty() {
        return Err(AppError::field(
            "users",
            Msg::NoSuchUser.with(&[&unknown.join(", ")]),
        ));
    }
    Ok(found)
}

/// Routes a stored event to each recipient according to their subscriptions.
async fn route(
    state: &AppState,
    event_id: &str,
    event: &Event,
    link: &str,
    recipients: &[String],
) -> Result<(), AppError> {
    for user_id in recipients {
        route_one(state, event_id, event, link, user_id).await?;
    }
    state.mailer.wake();
    Ok(())
}

async fn route_one(
    state: &AppState,
    event_id: &str,
    event: &Event,
    link: &str,
    user_id: &str,
) -> Result<(), AppError> {
    // What we write ourselves is in the recipient's language; text the platform sent is not.
    let lang = super::mail::language_of(&state.db, user_id).await?;
    let say = |msg: Msg, values: &[&str]| fill(in_lang(lang, msg), values);
    let send = |topic: &'static str, key: String, title: String, body: String| async move {
        let note = Note {
            topic,
            key: &key,
            title: &title,
            body: &body,
            link,
            lang,
        };
        notify(state, user_id, &note).await
    };
    match event {
        Event::InvoiceIssued {
            invoice_id,
            number,
            amount,
            due,
        } => {
            send(
                "invoices",
                format!("invoice:{invoice_id}:issued"),
                say(Msg::InvoiceIssued, &[number]),
                say(Msg::AmountDue, &[amount, &format_date(*due)]),
            )
            .await?;
            for (stage, days) in PAYMENT_REMINDERS {
                let (title, body) = match stage {
                    "due_in_7_days" => (
                        say(Msg::InvoiceIsDueIn7Days, &[number]),
                        say(Msg::AmountDue, &[amount, &format_date(*due)]),
                    ),
                    "overdue_4_days" => (
                        say(Msg::InvoiceIs4DaysOverdue, &[number]),
                        say(Msg::AmountWasDuePleasePayIt2, &[amount, &format_date(*due)]),
                    ),
                    _ => (
                        say(Msg::InvoiceIs10DaysOverdue, &[number]),
                        say(Msg::AmountWasDuePleasePayIt, &[amount, &format_date(*due)]),
                    ),
                };
                db::schedule(
                    &state.db,
                    db::Scheduled {
                        user_id,
                        topic: "payment_reminders",
                        dedupe_key: &format!("invoice:{invoice_id}:{stage}"),
                        subject_id: invoice_id,
                        // Reminders go out at 09:00 UTC on their day.
                        due_at: due + days * 86_400 + 9 * 3600,
                        title: &title,
                        body: &body,
                        link,
                    },
                )
                .await?;
            }
        }
        Event::InvoicePaid { invoice_id } => {
            db::cancel_scheduled(&state.db, "payment_reminders", invoice_id).await?;
        }
        Event::CreditsUsage {
            grant_id,
            used,
            total,
        } => {
            for threshold in credit_thresholds_reached(percent(*used, *total), &[]) {
                send(
                    "credits",
                    format!("credits:{grant_id}:{threshold}"),
                    say(Msg::PercentOfYourCreditsAreUsed, &[&threshold.to_string()]),
                    say(
                        Msg::OfCreditsOfGrantAreUsed,
                        &[&used.to_string(), &total.to_string(), grant_id],
                    ),
                )
                .await?;
            }
        }
        Event::QuotaUsage {
            quota_id,
            name,
            used,
            limit,
        } => {
            let p = percent(*used, *limit);
            let (crossings, crossed) =
                db::quota_reading(&state.db, user_id, quota_id, p > QUOTA_THRESHOLD).await?;
            if crossed {
                send(
                    "quota",
                    format!("quota:{quota_id}:{crossings}"),
                    say(Msg::IsOverPercent, &[name, &QUOTA_THRESHOLD.to_string()]),
                    say(
                        Msg::OfUsedPercent,
                        &[name, &used.to_string(), &limit.to_string(), &p.to_string()],
                    ),
                )
                .await?;
            }
        }
        Event::CostAnomaly {
            severity,
            description,
        } => {
            let sub = db::subscription(&state.db, user_id, "cost_anomalies").await?;
            if *severity >= sub.min_severity {
                send(
                    "cost_anomalies",
                    format!("anomaly:{event_id}"),
                    say(Msg::CostAnomaly, &[severity.label_in(lang)]),
                    description.clone(),
                )
                .await?;
            }
        }
        Event::KnownIssue { title, description } => {
            send(
                "known_issues",
                format!("known_issue:{event_id}"),
                title.clone(),
                description.clone(),
            )
            .await?;
        }
        Event::Maintenance { title, description } => {
            send(
                "maintenance",
                format!("maintenance:{event_id}"),
                title.clone(),
                description.clone(),
            )
            .await?;
        }
        Event::BuildFinished {
            pipeline,
            build_id,
            succeeded,
            trigger,
        } => {
            let sub = db::subscription(&state.db, user_id, "builds").await?;
            if build_wanted(&sub, *succeeded, trigger) {
                let title = match succeeded {
                    true => say(Msg::BuildOfSucceeded, &[build_id, pipeline]),
                    false => say(Msg::BuildOfFailed, &[build_id, pipeline]),
                };
                send(
                    "builds",
                    format!("build:{build_id}"),
                    title,
                    say(Msg::TriggeredBy, &[trigger]),
                )
                .await?;
            }
        }
        Event::UsageWeekly {
            week_start,
            summary,
        } => {
            db::schedule(
                &state.db,
                db::Scheduled {
                    user_id,
                    topic: "weekly_summary",
                    dedupe_key: &format!("weekly:{week_start}"),
                    subject_id: event_id,
                    due_at: super::db::preferences::get(&state.db, user_id)
                        .await?
                        .unwrap_or_default()
                        .next_monday_morning(now()),
                    title: &say(Msg::YourUsageForTheWeekOf, &[&format_date(*week_start)]),
                    body: summary,
                    link,
                },
            )
            .await?;
        }
        Event::News { title, body } => {
            send(
                "news",
                format!("news:{event_id}"),
                title.clone(),
                body.clone(),
            )
            .await?;
        }
    }
    Ok(())
}

/// One notification: its topic, why it is sent (`key`, unique per person), and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Note<'a> {
    pub topic: &'a str,
    pub key: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    /// Where it leads: a path, an https URL, or empty.
    pub link: &'a str,
    /// The recipient's language, which the e-mail around it is written in (looked up once by
    /// whoever wrote the title and body).
    pub lang: Lang,
}

/// Delivers one notification to one person on the channels they chose for its topic (security
/// notices are always e-mailed). Idempotent per person and key.
pub async fn notify(state: &AppState, user_id: &str, note: &Note<'_>) -> Result<bool, AppError> {
    let sub = db::subscription(&state.db, user_id, note.topic).await?;
    deliver(
        state,
        user_id,
        note,
        sub.wants(Channel::InApp),
        sub.wants(Channel::Email),
    )
    .await
}

async fn deliver(
    state: &AppState,
    user_id: &str,
    note: &Note<'_>,
    in_app: bool,
    by_email: bool,
) -> Result<bool, AppError> {
    let Note {
        topic,
        key,
        title,
        body,
        link,
        lang,
    } = *note;
    let email = match by_email {
        true => users::current_user(&state.db, user_id).await?.map(|u| {
            templates::notification(
                lang,
                &u.email,
                &u.display_name(),
                title,
                body,
                &absolute(state, link),
                &absolute(state, "/settings/notifications"),
            )
        }),
        false => None,
    };
    let delivery = db::Delivery {
        user_id,
        topic,
        dedupe_key: key,
        title,
        body,
        link,
        in_app,
        email: email.as_ref(),
    };
    db::deliver(&state.db, &state.config.secret_key, delivery, now()).await
}

/// A link for an e-mail: a path on this site made absolute (from configuration, never from a
/// request), an external https link as it is.
fn absolute(state: &AppState, link: &str) -> String {
    match link.starts_with('/') {
        true => state.link(link),
        false => link.to_string(),
    }
}

/// A security notice: always e-mailed, in the app too unless switched off there.
pub async fn security_notice(
    state: &AppState,
    user_id: &str,
    email: &Email,
) -> Result<(), AppError> {
    let sub = db::subscription(&state.db, user_id, "security").await?;
    let key = format!("security:{}", super::random_id(9));
    let body = email.text.lines().skip(2).take(1).collect::<String>();
    let delivery = db::Delivery {
        user_id,
        topic: "security",
        dedupe_key: &key,
        title: &email.subject,
        body: &body,
        link: "/settings/security",
        in_app: sub.wants(Channel::InApp),
        email: Some(email),
    };
    db::deliver(&state.db, &state.config.secret_key, delivery, now()).await?;
    state.mailer.wake();
    Ok(())
}

/// "Send me a test notification" on one channel.
pub async fn send_test(state: &AppState, user_id: &str, channel: Channel) -> Result<(), AppError> {
    let key = format!("test:{}", super::random_id(9));
    let (in_app, email) = match channel {
        Channel::Email => (false, true),
        Channel::InApp => (true, false),
    };
    if email {
        let to = users::current_user(&state.db, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?
            .email;
        super::mail::allow_requested(state, Some(user_id), &to).await?;
    }
    let lang = super::mail::language_of(&state.db, user_id).await?;
    let note = Note {
        topic: "test",
        key: &key,
        title: in_lang(lang, Msg::TestNotification),
        body: in_lang(lang, Msg::ThisIsTheTestYouAsked),
        link: "/settings/notifications",
        lang,
    };
    deliver(state, user_id, &note, in_app, email).await?;
    state.mailer.wake();
    Ok(())
}

/// One scheduler pass: scheduled notifications that are due, the month-end reminder, and events
/// an instance stopped routing half-way. Returns how many notifications it delivered.
pub async fn tick(state: &AppState) -> Result<usize, AppError> {
    let at = now();
    let mut delivered = 0;
    for row in db::due(&state.db, at).await? {
        // After downtime several stages of one invoice can be due at once: only the latest counts.
        if !db::later_due_exists(&state.db, &row, at).await? {
            let note = Note {
                topic: &row.topic,
                key: &row.dedupe_key,
                title: &row.title,
                body: &row.body,
                link: &row.link,
                lang: super::mail::language_of(&state.db, &row.user_id).await?,
            };
            if notify(state, &row.user_id, &note).await? {
                delivered += 1;
            }
        }
        db::mark_scheduled_done(&state.db, &row.id, at).await?;
    }
    delivered += month_end(state, at).await?;
    for (id, payload) in db::unprocessed_events(&state.db, at - 60).await? {
        let Ok(event) = serde_json::from_str::<EventIn>(&payload) else {
            continue;
        };
        if let (Ok(parsed), Ok(recipients)) = (parse(&event), recipients(state, &event).await) {
            route(state, &id, &parsed, &link_for(state, &event), &recipients).await?;
        }
        db::mark_processed(&state.db, &id, at).await?;
    }
    if delivered > 0 {
        state.mailer.wake();
    }
    Ok(delivered)
}

/// The month-end invoice reminder, 3 days before the end of the month (09:00 UTC), to everyone
/// subscribed; once per month, even across restarts and instances.
async fn month_end(state: &AppState, at: i64) -> Result<usize, AppError> {
    let Some(month) = crate::model::notifications::month_end_window(at) else {
        return Ok(0);
    };
    let mark = format!("month_end:{month}");
    if db::mark_exists(&state.db, &mark).await? {
        return Ok(0);
    }
    let mut delivered = 0;
    for user_id in users::all_ids(&state.db).await? {
        let lang = super::mail::language_of(&state.db, &user_id).await?;
        let note = Note {
            topic: "month_end",
            key: &mark,
            title: in_lang(lang, Msg::TheMonthEndsIn3Days),
            body: in_lang(lang, Msg::CheckYourUsageAndOpenInvoices),
            link: "",
            lang,
        };
        if notify(state, &user_id, &note).await? {
            delivered += 1;
        }
    }
    // Marked only after everyone was handled: a crash before this repeats the (idempotent) loop.
    db::claim_mark(&state.db, &mark, at).await?;
    Ok(delivered)
}

/// Runs `tick` every `interval` for as long as the process lives.
pub fn spawn_scheduler(state: AppState, interval: std::time::Duration) {
    tokio::spawn(async move {
        let mut timer = tokio::time::interval(interval);
        loop {
            timer.tick().await;
            match tick(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(delivered = n, "scheduled notifications delivered"),
                Err(e) => tracing::warn!(error = %e, "notification scheduler pass failed"),
            }
        }
    });
}
