-- personal api keys for the rest api. a key reads `pc_<id>.<secret>`: the id is public (lists,
-- logs), the secret has 256 random bits and only its sha-256 is stored. secret_prefix keeps the
-- secret's first characters so people can tell their keys apart.
create table api_keys (
    id               text primary key,
    user_id          text not null references users (id) on delete cascade,
    name             text not null,
    secret_hash      text not null,
    secret_prefix    text not null,
    -- space-separated scope names, sorted.
    scopes           text not null,
    created_at       integer not null,
    -- null: never expires.
    expires_at       integer,
    last_used_at     integer,
    last_used_ip     text,
    revoked_at       integer,
    -- when the "expires in a week" e-mail was queued; set once, by whichever instance claims it.
    expiry_notice_at integer
);
create index api_keys_user on api_keys (user_id);

-- requests per bucket (an api key) per fixed one-minute window, shared by every instance so the
-- per-key rate limit holds behind a load balancer. old windows are swept.
create table rate_windows (
    bucket       text not null,
    window_start integer not null,
    hits         integer not null,
    primary key (bucket, window_start)
);
