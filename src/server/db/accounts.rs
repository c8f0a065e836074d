//! Accounts, memberships, invitations and the account audit log in the database.
//!
//! Roles are stored as their words; a word this build does not know reads as `Viewer`, the
//! role that may least. Answering an invitation is one guarded `update … where … is null`, so
//! a link works once even when two instances serve it at the same moment.

use crate::{
    error::AppError,
    model::accounts::{
        AuditAction, AuditEntry, BillingProfileView, InvitationView, MemberView, PendingInvitation,
        Policies, Role,
    },
};
use sqlx::Row;

type Any = sqlx::Any;

fn role_of(word: String) -> Role {
    Role::parse(&word).unwrap_or(Role::Viewer)
}

/// "Ada Lovelace", or the address for someone without a name.
const PERSON_NAME: &str = "coalesce(nullif(trim(p.first_name || ' ' || p.last_name), ''), u.email)";

pub async fn create_account<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    id: &str,
    name: &str,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query("insert into accounts (id, name, created_at) values ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn account_name<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query("select name from accounts where id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Adds a member; `false` when they already were one (nothing changes then).
pub async fn add_member<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
    role: Role,
    at: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "insert into memberships (account_id, user_id, role, group_name, joined_at) values ($1, $2, $3, '', $4)
         on conflict (account_id, user_id) do nothing",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(role.as_str())
    .bind(at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A membership as the Accounts tab needs it.
#[derive(Debug, Clone)]
pub struct MembershipRow {
    pub account_id: String,
    pub account_name: String,
    pub role: Role,
    pub group: String,
    pub joined_at: i64,
    /// From when the account's two-factor policy holds this member out (they have not turned
    /// it on); None when it does not.
    pub mfa_due: Option<i64>,
}

/// When the two-factor policy of account `a` holds out the member `m` (SQL, for both queries).
const MFA_DUE: &str = "case when a.mfa_required_at is not null and not exists (
        select 1 from mfa_totp t where t.user_id = m.user_id and t.enabled_at is not null)
     then a.mfa_required_at + a.mfa_grace_days * 86400 end";

/// The accounts a person belongs to, by name.
pub async fn memberships_of<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<MembershipRow>, AppError> {
    let rows = sqlx::query(&format!(
        "select a.id, a.name, m.role, m.group_name, m.joined_at, {MFA_DUE} from memberships m
         join accounts a on a.id = m.account_id where m.user_id = $1 order by a.name, a.id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MembershipRow {
            account_id: r.get(0),
            account_name: r.get(1),
            role: role_of(r.get(2)),
            group: r.get(3),
            joined_at: r.get(4),
            mfa_due: r.get(5),
        })
        .collect())
}

/// A person's role in an account with the account's name and the two-factor deadline that
/// applies to them, if they are a member.
pub async fn access<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
) -> Result<Option<(Role, String, Option<i64>)>, AppError> {
    let row = sqlx::query(&format!(
        "select m.role, a.name, {MFA_DUE} from memberships m join accounts a on a.id = m.account_id
         where m.account_id = $1 and m.user_id = $2"
    ))
    .bind(account_id)
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (role_of(r.get(0)), r.get(1), r.get(2))))
}

pub async fn policies<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<Policies, AppError> {
    let row = sqlx::query(
        "select mfa_required_at, mfa_grace_days, api_approval from accounts where id = $1",
    )
    .bind(account_id)
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(Policies {
        require_mfa: row.get::<Option<i64>, _>(0).is_some(),
        grace_days: row.get(1),
        api_approval: row.get::<i64, _>(2) == 1,
    })
}

