//! The Sessions tab: where the user is signed in now (with "This device"), ending one or all
//! other sessions after confirming their password, and the last 90 days of ended sessions.

use crate::{
    api::sessions::{list_sessions, ConfirmPassword, EndOtherSessions, EndSession},
    error::AppError,
    model::sessions::{
        end_reason_label, format_utc, minutes_left, SessionView, SessionsPage, REAUTH_WINDOW_SECS,
    },
    ui::components::form::{
        current_error, hydrated_form, url_error, Field, FormAlert, SubmitButton,
    },
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

#[component]
pub fn SessionsTab() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| list_sessions());
    let errors = UrlErrors {
        confirm: url_error::<ConfirmPassword>(),
        end_one: url_error::<EndSession>(),
        end_others: url_error::<EndOtherSessions>(),
    };
    view! {
        <Title text="Sessions · Settings · Profile Center"/>
        <h1>"Sessions"</h1>
        <p class="lead">"Where you are signed in. If you do not recognise a session, end it and change your password."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
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
                        Err(e) => view! { <div class="alert" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// Errors that came back in the URL from form posts without JavaScript, one per action.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UrlErrors {
    confirm: Option<AppError>,
    end_one: Option<AppError>,
    end_others: Option<AppError>,
}

/// The live sessions and the actions on them (an island: ending updates the list in place).
#[island]
fn ActiveSessions(page: SessionsPage, errors: UrlErrors) -> impl IntoView {
    let confirm = ServerAction::<ConfirmPassword>::new();
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    // (open until, as of when): what the page loaded, then what a confirmation returned —
    // a fresh confirmation opens the whole window, whatever the browser's clock says.
    let sudo_window = Signal::derive(move || match confirm.value().get() {
        Some(Ok(until)) => Some((until, until - REAUTH_WINDOW_SECS)),
        _ => page.reauth_until.map(|until| (until, page.now)),
    });
    let sudo = move || sudo_window.get().is_some();
    // Sessions ended from this page since it loaded.
    let ended = RwSignal::new(Vec::<String>::new());
    Effect::new(move |_| {
        if let Some(Ok(id)) = end_one.value().get() {
            ended.update(|e| e.push(id));
        }
    });
    let all_ids: Vec<String> = page
        .active
        .iter()
        .filter(|s| !s.current)
        .map(|s| s.id.clone())
        .collect();
    Effect::new(move |_| {
        if let Some(Ok(_)) = end_others.value().get() {
            ended.set(all_ids.clone());
        }
    });
    let confirm_error = current_error(confirm.value(), errors.confirm);
    let end_error = {
        let (one, others) = (
            current_error(end_one.value(), errors.end_one),
            current_error(end_others.value(), errors.end_others),
        );
        Signal::derive(move || one.get().or_else(|| others.get()))
    };
    let sessions = page.active.clone();
    let others_left = {
        let sessions = sessions.clone();
        move || {
            sessions
                .iter()
                .filter(|s| !s.current && !ended.with(|e| e.contains(&s.id)))
                .count()
        }
    };
    let show_end_all = {
        let others_left = others_left.clone();
        move || sudo() && others_left() > 0
    };
    let alone = move || others_left() == 0;
    view! {
        <section aria-labelledby="active-heading">
            <h2 id="active-heading">"Active sessions"</h2>
            <FormAlert error=end_error/>
            <Show
                when=sudo
                fallback=move || view! {
                    <ActionForm action=confirm node_ref=hydrated_form() attr:class="stack" attr:novalidate=true>
                        <h3>"Confirm it is you"</h3>
                        <p class="hint">"To end sessions, enter your password. You will not be asked again for 10 minutes."</p>
                        <FormAlert error=Signal::derive(move || confirm_error.get().filter(|e| e.field_errors().is_none()))/>
                        <Field label="Current password" name="password" input_type="password" autocomplete="current-password" required=true error=confirm_error/>
                        <SubmitButton label="Confirm" pending_label="Confirming…" pending=confirm.pending()/>
                    </ActionForm>
                }
            >
                <p class="status" role="status">
                    {move || sudo_window.get().map(|(until, now)| format!("Confirmed. You can end sessions for the next {}.", minutes_left(until, now)))}
                </p>
            </Show>
            <ul class="session-list">
                {sessions
                    .into_iter()
                    .map(|s| {
                        let id = s.id.clone();
                        let gone = move || ended.with(|e| e.contains(&id));
                        let end_label = format!("End session: {} on {}, signed in {}", s.browser, s.os, format_utc(s.created_at));
                        let current = s.current;
                        let form_id = s.id.clone();
                        view! {
                            <li class="session" hidden=gone>
                                <SessionSummary session=s/>
                                <ActionForm action=end_one attr:class="inline" attr:hidden=move || !sudo() || current>
                                    <input type="hidden" name="id" value=form_id/>
                                    <button type="submit" class="secondary" aria-label=end_label disabled=move || end_one.pending().get()>
                                        "End session"
                                    </button>
                                </ActionForm>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <ActionForm action=end_others attr:class="inline" attr:hidden=move || !show_end_all()>
                <SubmitButton label="End all other sessions" pending_label="Ending sessions…" pending=end_others.pending()/>
            </ActionForm>
            <p class="hint" hidden=move || !alone()>"You are signed in on this device only."</p>
        </section>
    }
}

/// What a session is: device, place, and times (shared by active and ended lists).
#[component]
fn SessionSummary(session: SessionView) -> impl IntoView {
    let title = format!("{} on {}", session.browser, session.os);
    view! {
        <div class="session-summary">
            <h3>
                {title}
                {session.current.then(|| view! { <span class="badge">"This device"</span> })}
            </h3>
            <dl>
                <div><dt>"IP address"</dt><dd>{session.ip.clone()}</dd></div>
                <div><dt>"Signed in"</dt><dd><time datetime=session.created_at.to_string()>{format_utc(session.created_at)}</time></dd></div>
                {match session.ended_at {
                    None => view! {
                        <div><dt>"Last active"</dt><dd><time>{format_utc(session.last_seen_at)}</time></dd></div>
                        <div><dt>"Expires"</dt><dd><time>{format_utc(session.expires_at)}</time></dd></div>
                    }.into_any(),
                    Some(ended_at) => view! {
                        <div><dt>"Ended"</dt><dd><time>{format_utc(ended_at)}</time></dd></div>
                        <div><dt>"How"</dt><dd>{end_reason_label(session.end_reason.as_deref())}</dd></div>
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
            <h2 id="ended-heading">"Ended sessions"</h2>
            <p class="hint">"The last 90 days."</p>
            {if sessions.is_empty() {
                view! { <p>"No ended sessions."</p> }.into_any()
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
