//! E-mail addresses beyond the primary: adding one sends a verification link to it; only a
//! verified address can become the primary, and then the old primary is told.

use super::notifications::SecurityNotice;
use super::{
    context::{Authed, ClientInfo},
    db::{
        contacts as db,
        security_events::{self, Kind},
        users,
    },
    mail::templates,
    now, random_id,
    state::AppState,
};
use crate::i18n::Msg;
use crate::{
    error::AppError,
    model::{
        auth::{normalize_email, validate_email},
        contacts::{ContactsPage, VERIFY_SECS},
    },
};
use sqlx::AnyConnection;

pub async fn page(state: &AppState, user: &Authed) -> Result<ContactsPage, AppError> {
    // A page has the primary address already: the header shows it (read with the session).
    let primary = match super::context::current_header().filter(|h| h.id == user.user_id) {
        Some(header) => header.email,
        None => me(state, user).await?.email,
    };
    Ok(ContactsPage {
        primary,
        others: db::list(&state.db, &user.user_id).await?,
        reauth_until: user.reauth_until(now()),
        now: now(),
    })
}

/// Adds an address and sends its verification link to it.
///
/// An address that already belongs to another (verified) account is listed like any other new
/// address, but its owner gets a "someone tried to use your address" message instead of a link,
/// so it can never be verified here, and the answer tells nobody whose address it is.
pub async fn add(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    raw: &str,
) -> Result<(), AppError> {
    let email = normalize_email(raw);
    validate_email(&email).map_err(|m| AppError::field("email", m))?;
    let me = me(state, user).await?;
    if email == me.email
        || db::list(&state.db, &user.user_id)
            .await?
            .iter()
            .any(|a| a.email == email)
    {
        return Err(AppError::field("email", Msg::ThisAddressIsAlreadyOnYour));
    }
    let id = random_id(12);
    let mut tx = state.begin().await?;
    db::insert(&mut *tx, &id, &user.user_id, &email, now()).await?;
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::EmailAdded,
        true,
        client,
        &email,
    )
    .await?;
    send_link(&mut tx, state, user, &me.display_name(), &id, &email).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Sends a fresh link for an unverified address (the earlier one stops working).
pub async fn resend(state: &AppState, user: &Authed, id: &str) -> Result<(), AppError> {
    let address = db::get(&state.db, &user.user_id, id).await?;
    if address.verified {
        return Err(AppError::conflict(Msg::ThisAddressIsAlreadyVerified));
    }
    let me = me(state, user).await?;
    let mut tx = state.begin().await?;
    send_link(&mut tx, state, user, &me.display_name(), id, &address.email).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// The verification link, within the requested-mail budgets; for an address another account
/// has verified, the "someone tried" message to its owner instead (see `add`).
async fn send_link(
    tx: &mut AnyConnection,
    state: &AppState,
    user: &Authed,
    name: &str,
    address_id: &str,
    email: &str,
) -> Result<(), AppError> {
    // The person adding the address is its recipient: the request's language is theirs.
    let lang = crate::i18n::current();
    let message = if users::address_taken(&mut *tx, email, Some(&user.user_id)).await? {
        templates::signup_attempt(lang, email, &state.link("/signin"))
    } else {
        let token = random_id(32);
        db::new_token(
            &mut *tx,
            address_id,
            &super::auth::token_hash(&token),
            now() + VERIFY_SECS,
        )
        .await?;
        let link = state.link(&format!("/verify-email?token={token}"));
        templates::verify_email(lang, email, name, &link)
    };
    super::mail::send_requested(tx, state, Some(&user.user_id), &message).await
}

/// Uses a verification link (single use, 24 hours). Returns the verified address.
pub async fn verify(
    state: &AppState,
    client: &ClientInfo,
    token: &str,
) -> Result<String, AppError> {
    let token_hash = super::auth::token_hash(token.trim());
    let expired = || AppError::conflict(Msg::ThisLinkWasAlreadyUsedOr);
    let mut tx = state.begin().await?;
    // Verified on another account since the link was sent: it cannot be verified twice.
    if let Some((owner, email)) = db::token_address(&mut *tx, &token_hash, now()).await? {
        if users::address_taken(&mut *tx, &email, Some(&owner)).await? {
            return Err(AppError::conflict(Msg::ThisAddressNowBelongsToAnother));
        }
    }
    let Some((user_id, email)) = db::use_token(&mut tx, &token_hash, now()).await? else {
        return Err(expired());
    };
    // A sign-up that was never finished for this address can now never be: remove it.
    users::delete_unverified(&mut *tx, 0, Some(&email)).await?;
    security_events::record(
        &mut *tx,
        &user_id,
        Kind::EmailVerified,
        true,
        client,
        &email,
    )
    .await?;
    tx.commit().await?;
    Ok(email)
}

pub async fn remove(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    let address = db::get(&mut *tx, &user.user_id, id).await?;
    db::delete(&mut *tx, &user.user_id, id).await?;
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::EmailRemoved,
        true,
        client,
        &address.email,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a verified address the primary (sign-in and mail) address; tells the old one.
pub async fn make_primary(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    let address = db::get(&state.db, &user.user_id, id).await?;
    if !address.verified {
        return Err(AppError::conflict(Msg::VerifyThisAddressFirstUseThe));
    }
    let me = me(state, user).await?;
    let mut tx = state.begin().await?;
    users::delete_unverified(&mut *tx, 0, Some(&address.email)).await?;
    db::swap_primary(&mut tx, &user.user_id, id, &me.email, &address.email).await?;
    let detail = format!("{} → {}", me.email, address.email);
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::PrimaryEmailChanged,
        true,
        client,
        &detail,
    )
    .await?;
    // To the old address (the one that is told), and in the inbox.
    let new = [address.email.as_str()];
    let notice = SecurityNotice {
        sentence: Msg::ThePrimaryEMailAddressOf,
        what: None,
        args: &new,
        advice: Msg::IfThisWasNotYouChange,
        to: Some(&me.email),
        ..SecurityNotice::happened(
            Msg::YourProfileCenterPrimaryEMail,
            Msg::ThePrimaryEMailAddressOf,
            &[],
            client,
        )
    };
    super::notifications::security_notice(&mut tx, state, &user.user_id, notice).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// The signed-in person (their primary address and name).
async fn me(state: &AppState, user: &Authed) -> Result<crate::model::auth::CurrentUser, AppError> {
    users::current_user(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)
}