/// Sets the policies; `mfa_required_at` is when "require two-factor" was turned on (kept while
/// it stays on), None when it is off.
pub async fn set_policies<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    mfa_required_at: Option<i64>,
    grace_days: i64,
    api_approval: bool,
) -> Result<(), AppError> {
    sqlx::query(
        "update accounts set mfa_required_at = $2, mfa_grace_days = $3, api_approval = $4 where id = $1",
    )
    .bind(account_id)
    .bind(mfa_required_at)
    .bind(grace_days)
    .bind(i64::from(api_approval))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mfa_required_at<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<Option<i64>, AppError> {
    let row = sqlx::query("select mfa_required_at from accounts where id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    Ok(row.and_then(|r| r.get(0)))
}

/// Members who have not turned on two-factor sign-in: (user id, address).
pub async fn members_without_mfa<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let rows = sqlx::query(
        "select u.id, u.email from memberships m join users u on u.id = m.user_id
         where m.account_id = $1 and not exists (
            select 1 from mfa_totp t where t.user_id = m.user_id and t.enabled_at is not null)
         order by u.id",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A person's role in an account, if they are a member (read on every request that acts in
/// the account, so a change applies at once on every instance).
pub async fn role_in<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
) -> Result<Option<Role>, AppError> {
    let row = sqlx::query("select role from memberships where account_id = $1 and user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| role_of(r.get(0))))
}

pub async fn members<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<Vec<MemberView>, AppError> {
    let rows = sqlx::query(&format!(
        "select u.id, {PERSON_NAME}, u.email, m.role, m.group_name, m.joined_at from memberships m
         join users u on u.id = m.user_id join profiles p on p.user_id = u.id
         where m.account_id = $1 order by m.joined_at, u.id"
    ))
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MemberView {
            user_id: r.get(0),
            name: r.get(1),
            email: r.get(2),
            role: role_of(r.get(3)),
            group: r.get(4),
            joined_at: r.get(5),
        })
        .collect())
}

/// How many Owners an account has.
pub async fn owners<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
) -> Result<i64, AppError> {
    let row =
        sqlx::query("select count(*) from memberships where account_id = $1 and role = 'owner'")
            .bind(account_id)
            .fetch_one(db)
            .await?;
    Ok(row.get(0))
}

pub async fn set_role<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
    role: Role,
) -> Result<(), AppError> {
    sqlx::query("update memberships set role = $3 where account_id = $1 and user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_group<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
    group: &str,
) -> Result<(), AppError> {
    sqlx::query("update memberships set group_name = $3 where account_id = $1 and user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .bind(group)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends a membership, and the sessions' choice of that account with it.
pub async fn remove_member(
    db: &mut sqlx::AnyConnection,
    account_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    sqlx::query("delete from memberships where account_id = $1 and user_id = $2")
        .bind(account_id)
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    sqlx::query(
        "delete from billing_assignments where user_id = $1
         and profile_id in (select id from billing_profiles where account_id = $2)",
    )
    .bind(user_id)
    .bind(account_id)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "update sessions set current_account_id = null where user_id = $1 and current_account_id = $2",
    )
    .bind(user_id)
    .bind(account_id)
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// The account a session works in.
pub async fn set_current<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    session_id: &str,
    account_id: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query("update sessions set current_account_id = $2 where id = $1")
        .bind(session_id)
        .bind(account_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The address of every verified e-mail address of a person (primary and further ones).
const VERIFIED_ADDRESSES: &str =
    "select email from users where id = $1 and email_verified_at is not null
     union select email from email_addresses where user_id = $1 and verified_at is not null";

pub struct NewInvitation<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub token_hash: &'a str,
    pub invited_by: &'a str,
    pub at: i64,
    pub expires_at: i64,
}

pub async fn insert_invitation<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    i: NewInvitation<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into invitations (id, account_id, email, role, token_hash, invited_by, created_at, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i.id)
    .bind(i.account_id)
    .bind(i.email)
    .bind(i.role.as_str())
    .bind(i.token_hash)
    .bind(i.invited_by)
    .bind(i.at)
    .bind(i.expires_at)
    .execute(db)
    .await?;
    Ok(())
}

const INVITATION_COLUMNS: &str =
    "i.id, i.account_id, a.name, i.email, i.role, i.created_at, i.expires_at";
const INVITED_BY: &str =
    "(select coalesce(nullif(trim(p.first_name || ' ' || p.last_name), ''), u.email)
     from users u join profiles p on p.user_id = u.id where u.id = i.invited_by)";
const OPEN: &str = "i.accepted_at is null and i.ignored_at is null and i.revoked_at is null";

fn invitation_view(r: sqlx::any::AnyRow) -> InvitationView {
    InvitationView {
        id: r.get(0),
        account_id: r.get(1),
        account_name: r.get(2),
        email: r.get(3),
        role: role_of(r.get(4)),
        created_at: r.get(5),
        expires_at: r.get(6),
        invited_by: r.get::<Option<String>, _>(7).unwrap_or_default(),
    }
}

/// Open, unexpired invitations to any verified address of the person, to accounts they are not
/// in yet: what the badge counts and the tab lists.
pub async fn invitations_for<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    user_id: &str,
    now: i64,
) -> Result<Vec<InvitationView>, AppError> {
    let rows = sqlx::query(&format!(
        "select {INVITATION_COLUMNS}, {INVITED_BY} from invitations i join accounts a on a.id = i.account_id
         where {OPEN} and i.expires_at > $2 and i.email in ({VERIFIED_ADDRESSES})
         and not exists (select 1 from memberships m where m.account_id = i.account_id and m.user_id = $1)
         order by i.created_at desc, i.id"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(invitation_view).collect())
}

/// How many invitations wait for the person whose id is the SQL expression `user`, at the time
/// `now` (the badge; a column of the one statement that finds the caller, `db::caller`).
pub(crate) fn invitation_count_sql(user: &str, now: &str) -> String {
    let verified = VERIFIED_ADDRESSES.replace("$1", user);
    format!(
        "select count(*) from invitations i
         where {OPEN} and i.expires_at > {now} and i.email in ({verified})
         and not exists (select 1 from memberships m where m.account_id = i.account_id and m.user_id = {user})"
    )
}

/// The name of the account a session works in (the header's): among the accounts the person
/// (`user`) may open at `now`, the session's choice (`chosen`) if it is one of them, else the
/// first by name — what `accounts::current_of` decides, as one SQL expression for `db::caller`.
pub(crate) fn current_account_name_sql(user: &str, chosen: &str, now: &str) -> String {
    // Two subqueries rather than one ordered by "is it the chosen one": SQLite does not let a
    // subquery's ORDER BY see the outer query's columns.
    let open = format!(
        "select a.name from memberships m join accounts a on a.id = m.account_id
         where m.user_id = {user} and coalesce({MFA_DUE}, {now} + 1) > {now}"
    );
    format!(
        "select coalesce(({open} and m.account_id = {chosen}), ({open} order by a.name, a.id limit 1))"
    )
}

/// An open, unexpired invitation by id or by the hash of its link's token.
pub async fn open_invitation<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    by: InvitationKey<'_>,
    now: i64,
) -> Result<Option<InvitationView>, AppError> {
    let (column, value) = match by {
        InvitationKey::Id(id) => ("i.id", id),
        InvitationKey::TokenHash(hash) => ("i.token_hash", hash),
    };
    let row = sqlx::query(&format!(
        "select {INVITATION_COLUMNS}, {INVITED_BY} from invitations i join accounts a on a.id = i.account_id
         where {column} = $1 and {OPEN} and i.expires_at > $2"
    ))
    .bind(value)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(invitation_view))
}

