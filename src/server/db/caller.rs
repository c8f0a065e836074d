//! Who is calling, in one statement per request: the session behind the cookie, the person's
//! saved preferences and, for pages, what the header shows (name, picture, the bell's count, the
//! invitations badge, the current account). A signed-in page used to spend five statements on
//! this before its own data; now it is one round trip, on either backend.

use super::{accounts, notifications, preferences, sessions::ActiveSession};
use crate::{error::AppError, model::auth::CurrentUser, model::preferences::Preferences};
use sqlx::Row;

pub struct Caller {
    pub session: ActiveSession,
    pub preferences: Option<Preferences>,
    /// Only when asked for (`with_header`): pages and the layout's server function.
    pub header: Option<CurrentUser>,
}

/// The active session whose token hashes to `token_hash` at `now`, with the rest of `Caller`.
pub async fn find<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    token_hash: &str,
    now: i64,
    with_header: bool,
) -> Result<Option<Caller>, AppError> {
    let header = if with_header {
        format!(
            ", u.id, u.email, p.first_name, p.last_name, av.name, ({unread}), ({invitations}), ({account})
             from sessions s join users u on u.id = s.user_id join profiles p on p.user_id = s.user_id
             left join avatars av on av.user_id = s.user_id",
            unread = notifications::unread_count_sql("s.user_id"),
            invitations = accounts::invitation_count_sql("s.user_id", "$2"),
            account = accounts::current_account_name_sql("s.user_id", "s.current_account_id", "$2"),
        )
    } else {
        " from sessions s".to_string()
    };
    let sql = format!(
        "select s.id, s.user_id, s.last_seen_at, s.reauth_at, s.current_account_id, {prefs}{header}
         left join user_preferences up on up.user_id = s.user_id
         where s.token_hash = $1 and s.ended_at is null and s.idle_expires_at > $2 and s.absolute_expires_at > $2",
        prefs = preferences::COLUMNS,
    );
    let Some(r) = sqlx::query(&sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(db)
        .await?
    else {
        return Ok(None);
    };
    let session = ActiveSession {
        id: r.get(0),
        user_id: r.get(1),
        last_seen_at: r.get(2),
        reauth_at: r.get(3),
        current_account_id: r.get(4),
    };
    let preferences = preferences::from_row(&r, 5);
    // The header's columns follow the session's five and the preferences'.
    let at = 5 + preferences::COLUMN_COUNT;
    let header = with_header.then(|| CurrentUser {
        id: r.get(at),
        email: r.get(at + 1),
        first_name: r.get(at + 2),
        last_name: r.get(at + 3),
        avatar: r.get(at + 4),
        unread: r.get(at + 5),
        invitations: r.get(at + 6),
        account: r.get(at + 7),
    });
    Ok(Some(Caller {
        session,
        preferences,
        header,
    }))
}
