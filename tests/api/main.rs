//! Black-box tests over HTTP: each test starts the real `profile-center` binary on port 0 with
//! a fresh database — a new SQLite file, or a new Postgres database on 127.0.0.1:5432 — and
//! talks to it like a browser or script would. Every test runs on both backends.

mod common;

mod mfa;
mod notifications;
mod password_reset;

mod accounts;
mod api_keys;
mod atomic;
mod auth;
mod avatar;
mod backup;
mod cluster;
mod contacts;
mod defects;
mod hardening;
mod operations;
mod platform;
mod preferences;
mod profile;
mod rest;
mod security;
mod sessions;
