//! The bell in the header: unread in-app notifications, leading to the inbox. An island, so the
//! count is a signal: every 20 s while the page is visible it asks the server (`unread_count`,
//! which is not activity, so an open tab never keeps a session alive) and the badge and the
//! accessible name follow without a reload. A session that has ended (401) sends the person
//! to sign in. A client-side navigation brings a new header, and with it a new bell with the
//! server's count; the old one stops asking.

use crate::i18n::{t, tf, Msg};
use leptos::prelude::*;

#[island]
pub fn Bell(unread: i64) -> impl IntoView {
    let count = RwSignal::new(unread);
    let root = NodeRef::<leptos::html::A>::new();
    #[cfg(feature = "hydrate")]
    browser::poll(count, root);
    let label = move || match count.get() {
        0 => t(Msg::NotificationsNoneUnread).to_string(),
        n => tf(Msg::NotificationsNUnread, &[&n.to_string()]),
    };
    view! {
        <a class="bell" node_ref=root href="/settings/notifications/inbox" aria-label=label data-unread=move || count.get()>
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"/>
            </svg>
            {move || (count.get() > 0).then(|| view! { <span class="bell-count">{count.get().to_string()}</span> })}
        </a>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use crate::api::notifications::UnreadCount;
    use leptos::{prelude::*, server_fn::ServerFn};
    use std::time::Duration;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{RequestInit, Response};

    /// How often an open page asks.
    const EVERY: Duration = Duration::from_secs(20);

    pub fn poll(count: RwSignal<i64>, root: NodeRef<leptos::html::A>) {
        // A navigation that puts a new bell in this one's place stops this one asking.
        crate::ui::components::every_while_on_page(root, EVERY, move || {
            if web_sys::window()
                .and_then(|w| w.document())
                .is_none_or(|d| d.hidden())
            {
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match unread().await {
                    Some(Ok(n)) => count.set(n),
                    Some(Err(())) => sign_in_again(),
                    None => {} // asked again next time
                }
            });
        });
    }

    fn sign_in_again() {
        if let Some(window) = web_sys::window() {
            let here = window.location().pathname().unwrap_or_default();
            let next: String = js_sys::encode_uri_component(&here).into();
            let _ = window.location().assign(&format!("/signin?next={next}"));
        }
    }

    /// `Some(Ok(n))` unread, `Some(Err)` signed out, `None` for anything else (try again later).
    /// A plain `fetch` of the server function's URL: its JSON answer is a bare number.
    async fn unread() -> Option<Result<i64, ()>> {
        let init = RequestInit::new();
        init.set_method("POST");
        let headers = web_sys::Headers::new().ok()?;
        let _ = headers.set("Accept", "application/json");
        let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
        init.set_headers(&headers);
        let response: Response =
            JsFuture::from(web_sys::window()?.fetch_with_str_and_init(UnreadCount::PATH, &init))
                .await
                .ok()?
                .unchecked_into();
        if response.status() == 401 {
            return Some(Err(()));
        }
        if !response.ok() {
            return None;
        }
        let text = JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        text.trim().parse::<i64>().ok().map(Ok)
    }
}
