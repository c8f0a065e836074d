//! "Confirm it is you": the password confirmation that opens the ten-minute window for
//! sensitive actions (sudo mode), shown in place wherever such an action lives, and the window
//! itself while it is open.

use crate::{
    api::sessions::ConfirmPassword,
    error::AppError,
    i18n::{fill, t, Msg},
    model::sessions::{minutes_left, REAUTH_WINDOW_SECS},
    ui::components::{
        enhance::Enhanced,
        form::{Field, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};

/// The error of a confirmation posted without JavaScript, if it was one.
pub fn confirm_error() -> Option<AppError> {
    super::form::url_error::<ConfirmPassword>()
}

#[component]
pub fn ConfirmPasswordForm(
    error: Option<AppError>,
    /// What confirming allows, e.g. "To end sessions".
    purpose: Msg,
    #[prop(default = Msg::CurrentPassword)] label: Msg,
    #[prop(default = "field")] id_prefix: &'static str,
) -> impl IntoView {
    let form_error = error.clone().filter(|e| e.field_errors().is_none());
    view! {
        <Enhanced>
            <form method="post" action=ConfirmPassword::url() class="stack" novalidate>
                <h3>{t(Msg::ConfirmItIsYou)}</h3>
                <p class="hint">
                    {t(purpose)}
                    {t(Msg::EnterYourPasswordOrWithTwo)}
                    {t(Msg::YouWillNotBeAskedAgain)}
                </p>
                <FormAlert error=form_error/>
                <Field label=label name="password" input_type="password" autocomplete="current-password" required=true error=error id_prefix=id_prefix/>
                <SubmitButton label=Msg::Confirm pending_label=Msg::Confirming/>
            </form>
        </Enhanced>
    }
}

/// While the window is open: how long it lasts. With JavaScript the time counts down, and when
/// the window closes the page hides what needs it (elements marked `data-needs-sudo`) and asks
/// for the password again right here; confirming brings everything back as it was, typed input
/// included (see `enhance::browser::sudo_windows`). `message` has `{0}` for the time left.
#[component]
pub fn SudoWindow(
    until: i64,
    now: i64,
    message: Msg,
    purpose: Msg,
    #[prop(default = Msg::CurrentPassword)] label: Msg,
) -> impl IntoView {
    // The configured length, for the countdown after confirming again in place.
    #[cfg(feature = "ssr")]
    let window = use_context::<crate::server::state::AppState>()
        .map(|s| s.config.reauth_window_secs)
        .unwrap_or(REAUTH_WINDOW_SECS);
    #[cfg(not(feature = "ssr"))]
    let window = REAUTH_WINDOW_SECS;
    view! {
        <div
            class="sudo-window"
            data-sudo-left=(until - now).to_string()
            data-sudo-secs=window.to_string()
            data-template=t(message)
            data-under=t(Msg::LessThanAMinute)
            data-one=t(Msg::N1Minute)
            data-many=t(Msg::NMinutes)
        >
            <p class="status" role="status" data-sudo-open>{fill(t(message), &[&minutes_left(until, now)])}</p>
            // Filled when the window ends, so screen readers announce it then.
            <p class="alert" role="alert" data-sudo-ended=t(Msg::YourConfirmationHasEnded) hidden></p>
            <div data-sudo-ask hidden>
                <ConfirmPasswordForm error=None purpose=purpose label=label id_prefix="again"/>
            </div>
        </div>
    }
}
