//! `GET`/`PATCH /api/v1/me/subscriptions`: what you hear about, for scripts — the Notifications
//! tab's switches and options, saved under the tab's rules (security notices stay e-mailed).

use super::{etag_listed, etag_of, json_read, read_json, require, Problem};
use crate::{
    error::{AppError, FieldErrors},
    i18n::Msg,
    model::{
        api_keys::Scope,
        notifications::{BuildOutcomes, Severity, Subscription, Topic, TOPICS},
    },
    server::{api_keys::Caller, db::notifications as db, state::AppState},
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{
    openapi::{
        schema::{AdditionalProperties, Type},
        ObjectBuilder, Schema,
    },
    ToSchema,
};

/// Where one topic is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Channels {
    pub email: bool,
    pub in_app: bool,
}

/// The channels to change for one topic; absent ones stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelsPatch {
    pub email: Option<bool>,
    pub in_app: Option<bool>,
}

/// What you hear about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiSubscriptions {
    /// Every topic with its channels. `security` is always e-mailed.
    #[schema(schema_with = topics_schema)]
    pub topics: BTreeMap<Topic, Channels>,
    /// Cost anomalies from this severity up.
    pub min_severity: Severity,
    /// Which finished builds you hear about.
    pub build_outcomes: BuildOutcomes,
    /// Builds: also the runs you started by hand.
    pub include_manual: bool,
}

/// The subscriptions to change (JSON merge patch): absent topics, channels and options stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionsPatch {
    /// The topics to change, each with the channels to change.
    #[schema(schema_with = topics_patch_schema)]
    pub topics: Option<BTreeMap<Topic, ChannelsPatch>>,
    pub min_severity: Option<Severity>,
    pub build_outcomes: Option<BuildOutcomes>,
    pub include_manual: Option<bool>,
}

/// An object with one property per topic one subscribes to (no others), each `email`/`in_app`.
/// A topic whose e-mail is locked on (security notices) documents `email` as `true` only.
fn topics_object(required: bool) -> Schema {
    let channels = |locked_email: bool| {
        let mut email = ObjectBuilder::new().schema_type(Type::Boolean);
        if locked_email {
            email = email
                .enum_values(Some([true]))
                .description(Some("Always true: security notices are always e-mailed."));
        }
        let mut o = ObjectBuilder::new()
            .property("email", email)
            .property("in_app", ObjectBuilder::new().schema_type(Type::Boolean))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        if required {
            o = o.required("email").required("in_app");
        }
        o.build()
    };
    let mut topics =
        ObjectBuilder::new().additional_properties(Some(AdditionalProperties::FreeForm(false)));
    for info in TOPICS {
        topics = topics.property(info.topic.as_str(), channels(info.locked_email));
        if required {
            topics = topics.required(info.topic.as_str());
        }
    }
    Schema::Object(topics.build())
}

fn topics_schema() -> Schema {
    topics_object(true)
}

fn topics_patch_schema() -> Schema {
    topics_object(false)
}

impl ApiSubscriptions {
    fn from_subscriptions(subs: &[Subscription]) -> Self {
        let first = |topic: Topic| subs.iter().find(|s| s.topic == topic);
        let anomalies = first(Topic::CostAnomalies);
        let builds = first(Topic::Builds);
        ApiSubscriptions {
            topics: subs
                .iter()
                .map(|s| {
                    let email = s.wants(crate::model::notifications::Channel::Email);
                    (
                        s.topic,
                        Channels {
                            email,
                            in_app: s.in_app,
                        },
                    )
                })
                .collect(),
            min_severity: anomalies.map_or(Severity::Warning, |s| s.min_severity),
            build_outcomes: builds.map_or(BuildOutcomes::Failed, |s| s.build_outcomes),
            include_manual: builds.is_some_and(|s| s.include_manual),
        }
    }
}

/// The subscriptions with the patch applied; switching security e-mail off is refused.
fn apply(
    current: &[Subscription],
    patch: &SubscriptionsPatch,
) -> Result<Vec<Subscription>, AppError> {
    let mut errors = FieldErrors::new();
    let mut subs = current.to_vec();
    for (topic, change) in patch.topics.iter().flatten() {
        let Some(sub) = subs.iter_mut().find(|s| s.topic == *topic) else {
            errors.add(
                &format!("topics.{topic}"),
                Msg::UnknownTopic.with(&[topic.as_str()]),
            );
            continue;
        };
        if change.email == Some(false) && topic.info().is_some_and(|i| i.locked_email) {
            errors.add(
                &format!("topics.{topic}.email"),
                Msg::SecurityNoticesAreAlwaysEMailed,
            );
        }
        sub.email = change.email.unwrap_or(sub.email);
        sub.in_app = change.in_app.unwrap_or(sub.in_app);
    }
    errors.into_result()?;
    for sub in &mut subs {
        sub.min_severity = patch.min_severity.unwrap_or(sub.min_severity);
        sub.build_outcomes = patch.build_outcomes.unwrap_or(sub.build_outcomes);
        sub.include_manual = patch.include_manual.unwrap_or(sub.include_manual);
    }
    Ok(subs)
}