#[derive(Debug, Clone, Copy)]
pub enum InvitationKey<'a> {
    Id(&'a str),
    TokenHash(&'a str),
}

/// How an invitation ends.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Accepted,
    Ignored,
    Revoked,
}

/// Ends an open invitation; `false` when it was no longer open (answered meanwhile).
pub async fn answer<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    id: &str,
    answer: Answer,
    at: i64,
) -> Result<bool, AppError> {
    let column = match answer {
        Answer::Accepted => "accepted_at",
        Answer::Ignored => "ignored_at",
        Answer::Revoked => "revoked_at",
    };
    let done = sqlx::query(&format!(
        "update invitations set {column} = $2 where id = $1 and accepted_at is null and ignored_at is null and revoked_at is null"
    ))
    .bind(id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether an address is a verified address of the person.
pub async fn has_verified_address<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    user_id: &str,
    email: &str,
) -> Result<bool, AppError> {
    let row = sqlx::query(&format!(
        "select count(*) from ({VERIFIED_ADDRESSES}) v where v.email = $2"
    ))
    .bind(user_id)
    .bind(email)
    .fetch_one(db)
    .await?;
    Ok(row.get::<i64, _>(0) > 0)
}

/// The open invitations of an account, newest first (expired ones too: they can be resent).
pub async fn pending_of<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    now: i64,
) -> Result<Vec<PendingInvitation>, AppError> {
    let rows = sqlx::query(&format!(
        "select i.id, i.email, i.role, i.created_at, i.expires_at, {INVITED_BY} from invitations i
         where i.account_id = $1 and {OPEN} order by i.created_at desc, i.id"
    ))
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PendingInvitation {
            id: r.get(0),
            email: r.get(1),
            role: role_of(r.get(2)),
            created_at: r.get(3),
            expires_at: r.get(4),
            expired: r.get::<i64, _>(4) <= now,
            invited_by: r.get::<Option<String>, _>(5).unwrap_or_default(),
        })
        .collect())
}

