-- outbox: every e-mail is written here in the same request that causes it, then delivered by a
-- background worker with retries, so a failing smtp server delays mail but never loses it or
-- fails the user's request.

create table outbox (
    id              text primary key,
    to_addr         text not null,
    subject         text not null,
    text_body       text not null,
    html_body       text not null,
    created_at      bigint not null,
    -- 'pending' until delivered ('sent') or given up on after too many attempts ('failed').
    status          text not null default 'pending',
    attempts        bigint not null default 0,
    next_attempt_at bigint not null,
    -- a worker claims a message until this time, so two instances never send it at once.
    locked_until    bigint not null default 0,
    sent_at         bigint,
    last_error      text
);
create index outbox_due on outbox (status, next_attempt_at);
