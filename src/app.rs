//! The HTML shell and the route table.
//!
//! Every route renders on the server with `SsrMode::Async` (the whole page at once), so pages
//! are complete without JavaScript; islands then hydrate the forms.

use crate::ui::pages::{
    auth::{
        FinishSignUpPage, ForgotPasswordPage, ResetPasswordPage, SignInCodePage, SignInPage,
        SignUpPage,
    },
    not_found::{NotFound, NothingHere},
    settings::{
        accounts::{AccountsTab, InvitationPage, ManageAccountPage},
        api_keys::ApiKeysTab,
        notifications::{InboxPage, NotificationsTab},
        preferences::PreferencesTab,
        profile::ProfileTab,
        security::SecurityTab,
        sessions::SessionsTab,
        SettingsLayout,
    },
    verify_email::VerifyEmailPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};
use std::sync::Arc;

pub fn shell() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (css, js, wasm): (Arc<str>, Arc<str>, Arc<str>) =
        use_context::<crate::server::state::AppState>()
            .map(|s| {
                let f = &s.site_files;
                (f.css.clone(), f.js.clone(), f.wasm.clone())
            })
            .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let (css, js, wasm): (Arc<str>, Arc<str>, Arc<str>) = Default::default();
    #[cfg(feature = "ssr")]
    crate::server::middleware::set_page_csp();
    // Islands mode: only islands carry hydration markers (what `HydrationScripts` sets too).
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    // Instead of `HydrationScripts`: its preload hints fetch the WASM at high priority while
    // the page is still painting, and Lighthouse's simulated slow 4G then counts all 133 KB of
    // it before the largest paint (LCP 1.65 s, against 0.85 s for the first paint). Our loader
    // fetches it once the page is idle, and wakes each island in a task of its own.
    view! {
        <!DOCTYPE html>
        <html lang=crate::i18n::current().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" id="leptos" href=css/>
                <script type="module" nonce=leptos::nonce::use_nonce() data-js=js data-wasm=wasm>
                    {include_str!("ui/islands.js")}
                </script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/signup/verify") view=FinishSignUpPage ssr=SsrMode::Async/>
                <Route path=path!("/verify-email") view=VerifyEmailPage ssr=SsrMode::Async/>
                <Route path=path!("/signin/mfa") view=SignInCodePage ssr=SsrMode::Async/>
                <Route path=path!("/forgot-password") view=ForgotPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/reset-password") view=ResetPasswordPage ssr=SsrMode::Async/>
                <Route path=path!("/invitation") view=InvitationPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("/settings") view=SettingsLayout ssr=SsrMode::Async>
                    <Route path=path!("/profile") view=ProfileTab ssr=SsrMode::Async/>
                    <Route path=path!("/preferences") view=PreferencesTab ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsTab ssr=SsrMode::Async/>
                    <Route path=path!("/notifications/inbox") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/accounts") view=AccountsTab ssr=SsrMode::Async/>
                    <Route path=path!("/accounts/:id/manage") view=ManageAccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/security") view=SecurityTab ssr=SsrMode::Async/>
                    <Route path=path!("/sessions") view=SessionsTab ssr=SsrMode::Async/>
                    <Route path=path!("/api-keys") view=ApiKeysTab ssr=SsrMode::Async/>
                    <Route path=path!("/*any") view=NothingHere ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
