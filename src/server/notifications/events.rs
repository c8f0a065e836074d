//! Stage 1: platform events as they arrive at `POST /api/v1/events`, parsed into a typed
//! `Event` (one struct per `type`, whose schema the OpenAPI document shows) and checked, with
//! field errors that name `id`, `type`, `users`, `all_users` or `data.<field>`.

pub use crate::model::notifications::Trigger;
use crate::{
    error::{AppError, FieldErrors},
    i18n::Msg,
    model::notifications::{parse_date, Severity},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// An event as the platform posts it (and as it is stored, to be routed again after a crash).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// The platform's id for this event: sending the same event again does nothing.
    pub id: String,
    /// One of `EventType`'s words; `data` is that type's.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who it concerns: user ids or primary e-mail addresses. Names nobody has here are
    /// skipped and listed in the receipt (people the platform knows need not have signed in).
    #[serde(default)]
    pub users: Vec<String>,
    /// Platform-wide events (incidents, maintenance, news) may go to everyone instead.
    #[serde(default)]
    pub all_users: bool,
    pub data: Value,
}

crate::model::vocabulary! {
    /// The event types the platform may send.
    pub enum EventType {
        InvoiceIssued = "invoice.issued" => NewInvoices,
        InvoicePaid = "invoice.paid" => NewInvoices,
        CreditsUsage = "credits.usage" => CreditsUtilization,
        QuotaUsage = "quota.usage" => CloudQuotaUtilization,
        CostAnomaly = "cost.anomaly" => CostAnomalies,
        KnownIssue = "incident.known_issue" => KnownInfrastructureIssues,
        Maintenance = "maintenance.scheduled" => MaintenanceAndOutages,
        BuildFinished = "build.finished" => PipelineBuilds,
        UsageWeekly = "usage.weekly" => WeeklyUsageSummary,
        NewsPublished = "news.published" => NewsAndAnnouncements,
    }
}

impl EventType {
    /// Types that may go to every user at once (`all_users`).
    pub fn may_broadcast(self) -> bool {
        matches!(
            self,
            EventType::KnownIssue | EventType::Maintenance | EventType::NewsPublished
        )
    }
}

crate::model::vocabulary! {
    pub enum BuildStatus {
        Success = "success" => SuccessfulBuilds,
        Failed = "failed" => FailedBuilds,
    }
}

// The patterns say what `check` says: text holds no control characters and is not blank;
// links are a path here or an https URL.
macro_rules! data_struct {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty,)*
            /// Where the notification leads: a path in the console (`/…`) or an https URL.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            #[schema(max_length = 500, pattern = "^(/|https://)[^\\s\\u0000-\\u001f\\u007f-\\u009f]*$")]
            pub link: Option<String>,
        }
    };
}

data_struct!(InvoiceIssued {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    invoice_id: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    number: String,
    #[schema(
        min_length = 1,
        max_length = 50,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    amount: String,
    /// The due date, `YYYY-MM-DD`.
    #[schema(format = Date)]
    due_date: String,
});

data_struct!(InvoicePaid {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    invoice_id: String,
});

data_struct!(CreditsUsage {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    grant_id: String,
    #[schema(minimum = 0)]
    used: f64,
    /// The grant's size: above 0.
    #[schema(exclusive_minimum = 0)]
    total: f64,
});

data_struct!(QuotaUsage {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    quota_id: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    name: String,
    #[schema(minimum = 0)]
    used: f64,
    #[schema(exclusive_minimum = 0)]
    limit: f64,
});

data_struct!(CostAnomaly {
    severity: Severity,
    #[schema(
        min_length = 1,
        max_length = 1000,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    description: String,
});

data_struct!(Incident {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    title: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    description: String,
});

data_struct!(BuildFinished {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    pipeline: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    build_id: String,
    status: BuildStatus,
    trigger: Trigger,
});

data_struct!(UsageWeekly {
    /// The Monday the week starts, `YYYY-MM-DD`.
    #[schema(format = Date)]
    week_start: String,
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$"
    )]
    summary: String,
});

data_struct!(News {
    #[schema(min_length = 1, max_length = 200, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    title: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$")]
    body: String,
    /// The announcement on the web (the notification links to it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 500, pattern = "^https://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$")]
    url: Option<String>,
});

