//! The Security tab's flows: changing the password, and the user's security log (page and CSV).

use super::notifications::SecurityNotice;
use super::{
    auth::{self, Password},
    context::{Authed, ClientInfo},
    db::{
        security_events::{self, Kind},
        sessions, throttle, users,
    },
    now,
    sessions::describe_user_agent,
    state::AppState,
};
use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    error::{AppError, FieldErrors},
    model::{
        auth::check_password,
        security::{SecurityEventView, SecurityPage},
    },
};

pub struct PasswordChange {
    pub current: Password,
    pub new: Password,
    pub confirm: Password,
}

/// Changes the password. The current password is the sign-in proof this sensitive action needs
/// (a wrong one counts toward sign-in throttling). On success every other session ends, this
/// one gets a new token (returned, for the cookie), and a notice goes to the user's address.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn change_password(
    state: &AppState,
    user: &Authed,
    client: &ClientInfo,
    form: PasswordChange,
) -> Result<String, AppError> {
    let (email, hash) = users::credentials_by_id(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let profile = users::current_user(&state.db, &user.user_id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let mut errors = FieldErrors::new();
    if let Err(e) = check_password(
        &form.new.0,
        &[&email, &profile.first_name, &profile.last_name],
    ) {
        errors.add("new_password", e);
    }
    if form.new.0 != form.confirm.0 {
        errors.add("confirm_password", Msg::TheTwoNewPasswordsDoNot);
    }
    if form.current.0.is_empty() {
        errors.add("current_password", Msg::EnterYourCurrentPassword);
    }
    errors.into_result()?;

    // Only this session's own wrong passwords throttle it (see `sign_in`).
    super::sign_in::check_session_lock(state, user).await?;
    let at = now();
    if !state.hasher.verify(Some(&hash), &form.current).await? {
        let err = AppError::field("current_password", Msg::ThatIsNotYourCurrentPassword);
        return Err(super::sign_in::refuse_in_session(
            state,
            user,
            client,
            Kind::PasswordChanged,
            "wrong current password",
            err,
        )
        .await);
    }
    if form.new.0 == form.current.0 {
        return Err(AppError::field(
            "new_password",
            Msg::ChooseAPasswordDifferentFromYour,
        ));
    }
    let new_hash = state.hasher.hash(&form.new).await?;
    let (token, token_hash) = auth::new_session_token();
    // One transaction: the new password, every other session ended, this one's new token, the
    // log entry and the notice all happen, or none does.
    let mut tx = state.begin().await?;
    users::set_password_hash(&mut *tx, &user.user_id, &new_hash, at).await?;
    sessions::end_all_except(
        &mut *tx,
        &user.user_id,
        &user.session_id,
        crate::model::sessions::EndReason::PasswordChanged,
        at,
    )
    .await?;
    sessions::rotate_token(&mut *tx, &user.session_id, &token_hash).await?;
    sessions::mark_reauthenticated(&mut *tx, &user.session_id, at).await?;
    throttle::clear(&mut *tx, &throttle::key::session(&user.session_id)).await?;
    super::db::mfa::drop_pending_signins(&mut *tx, &user.user_id).await?;
    security_events::record(
        &mut *tx,
        &user.user_id,
        Kind::PasswordChanged,
        true,
        client,
        "",
    )
    .await?;
    let notice = SecurityNotice {
        sentence: Msg::ThePasswordOfYourProfileCenter,
        what: None,
        more: &[Msg::AllYourOtherSessionsWereSigned],
        advice: Msg::IfThisWasNotYouReset,
        act_at: "/forgot-password",
        ..SecurityNotice::happened(
            Msg::YourProfileCenterPasswordWasChanged,
            Msg::ThePasswordOfYourProfileCenter,
            &[],
            client,
        )
    };
    super::notifications::security_notice(&mut tx, state, &user.user_id, notice).await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(token)
}

/// An event as the log shows it, in the reader's language: the device as "Firefox 128 on
/// Linux", and the fixed details ("password", "wrong password", …) translated (details that
/// name something — an address, a key — stay as they are).
fn view(row: security_events::EventRow) -> SecurityEventView {
    let (browser, os) = describe_user_agent(&row.user_agent);
    SecurityEventView {
        at: row.at,
        kind: row.kind,
        success: row.success,
        ip: row.ip,
        device: crate::i18n::fill(t(Msg::BrowserOnSystem), &[&browser, &os]),
        detail: crate::i18n::Msg::find(&row.detail)
            .map(|m| t(m).to_string())
            .unwrap_or(row.detail),
    }
}

/// One page (1-based) of the user's own events, newest first.
pub async fn log_page(
    state: &AppState,
    user: &Authed,
    page: usize,
    per_page: usize,
) -> Result<SecurityPage, AppError> {
    let page = crate::model::paging::page(page);
    let per_page = per_page.clamp(1, crate::model::paging::MAX_ROWS);
    let offset = crate::model::paging::offset(page, per_page);
    let mut rows =
        security_events::list(&state.db, &user.user_id, offset, Some(per_page as i64 + 1)).await?;
    let has_next = rows.len() > per_page;
    rows.truncate(per_page);
    Ok(SecurityPage {
        events: rows.into_iter().map(view).collect(),
        page,
        has_next,
    })
}

/// The whole log as CSV (RFC 4180), newest first.
pub async fn log_csv(state: &AppState, user: &Authed) -> Result<String, AppError> {
    let rows = security_events::list(&state.db, &user.user_id, 0, None).await?;
    let mut out = String::from("time_utc,event,outcome,ip,device,detail\r\n");
    for e in rows.into_iter().map(view) {
        let cells = [
            crate::model::sessions::rfc3339(e.at),
            crate::model::security::event_label(&e.kind).to_string(),
            (if e.success { "success" } else { "failure" }).to_string(),
            e.ip,
            e.device,
            e.detail,
        ];
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok(out)
}

/// Quotes a CSV cell, and defuses cells a spreadsheet would run as a formula (user agents and
/// details come from outside).
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    }
}