/// Read what you hear about.
#[utoipa::path(
    get, path = "/api/v1/me/subscriptions", tag = "notifications",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier read: 304 if unchanged")),
    responses(
        (status = 200, description = "Your subscriptions", body = ApiSubscriptions,
         headers(("ETag" = String, description = "Send back as If-Match to update"))),
        (status = 304, description = "Your copy is current"),
    ),
    security(("api_key" = ["notifications:read"]))
)]
pub async fn get_subscriptions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    require(&caller, Scope::NotificationsRead)?;
    let subs = db::subscriptions(&state.db, &caller.user_id).await?;
    Ok(json_read(
        &headers,
        &ApiSubscriptions::from_subscriptions(&subs),
    ))
}

/// Change what you hear about.
#[utoipa::path(
    patch, path = "/api/v1/me/subscriptions", tag = "notifications",
    params(("If-Match" = Option<String>, Header, description = "The ETag of the subscriptions you edited: 412 if they changed since. Without it, the change applies to the current subscriptions.")),
    request_body(content = SubscriptionsPatch, content_type = "application/json", description = "Also accepted as application/merge-patch+json"),
    responses(
        (status = 200, description = "The saved subscriptions", body = ApiSubscriptions,
         headers(("ETag" = String, description = "The new ETag"))),
        (status = 412, description = "The subscriptions changed since the ETag in If-Match", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (see `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = ["notifications:write"]))
)]
pub async fn patch_subscriptions(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> Result<Response, Problem> {
    require(&caller, Scope::NotificationsWrite)?;
    let (parts, body) = req.into_parts();
    let patch: SubscriptionsPatch = read_json(&parts.headers, body).await?;
    let wanted = parts
        .headers
        .get(header::IF_MATCH)
        .map(|v| v.to_str().unwrap_or("").to_string());
    // As PATCH /me: read, merge and write in one transaction no other save comes between.
    let mut tx = state.begin().await?;
    tx.lock_person(&caller.user_id).await?;
    let version = db::subscriptions_version(&mut *tx, &caller.user_id).await?;
    let current = db::subscriptions(&mut *tx, &caller.user_id).await?;
    let etag = etag_of(
        &serde_json::to_vec(&ApiSubscriptions::from_subscriptions(&current)).unwrap_or_default(),
    );
    let subs = apply(&current, &patch)?;
    if let Some(wanted) = &wanted {
        if !etag_listed(wanted, &etag) {
            return Err(stale());
        }
    }
    let at = crate::server::now();
    db::save_subscriptions(&mut tx, &caller.user_id, &subs, Some(version), at).await?;
    let saved = db::subscriptions(&mut *tx, &caller.user_id).await?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(json_read(
        &HeaderMap::new(),
        &ApiSubscriptions::from_subscriptions(&saved),
    ))
}

fn stale() -> Problem {
    Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "The subscriptions changed since you read them. Read them again (GET /api/v1/me/subscriptions), reapply your change and send the new ETag.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Vec<Subscription> {
        TOPICS.iter().map(Subscription::default_for).collect()
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch: SubscriptionsPatch = serde_json::from_value(serde_json::json!({
            "topics": { "news": { "email": true } },
            "min_severity": "critical"
        }))
        .unwrap();
        let subs = apply(&defaults(), &patch).unwrap();
        let view = ApiSubscriptions::from_subscriptions(&subs);
        assert_eq!(
            view.topics[&Topic::News],
            Channels {
                email: true,
                in_app: true
            }
        );
        assert_eq!(
            view.topics[&Topic::Invoices],
            Channels {
                email: true,
                in_app: true
            }
        );
        assert_eq!(
            (view.min_severity, view.build_outcomes),
            (Severity::Critical, BuildOutcomes::Failed)
        );
        assert!(!view.topics.contains_key(&Topic::Test));
    }

    #[test]
    fn security_email_stays_on_and_test_is_no_topic() {
        let off = SubscriptionsPatch {
            topics: Some(BTreeMap::from([(
                Topic::Security,
                ChannelsPatch {
                    email: Some(false),
                    in_app: Some(false),
                },
            )])),
            ..Default::default()
        };
        let err = apply(&defaults(), &off).unwrap_err();
        assert!(err
            .field_errors()
            .unwrap()
            .get("topics.security.email")
            .is_some());
        let test = SubscriptionsPatch {
            topics: Some(BTreeMap::from([(Topic::Test, ChannelsPatch::default())])),
            ..Default::default()
        };
        assert!(apply(&defaults(), &test)
            .unwrap_err()
            .field_errors()
            .unwrap()
            .get("topics.test")
            .is_some());
        let unknown = serde_json::from_value::<SubscriptionsPatch>(
            serde_json::json!({ "topics": { "admin": {} } }),
        );
        assert!(unknown.is_err(), "only known topics parse");
    }
}
