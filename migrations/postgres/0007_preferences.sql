-- each person's display preferences. no row (or a null time_zone) means the defaults: the
-- browser's time zone when it told us, else utc; iso dates, 24-hour times, monday, 25 rows,
-- the system theme, english.
create table user_preferences (
    user_id       text primary key references users (id) on delete cascade,
    time_zone     text,
    date_format   text not null,
    time_format   text not null,
    week_start    text not null,
    rows_per_page bigint not null,
    theme         text not null,
    language      text not null,
    updated_at    bigint not null
);
