//! The user interface: reusable form pieces in `components`, one module per page in `pages`.
//! Components render on the server; the `#[island]`s are what the browser's WASM contains: the
//! form island (`components::enhance::Enhanced`) and the confirmation's countdown
//! (`components::reauth::SudoCountdown`).

pub mod components;
pub mod pages;
pub mod time;
