-- two-factor sign-in: authenticator apps (totp) and recovery codes.

-- a user's authenticator. secret_enc is the totp secret encrypted with aes-256-gcm under the
-- app's secret key, with the user id as associated data (a copied row does not decrypt for
-- another user). enabled_at is null while enrolment waits for its first code. last_step is
-- the newest 30-second step a code was accepted for: that step and earlier ones are refused.
create table mfa_totp (
    user_id    text primary key references users (id) on delete cascade,
    secret_enc text not null,
    enabled_at bigint,
    last_step  bigint not null default 0,
    created_at bigint not null
);

-- single-use recovery codes, stored as sha-256 (each has 60 random bits and is useless once used).
create table recovery_codes (
    id        text primary key,
    user_id   text not null references users (id) on delete cascade,
    code_hash text not null unique,
    used_at   bigint
);
create index recovery_codes_user on recovery_codes (user_id);

-- a sign-in that passed the password and waits for its second step (cookie token, hashed).
create table pending_signins (
    id         text primary key,
    token_hash text not null unique,
    user_id    text not null references users (id) on delete cascade,
    expires_at bigint not null,
    attempts   bigint not null default 0
);

-- something to show once on this session's next page (new recovery codes), encrypted.
create table flash (
    session_id  text primary key references sessions (id) on delete cascade,
    payload_enc text not null,
    expires_at  bigint not null
);
