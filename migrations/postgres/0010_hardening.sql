-- hardening after an attack run: verified sign-up addresses, known browsers, keyed recovery codes.

-- a new account's sign-in address is proven before the account is used: null until the link
-- sent at sign-up is opened (with the password chosen there). accounts made before count as
-- verified. unverified accounts get nothing else and are deleted after a week.
alter table users add column email_verified_at bigint;
update users set email_verified_at = created_at;

-- sign-up verification links: only the sha-256 of the token is stored; single use, 24 hours.
create table signup_verifications (
    token_hash text primary key,
    user_id    text not null references users (id) on delete cascade,
    expires_at bigint not null,
    used_at    bigint
);
create index signup_verifications_user on signup_verifications (user_id);

-- browsers that signed in to an account before (a long-lived device cookie, only its sha-256
-- kept): their sign-in attempts are counted on their own, so failures from elsewhere do not
-- lock the owner out. one browser may know several accounts.
create table known_devices (
    token_hash   text not null,
    user_id      text not null references users (id) on delete cascade,
    created_at   bigint not null,
    last_used_at bigint not null,
    primary key (token_hash, user_id)
);
create index known_devices_user on known_devices (user_id);

-- unverified accounts are found by age for the weekly clean-up.
create index users_unverified on users (email_verified_at, created_at);

-- preferences and notification subscriptions count their saves, like profiles: a form saved
-- from an older copy gets a conflict instead of silently undoing a newer save.
alter table user_preferences add column version bigint not null default 1;
create table subscription_versions (
    user_id text primary key references users (id) on delete cascade,
    version bigint not null
);
