-- accounts (organisations of the platform) and who belongs to them. a membership's role is one
-- word of model::accounts::Role; the group is free text an admin assigns ("Reseller").
create table accounts (
    id         text primary key,
    name       text not null,
    created_at integer not null,
    -- "require two-factor sign-in": members without it cannot open the account once
    -- mfa_required_at + mfa_grace_days have passed (null while the policy is off).
    mfa_required_at integer,
    mfa_grace_days  integer not null default 0,
    -- "api access needs approval": 1 when keys for this account need an admin's yes.
    api_approval    integer not null default 0
);

create table memberships (
    account_id text not null references accounts (id) on delete cascade,
    user_id    text not null references users (id) on delete cascade,
    role       text not null,
    group_name text not null default '',
    joined_at  integer not null,
    primary key (account_id, user_id)
);
create index memberships_user on memberships (user_id);

-- invitations by e-mail address: only the sha-256 of the link's token is stored; a link works
-- once and for 7 days. an invitation ends accepted, ignored or revoked (at most one of them).
create table invitations (
    id          text primary key,
    account_id  text not null references accounts (id) on delete cascade,
    email       text not null,
    role        text not null,
    token_hash  text not null unique,
    invited_by  text not null references users (id) on delete cascade,
    created_at  integer not null,
    expires_at  integer not null,
    accepted_at integer,
    ignored_at  integer,
    revoked_at  integer
);
create index invitations_email on invitations (email);
create index invitations_account on invitations (account_id);

-- who did what to whom in an account, for its owners and admins. actor and target are kept as
-- text (names and addresses at the time) so the log outlives the people in it.
create table account_audit (
    id         text primary key,
    account_id text not null references accounts (id) on delete cascade,
    at         integer not null,
    actor      text not null,
    action     text not null,
    target     text not null,
    detail     text not null,
    ip         text not null
);
create index account_audit_account on account_audit (account_id, at);

-- requests for api access where the account needs approval: one per member, decided once
-- (approved 1 or 0, with who decided and when); a declined member may ask again.
create table api_access (
    account_id   text not null references accounts (id) on delete cascade,
    user_id      text not null references users (id) on delete cascade,
    reason       text not null,
    requested_at integer not null,
    decided_at   integer,
    decided_by   text,
    approved     integer,
    primary key (account_id, user_id)
);

-- an api key may belong to an account as well as its person: rest calls with it act only there.
alter table api_keys add column account_id text references accounts (id) on delete cascade;

-- billing profiles of an account (who is billed, at which address) and the members on each.
create table billing_profiles (
    id         text primary key,
    account_id text not null references accounts (id) on delete cascade,
    name       text not null,
    email      text not null,
    created_at integer not null
);
create index billing_profiles_account on billing_profiles (account_id);
create table billing_assignments (
    profile_id text not null references billing_profiles (id) on delete cascade,
    user_id    text not null references users (id) on delete cascade,
    primary key (profile_id, user_id)
);

-- the account a session works in ("Switch to"); null until the person picks one.
alter table sessions add column current_account_id text;
