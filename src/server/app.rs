//! The Axum application: health checks, sign-out, Leptos pages and server functions, and the
//! static site (served precompressed, cached for a year when file names carry content hashes).

use super::mail::Mailer;
use super::{
    auth,
    config::Config,
    context, db, middleware,
    state::{AppState, SiteFiles},
};
use crate::app::{shell, App};
use axum::{
    extract::State,
    http::{header, HeaderValue, StatusCode},
    middleware::from_fn_with_state,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

/// Reads configuration, opens the database and serves until Ctrl-C / SIGTERM.
pub async fn run() -> Result<(), String> {
    let config = Config::from_env()?;
    let conf = leptos::config::get_configuration(None).map_err(|e| e.to_string())?;
    let mut leptos_options = conf.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = "profile-center".into();
    }
    let addr = leptos_options.site_addr;
    // Bound first, so that links in development can name the real port (also with port 0).
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let running = start(
        config,
        leptos_options,
        listener,
        Background::Spawn,
        shutdown_signal(),
    )
    .await?;
    // Tests and scripts read this line to find the port when started on port 0.
    println!("profile-center listening on http://{}", running.addr);
    if let Some(metrics) = running.metrics_addr {
        println!("profile-center metrics on http://{metrics}/metrics");
    }
    running.wait().await;
    tracing::info!("stopped");
    Ok(())
}

/// Whether `start` runs the background work (mail, scheduled notifications, housekeeping) on
/// timers, or leaves it to the caller (`chores`): tests drive it step by step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Spawn,
    Manual,
}

/// A started server: where it listens, its state, and its tasks (stopped when dropped).
pub struct Running {
    pub addr: std::net::SocketAddr,
    /// Where `/metrics` is served, when `METRICS_ADDR` is set.
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub state: AppState,
    serve: Option<tokio::task::JoinHandle<()>>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Waits until the server has shut down (after `shutdown` resolved and requests finished).
    pub async fn wait(mut self) {
        if let Some(serve) = self.serve.take() {
            let _ = serve.await;
        }
    }
}

impl Running {
    /// Stops serving and every background task at once, as a crash would (no graceful
    /// shutdown; connections already accepted finish their request).
    pub fn abort(&self) {
        self.workers.iter().for_each(|w| w.abort());
        if let Some(serve) = &self.serve {
            serve.abort();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.abort();
    }
}

/// Opens the database (migrating it) and serves on `listener` until `shutdown` resolves.
pub async fn start(
    config: Config,
    leptos_options: LeptosOptions,
    listener: tokio::net::TcpListener,
    background: Background,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running, String> {
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let state = build_state(config, leptos_options, local).await?;
    let mut workers = match background {
        Background::Spawn => vec![
            super::sessions::spawn_sweeper(state.clone()),
            super::notifications::spawn_scheduler(
                state.clone(),
                std::time::Duration::from_secs(state.config.scheduler_secs.max(1)),
            ),
            state.mailer.spawn_worker(state.db.clone()),
        ],
        Background::Manual => Vec::new(),
    };
    let metrics_addr = match state.config.metrics_addr {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on METRICS_ADDR {addr}: {e}"))?;
            let bound = listener.local_addr().map_err(|e| e.to_string())?;
            let router = super::metrics::router(state.clone());
            workers.push(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, router).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            }));
            Some(bound)
        }
        None => None,
    };
    if state.config.production && state.config.smtp_url.is_none() {
        tracing::warn!("APP_ENV=production without SMTP_URL: mail is only written to files under DATA_DIR/mail");
    }
    tracing::info!(address = %format!("http://{local}"), backend = ?state.backend, "listening");
    let serve = tokio::spawn({
        let (router, config) = (router(state.clone()), state.config.clone());
        async move { super::serve::serve(listener, router, &config, shutdown).await }
    });
    Ok(Running {
        addr: local,
        metrics_addr,
        state,
        serve: Some(serve),
        workers,
    })
}

/// Every piece of background work once, as the timers of `Background::Spawn` would do it:
/// scheduled notifications, housekeeping, then the mail that is due (including what the other
/// two queued).
pub async fn chores(state: &AppState) {
    if let Err(e) = super::notifications::scheduler::tick(state).await {
        tracing::warn!(error = %e, "notification scheduler pass failed");
    }
    super::sessions::sweep_once(state).await;
    if let Err(e) = state.mailer.deliver_due(&state.db).await {
        tracing::warn!(error = %e, "mail pass failed");
    }
}

pub async fn build_state(
    config: Config,
    leptos_options: LeptosOptions,
    local: std::net::SocketAddr,
) -> Result<AppState, String> {
    let (db, backend) = db::connect(&config.database_url).await?;
    let site_files = site_files(&leptos_options);
    let mailer = Mailer::new(
        config.smtp_url.as_deref(),
        &config.mail_from,
        &config.data_dir,
        config.mail_retry_secs,
        config.secret_key.clone(),
    )?;
    let origin = config
        .public_origin
        .clone()
        .unwrap_or_else(|| super::serve::local_origin(local));
    Ok(AppState::new(super::state::Shared {
        db,
        backend,
        write_gate: super::db::write_gate(backend),
        config: Arc::new(config),
        hasher: auth::Hasher::new(),
        mailer,
        leptos_options,
        site_files: Arc::new(site_files),
        origin: origin.into(),
        dashboards: Default::default(),
        metrics: Default::default(),
    }))
}

