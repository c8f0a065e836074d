//! The user interface: reusable form pieces in `components`, one module per page in `pages`.
//! Components marked `#[island]` are the only ones compiled into the browser's WASM.

pub mod components;
pub mod pages;
