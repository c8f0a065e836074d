//! The Profile tab: picture, names, job function, phone, default dashboard; e-mail addresses.

use crate::{
    api::{
        avatar::RemoveAvatar,
        profile::{get_profile_page, UpdateProfile},
    },
    error::AppError,
    i18n::{t, tr},
    model::{
        auth::initials,
        avatar::{self, Problem},
        profile::{ProfilePage, JOB_FUNCTIONS},
    },
    ui::components::{
        enhance::Enhanced,
        form::{field_message, url_error, Field, FormAlert, Select, SubmitButton},
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
    let query = use_query_map().get_untracked();
    let saved = error.is_none() && query.get("saved").is_some();
    let welcome = query.get("welcome").is_some();
    view! {
        <Title text=t("Profile · Settings · Profile Center")/>
        <h1>{t("Profile")}</h1>
        {welcome.then(|| view! {
            <p class="status" role="status">{t("Welcome to Profile Center: your account is ready. Start with your profile, or look around the other tabs.")}</p>
        })}
        <p class="lead">{t("How you appear across the console, and where it takes you when you sign in.")}</p>
        <Suspense fallback=|| view! { <p>{t("Loading…")}</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            <Picture name=page.avatar.clone() initials=initials(&page.profile.first_name, &page.profile.last_name, &page.profile.email)/>
                            <ProfileForm page=page error=error saved=saved/>
                        }
                            .into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{tr(&e.to_string())}</div> }.into_any(),
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
                <p class="status" role="status" hidden=!saved>{t("Your profile was saved.")}</p>
                <input type="hidden" name="version" value=p.version/>
                <div class="field">
                    <label for="primary-email">{t("Email")}</label>
                    <input id="primary-email" type="email" value=p.email readonly aria-describedby="primary-email-hint"/>
                    <p class="hint" id="primary-email-hint">{t("Your sign-in address. Change it under E-mail addresses below.")}</p>
                </div>
                <div class="row">
                    <Field label="First name" name="first_name" value=p.first_name autocomplete="given-name" required=true maxlength=100 error=error.clone()/>
                    <Field label="Last name" name="last_name" value=p.last_name autocomplete="family-name" required=true maxlength=100 error=error.clone()/>
                </div>
                <Select label="Job function" name="job_function" error=error.clone()>
                    <option value="" selected=job.is_empty()>{t("Not specified")}</option>
                    {JOB_FUNCTIONS
                        .iter()
                        .map(|(slug, label)| view! { <option value=*slug selected=job == *slug>{t(label)}</option> })
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
                            view! { <option value=d.id selected=selected>{tr(&d.name)}</option> }
                        })
                        .collect_view()}
                </Select>
                <SubmitButton label="Save" pending_label="Saving…"/>
            </form>
        </Enhanced>
    }
}

/// The picture, its upload form (file, crop sliders with a live preview once the script runs,
/// progress bar) and "Remove picture".
#[component]
fn Picture(name: Option<String>, initials: String) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let problem = query
        .get("avatar_error")
        .and_then(|c| Problem::from_code(&c));
    let error = problem.map(|p| AppError::field(p.field(), t(p.message())));
    let status = match query.get("avatar").as_deref() {
        Some("saved") => Some(t("Your new picture was saved.")),
        Some("removed") => Some(t("Your picture was removed; your initials show instead.")),
        _ => None,
    };
    let (file_error, zoom_error) = (
        field_message(&error, "avatar"),
        field_message(&error, "zoom"),
    );
    let has_picture = name.is_some();
    view! {
        <section id="avatar" aria-labelledby="avatar-heading">
            <h2 id="avatar-heading">{t("Profile picture")}</h2>
            <p class="status" role="status" hidden=status.is_none()>{status}</p>
            <div class="picture-row">
                {match name {
                    Some(name) => view! {
                        <img class="picture" src=avatar::url(&name, avatar::LARGE) alt=t("Your profile picture") width="128" height="128"/>
                    }
                        .into_any(),
                    None => view! {
                        <span class="picture initials" data-initials=initials role="img" aria-label=t("No picture: your initials are shown")></span>
                    }
                        .into_any(),
                }}
                {has_picture
                    .then(|| view! {
                        <Enhanced>
                            <form method="post" action=RemoveAvatar::url() class="inline">
                                <FormAlert/>
                                <SubmitButton label="Remove picture" pending_label="Removing…" class="secondary"/>
                            </form>
                        </Enhanced>
                    })}
            </div>
            <Enhanced>
                <form method="post" action="/settings/avatar" enctype="multipart/form-data" class="stack" novalidate data-upload=avatar::MAX_BYTES.to_string()>
                    <FormAlert error=error.clone()/>
                    <div class="field">
                        <label for="field-avatar">{t("New picture")}</label>
                        <p class="hint" id="field-avatar-hint">{t("JPEG, PNG, WebP or GIF, at most 5 MB. It is cut to a square and shown at 256 pixels.")}</p>
                        <input
                            id="field-avatar"
                            name="avatar"
                            type="file"
                            accept=avatar::ACCEPT
                            required
                            aria-invalid=file_error.is_some().then_some("true")
                            aria-describedby=if file_error.is_some() { "field-avatar-hint field-avatar-error" } else { "field-avatar-hint" }
                        />
                        <p class="field-error" id="field-avatar-error" hidden=file_error.is_none()>{file_error.clone()}</p>
                    </div>
                    <fieldset class="crop">
                        <legend>{t("Crop to a square")}</legend>
                        <div class="crop-preview" hidden>
                            <img id="crop-image" alt=t("Preview of the cropped picture")/>
                        </div>
                        <div class="crop-sliders">
                            <div class="field">
                                <label for="field-zoom">{t("Zoom (percent)")}</label>
                                <input id="field-zoom" name="zoom" type="range" min="100" max=avatar::ZOOM_MAX.to_string() step="5" value="100" aria-invalid=zoom_error.is_some().then_some("true")/>
                                <p class="field-error" id="field-zoom-error" hidden=zoom_error.is_none()>{zoom_error.clone()}</p>
                            </div>
                            <div class="field">
                                <label for="field-x">{t("Left to right (percent)")}</label>
                                <input id="field-x" name="x" type="range" min="0" max="100" value="50"/>
                            </div>
                            <div class="field">
                                <label for="field-y">{t("Top to bottom (percent)")}</label>
                                <input id="field-y" name="y" type="range" min="0" max="100" value="50"/>
                            </div>
                        </div>
                    </fieldset>
                    <progress id="avatar-progress" max="100" value="0" hidden aria-label=t("Upload progress")></progress>
                    <SubmitButton label="Upload picture" pending_label="Uploading…"/>
                </form>
            </Enhanced>
        </section>
    }
}
