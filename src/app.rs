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
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let css_href = use_context::<crate::server::state::AppState>()
        .map(|s| s.css_href.to_string())
        .unwrap_or_else(|| "/pkg/profile-center.css".into());
    #[cfg(not(feature = "ssr"))]
    let css_href = String::new();
    #[cfg(feature = "ssr")]
    crate::server::middleware::set_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang=crate::i18n::current().code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <Stylesheet id="leptos" href=css_href/>
                <HydrationScripts options islands=true/>
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
