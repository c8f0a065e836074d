-- a person's further e-mail addresses (the primary one stays users.email). an address is usable
-- only once verified through the link sent to it.
create table email_addresses (
    id          text primary key,
    user_id     text not null references users (id) on delete cascade,
    email       text not null,
    verified_at bigint,
    created_at  bigint not null,
    unique (user_id, email)
);

-- verification links: only the sha-256 of the token is stored; single use, 24 hours.
create table email_verifications (
    token_hash text primary key,
    address_id text not null references email_addresses (id) on delete cascade,
    expires_at bigint not null,
    used_at    bigint
);
