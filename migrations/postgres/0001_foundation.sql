-- foundation: people, their profile, sessions and sign-in throttling.
-- times are unix seconds (bigint: sqlx Any decodes postgres integer as i32, bigint as i64 like sqlite integer).

-- a person who can sign in. email is stored normalised (trimmed, lower-case): one mailbox, one account.
create table users (
    id            text primary key,
    email         text not null unique,
    password_hash text not null,
    created_at    bigint not null,
    updated_at    bigint not null
);

-- the host console's dashboards a person may choose as their home page.
create table dashboards (
    id       text primary key,
    name     text not null,
    position bigint not null
);

insert into dashboards (id, name, position) values
    ('cost-overview', 'Cost overview', 1),
    ('billing', 'Billing', 2),
    ('quotas', 'Quotas', 3),
    ('cost-anomalies', 'Cost anomalies', 4),
    ('budgets', 'Budgets', 5);

-- one profile per user. version increments on every save so a stale form is detected.
create table profiles (
    user_id           text primary key references users (id) on delete cascade,
    first_name        text not null,
    last_name         text not null,
    job_function      text,
    phone             text,
    default_dashboard text not null references dashboards (id),
    version           bigint not null default 1,
    updated_at        bigint not null
);

-- a signed-in browser. only the sha-256 of the cookie token is kept; id is the public handle
-- used to list and end sessions. ended rows stay as history (end_reason says how it ended).
create table sessions (
    id                  text primary key,
    token_hash          text not null unique,
    user_id             text not null references users (id) on delete cascade,
    created_at          bigint not null,
    last_seen_at        bigint not null,
    idle_expires_at     bigint not null,
    absolute_expires_at bigint not null,
    ip                  text not null,
    user_agent          text not null,
    ended_at            bigint,
    end_reason          text
);
create index sessions_user_id on sessions (user_id);

-- failed sign-in counters, keyed by 'ip:<addr>' or 'account:<email>' so every app instance
-- sharing the database throttles alike.
create table auth_throttle (
    key               text primary key,
    failures          bigint not null,
    window_started_at bigint not null,
    locked_until      bigint not null
);
