//! The Profile tab: picture, names, job function, phone, default dashboard; e-mail addresses.

use crate::i18n::Msg;
use crate::{
    api::{
        avatar::RemoveAvatar,
        profile::{get_profile_page, UpdateProfile},
    },
    error::AppError,
    i18n::t,
    model::{
        auth::initials,
        avatar::{self, Problem},
        form::Typed,
        profile::{JobFunction, ProfilePage},
    },
    ui::components::{
        enhance::Enhanced,
        form::{described_by, field_message, url_form, Field, FormAlert, Select, SubmitButton},
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
    let sent = url_form::<UpdateProfile>();
    let error = sent.as_ref().map(|(e, _)| e.clone());
    let query = use_query_map().get_untracked();
    let saved = error.is_none() && query.get("saved").is_some();
    let welcome = query.get("welcome").is_some();
    view! {
        <Title text=t(Msg::ProfileSettingsProfileCenter)/>
        <h1>{t(Msg::Profile)}</h1>
        {welcome.then(|| view! {
            <p class="status" role="status">{t(Msg::WelcomeToProfileCenterYourAccount)}</p>
        })}
        <p class="lead">{t(Msg::HowYouAppearAcrossTheConsole)}</p>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let (error, sent) = (error.clone(), sent.clone());
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! {
                            <Picture name=page.avatar.clone() initials=initials(&page.profile.first_name, &page.profile.last_name, &page.profile.email)/>
                            <ProfileForm page=page error=error sent=sent saved=saved/>
                        }
                            .into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <super::contacts::EmailAddresses/>
    }
}

#[component]
fn ProfileForm(
    page: ProfilePage,
    error: Option<AppError>,
    /// A refused post without JavaScript: what it had typed, shown again instead of the saved
    /// values (not after a conflict, where the saved values are the news).
    sent: Option<(AppError, Typed)>,
    saved: bool,
) -> impl IntoView {
    let p = page.profile;
    let typed = sent
        .filter(|(e, _)| matches!(e, AppError::Validation(_)))
        .map(|(_, typed)| typed);
    let shown = |name: &str, saved: &str| {
        typed
            .as_ref()
            .and_then(|t| t.get(name))
            .unwrap_or(saved)
            .to_string()
    };
    let job = shown("job_function", &p.job_function);
    let dash = shown("default_dashboard", &p.default_dashboard);
    let (first, last, phone) = (
        shown("first_name", &p.first_name),
        shown("last_name", &p.last_name),
        shown("phone", &p.phone),
    );
    view! {
        <Enhanced>
            <form method="post" action=UpdateProfile::url() class="stack" novalidate data-success=SAVED_URL>
                <FormAlert error=error.clone()/>
                <p class="status" role="status" hidden=!saved>{t(Msg::YourProfileWasSaved)}</p>
                <input type="hidden" name="version" value=p.version/>
                <div class="field">
                    <label for="primary-email">{t(Msg::Email)}</label>
                    <input id="primary-email" type="email" value=p.email readonly aria-describedby="primary-email-hint"/>
                    <p class="hint" id="primary-email-hint">{t(Msg::YourSignInAddressChangeIt)}</p>
                </div>
                <div class="row">
                    <Field label=Msg::FirstName name="first_name" value=first autocomplete="given-name" required=true maxlength=100 error=error.clone()/>
                    <Field label=Msg::LastName name="last_name" value=last autocomplete="family-name" required=true maxlength=100 error=error.clone()/>
                </div>
                <Select label=Msg::JobFunction name="job_function" error=error.clone()>
                    <option value="" selected=job.is_empty()>{t(Msg::NotSpecified)}</option>
                    {JobFunction::ALL
                        .iter()
                        .map(|f| view! { <option value=f.as_str() selected=job == f.as_str()>{t(f.label())}</option> })
                        .collect_view()}
                </Select>
                <Field
                    label=Msg::PhoneNumber
                    name="phone"
                    input_type="tel"
                    value=phone
                    autocomplete="tel"
                    hint=Msg::InternationalFormatWithCountryCodeE
                    error=error.clone()
                />
                <Select label=Msg::DefaultDashboard name="default_dashboard" error=error hint=Msg::ThePageTheConsoleOpensWhen>
                    {page
                        .dashboards
                        .into_iter()
                        .map(|d| {
                            let selected = d.id == dash;
                            view! { <option value=d.id selected=selected>{Msg::find(&d.name).map(t).unwrap_or(&d.name).to_string()}</option> }
                        })
                        .collect_view()}
                </Select>
                <SubmitButton label=Msg::Save pending_label=Msg::Saving/>
            </form>
        </Enhanced>
    }
}

/// The picture, its upload form (the `Cropper`, a progress bar) and "Remove picture".
#[component]
fn Picture(name: Option<String>, initials: String) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let problem = query
        .get("avatar_error")
        .and_then(|c| Problem::from_code(&c));
    let error = problem.map(|p| AppError::field(p.field(), p.message()));
    let status = match query.get("avatar").as_deref() {
        Some("saved") => Some(t(Msg::YourNewPictureWasSaved)),
        Some("removed") => Some(t(Msg::YourPictureWasRemovedYourInitials)),
        _ => None,
    };
    let (file_error, zoom_error) = (
        field_message(&error, "avatar"),
        field_message(&error, "zoom"),
    );
    let has_picture = name.is_some();
    let refused = error.is_some();
    view! {
        <section id="avatar" aria-labelledby="avatar-heading">
            <h2 id="avatar-heading">{t(Msg::ProfilePicture)}</h2>
            <p class="status" role="status" hidden=status.is_none()>{status}</p>
            <div class="picture-row">
                {match name {
                    Some(name) => view! {
                        <img class="picture" src=avatar::url(&name, avatar::LARGE) alt=t(Msg::YourProfilePicture) width="128" height="128"/>
                    }
                        .into_any(),
                    None => view! {
                        <span class="picture initials" data-initials=initials role="img" aria-label=t(Msg::NoPictureYourInitialsAreShown)></span>
                    }
                        .into_any(),
                }}
                {has_picture
                    .then(|| view! {
                        <Enhanced>
                            <form method="post" action=RemoveAvatar::url() class="inline">
                                <FormAlert/>
                                <SubmitButton label=Msg::RemovePicture pending_label=Msg::Removing class="danger"/>
                            </form>
                        </Enhanced>
                    })}
            </div>
            // The file field and the cropper open only when asked for (and again after a refused
            // upload, to show why).
            <details class="disclosure" open=refused>
            <summary>{if has_picture { t(Msg::ChangePicture) } else { t(Msg::UploadAPicture) }}</summary>
            <Enhanced>
                <form method="post" action="/settings/avatar" enctype="multipart/form-data" class="stack" novalidate data-upload=avatar::MAX_BYTES.to_string()>
                    <FormAlert error=error.clone()/>
                    <Cropper file_error=file_error zoom_error=zoom_error/>
                    <progress id="avatar-progress" max="100" value="0" hidden aria-label=t(Msg::UploadProgress)></progress>
                    <SubmitButton label=Msg::UploadPicture pending_label=Msg::Uploading/>
                </form>
            </Enhanced>
            </details>
        </section>
    }
}

