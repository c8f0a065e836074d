-- each person's profile picture, re-encoded by the server in two square sizes. `name` is
-- random and changes with every upload, so the public url can be cached for a year.
create table avatars (
    user_id      text primary key references users (id) on delete cascade,
    name         text not null unique,
    content_type text not null,
    large        blob not null,
    small        blob not null,
    updated_at   integer not null
);
