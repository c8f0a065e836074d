//! Form building blocks: labelled fields with their error, a submit button with a pending
//! state, and the alert that shows a form-level error.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error a form post without JavaScript came back with (`?__err=…&__path=…`), if it was
/// for server function `S`. Passed to islands as a prop so server and browser render alike.
pub fn url_error<S: ServerFn>() -> Option<AppError> {
    let query = leptos_router::hooks::use_query_map().get_untracked();
    let (err, path) = (query.get("__err")?, query.get("__path")?);
    (path == S::PATH)
        .then(|| leptos::server_fn::error::ServerFnUrlError::<AppError>::decode_err(&err))
}

/// The current error: the latest action result if there is one, else the one from the URL.
pub fn current_error<T, S>(value: S, initial: Option<AppError>) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || match value.get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => initial.clone(),
    })
}

/// A labelled input whose error is announced with it (`aria-describedby`, `aria-invalid`).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] maxlength: Option<u32>,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// Set after a save so the field shows the stored (normalised) value.
    #[prop(optional, into)]
    live_value: Option<Signal<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || {
        error.get().and_then(|e| {
            e.field_errors()
                .and_then(|f| f.get(name).map(str::to_string))
        })
    };
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let live = live_value.unwrap_or_else(|| Signal::stored(value.clone()));
    let input = view! {
        <input
            id=id.clone()
            name=name
            type=input_type
            value=value
            autocomplete=autocomplete
            required=required
            maxlength=maxlength
            aria-invalid=move || message().is_some().then_some("true")
            aria-describedby=described
            prop:value=move || live.get()
        />
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id>{h}</p> })}
            {input}
            <p class="field-error" id=error_id hidden=move || message().is_none()>
                {message}
            </p>
        </div>
    }
}

/// A submit button that says what is happening while the request runs.
#[component]
pub fn SubmitButton(
    label: &'static str,
    pending_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { pending_label } else { label }}
        </button>
    }
}

/// A form-level message: the error's text (for validation, a summary of what to fix).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="alert" role="alert" hidden=move || error.get().is_none()>
            {move || error.get().map(|e| e.to_string())}
        </div>
    }
}
