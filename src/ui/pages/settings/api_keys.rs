//! The API keys tab: generate a key (shown once, with a copy button), list keys with their
//! scopes, expiry and last use, edit a key's name and scopes (`?edit=<id>`), revoke and delete.
//! Creating and editing need a recent sign-in proof; revoking and deleting only take access away.

use crate::i18n::Msg;
use crate::i18n::{fill, t};
use crate::ui::time::show as show_time;
use crate::{
    api::api_keys::{list_api_keys, CreateApiKey, DeleteApiKey, RevokeApiKey, UpdateApiKey},
    error::AppError,
    model::{
        api_keys::{ApiKeysPage, KeyStatus, KeyView, NewKey, Scope, DEFAULT_EXPIRY},
        form::Typed,
    },
    ui::components::{
        enhance::Enhanced,
        form::{url_error, url_form, Field, FormAlert, RowAction, SubmitButton},
        reauth::{confirm_error, ConfirmPasswordForm, SudoWindow},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ApiKeysTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let editing = query.get("edit");
    let revoking = query.get("revoke");
    let done = query.get("done").and_then(|d| done_message(&d));
    let page = Resource::new_blocking(|| (), |_| list_api_keys());
    let errors = UrlErrors {
        confirm: confirm_error(),
        create: url_form::<CreateApiKey>(),
        update: url_form::<UpdateApiKey>(),
        revoke: url_error::<RevokeApiKey>().or(url_error::<DeleteApiKey>()),
    };
    view! {
        <Title text=t(Msg::APIKeysSettingsProfileCenter)/>
        <h1>{t(Msg::APIKeys)}</h1>
        <p class="lead">
            {t(Msg::KeysLetYourScriptsUseThe)}<a href="/api/docs">{t(Msg::RESTAPI)}</a>{t(Msg::AsYouLimitedToTheScopes)}
            {t(Msg::SendAKeyAs)}<code>"Authorization: Bearer pc_…"</code>"."
        </p>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let (errors, editing, revoking, done) =
                    (errors.clone(), editing.clone(), revoking.clone(), done);
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <KeysPage page=page errors=errors editing=editing revoking=revoking done=done/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some(t(Msg::KeySaved)),
        "revoked" => Some(t(Msg::KeyRevokedRequestsWithItNow)),
        "deleted" => Some(t(Msg::KeyDeleted)),
        _ => None,
    }
}

/// Errors that came back in the URL from form posts without JavaScript, one per action.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlErrors {
    confirm: Option<AppError>,
    /// With what the form had typed, shown again.
    create: Option<(AppError, Typed)>,
    update: Option<(AppError, Typed)>,
    revoke: Option<AppError>,
}

