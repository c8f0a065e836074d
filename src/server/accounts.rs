//! The Accounts tab's flows: belonging to accounts (create, switch, leave), answering
//! invitations, and the Manage page (members, invitations, audit log). The REST API calls the
//! same functions, so pages and scripts share every rule.
//!
//! Who may do what is decided in one place: `role_for` reads the caller's membership from the
//! database on every call (a removed member is refused on their very next request, on every
//! instance) and asks the role → permission matrix in `model::accounts`. An account someone
//! does not belong to is "not found", never "forbidden", so ids reveal nothing.
//!
//! Every change is one transaction with its audit entry, the affected person's security event
//! and, for invitations, the mail in the outbox. Changes that could leave an account without an
//! Owner first lock the account's row (`lock`), so two of them never both pass the check.

use super::{
    auth,
    context::ClientInfo,
    db::{
        accounts::{self as db, Answer, InvitationKey, NewAuditEntry, NewInvitation},
        security_events::{self, Kind},
        users,
    },
    mail::{self, templates},
    now, random_id,
    state::AppState,
};
use crate::{
    error::AppError,
    i18n::Msg,
    model::{
        accounts::{
            held_out, parse_grace_days, parse_role, validate_billing_profile, validate_group,
            validate_name, validate_reason, AccountsPage, ApiAccess, AuditAction, AuditEntry,
            InvitationView, KeyAccount, ManagePage, MemberView, MembershipView, Permission,
            Policies, Role, INVITATION_SECS,
        },
        auth::{normalize_email, validate_email},
    },
};

/// The caller's role in an account, which must grant `need`, and which the account's policies
/// must let them open (two-factor sign-in). Not a member: `NotFound`.
pub async fn role_for(
    state: &AppState,
    user_id: &str,
    account_id: &str,
    need: Permission,
) -> Result<Role, AppError> {
    let mut conn = state.db.acquire().await?;
    role_in_tx(&mut conn, user_id, account_id, need).await
}

