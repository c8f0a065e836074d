//! `GET /metrics` in the Prometheus text format (OpenMetrics), served only on `METRICS_ADDR`:
//! a separate listener that operators keep off the public network, so the public port never
//! answers it.
//!
//! Counted as requests are served, per instance: requests and their latency by route (the
//! route's pattern, never the raw path, so ids do not make a series each), sign-ins by outcome.
//! Read from the database on each scrape, the same on every instance: the outbox's depth and
//! the age of its oldest message, how late the notification scheduler is. Read from this
//! process on each scrape: database pool use, the last scheduler pass.

use super::state::AppState;
use crate::error::AppError;
use axum::{
    extract::{MatchedPath, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Registry, Unit},
};
use std::fmt::Write;

/// How a sign-in attempt ended (the password step, and the second step when one is needed).
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub enum SignInOutcome {
    /// A session was started.
    SignedIn,
    /// The password was right; the second step is asked for.
    SecondFactor,
    /// Wrong e-mail, password or code.
    WrongCredentials,
    /// The password was right but the address is not confirmed yet.
    Unconfirmed,
    /// Refused with 429: too many failures for this source or account, or hashing is full.
    Limited,
    /// Anything else: the database was unavailable, an internal error.
    Failed,
}

impl SignInOutcome {
    pub const fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::SignedIn => "signed_in",
            SignInOutcome::SecondFactor => "second_factor",
            SignInOutcome::WrongCredentials => "wrong_credentials",
            SignInOutcome::Unconfirmed => "unconfirmed",
            SignInOutcome::Limited => "limited",
            SignInOutcome::Failed => "failed",
        }
    }

    /// The outcome of a failed step.
    pub fn of_error(e: &AppError) -> Self {
        match e {
            AppError::InvalidCredentials | AppError::Validation(_) => {
                SignInOutcome::WrongCredentials
            }
            AppError::Conflict(_) => SignInOutcome::Unconfirmed,
            AppError::RateLimited(_) => SignInOutcome::Limited,
            _ => SignInOutcome::Failed,
        }
    }
}

impl EncodeLabelValue for SignInOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// The request methods counted by name; any other is counted as `other`, so that a client
/// inventing methods cannot create series.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Post,
    Other,
}

impl From<&axum::http::Method> for Method {
    fn from(m: &axum::http::Method) -> Self {
        match *m {
            axum::http::Method::GET => Method::Get,
            axum::http::Method::HEAD => Method::Head,
            axum::http::Method::POST => Method::Post,
            _ => Method::Other,
        }
    }
}

impl EncodeLabelValue for Method {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Other => "other",
        })
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: Method,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: SignInOutcome,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

type Durations = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// This process's metrics. Counters only grow; the gauges are set on each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Durations,
    sign_ins: Family<OutcomeLabels, Counter>,
    outbox_pending: Gauge,
    outbox_oldest: Gauge,
    scheduler_lag: Gauge,
    scheduler_last_pass: Gauge,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 10 s: pages take milliseconds, a sign-in's hash a few hundred.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.5, 11,
    ))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("profile_center");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route pattern, method and status",
            requests.clone(),
        );
        let durations: Durations = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by route pattern",
            Unit::Seconds,
            durations.clone(),
        );
        let sign_ins = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "sign_ins",
            "Sign-in steps (password, second factor) by outcome",
            sign_ins.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str, unit: Option<Unit>| {
            let g = Gauge::default();
            match unit {
                Some(unit) => registry.register_with_unit(name, help, unit, g.clone()),
                None => registry.register(name, help, g.clone()),
            }
            g
        };
        let outbox_pending = gauge(
            &mut registry,
            "outbox_pending",
            "E-mails queued and not yet sent (all instances)",
            None,
        );
        let outbox_oldest = gauge(
            &mut registry,
            "outbox_oldest_age",
            "Age of the oldest e-mail not yet sent; 0 when none waits",
            Some(Unit::Seconds),
        );
        let scheduler_lag = gauge(
            &mut registry,
            "scheduler_lag",
            "How long the oldest due scheduled notification has waited; 0 when none is due",
            Some(Unit::Seconds),
        );
        let scheduler_last_pass = gauge(
            &mut registry,
            "scheduler_last_pass_timestamp",
            "When this instance's scheduler last finished a pass (Unix time; 0: not yet)",
            Some(Unit::Seconds),
        );
        let pool = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this instance, in use or idle",
            pool.clone(),
        );
        let pool_max = gauge(
            &mut registry,
            "db_pool_max_connections",
            "The most database connections this instance opens",
            None,
        );
        Metrics {
            registry,
            requests,
            durations,
            sign_ins,
            outbox_pending,
            outbox_oldest,
            scheduler_lag,
            scheduler_last_pass,
            pool,
            pool_max,
        }
    }
}

