-- sessions tab and the security log.

-- when this session last proved its owner's identity (password, later a TOTP code): sensitive
-- actions need a proof younger than ten minutes ("sudo mode").
alter table sessions add column reauth_at bigint;

-- ended sessions are listed newest first per user.
create index sessions_user_ended on sessions (user_id, ended_at);

-- what happened to an account, for its owner: kind (e.g. sign_in, session_ended), outcome
-- (success / failure), where from, and a short non-secret detail.
create table security_events (
    id         text primary key,
    user_id    text not null references users (id) on delete cascade,
    at         bigint not null,
    kind       text not null,
    outcome    text not null,
    ip         text not null,
    user_agent text not null,
    detail     text not null default ''
);
create index security_events_user_at on security_events (user_id, at);
