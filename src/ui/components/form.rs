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

/// A form reference that marks the form `data-hydrated` once its island is live, so tests (and
/// people debugging) can tell the JavaScript path from the plain-HTML one.
pub fn hydrated_form() -> NodeRef<leptos::html::Form> {
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let _ = form.set_attribute("data-hydrated", "");
        }
    });
    form
}

/// With JavaScript on, goes where a successful action said (its `Ok` value is the URL).
pub fn navigate_on_success(value: impl Get<Value = Option<Result<String, AppError>>> + 'static) {
    on_success(value, |location, target| {
        let _ = location.assign(target);
    });
}

/// With JavaScript on, reloads the page after a successful action, so server-rendered parts
/// show the new state.
pub fn reload_on_success<T: Clone + Send + Sync + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + 'static,
) {
    on_success(value, |location, _| {
        let _ = location.reload();
    });
}

/// Effects run only in the browser, so `go` never runs during server rendering.
fn on_success<T: Clone + 'static>(
    value: impl Get<Value = Option<Result<T, AppError>>> + 'static,
    go: impl Fn(&web_sys::Location, &T) + 'static,
) {
    Effect::new(move |_| {
        if let (Some(Ok(result)), Some(window)) = (value.get(), web_sys::window()) {
            go(&window.location(), &result);
        }
    });
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
    let (message, described) = field_error(error, name, hint.is_some());
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
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            {input}
            <p class="field-error" id=format!("{id}-error") hidden=move || message().is_none()>
                {message}
            </p>
        </div>
    }
}

/// A labelled select with its error, described like `Field`.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] hint: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let id = format!("field-{name}");
    let (message, described) = field_error(error, name, hint.is_some());
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=format!("{id}-hint")>{h}</p> })}
            <select id=id.clone() name=name aria-invalid=move || message().is_some().then_some("true") aria-describedby=described>
                {children()}
            </select>
            <p class="field-error" id=format!("{id}-error") hidden=move || message().is_none()>{message}</p>
        </div>
    }
}

/// A field's current error message, and the `aria-describedby` value naming its hint and error.
fn field_error(
    error: Signal<Option<AppError>>,
    name: &'static str,
    has_hint: bool,
) -> (
    impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
    impl Fn() -> Option<String> + Send + Sync + 'static,
) {
    let message = move || {
        error.get().and_then(|e| {
            e.field_errors()
                .and_then(|f| f.get(name).map(str::to_string))
        })
    };
    let described = move || {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(format!("field-{name}-hint"));
        }
        if message().is_some() {
            ids.push(format!("field-{name}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    (message, described)
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
