//! The sign-in and sign-up pages: plain forms posting to their server functions, enhanced in
//! place when JavaScript runs. On success the server function returns (or, without JavaScript,
//! redirects to) the page to go to next.

use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    api::auth::{
        get_password_reset, FinishSignUp, RequestPasswordReset, ResetPassword, SignIn, SignUp,
        VerifySignInCode,
    },
    ui::components::{
        enhance::Enhanced,
        form::{
            percent_encode, typed, url_error, url_form, Field, FormAlert, NewPasswordField,
            SubmitButton,
        },
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
    let sent = url_form::<SignIn>();
    let error = sent.as_ref().map(|(e, _)| e.clone());
    let query = use_query_map().get_untracked();
    let was_reset = error.is_none() && query.get("reset").is_some();
    // Why the person is here: they signed out, or a settings page (or its bell) found no
    // session — never signed in, signed out elsewhere, or the session ended.
    let signed_out = error.is_none() && query.get("signed_out").is_some();
    let sent_here = error.is_none() && !signed_out && !next.is_empty();
    view! {
        <Title text=t(Msg::SignInProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::SignInToProfileCenter)}</h1>
            {was_reset.then(|| view! { <p class="status" role="status">{t(Msg::YourPasswordWasChangedSignIn)}</p> })}
            {signed_out.then(|| view! { <p class="status" role="status">{t(Msg::YouHaveSignedOut)}</p> })}
            {sent_here.then(|| view! { <p class="status" role="status">{t(Msg::SignInToContinueYouAreSignedOut)}</p> })}
            <Enhanced>
                <form method="post" action=SignIn::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="next" value=next/>
                    <Field label=Msg::Email name="email" input_type="email" value=typed(&sent, "email") autocomplete="username" required=true error=error.clone()/>
                    <Field label=Msg::Password name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                    <SubmitButton label=Msg::SignIn pending_label=Msg::SigningIn/>
                </form>
            </Enhanced>
            <p><a href="/forgot-password">{t(Msg::ForgotPassword)}</a></p>
            <p>{t(Msg::NewHere)} <a href=signup_href>{t(Msg::CreateAnAccount)}</a></p>
        </main>
    }
}

/// What a flow that mails a link shows once it has: the same for every address.
#[component]
fn CheckYourInbox(sent: Msg, hint: Msg) -> impl IntoView {
    view! {
        <div class="status" role="status">
            <h2>{t(Msg::CheckYourInbox)}</h2>
            <p>{t(sent)}</p>
            <p class="hint">{t(hint)}</p>
        </div>
    }
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let sent_form = url_form::<SignUp>();
    let error = sent_form.as_ref().map(|(e, _)| e.clone());
    let sent = error.is_none() && use_query_map().get_untracked().get("sent").is_some();
    view! {
        <Title text=t(Msg::CreateYourAccountProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::CreateYourAccount)}</h1>
            {if sent {
                view! { <CheckYourInbox sent=Msg::WeSentAMessageToThe hint=Msg::NothingArrivedCheckYourSpamFolder/> }
                    .into_any()
            } else {
                view! {
                    <Enhanced>
                        <form method="post" action=SignUp::url() class="stack" novalidate>
                            <FormAlert error=error.clone()/>
                            <input type="hidden" name="next" value=next_param()/>
                            <Field label=Msg::Email name="email" input_type="email" value=typed(&sent_form, "email") autocomplete="email" required=true error=error.clone()/>
                            <Field label=Msg::FirstName name="first_name" value=typed(&sent_form, "first_name") autocomplete="given-name" required=true maxlength=100 error=error.clone()/>
                            <Field label=Msg::LastName name="last_name" value=typed(&sent_form, "last_name") autocomplete="family-name" required=true maxlength=100 error=error.clone()/>
                            <NewPasswordField name="password" label=Msg::Password error=error/>
                            <SubmitButton label=Msg::CreateAccount pending_label=Msg::CreatingAccount/>
                        </form>
                    </Enhanced>
                }
                    .into_any()
            }}
            <p>{t(Msg::AlreadyHaveAnAccount)} <a href="/signin">{t(Msg::SignIn)}</a></p>
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
        <Title text=t(Msg::FinishCreatingYourAccountProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::FinishCreatingYourAccount)}</h1>
            <p>{t(Msg::ToConfirmThatThisAddressIs)}</p>
            <Enhanced>
                <form method="post" action=FinishSignUp::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="token" value=token/>
                    <Field label=Msg::Password name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                    <SubmitButton label=Msg::FinishAndSignIn pending_label=Msg::Finishing/>
                </form>
            </Enhanced>
            <p><a href="/signup">{t(Msg::SignUpAgain)}</a></p>
        </main>
    }
}

