//! Profile Center: a self-hostable profile and personal-settings center.
//!
//! One crate, two halves. Built with `ssr` it is the server (`server`, the `#[server]` bodies
//! in `api`, and server rendering of `ui`); built with `hydrate` it is the WASM that wakes the
//! page's islands. There is one island, `ui::components::enhance::Enhanced`, which enhances
//! server-rendered forms, so the browser's download stays small (see `bench/size.sh`).

pub mod api;
pub mod app;
pub mod error;
pub mod i18n;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    leptos::mount::hydrate_islands();
}