/// An event that checked out, by type.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    InvoiceIssued(InvoiceIssued),
    InvoicePaid(InvoicePaid),
    CreditsUsage(CreditsUsage),
    QuotaUsage(QuotaUsage),
    CostAnomaly(CostAnomaly),
    KnownIssue(Incident),
    Maintenance(Incident),
    BuildFinished(BuildFinished),
    UsageWeekly(UsageWeekly),
    News(News),
}

/// Who a parsed event goes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Audience {
    Everyone,
    Named(Vec<String>),
}

/// An event that checked out: its id, type, audience and data.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub id: String,
    pub kind: EventType,
    pub audience: Audience,
    pub event: Event,
}

/// The `data` of an event as its type's struct; a field that is missing, unknown or of the
/// wrong type is named in the error.
fn data<T: serde::de::DeserializeOwned>(value: &Value, errors: &mut FieldErrors) -> Option<T> {
    match serde_json::from_value::<T>(value.clone()) {
        Ok(data) => Some(data),
        Err(e) => {
            let message = e.to_string();
            // serde names the field in backticks: "missing field `invoice_id`".
            let field = message
                .split('`')
                .nth(1)
                .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .map(|f| format!("data.{f}"))
                .unwrap_or_else(|| "data".into());
            errors.add(&field, Msg::DoesNotFitTheEventSchema.with(&[&message]));
            None
        }
    }
}

/// A text field: not blank, within `max` characters, no control characters (checked as sent,
/// kept trimmed).
fn text(value: &mut String, field: &str, max: usize, errors: &mut FieldErrors) {
    let ok = value.chars().count() <= max
        && !value.trim().is_empty()
        && !value.chars().any(char::is_control);
    if !ok {
        errors.add(
            &format!("data.{field}"),
            Msg::RequiredTextOf1ToNCharacters.with(&[&max.to_string()]),
        );
    }
    *value = value.trim().to_string();
}

fn date(value: &str, field: &str, errors: &mut FieldErrors) {
    if parse_date(value).is_none() {
        errors.add(&format!("data.{field}"), Msg::RequiredADateAsYYYYMMDD);
    }
}

fn not_negative(value: f64, field: &str, errors: &mut FieldErrors) {
    if !(value.is_finite() && value >= 0.0) {
        errors.add(&format!("data.{field}"), Msg::RequiredANumber0OrMore);
    }
}

fn positive(value: f64, field: &str, errors: &mut FieldErrors) {
    if !(value.is_finite() && value > 0.0) {
        errors.add(&format!("data.{field}"), Msg::RequiredANumberAbove0);
    }
}

fn link(value: &Option<String>, field: &str, https_only: bool, errors: &mut FieldErrors) {
    let Some(link) = value else { return };
    let ok = link.chars().count() <= 500
        && (link.starts_with("https://") || (!https_only && link.starts_with('/')))
        && !link.chars().any(|c| c.is_control() || c.is_whitespace());
    if !ok {
        errors.add(&format!("data.{field}"), Msg::ALinkIsAPathOrHttpsURL);
    }
}

