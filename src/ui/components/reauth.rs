//! "Confirm it is you": the password confirmation that opens the ten-minute window for
//! sensitive actions (sudo mode), shown in place wherever such an action lives.

use crate::{
    api::sessions::ConfirmPassword,
    error::AppError,
    i18n::t,
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
    purpose: &'static str,
    #[prop(default = "Current password")] label: &'static str,
) -> impl IntoView {
    let form_error = error.clone().filter(|e| e.field_errors().is_none());
    view! {
        <Enhanced>
            <form method="post" action=ConfirmPassword::url() class="stack" novalidate>
                <h3>{t("Confirm it is you")}</h3>
                <p class="hint">
                    {t(purpose)}
                    {t(", enter your password (or, with two-factor sign-in on, a code from your authenticator app). ")}
                    {t("You will not be asked again for 10 minutes.")}
                </p>
                <FormAlert error=form_error/>
                <Field label=label name="password" input_type="password" autocomplete="current-password" required=true error=error/>
                <SubmitButton label="Confirm" pending_label="Confirming…"/>
            </form>
        </Enhanced>
    }
}
