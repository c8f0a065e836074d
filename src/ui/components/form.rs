//! Form building blocks, rendered on the server: labelled fields with their error, a submit
//! button that knows its pending label, and the alert for form-level errors.
//!
//! They follow one DOM convention that `enhance::Enhanced` relies on to show errors in place:
//! a field named `x` is `#field-x`, its hint `#field-x-hint`, its error `#field-x-error`, and a
//! form's alert is the `[role=alert]` inside it.

use crate::model::form::Typed;
use crate::{
    error::AppError,
    i18n::{t, Msg},
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error a form post without JavaScript came back with (`?__err=…&__path=…`), if it was
/// for server function `S` and sealed by this server (see `middleware::seal_url_error`): text
/// someone else put in a URL is never shown.
pub fn url_error<S: ServerFn>() -> Option<AppError> {
    url_form::<S>().map(|(error, _)| error)
}

/// `url_error` with what the form had typed (secrets left out), to show it again.
pub fn url_form<S: ServerFn>() -> Option<(AppError, Typed)> {
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let (err, path) = (query.get("__err")?, query.get("__path")?);
    if path != S::PATH {
        return None;
    }
    #[cfg(feature = "ssr")]
    {
        let state = use_context::<crate::server::state::AppState>()?;
        crate::server::middleware::unseal_url_error(&state, &path, &err)
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = err;
        None
    }
}

/// What a refused form (`url_form`) had typed under `name`, or nothing.
pub fn typed(sent: &Option<(AppError, Typed)>, name: &str) -> String {
    sent.as_ref()
        .and_then(|(_, typed)| typed.get(name))
        .unwrap_or_default()
        .to_string()
}

/// The 1-based `?page=` of a paged list (1 when missing or not a number; bounded).
pub fn page_number(query: &leptos_router::params::ParamsMap) -> usize {
    crate::model::paging::page(query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1))
}

/// Percent-encodes a value for a URL query or a `data:` URL (this code also compiles for the
/// browser, where the `url` crate is not included).
pub fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The message for field `name` in a validation error, in the page's language.
pub fn field_message(error: &Option<AppError>, name: &str) -> Option<String> {
    error
        .as_ref()?
        .field_errors()?
        .get(name)
        .map(|text| text.show())
}

