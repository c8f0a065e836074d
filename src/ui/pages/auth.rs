//! The sign-in and sign-up pages. Each form is an island: without JavaScript it posts to its
//! server function and the browser follows the redirect; with JavaScript it submits in place,
//! shows a pending state and field errors, then navigates.

use crate::ui::components::form::navigate_on_success;
use crate::{
    api::auth::{SignIn, SignUp},
    error::AppError,
    ui::components::form::{
        current_error, hydrated_form, url_error, Field, FormAlert, SubmitButton,
    },
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn next_param() -> String {
    use_query_map()
        .get_untracked()
        .get("next")
        .unwrap_or_default()
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let next = next_param();
    let signup_href = if next.is_empty() {
        "/signup".to_string()
    } else {
        format!("/signup?next={}", js_encode(&next))
    };
    let initial_error = url_error::<SignIn>();
    view! {
        <Title text="Sign in · Profile Center"/>
        <main id="main" class="narrow">
            <h1>"Sign in to Profile Center"</h1>
            <SignInForm next=next initial_error=initial_error/>
            <p>"New here? " <a href=signup_href>"Create an account"</a></p>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let initial_error = url_error::<SignUp>();
    view! {
        <Title text="Create your account · Profile Center"/>
        <main id="main" class="narrow">
            <h1>"Create your account"</h1>
            <SignUpForm next=next_param() initial_error=initial_error/>
            <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
        </main>
    }
}

/// Percent-encodes a query value (same rules on server and browser).
fn js_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[island]
fn SignInForm(next: String, initial_error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = current_error(action.value(), initial_error);
    navigate_on_success(action.value());
    // Between success and the new page loading, keep the button busy.
    let pending = Signal::derive(move || {
        action.pending().get() || matches!(action.value().get(), Some(Ok(_)))
    });
    view! {
        <ActionForm action=action node_ref=hydrated_form() attr:class="stack" attr:novalidate=true>
            <FormAlert error=error/>
            <input type="hidden" name="next" value=next/>
            <Field label="Email" name="email" input_type="email" autocomplete="username" required=true error=error/>
            <Field label="Password" name="password" input_type="password" autocomplete="current-password" required=true error=error/>
            <SubmitButton label="Sign in" pending_label="Signing in…" pending=pending/>
        </ActionForm>
    }
}

#[island]
fn SignUpForm(next: String, initial_error: Option<AppError>) -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = current_error(action.value(), initial_error);
    navigate_on_success(action.value());
    let pending = Signal::derive(move || {
        action.pending().get() || matches!(action.value().get(), Some(Ok(_)))
    });
    view! {
        <ActionForm action=action node_ref=hydrated_form() attr:class="stack" attr:novalidate=true>
            <FormAlert error=error/>
            <input type="hidden" name="next" value=next/>
            <Field label="Email" name="email" input_type="email" autocomplete="email" required=true error=error/>
            <Field label="First name" name="first_name" autocomplete="given-name" required=true maxlength=100 error=error/>
            <Field label="Last name" name="last_name" autocomplete="family-name" required=true maxlength=100 error=error/>
            <Field
                label="Password"
                name="password"
                input_type="password"
                autocomplete="new-password"
                required=true
                hint="8 to 128 characters. Avoid common passwords and your email or name."
                error=error
            />
            <SubmitButton label="Create account" pending_label="Creating account…" pending=pending/>
        </ActionForm>
    }
}