/// `role_for` on a connection (inside a transaction, after the account is locked).
async fn role_in_tx(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    account_id: &str,
    need: Permission,
) -> Result<Role, AppError> {
    let (role, name, mfa_due) = db::access(&mut *conn, account_id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if held_out(mfa_due, now()) {
        return Err(AppError::TwoFactorRequired(name));
    }
    if role.grants(need) {
        Ok(role)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Serialises changes to one account's memberships: Postgres holds the row lock until commit
/// (SQLite's writers are serialised anyway), so "is there another Owner?" stays true.
async fn lock(conn: &mut sqlx::AnyConnection, account_id: &str) -> Result<(), AppError> {
    sqlx::query("update accounts set created_at = created_at where id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// "Ada Lovelace <ada@example.com>", how the audit log names people.
async fn person(conn: &mut sqlx::AnyConnection, user_id: &str) -> Result<String, AppError> {
    Ok(users::current_user(conn, user_id)
        .await?
        .map(|u| match u.display_name() {
            name if name.is_empty() => u.email.clone(),
            name => format!("{name} <{}>", u.email),
        })
        .unwrap_or_default())
}

struct Audit<'a> {
    account_id: &'a str,
    actor: &'a str,
    client: &'a ClientInfo,
}

impl<'a> Audit<'a> {
    /// What `actor` does in `account_id`, from `client`.
    fn by(actor: &'a str, account_id: &'a str, client: &'a ClientInfo) -> Self {
        Audit {
            account_id,
            actor,
            client,
        }
    }

    async fn record(
        &self,
        conn: &mut sqlx::AnyConnection,
        action: AuditAction,
        target: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        let actor = person(&mut *conn, self.actor).await?;
        db::audit(
            conn,
            NewAuditEntry {
                account_id: self.account_id,
                actor: &actor,
                action,
                target,
                detail,
                ip: &self.client.ip,
            },
        )
        .await
    }
}

/// The account this session works in: its choice while it may open it, else the first it may.
fn current_of(memberships: &[db::MembershipRow], chosen: Option<&str>, at: i64) -> Option<String> {
    let open: Vec<&db::MembershipRow> = memberships
        .iter()
        .filter(|m| !held_out(m.mfa_due, at))
        .collect();
    chosen
        .and_then(|c| open.iter().find(|m| m.account_id == c))
        .or_else(|| open.first())
        .map(|m| m.account_id.clone())
}

pub async fn page(
    state: &AppState,
    user_id: &str,
    chosen: Option<&str>,
) -> Result<AccountsPage, AppError> {
    let at = now();
    let memberships = db::memberships_of(&state.db, user_id).await?;
    let current = current_of(&memberships, chosen, at);
    let invitations = db::invitations_for(&state.db, user_id, at).await?;
    let billing = match &current {
        Some(account) => db::billing_of(&state.db, account, user_id).await?,
        None => Vec::new(),
    };
    Ok(AccountsPage {
        billing,
        memberships: memberships
            .into_iter()
            .map(|m| MembershipView {
                current: Some(&m.account_id) == current.as_ref(),
                blocked: held_out(m.mfa_due, at),
                mfa_due: m.mfa_due,
                account_id: m.account_id,
                account_name: m.account_name,
                role: m.role,
                group: m.group,
                joined_at: m.joined_at,
            })
            .collect(),
        invitations,
    })
}

/// Creates an account with the caller as its Owner; returns its id.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn create(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    name: &str,
) -> Result<String, AppError> {
    let name = validate_name(name).map_err(AppError::Validation)?;
    let id = random_id(12);
    let at = now();
    let mut tx = state.begin().await?;
    db::create_account(&mut *tx, &id, &name, at).await?;
    db::add_member(&mut *tx, &id, user_id, Role::Owner, at).await?;
    let audit = Audit::by(user_id, &id, client);
    audit
        .record(&mut tx, AuditAction::Created, &name, "")
        .await?;
    security_events::record(
        &mut *tx,
        user_id,
        Kind::AccountCreatedOrg,
        true,
        client,
        &name,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Makes an account the session's current one (the caller must belong to it).
pub async fn switch(
    state: &AppState,
    user_id: &str,
    session_id: &str,
    account_id: &str,
) -> Result<(), AppError> {
    role_for(state, user_id, account_id, Permission::ViewAccount).await?;
    db::set_current(&state.db, session_id, Some(account_id)).await
}

/// Leaves an account. The last Owner cannot: they hand ownership over first.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn leave(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    // Leaving needs no policy: someone held out by one can still go.
    let role = db::role_in(&mut *tx, account_id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if role == Role::Owner && db::owners(&mut *tx, account_id).await? <= 1 {
        return Err(AppError::conflict(Msg::YouAreTheLastOwnerMakeSomeone));
    }
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let me = person(&mut tx, user_id).await?;
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::Left, &me, role.as_str())
        .await?;
    db::remove_member(&mut tx, account_id, user_id).await?;
    security_events::record(&mut *tx, user_id, Kind::AccountLeft, true, client, &name).await?;
    tx.commit().await?;
    Ok(())
}

/// Accepts an invitation, by id (from the tab's list) or by its link's token. It must be open,
/// unexpired and addressed to a verified address of the caller; it works once.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn accept(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    key: InvitationKey<'_>,
) -> Result<String, AppError> {
    let at = now();
    let mut tx = state.begin().await?;
    let invitation = mine(&mut tx, user_id, key, at).await?;
    lock(&mut tx, &invitation.account_id).await?;
    if !db::answer(&mut *tx, &invitation.id, Answer::Accepted, at).await? {
        return Err(AppError::NotFound);
    }
    if !db::add_member(
        &mut *tx,
        &invitation.account_id,
        user_id,
        invitation.role,
        at,
    )
    .await?
    {
        return Err(AppError::conflict(Msg::YouAreAlreadyAMemberOf));
    }
    let me = person(&mut tx, user_id).await?;
    Audit::by(user_id, &invitation.account_id, client)
        .record(&mut tx, AuditAction::Joined, &me, invitation.role.as_str())
        .await?;
    let detail = format!("{} ({})", invitation.account_name, invitation.role);
    security_events::record(
        &mut *tx,
        user_id,
        Kind::AccountJoined,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(invitation.account_id)
}

/// Declines an invitation to the caller; the account sees it as ignored.
pub async fn ignore(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    id: &str,
) -> Result<(), AppError> {
    let at = now();
    let mut tx = state.begin().await?;
    let invitation = mine(&mut tx, user_id, InvitationKey::Id(id), at).await?;
    if !db::answer(&mut *tx, &invitation.id, Answer::Ignored, at).await? {
        return Err(AppError::NotFound);
    }
    Audit::by(user_id, &invitation.account_id, client)
        .record(
            &mut tx,
            AuditAction::InvitationIgnored,
            &invitation.email,
            "",
        )
        .await?;
    security_events::record(
        &mut *tx,
        user_id,
        Kind::InvitationIgnored,
        true,
        client,
        &invitation.account_name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// An open invitation the caller may answer. By id, someone else's is "not found"; by the
/// link's token, the person learns which address it is for (they hold the link).
async fn mine(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    key: InvitationKey<'_>,
    at: i64,
) -> Result<InvitationView, AppError> {
    let invitation = db::open_invitation(&mut *conn, key, at)
        .await?
        .ok_or(AppError::NotFound)?;
    if db::has_verified_address(&mut *conn, user_id, &invitation.email).await? {
        return Ok(invitation);
    }
    Err(match key {
        InvitationKey::Id(_) => AppError::NotFound,
        InvitationKey::TokenHash(_) => {
            AppError::conflict(Msg::ThisInvitationIsForVerifyIt.with(&[&invitation.email]))
        }
    })
}

/// The invitation a link's token opens, for the page that shows it before it is accepted.
pub async fn by_token(state: &AppState, token: &str) -> Result<InvitationView, AppError> {
    db::open_invitation(
        &state.db,
        InvitationKey::TokenHash(&auth::token_hash(token)),
        now(),
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// The Manage page: members, open invitations and a page of `rows` audit entries.
pub async fn manage_page(
    state: &AppState,
    user_id: &str,
    account_id: &str,
    audit_page: usize,
    rows: usize,
) -> Result<ManagePage, AppError> {
    let role = role_for(state, user_id, account_id, Permission::ManageMembers).await?;
    let account_name = db::account_name(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = audit_page.max(1);
    let mut audit = match role.grants(Permission::ViewAuditLog) {
        true => {
            let offset = ((page - 1) * rows) as i64;
            db::audit_log(&state.db, account_id, offset, Some(rows as i64 + 1)).await?
        }
        false => Vec::new(),
    };
    let audit_has_next = audit.len() > rows;
    audit.truncate(rows);
    Ok(ManagePage {
        account_id: account_id.to_string(),
        account_name,
        role,
        you: user_id.to_string(),
        members: db::members(&state.db, account_id).await?,
        invitations: db::pending_of(&state.db, account_id, now()).await?,
        policies: db::policies(&state.db, account_id).await?,
        access_requests: match role.grants(Permission::ManagePolicies) {
            true => db::pending_access(&mut *state.db.acquire().await?, account_id).await?,
            false => Vec::new(),
        },
        billing: match role.grants(Permission::ManageBilling) {
            true => db::billing_profiles(&mut *state.db.acquire().await?, account_id).await?,
            false => Vec::new(),
        },
        audit,
        audit_page: page,
        audit_has_next,
    })
}

/// One member of an account, for those who manage its members (what a REST patch starts from,
/// without building the whole Manage page).
pub async fn member(
    state: &AppState,
    user_id: &str,
    account_id: &str,
    member_id: &str,
) -> Result<MemberView, AppError> {
    role_for(state, user_id, account_id, Permission::ManageMembers).await?;
    db::members(&state.db, account_id)
        .await?
        .into_iter()
        .find(|m| m.user_id == member_id)
        .ok_or(AppError::NotFound)
}

/// The whole audit log (Owners and Admins).
pub async fn audit_log(
    state: &AppState,
    user_id: &str,
    account_id: &str,
) -> Result<Vec<AuditEntry>, AppError> {
    role_for(state, user_id, account_id, Permission::ViewAuditLog).await?;
    db::audit_log(&state.db, account_id, 0, None).await
}

/// The audit log as CSV (RFC 4180), times in UTC (RFC 3339).
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    fn cell(value: &str) -> String {
        // A leading =, +, - or @ would be a formula to a spreadsheet: quoted with a ' before it.
        let value = match value.chars().next() {
            Some('=' | '+' | '-' | '@') => format!("'{value}"),
            _ => value.to_string(),
        };
        format!("\"{}\"", value.replace('"', "\"\""))
    }
    let mut out = String::from("time,actor,action,target,detail,ip\r\n");
    for e in entries {
        let row = [
            crate::model::sessions::rfc3339(e.at),
            e.actor.clone(),
            e.action.as_str().to_string(),
            e.target.clone(),
            e.detail.clone(),
            e.ip.clone(),
        ];
        out.push_str(&row.iter().map(|v| cell(v)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Invites an address with a role no higher than the caller's; mails a link valid 7 days.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn invite(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    email: &str,
    role: &str,
) -> Result<(), AppError> {
    let actor_role = role_for(state, user_id, account_id, Permission::ManageMembers).await?;
    let email = normalize_email(email);
    let mut errors = crate::error::FieldErrors::new();
    if let Err(e) = validate_email(&email) {
        errors.add("email", e);
    }
    let role = match parse_role(role, "role") {
        Ok(role) => Some(role),
        Err(e) => {
            errors.0.extend(e.0);
            None
        }
    };
    errors.into_result()?;
    let role = role.unwrap_or(Role::Viewer);
    if !actor_role.may_grant(role) {
        return Err(AppError::field("role", Msg::YouCannotGiveARoleAbove));
    }
    let at = now();
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    if db::address_is_member(&mut *tx, account_id, &email).await? {
        return Err(AppError::field(
            "email",
            Msg::SomeoneWithThisAddressIsAlready,
        ));
    }
    if db::is_invited(&mut *tx, account_id, &email, at).await? {
        return Err(AppError::field(
            "email",
            Msg::ThisAddressIsInvitedAlreadySend,
        ));
    }
    let id = random_id(12);
    let token = random_id(32);
    db::insert_invitation(
        &mut *tx,
        NewInvitation {
            id: &id,
            account_id,
            email: &email,
            role,
            token_hash: &auth::token_hash(&token),
            invited_by: user_id,
            at,
            expires_at: at + INVITATION_SECS,
        },
    )
    .await?;
    mail_invitation(&mut tx, state, user_id, account_id, &email, role, &token).await?;
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::Invited, &email, role.as_str())
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Queues the invitation mail, in the invited person's language when they have an account here.
async fn mail_invitation(
    conn: &mut sqlx::AnyConnection,
    state: &AppState,
    inviter: &str,
    account_id: &str,
    email: &str,
    role: Role,
    token: &str,
) -> Result<(), AppError> {
    let lang = match users::by_verified_address(&mut *conn, email).await? {
        Some(invited) => mail::language_of(&mut *conn, &invited).await?,
        None => mail::language_of(&mut *conn, inviter).await?,
    };
    let account = db::account_name(&mut *conn, account_id)
        .await?
        .unwrap_or_default();
    let from = person(&mut *conn, inviter).await?;
    let link = state.link(&format!("/invitation?token={token}"));
    let message = templates::invitation(lang, email, &from, &account, role, &link);
    // Counted against the inviter's budget of requested mail, so nobody floods an inbox.
    mail::send_requested(conn, state, Some(inviter), &message).await
}

/// Sends an open invitation again with a new link (the old one stops working), 7 more days.
pub async fn resend(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    id: &str,
) -> Result<(), AppError> {
    let actor_role = role_for(state, user_id, account_id, Permission::ManageMembers).await?;
    let at = now();
    let mut tx = state.begin().await?;
    let (email, role) = db::pending_in(&mut *tx, account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor_role.may_grant(role) {
        return Err(AppError::Forbidden);
    }
    let token = random_id(32);
    db::renew_invitation(
        &mut *tx,
        id,
        &auth::token_hash(&token),
        at,
        at + INVITATION_SECS,
    )
    .await?;
    mail_invitation(&mut tx, state, user_id, account_id, &email, role, &token).await?;
    Audit::by(user_id, account_id, client)
        .record(
            &mut tx,
            AuditAction::InvitationResent,
            &email,
            role.as_str(),
        )
        .await?;
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

/// Withdraws an open invitation: its link stops working.
pub async fn revoke(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    id: &str,
) -> Result<(), AppError> {
    role_for(state, user_id, account_id, Permission::ManageMembers).await?;
    let mut tx = state.begin().await?;
    let (email, role) = db::pending_in(&mut *tx, account_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::answer(&mut *tx, id, Answer::Revoked, now()).await? {
        return Err(AppError::NotFound);
    }
    Audit::by(user_id, account_id, client)
        .record(
            &mut tx,
            AuditAction::InvitationRevoked,
            &email,
            role.as_str(),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a member's role and group. Nobody changes a member above them, gives a role above
/// their own, or leaves the account without an Owner.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn change_member(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    member_id: &str,
    role: &str,
    group: &str,
) -> Result<(), AppError> {
    let (new_role, group) = match (parse_role(role, "role"), validate_group(group)) {
        (Ok(r), Ok(g)) => (r, g),
        (r, g) => {
            let mut errors = r.err().unwrap_or_default();
            errors.0.extend(g.err().unwrap_or_default().0);
            return Err(AppError::Validation(errors));
        }
    };
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    let actor_role = role_in_tx(&mut tx, user_id, account_id, Permission::ManageMembers).await?;
    let members = db::members(&mut *tx, account_id).await?;
    let member = members
        .iter()
        .find(|m| m.user_id == member_id)
        .ok_or(AppError::NotFound)?;
    if !actor_role.may_manage(member.role) {
        return Err(AppError::Forbidden);
    }
    if new_role != member.role && !actor_role.may_grant(new_role) {
        return Err(AppError::field("role", Msg::YouCannotGiveARoleAbove));
    }
    let owners = members.iter().filter(|m| m.role == Role::Owner).count();
    if member.role == Role::Owner && new_role != Role::Owner && owners <= 1 {
        return Err(AppError::field("role", Msg::TheAccountNeedsAnOwnerMake));
    }
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let target = format!("{} <{}>", member.name, member.email);
    let audit = Audit::by(user_id, account_id, client);
    if new_role != member.role {
        db::set_role(&mut *tx, account_id, member_id, new_role).await?;
        let detail = format!("{} → {}", member.role, new_role);
        audit
            .record(&mut tx, AuditAction::RoleChanged, &target, &detail)
            .await?;
        let detail = format!("{name}: {} → {}", member.role, new_role);
        security_events::record(
            &mut *tx,
            member_id,
            Kind::AccountRoleChanged,
            true,
            client,
            &detail,
        )
        .await?;
    }
    if group != member.group {
        db::set_group(&mut *tx, account_id, member_id, &group).await?;
        let detail = format!("{} → {}", member.group, group);
        audit
            .record(&mut tx, AuditAction::GroupChanged, &target, &detail)
            .await?;
        let detail = format!("{name}: {} → {}", member.group, group);
        security_events::record(
            &mut *tx,
            member_id,
            Kind::AccountGroupChanged,
            true,
            client,
            &detail,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Removes a member; their next request in the account is refused, on every instance.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn remove_member(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    member_id: &str,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    let actor_role = role_in_tx(&mut tx, user_id, account_id, Permission::ManageMembers).await?;
    if member_id == user_id {
        return Err(AppError::conflict(Msg::ToLeaveThisAccountUseLeave));
    }
    let members = db::members(&mut *tx, account_id).await?;
    let member = members
        .iter()
        .find(|m| m.user_id == member_id)
        .ok_or(AppError::NotFound)?;
    if !actor_role.may_manage(member.role) {
        return Err(AppError::Forbidden);
    }
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let target = format!("{} <{}>", member.name, member.email);
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::Removed, &target, member.role.as_str())
        .await?;
    db::remove_member(&mut tx, account_id, member_id).await?;
    security_events::record(
        &mut *tx,
        member_id,
        Kind::AccountRemoved,
        true,
        client,
        &name,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a person with `role` stands on API access to an account.
fn api_access_of(role: Role, needs_approval: bool, request: Option<Option<i64>>) -> ApiAccess {
    if !needs_approval || role.grants(Permission::ManagePolicies) {
        return ApiAccess::NotNeeded;
    }
    match request {
        None => ApiAccess::NotRequested,
        Some(None) => ApiAccess::Pending,
        Some(Some(1)) => ApiAccess::Approved,
        Some(Some(_)) => ApiAccess::Declined,
    }
}

/// The accounts the person may create API keys for (their role grants it and no policy holds
/// them out), with their API access to each.
pub async fn key_accounts(state: &AppState, user_id: &str) -> Result<Vec<KeyAccount>, AppError> {
    let at = now();
    Ok(db::key_accounts(&state.db, user_id)
        .await?
        .into_iter()
        .filter(|(_, _, role, due, _, _)| {
            role.grants(Permission::CreateApiKeys) && !held_out(*due, at)
        })
        .map(|(id, name, role, _, needs, request)| KeyAccount {
            id,
            name,
            access: api_access_of(role, needs, request),
        })
        .collect())
}

/// Whether the person may create a key for this account now (in the key's transaction): a
/// member whose role allows keys, let in by the two-factor policy, approved where needed.
pub async fn check_key_account(
    conn: &mut sqlx::AnyConnection,
    user_id: &str,
    account_id: &str,
) -> Result<(), AppError> {
    let rows = db::key_accounts(&mut *conn, user_id).await?;
    let Some((_, name, role, due, needs, request)) = rows.into_iter().find(|r| r.0 == account_id)
    else {
        return Err(AppError::field("account", Msg::ChooseOneOfYourAccounts));
    };
    if held_out(due, now()) {
        return Err(AppError::TwoFactorRequired(name));
    }
    if !role.grants(Permission::CreateApiKeys) {
        return Err(AppError::field("account", Msg::YourRoleDoesNotAllowAPIKeys));
    }
    if !api_access_of(role, needs, request).allows_keys() {
        return Err(AppError::field(
            "account",
            Msg::ThisAccountNeedsApprovalForAPI,
        ));
    }
    Ok(())
}

/// Asks the account's Owners and Admins for API access, with a reason (again after a decline).
pub async fn request_api_access(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    reason: &str,
) -> Result<(), AppError> {
    let reason = validate_reason(reason).map_err(AppError::Validation)?;
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    let role = role_in_tx(&mut tx, user_id, account_id, Permission::CreateApiKeys).await?;
    let rows = db::key_accounts(&mut *tx, user_id).await?;
    let (needs, request) = rows
        .into_iter()
        .find(|r| r.0 == account_id)
        .map(|r| (r.4, r.5))
        .ok_or(AppError::NotFound)?;
    if api_access_of(role, needs, request).allows_keys() {
        return Err(AppError::conflict(Msg::ThereIsNothingToRequest));
    }
    db::request_access(&mut *tx, account_id, user_id, &reason, now()).await?;
    let me = person(&mut tx, user_id).await?;
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::ApiAccessRequested, &me, &reason)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves or declines a waiting request (Owners and Admins); the member's security log says so.
pub async fn decide_api_access(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    member_id: &str,
    approve: bool,
) -> Result<(), AppError> {
    let at = now();
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    role_in_tx(&mut tx, user_id, account_id, Permission::ManagePolicies).await?;
    if db::role_in(&mut *tx, account_id, member_id)
        .await?
        .is_none()
        || !db::decide_access(&mut *tx, account_id, member_id, approve, user_id, at).await?
    {
        return Err(AppError::NotFound);
    }
    let (action, word) = match approve {
        true => (AuditAction::ApiAccessApproved, "approved"),
        false => (AuditAction::ApiAccessDeclined, "declined"),
    };
    let target = person(&mut tx, member_id).await?;
    Audit::by(user_id, account_id, client)
        .record(&mut tx, action, &target, "")
        .await?;
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let detail = format!("{name}: {word}");
    security_events::record(
        &mut *tx,
        member_id,
        Kind::ApiAccessDecided,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a billing profile (roles that manage billing).
pub async fn create_billing_profile(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    name: &str,
    email: &str,
) -> Result<String, AppError> {
    let (name, email) = validate_billing_profile(name, email).map_err(AppError::Validation)?;
    let id = random_id(12);
    let mut tx = state.begin().await?;
    role_in_tx(&mut tx, user_id, account_id, Permission::ManageBilling).await?;
    db::insert_billing_profile(&mut *tx, &id, account_id, &name, &email, now()).await?;
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::BillingProfileCreated, &name, &email)
        .await?;
    tx.commit().await?;
    Ok(id)
}

/// Puts a member of the account on one of its billing profiles, or takes them off.
pub async fn assign_billing(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    profile_id: &str,
    member_id: &str,
    on: bool,
) -> Result<(), AppError> {
    let mut tx = state.begin().await?;
    role_in_tx(&mut tx, user_id, account_id, Permission::ManageBilling).await?;
    let profile = db::billing_profile_in(&mut *tx, account_id, profile_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if db::role_in(&mut *tx, account_id, member_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if !db::assign_billing(&mut *tx, profile_id, member_id, on).await? {
        tx.commit().await?;
        return Ok(());
    }
    let target = person(&mut tx, member_id).await?;
    let action = match on {
        true => AuditAction::BillingAssigned,
        false => AuditAction::BillingUnassigned,
    };
    Audit::by(user_id, account_id, client)
        .record(&mut tx, action, &target, &profile)
        .await?;
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let detail = format!("{name}: {profile} ({})", if on { "+" } else { "−" });
    security_events::record(
        &mut *tx,
        member_id,
        Kind::AccountBillingChanged,
        true,
        client,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the account's policies (Owners and Admins). Turning on "require two-factor
/// sign-in" tells each member who has not turned it on, by e-mail, by when they must.
#[tracing::instrument(skip_all, fields(user_id = %user_id))]
pub async fn set_policies(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    account_id: &str,
    wanted: (bool, &str, bool),
) -> Result<(), AppError> {
    let (require_mfa, grace_days, api_approval) = wanted;
    let grace_days = parse_grace_days(grace_days).map_err(AppError::Validation)?;
    let at = now();
    let mut tx = state.begin().await?;
    lock(&mut tx, account_id).await?;
    role_in_tx(&mut tx, user_id, account_id, Permission::ManagePolicies).await?;
    let before = db::policies(&mut *tx, account_id).await?;
    if require_mfa && !before.require_mfa && !db::has_mfa(&mut *tx, user_id).await? {
        // Whoever turns it on is held to it too: never lock oneself out by a click.
        return Err(AppError::field("require_mfa", Msg::TurnOnTwoFactorSignIn));
    }
    let since = match (before.require_mfa, require_mfa) {
        (_, false) => None,
        (false, true) => Some(at),
        (true, true) => db::mfa_required_at(&mut *tx, account_id).await?,
    };
    db::set_policies(&mut *tx, account_id, since, grace_days, api_approval).await?;
    let after = Policies {
        require_mfa,
        grace_days,
        api_approval,
    };
    if after == before {
        tx.commit().await?;
        return Ok(());
    }
    let name = db::account_name(&mut *tx, account_id)
        .await?
        .unwrap_or_default();
    let detail = format!(
        "require_mfa={} grace_days={} api_approval={}",
        after.require_mfa, after.grace_days, after.api_approval
    );
    Audit::by(user_id, account_id, client)
        .record(&mut tx, AuditAction::PolicyChanged, &name, &detail)
        .await?;
    if let (false, Some(since)) = (before.require_mfa, since) {
        let due = crate::model::sessions::rfc3339(since + grace_days * 86_400);
        let link = state.link("/settings/security?required=1#mfa");
        for (member, email) in db::members_without_mfa(&mut *tx, account_id).await? {
            let lang = mail::language_of(&mut *tx, &member).await?;
            let message = templates::mfa_required(lang, &email, &name, &due, &link);
            mail::queue(&mut tx, state, &message).await?;
        }
    }
    tx.commit().await?;
    state.mailer.wake();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_quotes_every_cell_and_defuses_formulas() {
        let entry = AuditEntry {
            at: 0,
            actor: "Ada \"the first\" <ada@example.com>".into(),
            action: AuditAction::Invited,
            target: "=cmd()".into(),
            detail: "admin".into(),
            ip: "127.0.0.1".into(),
        };
        let csv = audit_csv(&[entry]);
        assert_eq!(
            csv,
            "time,actor,action,target,detail,ip\r\n\"1970-01-01T00:00:00Z\",\"Ada \"\"the first\"\" <ada@example.com>\",\"member_invited\",\"'=cmd()\",\"admin\",\"127.0.0.1\"\r\n"
        );
    }

    #[test]
    fn the_current_account_is_the_sessions_choice_while_it_is_a_member() {
        let m = |id: &str, mfa_due: Option<i64>| db::MembershipRow {
            account_id: id.to_string(),
            account_name: id.to_string(),
            role: Role::Member,
            group: String::new(),
            joined_at: 0,
            mfa_due,
        };
        let rows = vec![
            m("a", None),
            m("b", None),
            m("c", Some(50)),
            m("d", Some(500)),
        ];
        assert_eq!(current_of(&rows, Some("b"), 100).as_deref(), Some("b"));
        assert_eq!(current_of(&rows, Some("gone"), 100).as_deref(), Some("a"));
        assert_eq!(current_of(&rows, None, 100).as_deref(), Some("a"));
        assert_eq!(current_of(&[], Some("a"), 100), None);
        // An account whose two-factor policy holds the person out is never the current one.
        assert_eq!(current_of(&rows, Some("c"), 100).as_deref(), Some("a"));
        assert_eq!(
            current_of(&rows, Some("d"), 100).as_deref(),
            Some("d"),
            "within the grace period"
        );
        assert_eq!(current_of(&rows[2..3], Some("c"), 100), None);
    }
}
