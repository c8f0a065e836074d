//! Reusable pieces every form uses, so every tab labels, describes and reports errors alike,
//! the island that makes those forms submit in place when JavaScript runs, the header's bell
//! and the copy button.

pub mod bell;
pub mod copy;
pub mod enhance;
pub mod form;
#[cfg(feature = "hydrate")]
pub mod navigate;
pub mod reauth;

/// Runs `tick` every `every` for as long as the island element `root` is on the page: a
/// client-side navigation that takes an island off (putting a new one in its place) also
/// ends its timers, which would otherwise keep ticking for nothing. Before the element is
/// mounted it ticks anyway.
#[cfg(feature = "hydrate")]
pub fn every_while_on_page<E>(
    root: leptos::prelude::NodeRef<E>,
    every: std::time::Duration,
    tick: impl Fn() + 'static,
) where
    E: leptos::tachys::html::element::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::prelude::*;
    use std::{cell::Cell, rc::Rc};
    use wasm_bindgen::JsCast;
    let handle: Rc<Cell<Option<IntervalHandle>>> = Rc::default();
    let on_page = {
        let handle = handle.clone();
        move || {
            let gone = root
                .get_untracked()
                .is_some_and(|el| !el.unchecked_ref::<web_sys::Node>().is_connected());
            if !gone {
                return tick();
            }
            if let Some(h) = handle.take() {
                h.clear();
            }
        }
    };
    handle.set(set_interval_with_handle(on_page, every).ok());
}
