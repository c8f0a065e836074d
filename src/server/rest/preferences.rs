//! `GET`/`PATCH /api/v1/me/preferences`: the Preferences tab for scripts (and for the platform,
//! which reads a person's time zone and formats), with the tab's own validation and save.

use super::{etag_listed, etag_of, json_read, read_json, require, Problem};
use crate::{
    model::{
        api_keys::Scope,
        preferences::{
            validate, DateFormat, LanguageChoice, Preferences, PreferencesInput, Theme, TimeFormat,
            WeekStart,
        },
    },
    server::{api_keys::Caller, db, state::AppState},
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Your display preferences.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiPreferences {
    /// IANA time zone, e.g. `Europe/Berlin`; null until you choose one (pages then use your
    /// browser's zone).
    pub time_zone: Option<String>,
    pub date_format: DateFormat,
    pub time_format: TimeFormat,
    pub week_start: WeekStart,
    /// 10, 25, 50 or 100.
    pub rows_per_page: u32,
    pub theme: Theme,
    pub language: LanguageChoice,
}

impl From<Preferences> for ApiPreferences {
    fn from(p: Preferences) -> Self {
        ApiPreferences {
            time_zone: p.zone_chosen.then_some(p.time_zone),
            date_format: p.date_format,
            time_format: p.time_format,
            week_start: p.week_start,
            rows_per_page: p.rows_per_page,
            theme: p.theme,
            language: p.language,
        }
    }
}

/// One of the IANA zone names the server knows (its compiled-in database), or null.
fn zone_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let names = crate::model::preferences::zone_names();
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(
            names
                .into_iter()
                .map(serde_json::Value::from)
                .chain([serde_json::Value::Null]),
        ))
        .description(Some("IANA time zone name, e.g. Europe/Berlin."))
        .build()
        .into()
}

/// One of the rows-per-page choices, or null.
fn rows_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .enum_values(Some(
            crate::model::preferences::ROWS_PER_PAGE
                .iter()
                .map(|n| serde_json::Value::from(*n))
                .chain([serde_json::Value::Null]),
        ))
        .build()
        .into()
}

/// The preferences to change (JSON merge patch): absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesPatch {
    /// IANA time zone name.
    #[schema(schema_with = zone_schema)]
    pub time_zone: Option<String>,
    pub date_format: Option<DateFormat>,
    pub time_format: Option<TimeFormat>,
    pub week_start: Option<WeekStart>,
    #[schema(schema_with = rows_schema)]
    pub rows_per_page: Option<u32>,
    pub theme: Option<Theme>,
    pub language: Option<LanguageChoice>,
}

async fn current(state: &AppState, user_id: &str) -> Result<Preferences, Problem> {
    Ok(db::preferences::get(&state.db, user_id)
        .await?
        .unwrap_or_default())
}

/// Read your preferences.
#[utoipa::path(
    get, path = "/api/v1/me/preferences", tag = "preferences",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your preferences", body = ApiPreferences,
         headers(("ETag" = String, description = "Send back as If-Match to update"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["preferences:read"]))
)]
pub async fn get_preferences(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::PreferencesRead)?;
    Ok(json_read(
        &headers,
        &ApiPreferences::from(current(&state, &caller.user_id).await?),
    ))
}

/// Change your preferences.
#[utoipa::path(
    patch, path = "/api/v1/me/preferences", tag = "preferences",
    params(("If-Match" = Option<String>, Header, description = "The ETag of the preferences you edited: 412 if they changed since. Without it, the change applies to the current preferences.")),
    request_body(content = PreferencesPatch, content_type = "application/json", description = "Also accepted as application/merge-patch+json"),
    responses(
        (status = 200, description = "The saved preferences", body = ApiPreferences,
         headers(("ETag" = String, description = "The new ETag"))),
        (status = 412, description = "The preferences changed since the ETag in If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (see `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["preferences:write"]))
)]
pub async fn patch_preferences(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, Problem> {
    require(&caller, Scope::PreferencesWrite)?;
    let (parts, body) = req.into_parts();
    let patch: PreferencesPatch = read_json(&parts.headers, body).await?;
    let wanted = parts
        .headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").to_string());
    // As PATCH /me: read, merge and write in one transaction no other save comes between.
    let mut tx = state.begin().await?;
    tx.lock_person(&caller.user_id).await?;
    let now = db::preferences::get(&mut *tx, &caller.user_id)
        .await?
        .unwrap_or_default();
    let etag = etag_of(&serde_json::to_vec(&ApiPreferences::from(now.clone())).unwrap_or_default());
    let input = PreferencesInput {
        time_zone: patch
            .time_zone
            .clone()
            .unwrap_or_else(|| now.time_zone.clone()),
        date_format: patch.date_format.unwrap_or(now.date_format).as_str().into(),
        time_format: patch.time_format.unwrap_or(now.time_format).as_str().into(),
        week_start: patch.week_start.unwrap_or(now.week_start).as_str().into(),
        rows_per_page: patch.rows_per_page.unwrap_or(now.rows_per_page).to_string(),
        theme: patch.theme.unwrap_or(now.theme).as_str().into(),
        language: patch.language.unwrap_or(now.language).as_str().into(),
    };
    let mut prefs = validate(&input).map_err(crate::error::AppError::Validation)?;
    // A patch that does not name the zone leaves it unchosen if it was.
    prefs.zone_chosen = now.zone_chosen || patch.time_zone.is_some();
    if let Some(wanted) = &wanted {
        if !etag_listed(wanted, &etag) {
            return Err(stale());
        }
    }
    let at = crate::server::now();
    db::preferences::save(&mut *tx, &caller.user_id, &prefs, Some(now.version), at).await?;
    let saved = db::preferences::get(&mut *tx, &caller.user_id)
        .await?
        .unwrap_or_default();
    tx.commit().await.map_err(crate::error::AppError::from)?;
    Ok(json_read(&HeaderMap::new(), &ApiPreferences::from(saved)))
}

fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "The preferences changed since you read them. Read them again (GET /api/v1/me/preferences), reapply your change and send the new ETag.",
    )
}