/// Checks an incoming event: every field error at once.
pub fn parse(event: &EventIn) -> Result<Parsed, AppError> {
    let mut errors = FieldErrors::new();
    let id = event.id.trim();
    if event.id.chars().count() > 200 || id.is_empty() || event.id.chars().any(char::is_control) {
        errors.add("id", Msg::RequiredId);
    }
    let Some(kind) = EventType::parse(&event.kind) else {
        let words: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        errors.add("type", Msg::UnknownEventType.with(&[&words.join(", ")]));
        return Err(AppError::Validation(errors));
    };
    if event.all_users && !kind.may_broadcast() {
        errors.add("all_users", Msg::OnlyIncidentsMaintenanceAndNewsToAll);
    }
    if event.users.is_empty() && !event.all_users {
        errors.add("users", Msg::NameAtLeastOneUser);
    }
    if event.users.len() > 1000 {
        errors.add("users", Msg::AtMost1000UsersPerEvent);
    }
    let d = &event.data;
    let e = &mut errors;
    let parsed = match kind {
        EventType::InvoiceIssued => data::<InvoiceIssued>(d, e).map(|mut v| {
            text(&mut v.invoice_id, "invoice_id", 100, e);
            text(&mut v.number, "number", 100, e);
            text(&mut v.amount, "amount", 50, e);
            date(&v.due_date, "due_date", e);
            link(&v.link, "link", false, e);
            Event::InvoiceIssued(v)
        }),
        EventType::InvoicePaid => data::<InvoicePaid>(d, e).map(|mut v| {
            text(&mut v.invoice_id, "invoice_id", 100, e);
            link(&v.link, "link", false, e);
            Event::InvoicePaid(v)
        }),
        EventType::CreditsUsage => data::<CreditsUsage>(d, e).map(|mut v| {
            text(&mut v.grant_id, "grant_id", 100, e);
            not_negative(v.used, "used", e);
            positive(v.total, "total", e);
            link(&v.link, "link", false, e);
            Event::CreditsUsage(v)
        }),
        EventType::QuotaUsage => data::<QuotaUsage>(d, e).map(|mut v| {
            text(&mut v.quota_id, "quota_id", 100, e);
            text(&mut v.name, "name", 200, e);
            not_negative(v.used, "used", e);
            positive(v.limit, "limit", e);
            link(&v.link, "link", false, e);
            Event::QuotaUsage(v)
        }),
        EventType::CostAnomaly => data::<CostAnomaly>(d, e).map(|mut v| {
            text(&mut v.description, "description", 1000, e);
            link(&v.link, "link", false, e);
            Event::CostAnomaly(v)
        }),
        EventType::KnownIssue | EventType::Maintenance => data::<Incident>(d, e).map(|mut v| {
            text(&mut v.title, "title", 200, e);
            text(&mut v.description, "description", 2000, e);
            link(&v.link, "link", false, e);
            match kind {
                EventType::KnownIssue => Event::KnownIssue(v),
                _ => Event::Maintenance(v),
            }
        }),
        EventType::BuildFinished => data::<BuildFinished>(d, e).map(|mut v| {
            text(&mut v.pipeline, "pipeline", 200, e);
            text(&mut v.build_id, "build_id", 100, e);
            link(&v.link, "link", false, e);
            Event::BuildFinished(v)
        }),
        EventType::UsageWeekly => data::<UsageWeekly>(d, e).map(|mut v| {
            date(&v.week_start, "week_start", e);
            text(&mut v.summary, "summary", 2000, e);
            link(&v.link, "link", false, e);
            Event::UsageWeekly(v)
        }),
        EventType::NewsPublished => data::<News>(d, e).map(|mut v| {
            text(&mut v.title, "title", 200, e);
            text(&mut v.body, "body", 2000, e);
            link(&v.link, "link", false, e);
            link(&v.url, "url", true, e);
            Event::News(v)
        }),
    };
    errors.into_result()?;
    // Without errors the data parsed.
    let parsed = parsed.ok_or(AppError::BadRequest)?;
    Ok(Parsed {
        id: id.to_string(),
        kind,
        audience: match event.all_users {
            true => Audience::Everyone,
            false => Audience::Named(event.users.clone()),
        },
        event: parsed,
    })
}

