//! The Security tab: change the password, and read (or download) the security log.

use crate::{
    api::security::{get_security_log, ChangePassword},
    error::AppError,
    model::{
        security::{event_label, SecurityPage},
        sessions::format_utc,
    },
    ui::components::{
        enhance::Enhanced,
        form::{url_error, Field, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let page_number: usize = query
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let error = url_error::<ChangePassword>();
    let changed = error.is_none() && query.get("changed").is_some();
    let log = Resource::new_blocking(move || page_number, get_security_log);
    view! {
        <Title text="Security · Settings · Profile Center"/>
        <h1>"Security"</h1>
        <p class="lead">"How you sign in, and everything that happened to your account."</p>
        <PasswordForm error=error changed=changed/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(page) => view! { <SecurityLog page=page/> }.into_any(),
                    Err(e) => view! { <div class="alert" role="alert">{e.to_string()}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PasswordForm(error: Option<AppError>, changed: bool) -> impl IntoView {
    view! {
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <Enhanced>
                <form method="post" action=ChangePassword::url() class="stack" novalidate data-success="/settings/security?changed=1">
                    <FormAlert error=error.clone()/>
                    <p class="status" role="status" hidden=!changed>
                        "Your password was changed. Your other sessions were signed out."
                    </p>
                    <Field label="Current password" name="current_password" input_type="password" autocomplete="current-password" required=true error=error.clone()/>
                    <div class="field">
                        <label for="field-new_password">"New password"</label>
                        <p class="hint" id="field-new_password-hint">"8 to 128 characters. Avoid common passwords and your email or name."</p>
                        <input
                            id="field-new_password"
                            name="new_password"
                            type="password"
                            autocomplete="new-password"
                            required
                            data-strength=""
                            aria-invalid=message(&error, "new_password").is_some().then_some("true")
                            aria-describedby=if message(&error, "new_password").is_some() {
                                "field-new_password-hint field-new_password-error"
                            } else {
                                "field-new_password-hint"
                            }
                        />
                        <p class="hint strength" id="field-new_password-strength" aria-live="polite"></p>
                        <p class="field-error" id="field-new_password-error" hidden=message(&error, "new_password").is_none()>
                            {message(&error, "new_password")}
                        </p>
                    </div>
                    <Field label="Confirm new password" name="confirm_password" input_type="password" autocomplete="new-password" required=true error=error/>
                    <SubmitButton label="Change password" pending_label="Changing password…"/>
                </form>
            </Enhanced>
        </section>
    }
}

fn message(error: &Option<AppError>, field: &str) -> Option<String> {
    error
        .as_ref()?
        .field_errors()?
        .get(field)
        .map(str::to_string)
}

#[component]
fn SecurityLog(page: SecurityPage) -> impl IntoView {
    let newer = (page.page > 1).then(|| format!("/settings/security?page={}", page.page - 1));
    let older = page
        .has_next
        .then(|| format!("/settings/security?page={}", page.page + 1));
    view! {
        <section aria-labelledby="log-heading">
            <h2 id="log-heading">"Security log"</h2>
            <p class="hint">"Times in UTC. " <a href="/settings/security/events.csv" download="security-log.csv">"Download as CSV"</a></p>
            {if page.events.is_empty() {
                view! { <p>"Nothing recorded yet."</p> }.into_any()
            } else {
                view! {
                    // Scrolls sideways on narrow screens, so it must be reachable by keyboard.
                    <div class="table-wrap" tabindex="0" role="region" aria-label="Security events table">
                        <table>
                            <caption class="visually-hidden">"Security events, newest first"</caption>
                            <thead>
                                <tr><th scope="col">"Time"</th><th scope="col">"Event"</th><th scope="col">"Outcome"</th><th scope="col">"IP address"</th><th scope="col">"Device"</th></tr>
                            </thead>
                            <tbody>
                                {page.events.into_iter().map(|e| view! {
                                    <tr>
                                        <td><time>{format_utc(e.at)}</time></td>
                                        <td>{event_label(&e.kind)}{(!e.detail.is_empty()).then(|| format!(" ({})", e.detail))}</td>
                                        <td>{if e.success { "Success" } else { "Failure" }}</td>
                                        <td>{e.ip}</td>
                                        <td>{e.device}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label="Security log pages">
                {newer.map(|href| view! { <a href=href>"Newer events"</a> })}
                {older.map(|href| view! { <a href=href>"Older events"</a> })}
            </nav>
        </section>
    }
}
