//! The Profile tab: names, job function, phone, default dashboard; e-mail read-only.

use crate::{
    api::profile::{get_profile_page, UpdateProfile},
    error::AppError,
    model::profile::{ProfilePage, JOB_FUNCTIONS},
    ui::components::{
        enhance::Enhanced,
        form::{url_error, Field, FormAlert, Select, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Where a successful save goes: the same page, saying "saved" and showing the stored values.
const SAVED_URL: &str = "/settings/profile?saved=1";

#[component]
pub fn ProfileTab() -> impl IntoView {
    let page = Resource::new_blocking(|| (), |_| get_profile_page());
    let error = url_error::<UpdateProfile>();
    let saved = error.is_none() && use_query_map().get_untracked().get("saved").is_some();
    view! {
        <Title text="Profile · Settings · Profile Center"/>
        <h1>"Profile"</h1>
        <p class="lead">"How you appear across the console, and where it takes you when you sign in."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <ProfileForm page=page error=error saved=saved/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <super::contacts::EmailAddresses/>
    }
}

#[component]
fn ProfileForm(page: ProfilePage, error: Option<AppError>, saved: bool) -> impl IntoView {
    let p = page.profile;
    let job = p.job_function.clone();
    let dash = p.default_dashboard.clone();
    view! {
        <Enhanced>
            <form method="post" action=UpdateProfile::url() class="stack" novalidate data-success=SAVED_URL>
                <FormAlert error=error.clone()/>
                <p class="status" role="status" hidden=!saved>"Your profile was saved."</p>
                <input type="hidden" name="version" value=p.version/>
                <div class="field">
                    <label for="primary-email">"Email"</label>
                    <input id="primary-email" type="email" value=p.email readonly aria-describedby="primary-email-hint"/>
                    <p class="hint" id="primary-email-hint">"Your sign-in address. Change it under E-mail addresses below."</p>
                </div>
                <div class="row">
                    <Field label="First name" name="first_name" value=p.first_name autocomplete="given-name" required=true maxlength=100 error=error.clone()/>
                    <Field label="Last name" name="last_name" value=p.last_name autocomplete="family-name" required=true maxlength=100 error=error.clone()/>
                </div>
                <Select label="Job function" name="job_function" error=error.clone()>
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
                    value=p.phone
                    autocomplete="tel"
                    hint="International format with country code, e.g. +49 30 1234567."
                    error=error.clone()
                />
                <Select label="Default dashboard" name="default_dashboard" error=error hint="The page the console opens when you sign in.">
                    {page
                        .dashboards
                        .into_iter()
                        .map(|d| {
                            let selected = d.id == dash;
                            view! { <option value=d.id selected=selected>{d.name}</option> }
                        })
                        .collect_view()}
                </Select>
                <SubmitButton label="Save" pending_label="Saving…"/>
            </form>
        </Enhanced>
    }
}