/// The upload form's file field and crop sliders: an island inside the form island, so once
/// the WASM runs the chosen file shows in a round preview that follows the sliders (the file,
/// the zoom and the offsets are signals; the picture's place is derived from them, cut as the
/// server will cut it, `model::avatar::Crop::square`). The form
/// island still sends the whole form. Whole pixels and integer percentages only: formatting or
/// parsing floats would pull kilobytes of number code into the WASM.
#[island]
fn Cropper(file_error: Option<String>, zoom_error: Option<String>) -> impl IntoView {
    let file = RwSignal::new(None::<String>); // the chosen file's object URL
    let natural = RwSignal::new((0i64, 0i64)); // its size, once the preview has loaded it
    let (zoom, x, y) = (
        RwSignal::new(100i64),
        RwSignal::new(50i64),
        RwSignal::new(50i64),
    );
    let frame = NodeRef::<leptos::html::Div>::new();
    let image = NodeRef::<leptos::html::Img>::new();
    // The picture's width, height, left and top in the round frame, in pixels, derived from
    // the file's size and the sliders. They go on its style through the CSSOM (the page's CSP
    // forbids style attributes): one effect cost less WASM than four `style:` bindings.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let (w, h) = natural.get();
        let (Some(img), Some(side)) = (image.get(), frame.get().map(|f| f.client_width() as i64))
        else {
            return;
        };
        if w == 0 || h == 0 || side == 0 {
            return;
        }
        let shorter = w.min(h);
        let (width, height) = (
            w * side * zoom.get() / 100 / shorter,
            h * side * zoom.get() / 100 / shorter,
        );
        let (left, top) = (
            -(width - side) * x.get() / 100,
            -(height - side) * y.get() / 100,
        );
        let style = web_sys::HtmlElement::style(&img);
        for (name, value) in [
            ("width", width),
            ("height", height),
            ("left", left),
            ("top", top),
        ] {
            let _ = style.set_property(name, &format!("{value}px"));
        }
    });
    let choose = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            if let Some(old) = file.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            let chosen = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
                .and_then(|f| web_sys::Url::create_object_url_with_blob(&f).ok());
            natural.set((0, 0));
            file.set(chosen);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let loaded = move |_| {
        if let Some(img) = image.get_untracked() {
            natural.set((img.natural_width() as i64, img.natural_height() as i64));
        }
    };
    let slider = |signal: RwSignal<i64>, default: i64| {
        move |ev| signal.set(event_target_value(&ev).parse().unwrap_or(default))
    };
    let file_invalid = file_error.is_some();
    view! {
        <div class="field">
            <label for="field-avatar">{t(Msg::NewPicture)}</label>
            <p class="hint" id="field-avatar-hint">{t(Msg::JPEGPNGWebPOrGIFAt)}</p>
            <input
                id="field-avatar"
                name="avatar"
                type="file"
                accept=avatar::ACCEPT
                required
                aria-invalid=file_invalid.then_some("true")
                aria-describedby=described_by("field-avatar", true, file_invalid)
                on:change=choose
            />
            <p class="field-error" id="field-avatar-error" hidden=!file_invalid>{file_error}</p>
        </div>
        <fieldset class="crop">
            <legend>{t(Msg::CropToASquare)}</legend>
            <div class="crop-preview" node_ref=frame hidden=move || file.get().is_none()>
                <img
                    id="crop-image"
                    node_ref=image
                    alt=t(Msg::PreviewOfTheCroppedPicture)
                    src=move || file.get()
                    on:load=loaded
                />
            </div>
            <div class="crop-sliders">
                <div class="field">
                    <label for="field-zoom">{t(Msg::ZoomPercent)}</label>
                    <input id="field-zoom" name="zoom" type="range" min="100" max=avatar::ZOOM_MAX.to_string() step="5" value="100" aria-invalid=zoom_error.is_some().then_some("true") on:input=slider(zoom, 100)/>
                    <p class="field-error" id="field-zoom-error" hidden=zoom_error.is_none()>{zoom_error.clone()}</p>
                </div>
                <div class="field">
                    <label for="field-x">{t(Msg::LeftToRightPercent)}</label>
                    <input id="field-x" name="x" type="range" min="0" max="100" value="50" on:input=slider(x, 50)/>
                </div>
                <div class="field">
                    <label for="field-y">{t(Msg::TopToBottomPercent)}</label>
                    <input id="field-y" name="y" type="range" min="0" max="100" value="50" on:input=slider(y, 50)/>
                </div>
            </div>
        </fieldset>
    }
}
