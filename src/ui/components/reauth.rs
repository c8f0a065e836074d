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

/// While a confirmation is open: for how long (see `SudoCountdown`). The server's word on it,
/// `until`, is what the countdown starts from.
#[component]
pub fn SudoWindow(until: i64, now: i64) -> impl IntoView {
    view! { <SudoCountdown left=until - now window=window_secs()/> }
}

/// The countdown of a confirmation that is open for `left` more seconds (of `window` in all).
/// With JavaScript it counts down on the page's clock and, when it ends, says that the next
/// change will ask again (nothing is hidden or lost); the form island moves it too, closing it
/// when the server refuses an action and opening it again when the dialog confirms
/// (`confirmation`). Without JavaScript it is the server's sentence as rendered.
#[island]
pub fn SudoCountdown(left: i64, window: i64) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let left_now = confirmation::follow(left, window, root);
    let open = move || left_now.get() > 0;
    let message = Msg::IdentityConfirmedChangesHereNeedNo;
    view! {
        // What the server said: seconds left, and how long a new confirmation lasts.
        <div class="sudo-window" node_ref=root data-sudo-left=left.to_string() data-sudo-secs=window.to_string()>
            <p class="status" role="status" hidden=move || !open()>
                {move || fill(t(message), &[&minutes_left(left_now.get().max(0), 0)])}
            </p>
            // Its text is set only when the window ends, so screen readers announce it then.
            <p class="hint" role="status" hidden=open>
                {move || (!open()).then(|| t(Msg::YourConfirmationHasEnded))}
            </p>
        </div>
    }
}

/// The page's one confirmation window, shared by its islands: every `SudoCountdown` shows it,
/// the form island (`enhance`) closes it when the server says none is open and opens it again
/// when the dialog confirms. On the server a countdown is just the value it was rendered with.
pub mod confirmation {
    #[cfg(not(feature = "hydrate"))]
    use leptos::prelude::*;

    #[cfg(not(feature = "hydrate"))]
    pub fn follow(left: i64, _window: i64, _root: NodeRef<leptos::html::Div>) -> Signal<i64> {
        Signal::stored(left)
    }

    #[cfg(feature = "hydrate")]
    pub use browser::{closed, follow, opened};

    #[cfg(feature = "hydrate")]
    mod browser {
        use leptos::prelude::*;
        use std::{cell::Cell, time::Duration};

        thread_local! {
            /// When the window ends, in the browser's milliseconds since the epoch (0: ended).
            static ENDS_AT: ArcRwSignal<f64> = ArcRwSignal::new(0.0);
            /// How long a new confirmation lasts, in seconds (the server's setting).
            static WINDOW: Cell<i64> = const { Cell::new(0) };
        }

        fn ends_at() -> ArcRwSignal<f64> {
            ENDS_AT.with(Clone::clone)
        }

        /// Seconds left, to the second, for a countdown the server rendered with `left`: the
        /// newest page's word sets the window for every countdown on it.
        pub fn follow(left: i64, window: i64, root: NodeRef<leptos::html::Div>) -> Signal<i64> {
            WINDOW.with(|w| w.set(window));
            let ends = ends_at();
            ends.set(js_sys::Date::now() + left as f64 * 1000.0);
            let now = RwSignal::new(js_sys::Date::now());
            crate::ui::components::every_while_on_page(root, Duration::from_secs(1), move || {
                now.set(js_sys::Date::now())
            });
            Signal::derive(move || ((ends.get() - now.get()) / 1000.0).ceil() as i64)
        }

        /// The server refused an action because no confirmation is open (whatever the clock
        /// here thought).
        pub fn closed() {
            ends_at().set(0.0);
        }

        /// The dialog confirmed: a new window of the server's length starts now.
        pub fn opened() {
            let secs = WINDOW.with(Cell::get);
            ends_at().set(js_sys::Date::now() + secs as f64 * 1000.0);
        }
    }
}
