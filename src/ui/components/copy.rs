//! A button that copies a piece of the page (a new API key, the recovery codes) to the
//! clipboard. An island: copying needs JavaScript, so the server renders it hidden and it shows
//! itself once the WASM has woken it; then it says "Copied" only when the clipboard took the
//! text, and otherwise tells the person to copy it by hand.

use crate::i18n::{t, Msg};
use leptos::prelude::*;

/// Copies the text of the element with id `source`; `label` is the button's words, translated
/// on the server (a `Msg` prop cost 2 KB brotli more WASM, measured: the deserializer of every
/// message id by name).
#[island]
pub fn CopyButton(source: String, label: String) -> impl IntoView {
    let woken = RwSignal::new(false);
    // Effects run only in the browser, so the button appears only where it can work.
    Effect::new(move |_| woken.set(true));
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let source = source.clone();
            leptos::task::spawn_local(
                async move { copied.set(Some(browser::copy(&source).await)) },
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &source;
    };
    view! {
        <button type="button" class="secondary" hidden=move || !woken.get() on:click=copy>
            {move || match copied.get() {
                Some(true) => t(Msg::Copied).to_string(),
                _ => label.clone(),
            }}
        </button>
        <span class="hint" role="status">
            {move || (copied.get() == Some(false)).then(|| t(Msg::CouldNotCopySelectIt))}
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen_futures::JsFuture;

    /// Whether the clipboard took the text of element `source`.
    pub async fn copy(source: &str) -> bool {
        let Some(window) = web_sys::window() else {
            return false;
        };
        let Some(text) = window
            .document()
            .and_then(|d| d.get_element_by_id(source))
            .and_then(|e| e.text_content())
        else {
            return false;
        };
        JsFuture::from(window.navigator().clipboard().write_text(&text))
            .await
            .is_ok()
    }
}