/// The stylesheet's, JS glue's and WASM's URLs, with the hashes cargo-leptos wrote beside the
/// binary when hashing is on.
fn site_files(options: &LeptosOptions) -> SiteFiles {
    let name = &options.output_name;
    let pkg = &options.site_pkg_dir;
    let hashes = options
        .hash_files
        .then(|| std::env::current_exe().ok())
        .flatten()
        .and_then(|p| p.parent().map(|d| d.join(options.hash_file.as_ref())))
        .and_then(|f| std::fs::read_to_string(f).ok())
        .unwrap_or_default();
    let href = |kind: &str| match hashes
        .lines()
        .find_map(|l| l.strip_prefix(kind)?.strip_prefix(':'))
    {
        Some(hash) => format!("/{pkg}/{name}.{}.{kind}", hash.trim()),
        // wasm-bindgen's own name, unless cargo-leptos named the output when this compiled.
        None if kind == "wasm" && option_env!("LEPTOS_OUTPUT_NAME").is_none() => {
            format!("/{pkg}/{name}_bg.wasm")
        }
        None => format!("/{pkg}/{name}.{kind}"),
    };
    SiteFiles {
        css: href("css").into(),
        js: href("js").into(),
        wasm: href("wasm").into(),
    }
}

/// The route list, generated once per process. Generating it sets a process-wide flag under
/// which any Resource first polled meanwhile waits forever (leptos-rs/leptos#4773): with several
/// servers in one process (the integration tests), a page being rendered while another server
/// starts would hang until the request timeout.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

pub fn router(state: AppState) -> Router {
    let options = state.leptos_options.clone();
    let routes = route_list();
    let context_state = state.clone();
    let provide_state = move || provide_context(context_state.clone());
    let pkg_cache = if options.hash_files {
        // Hashed names change with their content, so a year-long immutable cache is safe.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let site_root = options.site_root.to_string();
    let pkg_dir = format!("{site_root}/{}", options.site_pkg_dir);
    let pkg = Router::new()
        .fallback_service(
            ServeDir::new(pkg_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(pkg_cache),
        ));
    // An address that is neither a route nor a file gets the app's own "page not found" page
    // (status 404), not an empty answer that leaves the browser to show its error page.
    let not_found = {
        let render = leptos_axum::render_app_to_stream_with_context(provide_state.clone(), shell);
        move |req: axum::extract::Request| {
            let render = render.clone();
            async move { render(req).await.into_response() }
        }
    };
    let assets = ServeDir::new(&site_root)
        .precompressed_br()
        .precompressed_gzip()
        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
            not_found,
        ));
    let assets = Router::new().fallback_service(assets).layer(
        // Files may be cached for an hour; the not-found page (with its nonce) never.
        SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, |res: &Response| {
            Some(HeaderValue::from_static(match res.status().is_success() {
                true => "public, max-age=3600",
                false => "no-store",
            }))
        }),
    );

    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/", get(|| async { Redirect::to("/settings/profile") }))
        .route(
            "/settings",
            get(|| async { Redirect::to("/settings/profile") }),
        )
        .route("/signout", post(signout))
        .route("/settings/security/events.csv", get(security_csv))
        .route("/settings/accounts/{id}/audit.csv", get(audit_csv))
        .route(
            "/settings/avatar",
            post(super::avatar::upload).layer(axum::extract::DefaultBodyLimit::max(
                super::avatar::BODY_LIMIT,
            )),
        )
        .route("/avatars/{file}", get(super::avatar::serve))
        .merge(super::rest::router(state.clone()))
        .leptos_routes_with_context(&state, routes, provide_state, shell)
        // Only matched routes pass here: their pattern labels the request's metrics.
        .route_layer(axum::middleware::from_fn(super::metrics::keep_route))
        .nest(&format!("/{}", options.site_pkg_dir), pkg)
        .fallback_service(assets)
        .layer(from_fn_with_state(
            state.clone(),
            middleware::finish_detached,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::server_fn_status,
        ))
        .layer(axum::middleware::from_fn(middleware::server_fn_body_limit))
        .layer(from_fn_with_state(state.clone(), middleware::session))
        .layer(from_fn_with_state(state.clone(), middleware::same_origin))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(from_fn_with_state(state.clone(), middleware::request_log))
        .with_state(state)
}

/// Ready only when the database answers: load balancers stop sending traffic otherwise.
async fn readyz(State(state): State<AppState>) -> Response {
    match sqlx::query("select 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    header::RETRY_AFTER,
                    HeaderValue::from(crate::error::UNAVAILABLE_RETRY_SECS),
                )],
                "database unavailable",
            )
                .into_response()
        }
    }
}

/// `POST /signout`: ends the session in the database, clears the cookie, back to sign-in.
async fn signout(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    if let Some(authed) = req.extensions().get::<context::Authed>() {
        if let Err(e) = db::sessions::end(
            &state.db,
            &authed.session_id,
            crate::model::sessions::EndReason::SignedOut,
            super::now(),
        )
        .await
        {
            tracing::error!(error = %e, "sign-out could not end the session");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-out failed. Please try again.",
            )
                .into_response();
        }
    }
    let cookie = auth::session_cookie(state.config.production, None);
    // The sign-in page then says so, so the person knows it worked.
    let mut res = Redirect::to("/signin?signed_out=1").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
    res
}

/// `GET /settings/security/events.csv`: the signed-in user's whole security log, as a download.
async fn security_csv(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let Some(user) = req.extensions().get::<context::Authed>() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    match super::security::log_csv(&state, user).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"security-log.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}

/// An account's audit log as CSV, for its Owners and Admins.
async fn audit_csv(
    State(state): State<AppState>,
    axum::extract::Path(account): axum::extract::Path<String>,
    req: axum::extract::Request,
) -> Response {
    let Some(user) = req.extensions().get::<context::Authed>() else {
        return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
    };
    match super::accounts::audit_log(&state, &user.user_id, &account).await {
        Ok(entries) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"account-audit-log.csv\"",
                ),
            ],
            super::accounts::audit_csv(&entries),
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
