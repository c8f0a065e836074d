//! The user interface: reusable form pieces in `components`, one module per page in `pages`.
//! Components render on the server; the one `#[island]` (`components::enhance::Enhanced`) is
//! what the browser's WASM contains.

pub mod components;
pub mod pages;
pub mod time;
