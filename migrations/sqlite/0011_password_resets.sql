-- "forgot password" links: only the sha-256 of the token is stored; single use, 30 minutes. a new
-- link for a person replaces their unused ones.
create table password_resets (
    token_hash text primary key,
    user_id    text not null references users (id) on delete cascade,
    created_at integer not null,
    expires_at integer not null,
    used_at    integer
);
create index password_resets_user on password_resets (user_id);