/// The second step of signing in when two-factor sign-in is on.
#[component]
pub fn SignInCodePage() -> impl IntoView {
    let error = url_error::<VerifySignInCode>();
    view! {
        <Title text=t(Msg::TwoFactorSignInProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::EnterYourAuthenticationCode)}</h1>
            <Enhanced>
                <form method="post" action=VerifySignInCode::url() class="stack" novalidate>
                    <FormAlert error=error.clone()/>
                    <input type="hidden" name="next" value=next_param()/>
                    <Field
                        label=Msg::AuthenticationCode
                        name="code"
                        autocomplete="one-time-code"
                        required=true
                        hint=Msg::The6DigitCodeFromYour
                        error=error
                    />
                    <SubmitButton label=Msg::Verify pending_label=Msg::Verifying/>
                </form>
            </Enhanced>
            <p><a href="/signin">{t(Msg::StartAgain)}</a></p>
        </main>
    }
}

/// "Forgot password?": an address to mail a link to. The answer is the same for every address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let sent_form = url_form::<RequestPasswordReset>();
    let error = sent_form.as_ref().map(|(e, _)| e.clone());
    let sent = error.is_none() && use_query_map().get_untracked().get("sent").is_some();
    view! {
        <Title text=t(Msg::ResetYourPasswordProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::ResetYourPassword)}</h1>
            {if sent {
                view! {
                    <CheckYourInbox sent=Msg::IfThatAddressIsAVerified hint=Msg::NothingArrivedAskAgain/>
                    <p><a href="/forgot-password">{t(Msg::AskForANewLink)}</a></p>
                }
                    .into_any()
            } else {
                view! {
                    <p>{t(Msg::EnterAnAddressOfYourAccount)}</p>
                    <Enhanced>
                        <form method="post" action=RequestPasswordReset::url() class="stack" novalidate>
                            <FormAlert error=error.clone()/>
                            <Field label=Msg::Email name="email" input_type="email" value=typed(&sent_form, "email") autocomplete="email" required=true error=error/>
                            <SubmitButton label=Msg::SendLink pending_label=Msg::Sending/>
                        </form>
                    </Enhanced>
                }
                    .into_any()
            }}
            <p><a href="/signin">{t(Msg::BackToSignIn)}</a></p>
        </main>
    }
}

/// The page a "forgot password" link opens: the new password twice (and a code when two-factor
/// sign-in is on). Opening it changes nothing; a used or expired link says so.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let error = url_error::<ResetPassword>();
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    let link = Resource::new_blocking(
        {
            let token = token.clone();
            move || token.clone()
        },
        get_password_reset,
    );
    view! {
        <Title text=t(Msg::ChooseANewPasswordProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::ChooseANewPassword)}</h1>
            <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
                {move || {
                    let (error, token) = (error.clone(), token.clone());
                    link.get().map(move |found| match found {
                    Err(e) => view! {
                        <div class="alert" role="alert">{e.message().show()}</div>
                        <p><a href="/forgot-password">{t(Msg::AskForANewLink)}</a></p>
                    }.into_any(),
                    Ok(link) => view! {
                        <p>{t(Msg::EverySessionWillBeSignedOut)}</p>
                        <Enhanced>
                            <form method="post" action=ResetPassword::url() class="stack" novalidate>
                                <FormAlert error=error.clone()/>
                                <input type="hidden" name="token" value=token.clone()/>
                                <NewPasswordField error=error.clone()/>
                                <Field label=Msg::ConfirmNewPassword name="confirm_password" input_type="password" autocomplete="new-password" required=true error=error.clone()/>
                                {link.needs_code.then(|| view! {
                                    <Field
                                        label=Msg::AuthenticationCode
                                        name="code"
                                        autocomplete="one-time-code"
                                        required=true
                                        hint=Msg::The6DigitCodeFromYour
                                        error=error.clone()
                                    />
                                })}
                                <SubmitButton label=Msg::SetNewPassword pending_label=Msg::Saving/>
                            </form>
                        </Enhanced>
                    }.into_any(),
                    })
                }}
            </Suspense>
            <p><a href="/signin">{t(Msg::BackToSignIn)}</a></p>
        </main>
    }
}