/// An open invitation of this account: (email, role). Expired ones count (they can be resent).
pub async fn pending_in<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    id: &str,
) -> Result<Option<(String, Role)>, AppError> {
    let row = sqlx::query(&format!(
        "select i.email, i.role from invitations i where i.account_id = $1 and i.id = $2 and {OPEN}"
    ))
    .bind(account_id)
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.get(0), role_of(r.get(1)))))
}

/// Whether an open, unexpired invitation to this address exists in the account.
pub async fn is_invited<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    email: &str,
    now: i64,
) -> Result<bool, AppError> {
    let row = sqlx::query(&format!(
        "select count(*) from invitations i where i.account_id = $1 and i.email = $2 and {OPEN} and i.expires_at > $3"
    ))
    .bind(account_id)
    .bind(email)
    .bind(now)
    .fetch_one(db)
    .await?;
    Ok(row.get::<i64, _>(0) > 0)
}

/// Whether someone with this verified address is already a member.
pub async fn address_is_member<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    email: &str,
) -> Result<bool, AppError> {
    let row = sqlx::query(
        "select count(*) from memberships m join users u on u.id = m.user_id
         where m.account_id = $1 and (u.email = $2 or exists (
            select 1 from email_addresses e where e.user_id = u.id and e.email = $2 and e.verified_at is not null))",
    )
    .bind(account_id)
    .bind(email)
    .fetch_one(db)
    .await?;
    Ok(row.get::<i64, _>(0) > 0)
}

/// A resent invitation gets a new link (the old one stops working) and seven more days.
pub async fn renew_invitation<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    id: &str,
    token_hash: &str,
    at: i64,
    expires_at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "update invitations set token_hash = $2, created_at = $3, expires_at = $4 where id = $1",
    )
    .bind(id)
    .bind(token_hash)
    .bind(at)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(())
}

pub struct NewAuditEntry<'a> {
    pub account_id: &'a str,
    pub actor: &'a str,
    pub action: AuditAction,
    pub target: &'a str,
    pub detail: &'a str,
    pub ip: &'a str,
}

pub async fn audit<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    e: NewAuditEntry<'_>,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into account_audit (id, account_id, at, actor, action, target, detail, ip) values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(crate::server::ordered_id())
    .bind(e.account_id)
    .bind(crate::server::now())
    .bind(e.actor)
    .bind(e.action.as_str())
    .bind(e.target)
    .bind(e.detail)
    .bind(e.ip)
    .execute(db)
    .await?;
    Ok(())
}

/// An account's audit log, newest first: `limit` entries from `offset` (all when `None`).
pub async fn audit_log<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    offset: i64,
    limit: Option<i64>,
) -> Result<Vec<AuditEntry>, AppError> {
    let rows = sqlx::query(
        "select at, actor, action, target, detail, ip from account_audit where account_id = $1
         order by at desc, id desc limit $2 offset $3",
    )
    .bind(account_id)
    .bind(limit.unwrap_or(i64::MAX))
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AuditEntry {
                at: r.get(0),
                actor: r.get(1),
                action: AuditAction::parse(&r.get::<String, _>(2))?,
                target: r.get(3),
                detail: r.get(4),
                ip: r.get(5),
            })
        })
        .collect())
}

pub async fn insert_billing_profile<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    id: &str,
    account_id: &str,
    name: &str,
    email: &str,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into billing_profiles (id, account_id, name, email, created_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(account_id)
    .bind(name)
    .bind(email)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// An account's billing profiles with their members, by name.
pub async fn billing_profiles(
    db: &mut sqlx::AnyConnection,
    account_id: &str,
) -> Result<Vec<BillingProfileView>, AppError> {
    let rows = sqlx::query(
        "select id, name, email from billing_profiles where account_id = $1 order by name, id",
    )
    .bind(account_id)
    .fetch_all(&mut *db)
    .await?;
    let mut profiles: Vec<BillingProfileView> = rows
        .into_iter()
        .map(|r| BillingProfileView {
            id: r.get(0),
            name: r.get(1),
            email: r.get(2),
            members: Vec::new(),
        })
        .collect();
    let assigned = sqlx::query(&format!(
        "select b.profile_id, u.id, {PERSON_NAME} from billing_assignments b
         join billing_profiles f on f.id = b.profile_id
         join users u on u.id = b.user_id join profiles p on p.user_id = u.id
         where f.account_id = $1 order by u.id"
    ))
    .bind(account_id)
    .fetch_all(&mut *db)
    .await?;
    for r in assigned {
        let profile: String = r.get(0);
        if let Some(p) = profiles.iter_mut().find(|p| p.id == profile) {
            p.members.push((r.get(1), r.get(2)));
        }
    }
    Ok(profiles)
}

/// Whether a billing profile belongs to the account.
pub async fn billing_profile_in<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    profile_id: &str,
) -> Result<Option<String>, AppError> {
    let row = sqlx::query("select name from billing_profiles where id = $1 and account_id = $2")
        .bind(profile_id)
        .bind(account_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| r.get(0)))
}

