//! E-mail addresses on the Profile tab: the primary, further addresses with whether they are
//! verified, adding one (a link goes to it), resending, removing, and making a verified one the
//! primary (which asks for the password when no confirmation is open, see `reauth`).

use crate::i18n::Msg;
use crate::i18n::{fill, t};
use crate::{
    api::contacts::{list_emails, AddEmail, MakeEmailPrimary, RemoveEmail, ResendEmailLink},
    error::AppError,
    model::contacts::{ContactsPage, EmailAddress},
    model::form::Typed,
    ui::components::{
        enhance::Enhanced,
        form::{typed, url_error, url_form, Field, FormAlert, RowAction, SubmitButton},
        reauth::{Refused, SudoWindow},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;

#[component]
pub fn EmailAddresses() -> impl IntoView {
    let done = use_query_map()
        .get_untracked()
        .get("email")
        .and_then(|d| match d.as_str() {
            "sent" => Some(t(Msg::WeSentALinkToThe)),
            "removed" => Some(t(Msg::AddressRemoved)),
            "primary" => Some(t(Msg::PrimaryAddressChangedWeToldYour)),
            _ => None,
        });
    let errors = (
        url_form::<AddEmail>(),
        url_error::<RemoveEmail>().or(url_error::<ResendEmailLink>()),
        Refused::of::<MakeEmailPrimary>(),
    );
    let page = Resource::new_blocking(|| (), |_| list_emails());
    view! {
        <section id="emails" aria-labelledby="emails-heading">
            <h2 id="emails-heading">{t(Msg::EMailAddresses)}</h2>
            {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
            <Suspense fallback=|| ()>
                {move || {
                    let errors = errors.clone();
                    Suspend::new(async move {
                        match page.await {
                            Ok(page) => view! { <Addresses page=page errors=errors/> }.into_any(),
                            Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn Addresses(
    page: ContactsPage,
    errors: (Option<(AppError, Typed)>, Option<AppError>, Option<Refused>),
) -> impl IntoView {
    let (add_sent, action_error, primary) = errors;
    let add_error = add_sent.as_ref().map(|(e, _)| e.clone());
    let sudo = page.reauth_until.is_some();
    let any_verified = page.others.iter().any(|a| a.verified);
    let action_error = action_error.or(Refused::shown_alone(&[&primary], sudo));
    view! {
        {action_error.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
        {page.reauth_until.filter(|_| any_verified).map(|until| view! { <SudoWindow until=until now=page.now/> })}
        <ul class="key-list" aria-label=t(Msg::YourEMailAddresses)>
            <li class="key">
                <h3>{page.primary.clone()}<span class="badge">{t(Msg::Primary)}</span></h3>
                <p class="hint">{t(Msg::YouSignInWithItMail)}</p>
            </li>
            {page
                .others
                .into_iter()
                .map(|a| {
                    let step = Refused::step_for(&primary, &a.id, sudo);
                    view! { <AddressItem address=a step=step/> }
                })
                .collect_view()}
        </ul>
        <Enhanced>
            <form method="post" action=AddEmail::url() class="stack" novalidate>
                <h3>{t(Msg::AddAnAddress)}</h3>
                <FormAlert error=add_error.clone().filter(|e| e.field_errors().is_none())/>
                <Field label=Msg::NewEMailAddress name="email" input_type="email" value=typed(&add_sent, "email") autocomplete="email" required=true
                    hint=Msg::WeSendALinkToIt error=add_error/>
                <SubmitButton label=Msg::AddAddress pending_label=Msg::Adding/>
            </form>
        </Enhanced>
    }
}

#[component]
fn AddressItem(address: EmailAddress, step: Option<AppError>) -> impl IntoView {
    let email = address.email.clone();
    view! {
        <li class="key">
            <h3>
                {address.email.clone()}
                <span class="badge" class:badge-muted=!address.verified>{if address.verified { t(Msg::Verified) } else { t(Msg::NotVerified) }}</span>
            </h3>
            <div class="actions">
                {match address.verified {
                    true => view! {
                        <RowAction action=MakeEmailPrimary::url() id=address.id.clone() label=Msg::MakePrimary pending=Msg::Changing aria_label=fill(t(Msg::MakePrimary2), &[&email]) step=step/>
                    }.into_any(),
                    false => view! {
                        <RowAction action=ResendEmailLink::url() id=address.id.clone() label=Msg::SendLinkAgain pending=Msg::Sending aria_label=fill(t(Msg::SendLinkAgain2), &[&email])/>
                    }.into_any(),
                }}
                <RowAction action=RemoveEmail::url() id=address.id.clone() label=Msg::Remove pending=Msg::Removing aria_label=fill(t(Msg::Remove2), &[&email]) class="danger"/>
            </div>
        </li>
    }
}
