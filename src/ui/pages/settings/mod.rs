//! The settings shell: header with the avatar menu, the tab bar, and the active tab.
//!
//! `TABS` lists only tabs that work; each later tab adds one line here and one route in
//! `app.rs`.

pub mod accounts;
pub mod api_keys;
pub mod contacts;
pub mod notifications;
pub mod preferences;
pub mod profile;
pub mod security;
pub mod sessions;

use crate::i18n::Msg;
use crate::{
    api::auth::get_current_user,
    i18n::{fill, t},
    model::auth::CurrentUser,
};
use leptos::prelude::*;
use leptos_meta::Html;
use leptos_router::{components::Outlet, hooks::use_location};

/// (route segment, label) of every tab that is built.
pub const TABS: &[(&str, Msg)] = &[
    ("profile", Msg::Profile),
    ("preferences", Msg::Preferences),
    ("notifications", Msg::Notifications),
    ("accounts", Msg::Accounts),
    ("security", Msg::Security),
    ("sessions", Msg::Sessions),
    ("api-keys", Msg::APIKeys),
];

#[component]
pub fn SettingsLayout() -> impl IntoView {
    let user = Resource::new_blocking(|| (), |_| get_current_user());
    // The theme is on <html> in the first byte of HTML, so the page never flashes another one.
    let theme = crate::ui::time::preferences().theme.as_str();
    view! {
        <Html {..} data-theme=theme/>
        <a class="skip-link" href="#main">{t(Msg::SkipToContent)}</a>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! { <Header user=user/> }.into_any(),
                    _ => view! { <header class="site-header"><span class="brand">{t(Msg::ProfileCenter)}</span></header> }.into_any(),
                }
            })}
        </Suspense>
        <div class="settings">
            <Suspense fallback=|| view! { <TabBar invitations=0/> }>
                {move || Suspend::new(async move {
                    let invitations = user.await.ok().flatten().map_or(0, |u| u.invitations);
                    view! { <TabBar invitations=invitations/> }
                })}
            </Suspense>
            <main id="main" class="tab-panel">
                <Outlet/>
            </main>
        </div>
        // What a save in place says, read out by screen readers: a status that arrives inside a
        // swapped-in page is not reliably announced, this region stays. (No status role: the
        // message it repeats already has it.)
        <div id="announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></div>
        <crate::ui::components::reauth::ReauthDialog/>
    }
}

#[component]
fn Header(user: CurrentUser) -> impl IntoView {
    let name = user.display_name();
    let menu_label = fill(t(Msg::AccountMenuFor), &[&name]);
    // The console this center belongs to (CONSOLE_URL, CONSOLE_NAME): the way back to it.
    #[cfg(feature = "ssr")]
    let console = use_context::<crate::server::state::AppState>().and_then(|s| {
        let c = &s.config;
        c.console_url
            .clone()
            .map(|url| (url, c.console_name.clone()))
    });
    #[cfg(not(feature = "ssr"))]
    let console: Option<(String, String)> = None;
    view! {
        <header class="site-header">
            {console.map(|(url, console)| view! {
                <a class="back-to-console" href=url rel="external">{fill(t(Msg::BackToConsole), &[&console])}</a>
            })}
            <a class="brand" href="/settings/profile">{t(Msg::ProfileCenter)}</a>
            // The account the console works in for this session ("Switch to" on Accounts).
            {user.account.clone().map(|account| view! {
                <a class="current-account" href="/settings/accounts">
                    <span class="visually-hidden">{t(Msg::CurrentAccount)}" "</span>{account}
                </a>
            })}
            <crate::ui::components::bell::Bell unread=user.unread/>
            <details class="avatar-menu">
                <summary aria-label=menu_label>
                    // The picture, or initials drawn by CSS: decorative either way, the visible
                    // text stays the name, which the accessible name contains (WCAG 2.5.3).
                    {match user.avatar.as_deref() {
                        Some(picture) => view! {
                            <img class="avatar" src=crate::model::avatar::url(picture, crate::model::avatar::SMALL) alt="" width="36" height="36"/>
                        }
                            .into_any(),
                        None => view! { <span class="avatar" data-initials=user.initials() aria-hidden="true"></span> }.into_any(),
                    }}
                    <span class="user-name">{name.clone()}</span>
                </summary>
                <div class="menu">
                    <p class="menu-name">{name.clone()}</p>
                    <p class="menu-email">{user.email.clone()}</p>
                    <ul class="menu-tabs">
                        {TABS
                            .iter()
                            .map(|(slug, label)| view! { <li><a href=format!("/settings/{slug}")>{tab_label(slug, *label, user.invitations)}</a></li> })
                            .collect_view()}
                    </ul>
                    <form method="post" action="/signout">
                        <button type="submit" class="link-button">{t(Msg::SignOut)}</button>
                    </form>
                </div>
            </details>
        </header>
    }
}

/// A tab's label, with the count of what waits there (invitations on Accounts).
fn tab_label(slug: &str, label: Msg, invitations: i64) -> impl IntoView {
    let waiting = (slug == "accounts" && invitations > 0).then(|| {
        view! {
            " "<span class="badge count" aria-hidden="true">{invitations.to_string()}</span>
            <span class="visually-hidden">{fill(t(Msg::NInvitationsWaiting), &[&invitations.to_string()])}</span>
        }
    });
    view! { {t(label)}{waiting} }
}

#[component]
fn TabBar(invitations: i64) -> impl IntoView {
    let path = use_location().pathname.get_untracked();
    view! {
        <nav class="tabs" aria-label=t(Msg::Settings)>
            <h2 class="visually-hidden">{t(Msg::Settings)}</h2>
            <ul>
                {TABS
                    .iter()
                    .map(|(slug, label)| {
                        let href = format!("/settings/{slug}");
                        // The inbox is part of the Notifications tab.
                        let current = path == href || path.starts_with(&format!("{href}/"));
                        view! {
                            <li>
                                <a href=href aria-current=current.then_some("page")>{tab_label(slug, *label, invitations)}</a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}