/// Puts a member on a billing profile (or takes them off); `false` when nothing changed.
pub async fn assign_billing<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    profile_id: &str,
    user_id: &str,
    on: bool,
) -> Result<bool, AppError> {
    let sql = match on {
        true => "insert into billing_assignments (profile_id, user_id) values ($1, $2) on conflict (profile_id, user_id) do nothing",
        false => "delete from billing_assignments where profile_id = $1 and user_id = $2",
    };
    let done = sqlx::query(sql)
        .bind(profile_id)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The billing profiles a person is on in an account: (name, billing address).
pub async fn billing_of<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
) -> Result<Vec<(String, String)>, AppError> {
    let rows = sqlx::query(
        "select f.name, f.email from billing_profiles f join billing_assignments b on b.profile_id = f.id
         where f.account_id = $1 and b.user_id = $2 order by f.name, f.id",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A person's memberships with what API keys need to know: (account id, name, role, two-factor
/// deadline, whether the account needs approval, the person's request: approved 1/0 or
/// undecided, if they made one).
pub type KeyAccountRow = (String, String, Role, Option<i64>, bool, Option<Option<i64>>);

pub async fn key_accounts<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<KeyAccountRow>, AppError> {
    let rows = sqlx::query(&format!(
        "select a.id, a.name, m.role, {MFA_DUE}, a.api_approval, r.requested_at, r.approved
         from memberships m join accounts a on a.id = m.account_id
         left join api_access r on r.account_id = m.account_id and r.user_id = m.user_id
         where m.user_id = $1 order by a.name, a.id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let requested: Option<i64> = r.get(5);
            let approved: Option<i64> = r.get(6);
            (
                r.get(0),
                r.get(1),
                role_of(r.get(2)),
                r.get(3),
                r.get::<i64, _>(4) == 1,
                requested.map(|_| approved),
            )
        })
        .collect())
}

/// Asks (again) for API access: a new request replaces an earlier, declined or pending one.
pub async fn request_access<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
    reason: &str,
    at: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "insert into api_access (account_id, user_id, reason, requested_at) values ($1, $2, $3, $4)
         on conflict (account_id, user_id) do update
         set reason = excluded.reason, requested_at = excluded.requested_at,
             decided_at = null, decided_by = null, approved = null",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(reason)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Requests waiting for a decision, oldest first.
pub async fn pending_access(
    db: &mut sqlx::AnyConnection,
    account_id: &str,
) -> Result<Vec<crate::model::accounts::AccessRequest>, AppError> {
    let rows = sqlx::query(&format!(
        "select u.id, {PERSON_NAME}, u.email, r.reason, r.requested_at from api_access r
         join users u on u.id = r.user_id join profiles p on p.user_id = u.id
         join memberships m on m.account_id = r.account_id and m.user_id = r.user_id
         where r.account_id = $1 and r.decided_at is null order by r.requested_at, u.id"
    ))
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| crate::model::accounts::AccessRequest {
            user_id: r.get(0),
            name: r.get(1),
            email: r.get(2),
            reason: r.get(3),
            requested_at: r.get(4),
        })
        .collect())
}

/// Decides a waiting request; `false` when there was none (decided meanwhile).
pub async fn decide_access<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    account_id: &str,
    user_id: &str,
    approved: bool,
    by: &str,
    at: i64,
) -> Result<bool, AppError> {
    let done = sqlx::query(
        "update api_access set approved = $3, decided_by = $4, decided_at = $5
         where account_id = $1 and user_id = $2 and decided_at is null",
    )
    .bind(account_id)
    .bind(user_id)
    .bind(i64::from(approved))
    .bind(by)
    .bind(at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the person has two-factor sign-in turned on.
pub async fn has_mfa<'e>(
    db: impl sqlx::Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<bool, AppError> {
    let row =
        sqlx::query("select count(*) from mfa_totp where user_id = $1 and enabled_at is not null")
            .bind(user_id)
            .fetch_one(db)
            .await?;
    Ok(row.get::<i64, _>(0) > 0)
}
