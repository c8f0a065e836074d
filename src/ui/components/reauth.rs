//! "Confirm it is you": the password confirmation that opens the ten-minute window for
//! sensitive actions (sudo mode), shown in place wherever such an action lives.

use crate::{
    api::sessions::ConfirmPassword,
    error::AppError,
    i18n::{t, Msg},
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
                <Field label=label name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                <SubmitButton label=Msg::Confirm pending_label=Msg::Confirming/>
            </form>
        </Enhanced>
    }
}