/// The OpenAPI schema of a platform event: one shape per type (its `data` schema, and who may
/// receive it: broadcast types take `all_users` instead of `users`), so generated requests and
/// readers see exactly what is accepted.
pub fn openapi_schema() -> Value {
    use serde_json::json;
    use utoipa::PartialSchema;
    let schema = |s: utoipa::openapi::RefOr<utoipa::openapi::Schema>| {
        serde_json::to_value(s).unwrap_or_default()
    };
    let id = json!({ "type": "string", "minLength": 1, "maxLength": 200,
        "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*\\S[^\\u0000-\\u001f\\u007f-\\u009f]*$",
        "description": "The platform's id for this event: sending the same event again does nothing; another event under a used id is refused (409)." });
    let users = json!({ "type": "array", "items": { "type": "string" }, "maxItems": 1000,
        "description": "User ids or primary e-mail addresses; names nobody has here are skipped and listed in the receipt." });
    let shapes: Vec<Value> = EventType::ALL
        .iter()
        .map(|kind| {
            let data = match kind {
                EventType::InvoiceIssued => schema(InvoiceIssued::schema()),
                EventType::InvoicePaid => schema(InvoicePaid::schema()),
                EventType::CreditsUsage => schema(CreditsUsage::schema()),
                EventType::QuotaUsage => schema(QuotaUsage::schema()),
                EventType::CostAnomaly => schema(CostAnomaly::schema()),
                EventType::KnownIssue | EventType::Maintenance => schema(Incident::schema()),
                EventType::BuildFinished => schema(BuildFinished::schema()),
                EventType::UsageWeekly => schema(UsageWeekly::schema()),
                EventType::NewsPublished => schema(News::schema()),
            };
            let mut users = users.clone();
            let mut shape = json!({
                "type": "object",
                "title": kind.as_str(),
                "additionalProperties": false,
                "required": ["id", "type", "users", "data"],
                "properties": {
                    "id": id,
                    "type": { "type": "string", "enum": [kind.as_str()] },
                    "users": users,
                    "all_users": { "type": "boolean", "enum": [false] },
                    "data": data,
                },
            });
            if kind.may_broadcast() {
                shape["required"] = json!(["id", "type", "data"]);
                shape["properties"]["all_users"] = json!({ "type": "boolean" });
                shape["anyOf"] = json!([
                    { "required": ["users"], "properties": { "users": { "minItems": 1 } } },
                    { "required": ["all_users"], "properties": { "all_users": { "enum": [true] } } },
                ]);
            } else {
                users["minItems"] = json!(1);
                shape["properties"]["users"] = users;
            }
            shape
        })
        .collect();
    json!({ "oneOf": shapes, "description": "An event on the platform that may become notifications." })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> EventIn {
        EventIn {
            id: "e1".into(),
            kind: kind.into(),
            users: vec!["ada@example.com".into()],
            all_users: false,
            data,
        }
    }

    fn fields(err: AppError) -> Vec<String> {
        err.field_errors()
            .unwrap()
            .0
            .iter()
            .map(|(f, _)| f.clone())
            .collect()
    }

    #[test]
    fn each_type_parses_into_its_own_data() {
        let parsed = parse(&event("build.finished", json!({ "pipeline": " web ", "build_id": "7", "status": "failed", "trigger": "manual" }))).unwrap();
        let Event::BuildFinished(build) = parsed.event else {
            panic!()
        };
        assert_eq!(
            (build.pipeline.as_str(), build.status, build.trigger),
            ("web", BuildStatus::Failed, Trigger::Manual)
        );
        assert_eq!(
            parsed.audience,
            Audience::Named(vec!["ada@example.com".into()])
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let err = parse(&event(
            "credits.usage",
            json!({ "grant_id": "g", "used": -1, "total": 0 }),
        ))
        .unwrap_err();
        assert_eq!(fields(err), ["data.used", "data.total"]);
        let err = parse(&event(
            "invoice.issued",
            json!({ "invoice_id": "1", "number": "A", "amount": "1", "due_date": "2026-02-30" }),
        ))
        .unwrap_err();
        assert_eq!(fields(err), ["data.due_date"]);
        let err = parse(&event("invoice.paid", json!({}))).unwrap_err();
        assert_eq!(fields(err), ["data.invoice_id"], "a missing field is named");
        let err = parse(&event(
            "invoice.paid",
            json!({ "invoice_id": "1", "extra": 1 }),
        ))
        .unwrap_err();
        assert_eq!(fields(err), ["data.extra"], "an unknown field is named");
        let err = parse(&event("invoice.exploded", json!({}))).unwrap_err();
        assert_eq!(fields(err), ["type"]);
        let mut all = event("invoice.paid", json!({ "invoice_id": "1" }));
        all.all_users = true;
        assert_eq!(fields(parse(&all).unwrap_err()), ["all_users"]);
    }

    #[test]
    fn the_schema_has_one_shape_per_type_with_its_data() {
        let schema = openapi_schema();
        let shapes = schema["oneOf"].as_array().unwrap();
        assert_eq!(shapes.len(), EventType::ALL.len());
        let news = shapes
            .iter()
            .find(|s| s["title"] == "news.published")
            .unwrap();
        assert!(
            news["properties"]["data"]["properties"]["title"].is_object(),
            "{news}"
        );
        assert!(news["anyOf"].is_array(), "news may go to all users");
        let paid = shapes
            .iter()
            .find(|s| s["title"] == "invoice.paid")
            .unwrap();
        assert_eq!(paid["properties"]["users"]["minItems"], 1);
    }
}
