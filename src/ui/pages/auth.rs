//! The sign-in and sign-up pages: plain forms posting to their server functions, enhanced in
//! place when JavaScript runs. On success the server function returns (or, without JavaScript,
//! redirects to) the page to go to next.

use crate::i18n::t;
use crate::{
    api::auth::{FinishSignUp, SignIn, SignUp, VerifySignInCode},
    ui::components::{
        enhance::Enhanced,
        form::{percent_encode, url_error, Field, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
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
        format!("/signup?next={}", percent_encode(&next))
    };
    let error = url_error::<SignIn>();
    view! {
        <Title text=t("Sign in · Profile Center")/>
        <main id="main" class="narrow">
            <h1>{t("Sign in to Profile Center")}</h1>
            <Enhanced>
                <form method="post" action=SignIn::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="next" value=next/>
                    <Field label="Email" name="email" input_type="email" autocomplete="username" required=true error=error.clone()/>
                    <Field label="Password" name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                    <SubmitButton label="Sign in" pending_label="Signing in…"/>
                </form>
            </Enhanced>
            <p>{t("New here? ")} <a href=signup_href>{t("Create an account")}</a></p>
        </main>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let error = url_error::<SignUp>();
    let sent = error.is_none() && use_query_map().get_untracked().get("sent").is_some();
    view! {
        <Title text=t("Create your account · Profile Center")/>
        <main id="main" class="narrow">
            <h1>{t("Create your account")}</h1>
            {if sent {
                view! {
                    <div class="status" role="status">
                        <h2>{t("Check your inbox")}</h2>
                        <p>{t("We sent a message to the address you entered. Open the link in it within 24 hours to finish creating your account.")}</p>
                        <p class="hint">{t("Nothing arrived? Check your spam folder, or sign up again to get a new link.")}</p>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <Enhanced>
                        <form method="post" action=SignUp::url() class="stack" novalidate>
                            <FormAlert error=error.clone()/>
                            <input type="hidden" name="next" value=next_param()/>
                            <Field label="Email" name="email" input_type="email" autocomplete="email" required=true error=error.clone()/>
                            <Field label="First name" name="first_name" autocomplete="given-name" required=true maxlength=100 error=error.clone()/>
                            <Field label="Last name" name="last_name" autocomplete="family-name" required=true maxlength=100 error=error.clone()/>
                            <Field
                                label="Password"
                                name="password"
                                input_type="password"
                                autocomplete="new-password"
                                required=true
                                hint="8 to 128 characters. Avoid common passwords and your email or name."
                                error=error
                            />
                            <SubmitButton label="Create account" pending_label="Creating account…"/>
                        </form>
                    </Enhanced>
                }
                    .into_any()
            }}
            <p>{t("Already have an account? ")} <a href="/signin">{t("Sign in")}</a></p>
        </main>
    }
}

/// The page a sign-up link opens: the password chosen at sign-up finishes it. Opening the link
/// changes nothing by itself (mail scanners open links too).
#[component]
pub fn FinishSignUpPage() -> impl IntoView {
    let error = url_error::<FinishSignUp>();
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Title text=t("Finish creating your account · Profile Center")/>
        <main id="main" class="narrow">
            <h1>{t("Finish creating your account")}</h1>
            <p>{t("To confirm that this address is yours, enter the password you chose when you signed up.")}</p>
            <Enhanced>
                <form method="post" action=FinishSignUp::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="token" value=token/>
                    <Field label="Password" name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                    <SubmitButton label="Finish and sign in" pending_label="Finishing…"/>
                </form>
            </Enhanced>
            <p><a href="/signup">{t("Sign up again")}</a></p>
        </main>
    }
}

/// The second step of signing in when two-factor sign-in is on.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let error = url_error::<VerifySignInCode>();
    view! {
        <Title text=t("Two-factor sign-in · Profile Center")/>
        <main id="main" class="narrow">
            <h1>{t("Enter your authentication code")}</h1>
            <Enhanced>
                <form method="post" action=VerifySignInCode::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="next" value=next_param()/>
                    <Field
                        label="Authentication code"
                        name="code"
                        autocomplete="one-time-code"
                        required=true
                        hint="The 6-digit code from your authenticator app, or one of your recovery codes."
                        error=error
                    />
                    <SubmitButton label="Verify" pending_label="Verifying…"/>
                </form>
            </Enhanced>
            <p><a href="/signin">{t("Start again")}</a></p>
        </main>
    }
}
