//! The API keys tab: list keys with their scopes, expiry and last use; generate one when asked
//! (`?new=1`; shown once, with a copy button); edit a key's name and scopes at that key
//! (`?edit=<id>`); revoke and delete, each after asking (`?revoke=<id>`, `?delete=<id>`).
//! Creating and editing need a recent sign-in proof, asked for when the form is sent (see
//! `reauth`); revoking and deleting only take access away.

use crate::i18n::Msg;
use crate::i18n::{fill, t};
use crate::ui::time::show as show_time;
use crate::{
    api::{
        accounts::RequestApiAccess,
        api_keys::{list_api_keys, CreateApiKey, DeleteApiKey, RevokeApiKey, UpdateApiKey},
    },
    error::AppError,
    model::{
        accounts::{ApiAccess, KeyAccount},
        api_keys::{ApiKeysPage, KeyStatus, KeyView, NewKey, Scope, DEFAULT_EXPIRY},
        form::Typed,
    },
    ui::components::{
        copy::CopyButton,
        enhance::Enhanced,
        form::{url_error, url_form, Field, FormAlert, Question, RowAction, Select, SubmitButton},
        reauth::{ConfirmStep, SudoWindow},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ApiKeysTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let asked = Asked {
        new: query.get("new").is_some(),
        edit: query.get("edit"),
        revoke: query.get("revoke"),
        delete: query.get("delete"),
    };
    let done = query.get("done").and_then(|d| done_message(&d));
    let page = Resource::new_blocking(|| (), |_| list_api_keys());
    let errors = UrlErrors {
        create: url_form::<CreateApiKey>(),
        update: url_form::<UpdateApiKey>(),
        revoke: url_error::<RevokeApiKey>().or(url_error::<DeleteApiKey>()),
        access: url_form::<RequestApiAccess>(),
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
                let (errors, asked) = (errors.clone(), asked.clone());
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <KeysPage page=page errors=errors asked=asked done=done/> }.into_any(),
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
        "requested" => Some(t(Msg::APIAccessRequestSent)),
        _ => None,
    }
}

/// What the URL asks the page to open: the new-key form, a key's edit form, or the question
/// before revoking or deleting a key.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    new: bool,
    edit: Option<String>,
    revoke: Option<String>,
    delete: Option<String>,
}

/// Errors that came back in the URL from form posts without JavaScript, one per action.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlErrors {
    /// With what the form had typed, shown again.
    create: Option<(AppError, Typed)>,
    update: Option<(AppError, Typed)>,
    revoke: Option<AppError>,
    access: Option<(AppError, Typed)>,
}