impl Metrics {
    /// Counts one answered request. `route` is the matched route's pattern. Requests answered
    /// before reaching a route are counted under `static` (built files) or `unrouted`: unknown
    /// addresses (404), redirects to sign-in, cross-origin refusals, 503s from the session check.
    pub fn request(
        &self,
        route: Option<&str>,
        path: &str,
        method: &axum::http::Method,
        status: u16,
        secs: f64,
    ) {
        let route = match route {
            Some(route) => route.to_string(),
            None if path.starts_with("/pkg/") => "static".to_string(),
            None => "unrouted".to_string(),
        };
        self.durations
            .get_or_create(&RouteLabels {
                route: route.clone(),
            })
            .observe(secs);
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method: method.into(),
                status,
            })
            .inc();
    }

    pub fn sign_in(&self, outcome: SignInOutcome) {
        self.sign_ins
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    pub fn scheduler_passed(&self, at: i64) {
        self.scheduler_last_pass.set(at);
    }

    /// The text a scrape gets: the database-wide gauges read now, then everything.
    async fn render(&self, state: &AppState) -> Result<String, AppError> {
        let now = super::now();
        let (pending, oldest) = super::db::outbox::depth(&state.db).await?;
        self.outbox_pending.set(pending);
        self.outbox_oldest
            .set(oldest.map_or(0, |created| (now - created).max(0)));
        let due = super::db::notifications::oldest_due(&state.db, now).await?;
        self.scheduler_lag
            .set(due.map_or(0, |due_at| (now - due_at).max(0)));
        let idle = state.db.num_idle() as i64;
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(idle);
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set((state.db.size() as i64 - idle).max(0));
        self.pool_max
            .set(state.db.options().get_max_connections() as i64);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(super::context::internal)?;
        Ok(text)
    }
}

/// Copies the matched route's pattern into the response, where `middleware::request_log`
/// (outside the router, before routing) can read it.
pub async fn keep_route(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(route) = route {
        res.extensions_mut().insert(route);
    }
    res
}

/// The router of the metrics listener: `/metrics` and nothing else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

async fn scrape(State(state): State<AppState>) -> Response {
    match state.metrics.render(&state).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics scrape failed");
            (StatusCode::SERVICE_UNAVAILABLE, "metrics unavailable").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_not_paths_label_requests_and_unknown_methods_are_one_series() {
        let m = Metrics::default();
        let get = axum::http::Method::GET;
        m.request(
            Some("/api/v1/keys/{id}"),
            "/api/v1/keys/a",
            &get,
            200,
            0.002,
        );
        m.request(
            Some("/api/v1/keys/{id}"),
            "/api/v1/keys/b",
            &get,
            200,
            0.004,
        );
        m.request(None, "/pkg/app.wasm", &get, 200, 0.001);
        m.request(None, "/nope/1", &get, 404, 0.001);
        let odd = axum::http::Method::from_bytes(b"BREW").unwrap();
        m.request(None, "/x", &odd, 405, 0.001);
        m.sign_in(SignInOutcome::WrongCredentials);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).unwrap();
        assert!(text.contains(
            r#"profile_center_http_requests_total{route="/api/v1/keys/{id}",method="GET",status="200"} 2"#
        ), "{text}");
        assert!(text.contains(r#"route="static",method="GET",status="200"} 1"#));
        assert!(text.contains(r#"route="unrouted",method="other",status="405"} 1"#));
        assert!(!text.contains("/api/v1/keys/a"));
        assert!(text.contains(
            r#"profile_center_http_request_duration_seconds_count{route="/api/v1/keys/{id}"} 2"#
        ));
        assert!(text.contains(r#"profile_center_sign_ins_total{outcome="wrong_credentials"} 1"#));
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn sign_in_errors_map_to_outcomes() {
        assert_eq!(
            SignInOutcome::of_error(&AppError::InvalidCredentials),
            SignInOutcome::WrongCredentials
        );
        assert_eq!(
            SignInOutcome::of_error(&AppError::RateLimited(2)),
            SignInOutcome::Limited
        );
        assert_eq!(
            SignInOutcome::of_error(&AppError::Unavailable),
            SignInOutcome::Failed
        );
    }
}
