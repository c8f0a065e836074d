//! The Profile tab: names, job function, phone, default dashboard; e-mail read-only.

use crate::{
    api::profile::{get_profile_page, UpdateProfile},
    error::AppError,
    model::profile::{ProfilePage, ProfileView, JOB_FUNCTIONS},
    ui::components::form::{
        current_error, hydrated_form, url_error, Field, FormAlert, Select, SubmitButton,
    },
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ProfileTab() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| get_profile_page());
    let initial_error = url_error::<UpdateProfile>();
    let saved = initial_error.is_none() && use_query_map().get_untracked().get("saved").is_some();
    view! {
        <Title text="Profile · Settings · Profile Center"/>
        <h1>"Profile"</h1>
        <p class="lead">"How you appear across the console, and where it takes you when you sign in."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let initial_error = initial_error.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <ProfileForm page=page initial_error=initial_error saved=saved/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[island]
fn ProfileForm(page: ProfilePage, initial_error: Option<AppError>, saved: bool) -> impl IntoView {
    let action = ServerAction::<UpdateProfile>::new();
    let value = action.value();
    let error = current_error(value, initial_error);
    let initial = page.profile.clone();
    // The latest stored profile: what the page loaded, then whatever each save returned.
    let stored = Signal::derive({
        let initial = initial.clone();
        move || match value.get() {
            Some(Ok(view)) => view,
            _ => initial.clone(),
        }
    });
    let field = move |f: fn(&ProfileView) -> String| Signal::derive(move || stored.with(f));
    let show_saved = move || match value.get() {
        Some(Ok(_)) => true,
        Some(Err(_)) => false,
        None => saved,
    };
    let job = initial.job_function.clone();
    let dash = initial.default_dashboard.clone();
    view! {
        <ActionForm action=action node_ref=hydrated_form() attr:class="stack" attr:novalidate=true>
            <FormAlert error=error/>
            <p class="status" role="status">{move || show_saved().then_some("Your profile was saved.")}</p>
            <input type="hidden" name="version" value=initial.version prop:value=move || stored.with(|p| p.version.to_string())/>
            <div class="field">
                <label for="field-email">"Email"</label>
                <input id="field-email" type="email" value=initial.email.clone() readonly aria-describedby="field-email-hint"/>
                <p class="hint" id="field-email-hint">"Your sign-in address. It cannot be changed here yet."</p>
            </div>
            <div class="row">
                <Field label="First name" name="first_name" value=initial.first_name.clone() autocomplete="given-name" required=true maxlength=100 error=error live_value=field(|p| p.first_name.clone())/>
                <Field label="Last name" name="last_name" value=initial.last_name.clone() autocomplete="family-name" required=true maxlength=100 error=error live_value=field(|p| p.last_name.clone())/>
            </div>
            <Select label="Job function" name="job_function" error=error>
                <option value="" selected=job.is_empty()>"Not specified"</option>
                {JOB_FUNCTIONS
                    .iter()
                    .map(|(slug, label)| view! { <option value=*slug selected=job == *slug>{*label}</option> })
                    .collect_view()}
            </Select>
            <Field
                label="Phone number"
                name="phone"
                input_type="tel"
                value=initial.phone.clone()
                autocomplete="tel"
                hint="International format with country code, e.g. +49 30 1234567."
                error=error
                live_value=field(|p| p.phone.clone())
            />
            <Select label="Default dashboard" name="default_dashboard" error=error hint="The page the console opens when you sign in.">
                {page
                    .dashboards
                    .iter()
                    .map(|d| view! { <option value=d.id.clone() selected=d.id == dash>{d.name.clone()}</option> })
                    .collect_view()}
            </Select>
            <SubmitButton label="Save" pending_label="Saving…" pending=action.pending()/>
        </ActionForm>
    }
}