#[component]
fn KeysPage(
    page: ApiKeysPage,
    errors: UrlErrors,
    asked: Asked,
    done: Option<&'static str>,
) -> impl IntoView {
    let sudo = page.reauth_until.is_some();
    let create = errors.create.clone();
    let waiting: Vec<KeyAccount> = page
        .accounts
        .iter()
        .filter(|a| !a.access.allows_keys())
        .cloned()
        .collect();
    // A form that came back (no JavaScript) while no confirmation is open asks for the password
    // inside it: one post confirms and saves, and what was typed stays.
    let creating = (asked.new || create.is_some()).then(|| {
        view! {
            <section id="generate" aria-labelledby="generate-heading">
                <h2 id="generate-heading">{t(Msg::GenerateAKey)}</h2>
                <CreateKeyForm sent=create sudo=sudo accounts=page.accounts.clone()/>
            </section>
        }
    });
    view! {
        {page.new_key.map(|key| view! { <ShowOnce key=key/> })}
        {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
        {page.reauth_until.map(|until| view! { <SudoWindow until=until now=page.now/> })}
        {creating}
        <section aria-labelledby="keys-heading">
            <h2 id="keys-heading">{t(Msg::YourKeys)}</h2>
            {(!asked.new && errors.create.is_none()).then(|| view! {
                <p><a class="button primary" href="/settings/api-keys?new=1#generate">{t(Msg::GenerateAKey)}</a></p>
            })}
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
                                let id = Some(k.id.as_str());
                                let open = match () {
                                    _ if asked.revoke.as_deref() == id => Open::Revoke,
                                    _ if asked.delete.as_deref() == id => Open::Delete,
                                    _ if errors.update.as_ref().is_some_and(|(_, t)| t.get("id") == id) => Open::Edit(errors.update.clone()),
                                    _ if asked.edit.as_deref() == id => Open::Edit(None),
                                    _ => Open::Nothing,
                                };
                                view! { <KeyItem key=k open=open sudo=sudo/> }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {(!waiting.is_empty()).then(|| view! { <ApiAccessRequests accounts=waiting.clone() sent=errors.access.clone()/> })}
    }
}

/// Accounts where keys need an Admin's approval the person does not have: where they stand,
/// and a request with a reason for each.
#[component]
fn ApiAccessRequests(accounts: Vec<KeyAccount>, sent: Option<(AppError, Typed)>) -> impl IntoView {
    view! {
        <section aria-labelledby="access-heading" id="access">
            <h2 id="access-heading">{t(Msg::APIAccess)}</h2>
            <p class="hint">{t(Msg::AccountsWhereAPIAccessNeedsApproval)}</p>
            <ul class="key-list">
                {accounts
                    .into_iter()
                    .map(|a| {
                        let refused = sent
                            .as_ref()
                            .filter(|(_, typed)| typed.get("account") == Some(a.id.as_str()))
                            .map(|(e, _)| e.clone());
                        let message = crate::ui::components::form::field_message(&refused, "reason");
                        let id = format!("reason-{}", a.id);
                        let aria = fill(t(Msg::RequestAPIAccessTo), &[&a.name]);
                        view! {
                            <li class="key">
                                <h3>{a.name.clone()}<span class="badge badge-muted">{t(a.access.label())}</span></h3>
                                {(a.access != ApiAccess::Pending).then(|| view! {
                                    <Enhanced>
                                        <form method="post" action=RequestApiAccess::url() class="stack" novalidate>
                                            <input type="hidden" name="account" value=a.id.clone()/>
                                            <FormAlert error=refused.clone()/>
                                            <div class="field">
                                                <label for=id.clone()>{t(Msg::Reason)}</label>
                                                <input id=id.clone() name="reason" type="text" maxlength="500" required
                                                    aria-invalid=message.is_some().then_some("true")
                                                    aria-describedby=message.is_some().then(|| format!("{id}-error"))/>
                                                <p class="field-error" id=format!("{id}-error") hidden=message.is_none()>{message.clone()}</p>
                                            </div>
                                            <p class="actions"><SubmitButton label=Msg::RequestAPIAccess pending_label=Msg::Requesting class="secondary" aria_label=aria/></p>
                                        </form>
                                    </Enhanced>
                                })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// What a key's entry has open below it.
#[derive(Debug, Clone, PartialEq)]
enum Open {
    Nothing,
    /// The edit form, with what a refused post had typed.
    Edit(Option<(AppError, Typed)>),
    Revoke,
    Delete,
}

/// The new key, the one time it is shown.
#[component]
fn ShowOnce(key: NewKey) -> impl IntoView {
    view! {
        <div class="recovery" role="region" aria-labelledby="new-key-heading">
            <h2 id="new-key-heading">{fill(t(Msg::YourNewKey), &[&key.name])}</h2>
            <p><strong>{t(Msg::CopyItNowItWillNot)}</strong>{t(Msg::OnlyAFingerprintOfItIs)}</p>
            <p><code class="secret" id="new-key">{key.key}</code></p>
            <p class="actions">
                <CopyButton source="new-key".to_string() label=t(Msg::CopyKey).to_string()/>
            </p>
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
    sudo: bool,
    accounts: Vec<KeyAccount>,
) -> impl IntoView {
    // Accounts the key can be for now; the others wait for approval (see `ApiAccess`).
    let usable: Vec<KeyAccount> = accounts
        .into_iter()
        .filter(|a| a.access.allows_keys())
        .collect();
    let (error, typed) = sent.map_or((None, Typed::default()), |(e, t)| (Some(e), t));
    let step = error.clone().filter(|_| !sudo);
    let chosen = typed.get("account").unwrap_or_default().to_string();
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
                {(!usable.is_empty()).then(|| view! {
                    <Select label=Msg::AccountOfKey name="account" hint=Msg::WhichAccountTheKeyActsIn error=error.clone()>
                        <option value="" selected=chosen.is_empty()>{t(Msg::PersonalNoAccount)}</option>
                        {usable
                            .iter()
                            .map(|a| view! { <option value=a.id.clone() selected=chosen == a.id>{a.name.clone()}</option> })
                            .collect_view()}
                    </Select>
                })}
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
                {step.map(|error| view! { <ConfirmStep error=error/> })}
                <p class="actions">
                    <SubmitButton label=Msg::GenerateKey pending_label=Msg::Generating/>
                    <a href="/settings/api-keys">{t(Msg::Cancel)}</a>
                </p>
            </form>
        </Enhanced>
    }
}

#[component]
fn EditKeyForm(key: KeyView, sent: Option<(AppError, Typed)>, sudo: bool) -> impl IntoView {
    let (error, typed) = sent.map_or((None, None), |(e, t)| (Some(e), Some(t)));
    let step = error.clone().filter(|_| !sudo);
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
            <form method="post" action=UpdateApiKey::url() class="stack edit-key" novalidate id=format!("edit-{}", key.id)>
                <h4>{fill(t(Msg::Edit2), &[&key.name])}</h4>
                <p class="hint">{t(Msg::Key2)}<code>{key.masked()}</code>{t(Msg::ChangesApplyToItsNextRequest)}</p>
                <input type="hidden" name="id" value=key.id.clone()/>
                <FormAlert error=error.clone()/>
                <Field label=Msg::Name name="name" value=name required=true maxlength=60 error=error.clone()/>
                <ScopeChoices checked=scopes error=error.clone()/>
                {step.map(|error| view! { <ConfirmStep error=error/> })}
                <p class="actions">
                    <SubmitButton label=Msg::SaveKey pending_label=Msg::Saving/>
                    <a href="/settings/api-keys">{t(Msg::Cancel)}</a>
                </p>
            </form>
        </Enhanced>
    }
}

#[component]
fn KeyItem(key: KeyView, open: Open, sudo: bool) -> impl IntoView {
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
    let id = key.id.clone();
    let active = status == KeyStatus::Active;
    // Each action is a link that opens its form or question here, at the key, the same with
    // JavaScript and without; while it is open its link steps aside.
    let link = |action: &str, class: &'static str, label: Msg, aria: Msg| {
        view! {
            <a class=format!("button {class}") href=format!("/settings/api-keys?{action}={id}#{action}-{id}") aria-label=fill(t(aria), &[&name])>{t(label)}</a>
        }
    };
    let actions = match (active, &open) {
        (true, Open::Nothing) => Some(
            view! {
                {link("edit", "secondary", Msg::Edit, Msg::EditKey)}
                {link("revoke", "danger", Msg::Revoke, Msg::RevokeKey)}
            }
            .into_any(),
        ),
        (false, Open::Nothing) => {
            Some(link("delete", "danger", Msg::Delete, Msg::DeleteKey).into_any())
        }
        _ => None,
    };
    let below = match open {
        Open::Edit(sent) if active => Some(view! { <EditKeyForm key=key.clone() sent=sent sudo=sudo/> }.into_any()),
        Open::Revoke if active => Some(view! {
            <Question back="/settings/api-keys" id=format!("revoke-{id}") question=fill(t(Msg::RevokeKeyQuestion), &[&name]) detail=t(Msg::ScriptsThatUseItStopWorking)>
                <RowAction action=RevokeApiKey::url() id=id.clone() label=Msg::RevokeKeyNow pending=Msg::Revoking aria_label=fill(t(Msg::RevokeKeyNowNamed), &[&name]) class="danger"/>
            </Question>
        }.into_any()),
        Open::Delete if !active => Some(view! {
            <Question back="/settings/api-keys" id=format!("delete-{id}") question=fill(t(Msg::DeleteKeyQuestion), &[&name]) detail=t(Msg::ItsHistoryIsGoneFromThisList)>
                <RowAction action=DeleteApiKey::url() id=id.clone() label=Msg::DeleteKeyNow pending=Msg::Deleting aria_label=fill(t(Msg::DeleteKeyNowNamed), &[&name]) class="danger"/>
            </Question>
        }.into_any()),
        _ => None,
    };
    view! {
        <li class="key" class:inactive=!active id=format!("key-{}", key.id)>
            <h3>
                {key.name.clone()}
                <span class="badge" class:badge-muted=!active>{status.label()}</span>
            </h3>
            <dl>
                <div><dt>{t(Msg::Key)}</dt><dd><code>{key.masked()}</code></dd></div>
                <div><dt>{t(Msg::Scopes)}</dt><dd>{crate::model::api_keys::scope_words(&key.scopes, ", ")}</dd></div>
                <div><dt>{t(Msg::Created)}</dt><dd><time>{show_time(key.created_at)}</time></dd></div>
                <div><dt>{t(Msg::Expires)}</dt><dd>{expires}</dd></div>
                <div><dt>{t(Msg::LastUsed)}</dt><dd>{last_used}</dd></div>
                <div><dt>{t(Msg::AccountOfKey)}</dt><dd>{key.account.clone().map_or_else(|| t(Msg::PersonalKey).to_string(), |(_, name)| name)}</dd></div>
            </dl>
            {actions.map(|a| view! { <div class="actions">{a}</div> })}
            {below}
        </li>
    }
}
