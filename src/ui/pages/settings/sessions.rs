//! The Sessions tab: where the user is signed in now (with "This device"), ending one or all
//! other sessions (which asks for the password when no confirmation is open, see
//! `reauth`), and the last 90 days of ended sessions.

use crate::i18n::Msg;
use crate::i18n::{fill, t};
use crate::ui::time::show as show_time;
use crate::{
    api::sessions::{list_sessions, EndOtherSessions, EndSession},
    error::AppError,
    model::sessions::{end_reason_label, SessionView, SessionsPage},
    ui::components::{
        enhance::Enhanced,
        form::{FormAlert, SubmitButton},
        reauth::{ConfirmStep, Refused, SudoWindow},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;

#[component]
pub fn SessionsTab() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| list_sessions());
    let errors = UrlErrors {
        end_one: Refused::of::<EndSession>(),
        end_others: Refused::of::<EndOtherSessions>(),
    };
    view! {
        <Title text=t(Msg::SessionsSettingsProfileCenter)/>
        <h1>{t(Msg::Sessions)}</h1>
        <p class="lead">{t(Msg::WhereYouAreSignedInIf)}</p>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let errors = errors.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let ended = page.ended.clone();
                            view! {
                                <ActiveSessions page=page errors=errors/>
                                <EndedSessions sessions=ended/>
                            }
                                .into_any()
                        }
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Errors that came back in the URL from form posts without JavaScript, one per action.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlErrors {
    end_one: Option<Refused>,
    end_others: Option<Refused>,
}

/// The live sessions, server-rendered; each form is enhanced to submit in place and shows the
/// new lists when it succeeds.
#[component]
fn ActiveSessions(page: SessionsPage, errors: UrlErrors) -> impl IntoView {
    let sudo = page.reauth_until.is_some();
    let others = page.active.iter().filter(|s| !s.current).count();
    // A refusal that needs no confirmation step (say, a session that has ended meanwhile).
    let other_error = Refused::shown_alone(&[&errors.end_one, &errors.end_others], sudo);
    view! {
        <section aria-labelledby="active-heading">
            <h2 id="active-heading">{t(Msg::ActiveSessions)}</h2>
            {page.reauth_until.map(|until| view! { <SudoWindow until=until now=page.now/> })}
            {other_error.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
            <ul class="session-list">
                {page
                    .active
                    .into_iter()
                    .map(|s| {
                        let end = (!s.current).then(|| {
                            let label = fill(t(Msg::EndSessionOnSignedIn), &[&s.browser, &s.os, &show_time(s.created_at)]);
                            let step = Refused::step_for(&errors.end_one, &s.id, sudo);
                            view! { <EndSessionForm id=s.id.clone() label=label step=step/> }
                        });
                        view! {
                            <li class="session">
                                <SessionSummary session=s/>
                                {end}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {match others {
                0 => view! { <p class="hint">{t(Msg::YouAreSignedInOnThis)}</p> }.into_any(),
                _ => view! { <EndOtherSessions others=others step=Refused::step_for(&errors.end_others, "", sudo)/> }.into_any(),
            }}
        </section>
    }
}

/// Ends one session; the page reloads to show the new lists.
#[component]
fn EndSessionForm(id: String, label: String, step: Option<AppError>) -> impl IntoView {
    let class = if step.is_some() { "stack" } else { "inline" };
    view! {
        <Enhanced>
            <form method="post" action=EndSession::url() class=class>
                <input type="hidden" name="id" value=id/>
                <FormAlert error=step.clone()/>
                {step.map(|error| view! { <ConfirmStep error=error/> })}
                <SubmitButton label=Msg::EndSession pending_label=Msg::Ending class="danger" aria_label=label/>
            </form>
        </Enhanced>
    }
}

/// Ends every other session, after asking on the page (a link to `?end=all`, the same with
/// JavaScript and without): every other device is signed out at once.
#[component]
fn EndOtherSessions(others: usize, step: Option<AppError>) -> impl IntoView {
    let asking = step.is_some()
        || leptos_router::hooks::use_query_map()
            .get_untracked()
            .get("end")
            .as_deref()
            == Some("all");
    if !asking {
        return view! {
            <a class="button danger" href="/settings/sessions?end=all#end-all">{t(Msg::EndAllOtherSessions)}</a>
        }
        .into_any();
    }
    view! {
        <div class="confirm" id="end-all" role="group" aria-labelledby="end-all-text">
            <p id="end-all-text">
                <strong>{fill(t(Msg::EndAllNOtherSessionsQuestion), &[&others.to_string()])}</strong>
                " "{t(Msg::EveryOtherDeviceIsSignedOut)}
            </p>
            <div class="actions">
                <Enhanced>
                    <form method="post" action=EndOtherSessions::url() class="inline" data-success="/settings/sessions">
                        <FormAlert error=step.clone()/>
                        {step.map(|error| view! { <ConfirmStep error=error/> })}
                        <SubmitButton label=Msg::YesEndThem pending_label=Msg::EndingSessions class="danger"/>
                    </form>
                </Enhanced>
                <a href="/settings/sessions">{t(Msg::Cancel)}</a>
            </div>
        </div>
    }
    .into_any()
}

/// What a session is: device, place, and times (shared by active and ended lists).
#[component]
fn SessionSummary(session: SessionView) -> impl IntoView {
    let title = fill(t(Msg::BrowserOnSystem), &[&session.browser, &session.os]);
    view! {
        <div class="session-summary">
            <h3>
                {title}
                {session.current.then(|| view! { <span class="badge">{t(Msg::ThisDevice)}</span> })}
            </h3>
            <dl>
                <div><dt>{t(Msg::IPAddress)}</dt><dd>{session.ip.clone()}</dd></div>
                <div><dt>{t(Msg::SignedIn)}</dt><dd><time datetime=session.created_at.to_string()>{show_time(session.created_at)}</time></dd></div>
                {match session.ended_at {
                    None => view! {
                        <div><dt>{t(Msg::LastActive)}</dt><dd><time>{show_time(session.last_seen_at)}</time></dd></div>
                        <div><dt>{t(Msg::Expires)}</dt><dd><time>{show_time(session.expires_at)}</time></dd></div>
                    }.into_any(),
                    Some(ended_at) => view! {
                        <div><dt>{t(Msg::Ended)}</dt><dd><time>{show_time(ended_at)}</time></dd></div>
                        <div><dt>{t(Msg::How)}</dt><dd>{end_reason_label(session.end_reason.as_deref())}</dd></div>
                    }.into_any(),
                }}
            </dl>
        </div>
    }
}

#[component]
fn EndedSessions(sessions: Vec<SessionView>) -> impl IntoView {
    view! {
        <section aria-labelledby="ended-heading">
            <h2 id="ended-heading">{t(Msg::EndedSessions)}</h2>
            <p class="hint">{t(Msg::TheLast90Days)}</p>
            {if sessions.is_empty() {
                view! { <p>{t(Msg::NoEndedSessions)}</p> }.into_any()
            } else {
                view! {
                    <ul class="session-list">
                        {sessions.into_iter().map(|s| view! { <li class="session"><SessionSummary session=s/></li> }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
