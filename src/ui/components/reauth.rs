//! "Confirm it is you": sensitive actions (ending sessions, two-factor changes, API keys, the
//! primary address) need a password proved within the last few minutes (sudo mode). Nothing
//! asks for it up front: the action's own button is always there, and the password is asked
//! for when it is pressed and no confirmation is open, with one wording everywhere.
//!
//! - With JavaScript, the server's `ReauthRequired` answer opens `ReauthDialog` (one per page);
//!   confirming there sends the refused form again, as typed (`enhance::browser::ask_identity`).
//! - Without JavaScript, the refused form comes back with a `ConfirmStep` inside it: its
//!   password field goes with the action's next post, which confirms and acts at once (the
//!   server functions take an optional `password`, see `context::require_recent_auth_or`).
//!
//! While a confirmation is open, `SudoWindow` says for how long, counting down.

use crate::{
    api::sessions::ConfirmPassword,
    error::AppError,
    i18n::{fill, t, Msg},
    model::sessions::{minutes_left, REAUTH_WINDOW_SECS},
    ui::components::{
        enhance::Enhanced,
        form::{url_form, Field, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};

/// How long a confirmation lasts (`REAUTH_WINDOW_SECS`), for the words and the countdown.
fn window_secs() -> i64 {
    #[cfg(feature = "ssr")]
    return use_context::<crate::server::state::AppState>()
        .map(|s| s.config.reauth_window_secs)
        .unwrap_or(REAUTH_WINDOW_SECS);
    #[cfg(not(feature = "ssr"))]
    REAUTH_WINDOW_SECS
}

/// The one explanation, in the dialog and in every confirmation step.
fn explanation() -> String {
    fill(
        t(Msg::ReauthExplanation),
        &[&minutes_left(window_secs(), 0)],
    )
}

/// A sensitive form that came back without JavaScript while no confirmation was open: the item
/// it was for (its `id` field, empty for forms without one) and the error, which may be a wrong
/// password typed into its step.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    id: String,
    error: AppError,
}

impl Refused {
    /// For server function `S`, from the URL (see `form::url_form`).
    pub fn of<S: ServerFn>() -> Option<Refused> {
        url_form::<S>().map(|(error, typed)| Refused {
            id: typed.get("id").unwrap_or_default().to_string(),
            error,
        })
    }

    /// The error of `refused`, if there is one.
    pub fn error_of(refused: &Option<Refused>) -> Option<AppError> {
        refused.as_ref().map(|r| r.error.clone())
    }

    /// The error to show in the step of the form for item `id`, when that form needs one:
    /// only while no confirmation is open (once one is, the action just works).
    pub fn step_for(refused: &Option<Refused>, id: &str, sudo: bool) -> Option<AppError> {
        refused
            .as_ref()
            .filter(|r| !sudo && r.id == id)
            .map(|r| r.error.clone())
    }

    /// The error of a refusal that no step shows (while a confirmation is open: say, a session
    /// that ended meanwhile), for the page's alert.
    pub fn shown_alone(refused: &[&Option<Refused>], sudo: bool) -> Option<AppError> {
        if !sudo {
            return None;
        }
        refused
            .iter()
            .filter_map(|r| Refused::error_of(r))
            .find(|e| !matches!(e, AppError::ReauthRequired))
    }
}

/// Inside a refused form (no JavaScript): the password that goes with the form's next post.
#[component]
pub fn ConfirmStep(error: AppError) -> impl IntoView {
    let error = Some(error);
    view! {
        <div class="confirm-step" role="group" aria-labelledby="confirm-step-heading">
            <p id="confirm-step-heading"><strong>{t(Msg::ConfirmItIsYou)}</strong></p>
            <p class="hint">{explanation()}</p>
            <Field label=Msg::CurrentPassword name="password" input_type="password" autocomplete="current-password" required=true error=error id_prefix="step"/>
        </div>
    }
}

/// The dialog JavaScript opens when the server refused an action for want of a confirmation;
/// closed (and so invisible) otherwise. On every settings page, once.
#[component]
pub fn ReauthDialog() -> impl IntoView {
    view! {
        <dialog id="reauth" aria-labelledby="reauth-heading">
            <ConfirmForm in_dialog=true/>
        </dialog>
    }
}

/// Confirming on its own: in the dialog (with Cancel), or where an action's form cannot carry
/// the password itself (turning off two-factor sign-in already asks for one).
#[component]
pub fn ConfirmForm(#[prop(optional)] in_dialog: bool) -> impl IntoView {
    // Ids apart from a page's own password fields.
    let id_prefix = if in_dialog { "reauth" } else { "confirm" };
    let heading = format!("{id_prefix}-heading");
    view! {
        <Enhanced>
            <form method="post" action=ConfirmPassword::url() class="stack" novalidate aria-labelledby=(!in_dialog).then(|| heading.clone())>
                {if in_dialog {
                    view! { <h2 id=heading.clone()>{t(Msg::ConfirmItIsYou)}</h2> }.into_any()
                } else {
                    view! { <h3 id=heading.clone()>{t(Msg::ConfirmItIsYou)}</h3> }.into_any()
                }}
                <p class="hint">{explanation()}</p>
                <FormAlert/>
                <Field label=Msg::CurrentPassword name="password" input_type="password" autocomplete="current-password" required=true id_prefix=id_prefix/>
                <p class="actions">
                    <SubmitButton label=Msg::Confirm pending_label=Msg::Confirming/>
                    {in_dialog.then(|| view! { <button type="button" class="secondary" data-close-dialog>{t(Msg::Cancel)}</button> })}
                </p>
            </form>
        </Enhanced>
    }
}

/// While a confirmation is open: for how long. With JavaScript the time counts down, and when
/// it ends the page says that the next change will ask again (nothing is hidden or lost).
#[component]
pub fn SudoWindow(until: i64, now: i64) -> impl IntoView {
    let message = Msg::IdentityConfirmedChangesHereNeedNo;
    view! {
        <div
            class="sudo-window"
            data-sudo-left=(until - now).to_string()
            data-sudo-secs=window_secs().to_string()
            data-template=t(message)
            data-under=t(Msg::LessThanAMinute)
            data-one=t(Msg::N1Minute)
            data-many=t(Msg::NMinutes)
        >
            <p class="status" role="status" data-sudo-open>{fill(t(message), &[&minutes_left(until, now)])}</p>
            // Filled when the window ends, so screen readers announce it then.
            <p class="hint" role="status" data-sudo-ended=t(Msg::YourConfirmationHasEnded) hidden></p>
        </div>
    }
}