/// `aria-describedby` for a field: its hint and, when there is one, its error.
pub fn described_by(id: &str, has_hint: bool, has_error: bool) -> Option<String> {
    let ids: Vec<String> = [(has_hint, "hint"), (has_error, "error")]
        .into_iter()
        .filter(|(present, _)| *present)
        .map(|(_, part)| format!("{id}-{part}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A labelled input (label and hint are English, shown translated) whose error is announced with it (`aria-describedby`, `aria-invalid`).
#[component]
pub fn Field(
    label: Msg,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<Msg>,
    #[prop(optional)] maxlength: Option<u32>,
    /// The keyboard a phone shows (`numeric` for codes that are only digits).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    #[prop(default = None)] error: Option<AppError>,
    /// Where a page holds two forms with a field of the same name (a hidden second password
    /// confirmation), the second one's ids start differently, so ids stay unique.
    #[prop(default = "field")]
    id_prefix: &'static str,
) -> impl IntoView {
    let message = field_message(&error, name);
    let id = format!("{id_prefix}-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{t(label)}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{t(h)}</p> })}
            <input
                id=id.clone()
                name=name
                type=input_type
                value=value
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                inputmode=inputmode
                aria-invalid=message.is_some().then_some("true")
                aria-describedby=described_by(&id, hint.is_some(), message.is_some())
            />
            <p class="field-error" id=format!("{id}-error") hidden=message.is_none()>{message.clone()}</p>
        </div>
    }
}

/// The "new password" field: its rules as a hint, and a strength hint that follows the typing
/// (`PasswordInput`). Sign-up calls it `password`.
#[component]
pub fn NewPasswordField(
    #[prop(default = None)] error: Option<AppError>,
    #[prop(default = "new_password")] name: &'static str,
    #[prop(default = Msg::NewPassword)] label: Msg,
) -> impl IntoView {
    let message = field_message(&error, name);
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{t(label)}</label>
            <p class="hint" id=format!("{id}-hint")>{t(Msg::N8To128CharactersAvoidCommon)}</p>
            <PasswordInput name=name.to_string() invalid=message.is_some()/>
            <p class="field-error" id=format!("{id}-error") hidden=message.is_none()>{message.clone()}</p>
        </div>
    }
}

/// A new password's input and, once the WASM runs, how strong it is as the person types,
/// announced politely (`model::security::password_strength`).
/// An island inside the form island (`Enhanced`): the loader wakes each on its own.
/// Its ids follow `NewPasswordField`'s, from the name (fewer props: less WASM to read them).
#[island]
fn PasswordInput(name: String, invalid: bool) -> impl IntoView {
    let strength = RwSignal::new(None::<Msg>);
    let id = format!("field-{name}");
    let hint_id = format!("{id}-strength");
    view! {
        <input
            id=id.clone()
            name=name
            type="password"
            autocomplete="new-password"
            required
            aria-invalid=invalid.then_some("true")
            aria-describedby=described_by(&id, true, invalid)
            on:input=move |ev| strength.set(crate::model::security::password_strength(&event_target_value(&ev)))
        />
        <p class="hint strength" id=hint_id aria-live="polite">{move || strength.get().map(t)}</p>
    }
}

/// A labelled select with its error, described like `Field`.
#[component]
pub fn Select(
    label: Msg,
    name: &'static str,
    #[prop(default = None)] error: Option<AppError>,
    #[prop(optional)] hint: Option<Msg>,
    /// As in `Field`: another prefix where two forms on a page have this field.
    #[prop(default = "field")]
    id_prefix: &'static str,
    children: Children,
) -> impl IntoView {
    let message = field_message(&error, name);
    let id = format!("{id_prefix}-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{t(label)}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{t(h)}</p> })}
            <select
                id=id.clone()
                name=name
                aria-invalid=message.is_some().then_some("true")
                aria-describedby=described_by(&id, hint.is_some(), message.is_some())
            >
                {children()}
            </select>
            <p class="field-error" id=format!("{id}-error") hidden=message.is_none()>{message.clone()}</p>
        </div>
    }
}

/// A submit button; `Enhanced` swaps in `pending_label` (and disables it) while the request runs.
#[component]
pub fn SubmitButton(
    label: Msg,
    pending_label: Msg,
    #[prop(default = "primary")] class: &'static str,
    /// A fuller accessible name (e.g. which session "End session" ends); starts with `label`.
    #[prop(optional, into)]
    aria_label: Option<String>,
) -> impl IntoView {
    let (label, pending_label) = (t(label), t(pending_label));
    view! {
        <button type="submit" class=class data-label=label data-pending-label=pending_label aria-label=aria_label>
            {label}
        </button>
    }
}

/// A one-button form that posts an item's `id` to `action` (revoke, remove, …), enhanced to
/// submit in place; `aria_label` names the item, starting with the visible `label`.
#[component]
pub fn RowAction(
    action: &'static str,
    id: String,
    label: Msg,
    pending: Msg,
    aria_label: String,
    /// `danger` for what takes something away (remove, delete, end), else a neutral button.
    #[prop(default = "secondary")]
    class: &'static str,
    /// For a sensitive action refused for want of a confirmation (no JavaScript): the password
    /// step, with its error (see `reauth`).
    #[prop(default = None)]
    step: Option<AppError>,
    /// The account the item belongs to, for actions on an account's members and invitations.
    #[prop(optional, into)]
    account: Option<String>,
) -> impl IntoView {
    let form_class = if step.is_some() { "stack" } else { "inline" };
    view! {
        <super::enhance::Enhanced>
            <form method="post" action=action class=form_class>
                {account.map(|account| view! { <input type="hidden" name="account" value=account/> })}
                <input type="hidden" name="id" value=id/>
                <FormAlert error=step.clone()/>
                {step.map(|error| view! { <super::reauth::ConfirmStep error=error/> })}
                <SubmitButton label=label pending_label=pending class=class aria_label=aria_label/>
            </form>
        </super::enhance::Enhanced>
    }
}

/// A form-level message: the error's text (for validation, a summary of what to fix).
#[component]
pub fn FormAlert(#[prop(default = None)] error: Option<AppError>) -> impl IntoView {
    let text = error
        .filter(|e| !matches!(e, AppError::Validation(f) if f.is_empty()))
        .map(|e| e.message().show());
    view! { <div class="alert" role="alert" hidden=text.is_none()>{text.clone()}</div> }
}

/// The question before something that cannot be undone, with the action and a way back.
#[component]
pub fn Question(
    /// Where "Cancel" leads (the page without the question).
    #[prop(into)]
    back: String,
    id: String,
    question: String,
    detail: &'static str,
    children: Children,
) -> impl IntoView {
    let (text, labelled) = (format!("{id}-text"), format!("{id}-text"));
    view! {
        <div class="confirm" id=id role="group" aria-labelledby=labelled>
            <p id=text><strong>{question}</strong>" "{detail}</p>
            <div class="actions">
                {children()}
                <a href=back>{t(Msg::Cancel)}</a>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::described_by;

    #[test]
    fn a_field_is_described_by_its_hint_then_its_error() {
        assert_eq!(
            described_by("field-phone", true, true).as_deref(),
            Some("field-phone-hint field-phone-error")
        );
        assert_eq!(
            described_by("field-phone", false, true).as_deref(),
            Some("field-phone-error")
        );
        assert_eq!(described_by("field-phone", false, false), None);
    }
}
