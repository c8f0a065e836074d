//! The Security tab: change the password, and read (or download) the security log.

use crate::i18n::t;
use crate::i18n::{tf, Msg};
use crate::ui::time::show as show_time;
use crate::{
    api::{
        mfa::{
            get_mfa_status, ConfirmMfaEnrolment, DisableMfa, RegenerateRecoveryCodes,
            StartMfaEnrolment,
        },
        security::{get_security_log, ChangePassword},
    },
    error::AppError,
    model::{
        mfa::MfaStatus,
        security::{event_label, SecurityPage},
    },
    ui::components::{
        copy::CopyButton,
        enhance::Enhanced,
        form::{percent_encode, url_error, Field, FormAlert, NewPasswordField, SubmitButton},
        reauth::{ConfirmForm, ConfirmStep, Refused, SudoWindow},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SecurityTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let page_number = crate::ui::components::form::page_number(&query);
    let error = url_error::<ChangePassword>();
    let changed = error.is_none() && query.get("changed").is_some();
    let required = query.get("required").is_some();
    let log = Resource::new_blocking(move || page_number, get_security_log);
    let mfa = Resource::new_blocking(|| (), |_| get_mfa_status());
    let mfa_errors = MfaErrors {
        start: Refused::of::<StartMfaEnrolment>(),
        enrol: Refused::of::<ConfirmMfaEnrolment>(),
        regenerate: Refused::of::<RegenerateRecoveryCodes>(),
        disable: url_error::<DisableMfa>(),
    };
    view! {
        <Title text=t(Msg::SecuritySettingsProfileCenter)/>
        <h1>{t(Msg::Security)}</h1>
        <p class="lead">{t(Msg::HowYouSignInAndEverything)}</p>
        <PasswordForm error=error changed=changed/>
        <Suspense fallback=|| ()>
            {move || {
                let errors = mfa_errors.clone();
                Suspend::new(async move {
                    match mfa.await {
                        Ok(status) => view! { <TwoFactor status=status errors=errors required=required/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Ok(page) => view! { <SecurityLog page=page/> }.into_any(),
                    Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PasswordForm(error: Option<AppError>, changed: bool) -> impl IntoView {
    view! {
        <section aria-labelledby="password-heading">
            <h2 id="password-heading">{t(Msg::Password)}</h2>
            <Enhanced>
                <form method="post" action=ChangePassword::url() class="stack" novalidate data-success="/settings/security?changed=1">
                    <FormAlert error=error.clone()/>
                    <p class="status" role="status" hidden=!changed>
                        {t(Msg::YourPasswordWasChangedYourOther)}
                    </p>
                    <Field label=Msg::CurrentPassword name="current_password" input_type="password" autocomplete="current-password" required=true error=error.clone()/>
                    <NewPasswordField error=error.clone()/>
                    <Field label=Msg::ConfirmNewPassword name="confirm_password" input_type="password" autocomplete="new-password" required=true error=error/>
                    <SubmitButton label=Msg::ChangePassword pending_label=Msg::ChangingPassword/>
                </form>
            </Enhanced>
        </section>
    }
}

#[component]
fn SecurityLog(page: SecurityPage) -> impl IntoView {
    let newer = (page.page > 1).then(|| format!("/settings/security?page={}", page.page - 1));
    let older = page
        .has_next
        .then(|| format!("/settings/security?page={}", page.page + 1));
    view! {
        <section aria-labelledby="log-heading">
            <h2 id="log-heading">{t(Msg::SecurityLog)}</h2>
            <p class="hint">{t(Msg::TheCSVFileGivesTimesIn)} <a href="/settings/security/events.csv" download="security-log.csv">{t(Msg::DownloadAsCSV)}</a></p>
            {if page.events.is_empty() {
                view! { <p>{t(Msg::NothingRecordedYet)}</p> }.into_any()
            } else {
                view! {
                    // Rows stack on narrow screens (`table.stacked`); the frame stays reachable by
                    // keyboard for the widths in between.
                    <div class="table-wrap" tabindex="0" role="region" aria-label=t(Msg::SecurityEventsTable)>
                        <table class="stacked">
                            <caption class="visually-hidden">{t(Msg::SecurityEventsNewestFirst)}</caption>
                            <thead>
                                <tr><th scope="col">{t(Msg::Time)}</th><th scope="col">{t(Msg::Event)}</th><th scope="col">{t(Msg::Outcome)}</th><th scope="col">{t(Msg::IPAddress)}</th><th scope="col">{t(Msg::Device)}</th></tr>
                            </thead>
                            <tbody>
                                {page.events.into_iter().map(|e| view! {
                                    <tr>
                                        <td data-label=t(Msg::Time)><time>{show_time(e.at)}</time></td>
                                        <td data-label=t(Msg::Event)>{event_label(&e.kind)}{(!e.detail.is_empty()).then(|| format!(" ({})", e.detail))}</td>
                                        <td data-label=t(Msg::Outcome)>{if e.success { t(Msg::Success) } else { t(Msg::Failure) }}</td>
                                        <td data-label=t(Msg::IPAddress)>{e.ip}</td>
                                        <td data-label=t(Msg::Device)>{e.device}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label=t(Msg::SecurityLogPages)>
                {newer.map(|href| view! { <a href=href>{t(Msg::NewerEvents)}</a> })}
                {older.map(|href| view! { <a href=href>{t(Msg::OlderEvents)}</a> })}
            </nav>
        </section>
    }
}

/// Errors of the two-factor forms posted without JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct MfaErrors {
    start: Option<Refused>,
    enrol: Option<Refused>,
    regenerate: Option<Refused>,
    disable: Option<AppError>,
}

/// Two-factor sign-in: set up, recovery codes, turn off. Every change needs a recent password
/// confirmation, asked for when its button is pressed (see `reauth`).
#[component]
fn TwoFactor(status: MfaStatus, errors: MfaErrors, required: bool) -> impl IntoView {
    let sudo = status.reauth_until.is_some();
    let now = status.now;
    // Regenerating and the code show their errors in their forms.
    let alone = Refused::shown_alone(&[&errors.start], sudo);
    // Turning off asks for the password itself, so a refusal for want of a confirmation (no
    // JavaScript) confirms on its own first, in the same place.
    let disable_refused = !sudo && matches!(errors.disable, Some(AppError::ReauthRequired));
    let disable_error = errors.disable.clone().filter(|_| !disable_refused);
    let turning_off = errors.disable.is_some();
    // Setting up again after the confirmation ended (the code came back refused): the step
    // goes with the button that shows the QR code again.
    let start_step = Refused::step_for(&errors.start, "", sudo)
        .or_else(|| Refused::step_for(&errors.enrol, "", sudo));
    let regenerate_step = Refused::step_for(&errors.regenerate, "", sudo);
    let regenerate_error = Refused::error_of(&errors.regenerate);
    let start_class = if start_step.is_some() {
        "stack"
    } else {
        "inline"
    };
    // The code form shows only within a confirmation (with the QR code), and so its error.
    let enrol_error = Refused::error_of(&errors.enrol);
    view! {
        <section aria-labelledby="mfa-heading" id="mfa">
            <h2 id="mfa-heading">{t(Msg::TwoFactorSignIn)}</h2>
            // Sent here by an account that requires it (see the Accounts tab).
            {(required && !status.enabled).then(|| view! { <p class="alert" role="note">{t(Msg::AnAccountYouBelongToRequires)}</p> })}
            {alone.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
            {status.reauth_until.map(|until| view! { <SudoWindow until=until now=now/> })}
            {status.new_recovery_codes.map(|codes| view! { <RecoveryCodes codes=codes/> })}
            {match (status.enabled, status.enrolment) {
                (true, _) => view! {
                    <p class="status-line"><strong>{t(Msg::On)}</strong>{t(Msg::YouSignInWithYourPassword)}</p>
                    <p>{tf(Msg::RecoveryCodesLeftN, &[&status.recovery_codes_left.to_string()])}</p>
                    <Enhanced>
                        <form method="post" action=RegenerateRecoveryCodes::url() class="stack" novalidate>
                            <h3>{t(Msg::NewRecoveryCodes)}</h3>
                            <p class="hint">{t(Msg::TheCodesYouHaveNowStop)}</p>
                            <FormAlert error=regenerate_error.clone()/>
                            <Field label=Msg::AuthenticationCode name="confirm_code" autocomplete="one-time-code" required=true
                                hint=Msg::The6DigitCodeFromYour error=regenerate_error/>
                            {regenerate_step.map(|error| view! { <ConfirmStep error=error/> })}
                            <SubmitButton label=Msg::MakeNewRecoveryCodes pending_label=Msg::MakingCodes class="danger"/>
                        </form>
                    </Enhanced>
                    // Opens only when asked for (and again after a refused try).
                    <details class="disclosure" open=turning_off>
                        <summary>{t(Msg::TurnOffTwoFactorSignIn)}</summary>
                        {disable_refused.then(|| view! { <ConfirmForm/> })}
                        <Enhanced>
                            <form method="post" action=DisableMfa::url() class="stack" novalidate>
                                <FormAlert error=disable_error.clone()/>
                                <Field label=Msg::Password name="password" input_type="password" autocomplete="current-password" required=true error=disable_error.clone()/>
                                <Field label=Msg::AuthenticationCode name="code" autocomplete="one-time-code" required=true error=disable_error/>
                                <SubmitButton label=Msg::TurnOff pending_label=Msg::TurningOff class="danger"/>
                            </form>
                        </Enhanced>
                    </details>
                }.into_any(),
                // The QR code and key: the server sends them only within a confirmation.
                (false, Some(enrolment)) => view! {
                    <p>{t(Msg::ScanThisQRCodeWithYour)}</p>
                    <div class="qr" role="img" aria-label=t(Msg::QRCodeForYourAuthenticatorApp) inner_html=enrolment.qr_svg></div>
                    <p>{t(Msg::Key3)}<code class="manual-key">{enrolment.manual_key}</code></p>
                    <details>
                        <summary>{t(Msg::ShowTheSetupLink)}</summary>
                        <p><code class="uri">{enrolment.otpauth_uri}</code></p>
                    </details>
                    <Enhanced>
                        <form method="post" action=ConfirmMfaEnrolment::url() class="stack" novalidate>
                            <FormAlert error=enrol_error.clone()/>
                            <Field label=Msg::AuthenticationCode name="code" autocomplete="one-time-code" inputmode="numeric" required=true error=enrol_error/>
                            <SubmitButton label=Msg::TurnOn pending_label=Msg::Checking/>
                        </form>
                    </Enhanced>
                }.into_any(),
                (false, None) => view! {
                    <p>{t(Msg::OffAddACodeFromAn)}</p>
                    <Enhanced>
                        <form method="post" action=StartMfaEnrolment::url() class=start_class>
                            <FormAlert error=start_step.clone()/>
                            {start_step.map(|error| view! { <ConfirmStep error=error/> })}
                            <SubmitButton label=Msg::SetUpAnAuthenticatorApp pending_label=Msg::Preparing/>
                        </form>
                    </Enhanced>
                }.into_any(),
            }}
        </section>
    }
}

/// New recovery codes, shown exactly once, with a download.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    let download = format!(
        "data:text/plain;charset=utf-8,{}",
        percent_encode(&(codes.join("\r\n") + "\r\n"))
    );
    view! {
        <div class="recovery" role="region" aria-labelledby="recovery-heading">
            <h3 id="recovery-heading">{t(Msg::YourRecoveryCodes)}</h3>
            <p>{t(Msg::EachCodeSignsYouInOnce)}</p>
            <ul class="codes" aria-label=t(Msg::RecoveryCodes) id="recovery-codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code>"\n"</li> }).collect_view()}
            </ul>
            <p class="actions">
                <a href=download download="profile-center-recovery-codes.txt">{t(Msg::DownloadAsTxt)}</a>
                <CopyButton source="recovery-codes".to_string() label=t(Msg::CopyCodes).to_string()/>
            </p>
        </div>
    }
}
