-- notifications: what people subscribe to, what the platform tells us, and what we delivered.

-- a person's choice per topic (see model::notifications::TOPICS); topics without a row use the
-- defaults from the code, so adding a topic needs no migration. flags are 0/1.
create table notification_subscriptions (
    user_id        text not null references users (id) on delete cascade,
    topic          text not null,
    email          bigint not null,
    in_app         bigint not null,
    min_severity   text not null default 'warning',
    build_outcomes text not null default 'failed',
    include_manual bigint not null default 0,
    updated_at     bigint not null,
    primary key (user_id, topic)
);

-- every event the platform sent, once: a replay of the same id is ignored. processed_at stays
-- null until routing finished, so an instance that died half-way is picked up again.
create table platform_events (
    id           text primary key,
    kind         text not null,
    payload      text not null,
    received_at  bigint not null,
    processed_at bigint
);
create index platform_events_unprocessed on platform_events (processed_at);

-- one row per person and reason (dedupe_key, e.g. "invoice:42:overdue_4_days"), whichever
-- channels it went to: the unique key makes routing idempotent, so a threshold or a reminder is
-- never delivered twice. in_app rows show in the bell and inbox; outbox_id links the e-mail.
create table notifications (
    id         text primary key,
    user_id    text not null references users (id) on delete cascade,
    topic      text not null,
    dedupe_key text not null,
    title      text not null,
    body       text not null,
    link       text not null,
    in_app     bigint not null,
    outbox_id  text,
    created_at bigint not null,
    read_at    bigint,
    unique (user_id, dedupe_key)
);
create index notifications_inbox on notifications (user_id, in_app, created_at);

-- notifications due later (payment reminders, weekly summaries), delivered by the scheduler of
-- whichever instance claims them first; cancelled rows (an invoice paid) are deleted.
create table scheduled_notifications (
    id         text primary key,
    user_id    text not null references users (id) on delete cascade,
    topic      text not null,
    dedupe_key text not null,
    subject_id text not null,
    due_at     bigint not null,
    title      text not null,
    body       text not null,
    link       text not null,
    done_at    bigint,
    unique (user_id, dedupe_key)
);
create index scheduled_due on scheduled_notifications (done_at, due_at);

-- the last reading of each quota per person, to notify once per crossing of the threshold.
create table quota_state (
    user_id   text not null references users (id) on delete cascade,
    quota_id  text not null,
    above     bigint not null,
    crossings bigint not null,
    primary key (user_id, quota_id)
);

-- schedule-wide jobs done (e.g. "month_end:2026-11"), so a restart neither repeats nor skips.
create table schedule_marks (
    key     text primary key,
    done_at bigint not null
);