#[component]
fn KeysPage(
    page: ApiKeysPage,
    errors: UrlErrors,
    editing: Option<String>,
    revoking: Option<String>,
    done: Option<&'static str>,
) -> impl IntoView {
    let sudo = page.reauth_until.is_some();
    let edit_key = editing.and_then(|id| {
        page.keys
            .iter()
            .find(|k| k.id == id && k.status == KeyStatus::Active)
            .cloned()
    });
    let (create, update) = (errors.create.clone(), errors.update.clone());
    let form = match (page.reauth_until, edit_key) {
        // A form that came back without the window (it closed while the person typed, without
        // JavaScript): the same form, as typed, asking for the password inside it.
        (None, Some(key)) if update.is_some() => view! { <EditKeyForm key=key sent=update ask_password=true/> }.into_any(),
        (None, None) if create.is_some() => view! { <CreateKeyForm sent=create ask_password=true/> }.into_any(),
        (None, _) => view! {
            <ConfirmPasswordForm error=errors.confirm.clone() purpose=Msg::ToCreateOrChangeKeys/>
        }
        .into_any(),
        (Some(until), Some(key)) => view! {
            <SudoWindow until=until now=page.now message=Msg::ConfirmedForTheNext purpose=Msg::ToCreateOrChangeKeys/>
            <div data-needs-sudo><EditKeyForm key=key sent=update ask_password=false/></div>
        }
        .into_any(),
        (Some(until), None) => view! {
            <SudoWindow until=until now=page.now message=Msg::ConfirmedYouCanCreateAndChange purpose=Msg::ToCreateOrChangeKeys/>
            <div data-needs-sudo><CreateKeyForm sent=create ask_password=false/></div>
        }
        .into_any(),
    };
    view! {
        {page.new_key.map(|key| view! { <ShowOnce key=key/> })}
        {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
        <section aria-labelledby="generate-heading">
            <h2 id="generate-heading">{t(Msg::GenerateAKey)}</h2>
            {form}
        </section>
        <section aria-labelledby="keys-heading">
            <h2 id="keys-heading">{t(Msg::YourKeys)}</h2>
            {errors.revoke.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
            {if page.keys.is_empty() {
                view! { <p>{t(Msg::NoKeysYet)}</p> }.into_any()
            } else {
                view! {
                    <ul class="key-list">
                        {page
                            .keys
                            .into_iter()
                            .map(|k| {
                                let confirming = revoking.as_deref() == Some(k.id.as_str());
                                view! { <KeyItem key=k sudo=sudo confirming=confirming/> }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

/// The new key, the one time it is shown.
#[component]
fn ShowOnce(key: NewKey) -> impl IntoView {
    view! {
        <div class="recovery" role="region" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">{fill(t(Msg::YourNewKey), &[&key.name])}</h2>
            <p><strong>{t(Msg::CopyItNowItWillNot)}</strong>{t(Msg::OnlyAFingerprintOfItIs)}</p>
            <p><code class="secret" id="new-key">{key.key}</code></p>
            <Enhanced>
                <p class="actions">
                    <button type="button" class="secondary" data-copy="new-key" hidden>{t(Msg::CopyKey)}</button>
                </p>
            </Enhanced>
        </div>
    }
}

/// The scope checkboxes, as one group with its error.
#[component]
fn ScopeChoices(checked: Vec<String>, error: Option<AppError>) -> impl IntoView {
    let message = error
        .as_ref()
        .and_then(|e| e.field_errors())
        .and_then(|f| f.get("scopes"))
        .map(|text| text.show());
    view! {
        <fieldset
            id="field-scopes"
            class="field scopes"
            aria-invalid=message.is_some().then_some("true")
            aria-describedby=message.is_some().then_some("field-scopes-error")
        >
            <legend>{t(Msg::Scopes)}</legend>
            {Scope::ALL
                .iter()
                .map(|scope| {
                    let word = scope.as_str();
                    let id = format!("scope-{}", word.replace(':', "-"));
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() name="scopes[]" value=word checked=checked.iter().any(|c| c == word)/>
                            <label for=id><code>{word}</code>" "{t(scope.label())}</label>
                        </div>
                    }
                })
                .collect_view()}
            <p class="field-error" id="field-scopes-error" hidden=message.is_none()>{message.clone()}</p>
        </fieldset>
    }
}

#[component]
fn CreateKeyForm(
    /// The error and typed values of a post that came back (no JavaScript), if one did.
    sent: Option<(AppError, Typed)>,
    ask_password: bool,
) -> impl IntoView {
    let (error, typed) = sent.map_or((None, Typed::default()), |(e, t)| (Some(e), t));
    let expires = typed
        .get("expires_in")
        .unwrap_or(DEFAULT_EXPIRY)
        .to_string();
    let choices = [
        ("30", Msg::In30Days),
        ("90", Msg::In90Days),
        ("365", Msg::In365Days),
        ("never", Msg::Never),
    ];
    view! {
        <Enhanced>
            <form method="post" action=CreateApiKey::url() class="stack" novalidate>
                <FormAlert error=error.clone()/>
                <Field label=Msg::Name name="name" value=typed.get("name").unwrap_or_default().to_string() required=true maxlength=60 hint=Msg::WhatUsesItEGNightly error=error.clone()/>
                <ScopeChoices checked=typed.all("scopes[]") error=error.clone()/>
                <div class="field">
                    <label for="field-expires_in">{t(Msg::Expires)}</label>
                    <select id="field-expires_in" name="expires_in">
                        {choices
                            .into_iter()
                            .map(|(value, label)| view! { <option value=value selected=expires == value>{t(label)}</option> })
                            .collect_view()}
                    </select>
                    <p class="field-error" id="field-expires_in-error" hidden>""</p>
                </div>
                {ask_password.then(|| view! { <PasswordAgain error=error.clone()/> })}
                <SubmitButton label=Msg::GenerateKey pending_label=Msg::Generating/>
            </form>
        </Enhanced>
    }
}

#[component]
fn EditKeyForm(key: KeyView, sent: Option<(AppError, Typed)>, ask_password: bool) -> impl IntoView {
    let (error, typed) = sent.map_or((None, None), |(e, t)| (Some(e), Some(t)));
    let name = typed
        .as_ref()
        .and_then(|t| t.get("name"))
        .map_or_else(|| key.name.clone(), str::to_string);
    let scopes = match &typed {
        Some(typed) => typed.all("scopes[]"),
        None => key.scopes.iter().map(|s| s.as_str().to_string()).collect(),
    };
    view! {
        <Enhanced>
            <form method="post" action=UpdateApiKey::url() class="stack" novalidate>
                <h3>{fill(t(Msg::Edit2), &[&key.name])}</h3>
                <p class="hint">{t(Msg::Key2)}<code>{key.masked()}</code>{t(Msg::ChangesApplyToItsNextRequest)}</p>
                <input type="hidden" name="id" value=key.id.clone()/>
                <FormAlert error=error.clone()/>
                <Field label=Msg::Name name="name" value=name required=true maxlength=60 error=error.clone()/>
                <ScopeChoices checked=scopes error=error.clone()/>
                {ask_password.then(|| view! { <PasswordAgain error=error.clone()/> })}
                <p class="actions">
                    <SubmitButton label=Msg::SaveKey pending_label=Msg::Saving/>
                    <a href="/settings/api-keys">{t(Msg::Cancel)}</a>
                </p>
            </form>
        </Enhanced>
    }
}

#[component]
fn KeyItem(key: KeyView, sudo: bool, confirming: bool) -> impl IntoView {
    let status = key.status;
    let last_used = match (key.last_used_at, key.last_used_ip.clone()) {
        (Some(at), Some(ip)) => fill(t(Msg::AtTimeFromIp), &[&show_time(at), &ip]),
        (Some(at), None) => show_time(at),
        _ => t(Msg::Never).to_string(),
    };
    let expires = key
        .expires_at
        .map(show_time)
        .unwrap_or_else(|| t(Msg::Never).to_string());
    let name = key.name.clone();
    let actions = match status {
        KeyStatus::Active => view! {
            {sudo.then(|| view! {
                <a class="button secondary" data-needs-sudo href=format!("/settings/api-keys?edit={}", key.id) aria-label=fill(t(Msg::EditKey), &[&name])>{t(Msg::Edit)}</a>
            })}
            // Revoking cannot be undone: the button asks first, on the page itself (a link to
            // `?revoke=<id>`), the same with JavaScript and without.
            {(!confirming).then(|| view! {
                <a class="button danger" href=format!("/settings/api-keys?revoke={0}#revoke-{0}", key.id) aria-label=fill(t(Msg::RevokeKey), &[&name])>{t(Msg::Revoke)}</a>
            })}
        }
        .into_any(),
        _ => view! {
            <RowAction action=DeleteApiKey::url() id=key.id.clone() label=Msg::Delete pending=Msg::Deleting aria_label=fill(t(Msg::DeleteKey), &[&name]) class="danger"/>
        }
        .into_any(),
    };
    view! {
        <li class="key" class:inactive=status != KeyStatus::Active>
            <h3>
                {key.name.clone()}
                <span class="badge" class:badge-muted=status != KeyStatus::Active>{status.label()}</span>
            </h3>
            <dl>
                <div><dt>{t(Msg::Key)}</dt><dd><code>{key.masked()}</code></dd></div>
                <div><dt>{t(Msg::Scopes)}</dt><dd>{crate::model::api_keys::scope_words(&key.scopes, ", ")}</dd></div>
                <div><dt>{t(Msg::Created)}</dt><dd><time>{show_time(key.created_at)}</time></dd></div>
                <div><dt>{t(Msg::Expires)}</dt><dd>{expires}</dd></div>
                <div><dt>{t(Msg::LastUsed)}</dt><dd>{last_used}</dd></div>
            </dl>
            <div class="actions">{actions}</div>
            {(confirming && status == KeyStatus::Active).then(|| view! {
                <div class="confirm" id=format!("revoke-{}", key.id) role="group" aria-labelledby=format!("revoke-{}-text", key.id)>
                    <p id=format!("revoke-{}-text", key.id)><strong>{fill(t(Msg::RevokeKeyQuestion), &[&name])}</strong>" "{t(Msg::ScriptsThatUseItStopWorking)}</p>
                    <div class="actions">
                        <RowAction action=RevokeApiKey::url() id=key.id.clone() label=Msg::RevokeKeyNow pending=Msg::Revoking aria_label=fill(t(Msg::RevokeKeyNowNamed), &[&name]) class="danger"/>
                        <a href="/settings/api-keys">{t(Msg::Cancel)}</a>
                    </div>
                </div>
            })}
        </li>
    }
}

/// The password inside a form that came back because the confirmation ended (no JavaScript):
/// one post confirms and acts, and what was typed stays.
#[component]
fn PasswordAgain(error: Option<AppError>) -> impl IntoView {
    view! {
        <Field label=Msg::CurrentPassword name="password" input_type="password" autocomplete="current-password" required=true
            hint=Msg::YourConfirmationEndedWhileYouTyped error=error/>
    }
}
