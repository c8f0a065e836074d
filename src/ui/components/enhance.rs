//! `Enhanced`: the form island. It wraps a server-rendered form and, once the WASM
//! has loaded, submits it with `fetch` instead of a page load: the button shows its pending
//! label, errors appear next to their fields (using `form`'s DOM convention) without a reload,
//! and success navigates where the server said (a path returned by the server function), to the
//! form's `data-success` URL, or reloads the page so server-rendered parts show the new state.
//!
//! Why one generic form island instead of an `ActionForm` island per form: every island's code is in
//! the single WASM file every page downloads. Per-form islands grew it by 5–12 KB brotli each;
//! this one costs the same however many forms and tabs use it (see README, performance budget).
//! Without JavaScript the wrapped form is an ordinary HTML form posting to its server function.
//!
//! A form marked `data-upload="<max bytes>"` (the profile picture) is sent as multipart with
//! `XMLHttpRequest` instead, whose upload events drive the form's `<progress>` bar (its crop
//! preview is an island of its own, `settings::profile::Cropper`).

use leptos::prelude::*;

#[island]
pub fn Enhanced(children: Children) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    // Effects run only in the browser. The enhancing gets a task of its own, after the one
    // that woke the island, so neither keeps the page from answering input for long.
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            set_timeout(move || browser::enhance(&root), std::time::Duration::ZERO);
        }
    });
    view! { <div node_ref=root class="enhanced">{children()}</div> }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn enhance(_root: &web_sys::HtmlDivElement) {}
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::super::navigate::{self, How};
    use super::super::reauth::confirmation;
    use crate::{error::AppError, model::avatar::Problem};
    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Element, Event, FormData, Headers, HtmlDialogElement, HtmlElement, HtmlFormElement,
        HtmlInputElement, HtmlProgressElement, MessageEvent, ProgressEvent, RequestInit, Response,
        UrlSearchParams, XmlHttpRequest,
    };

    /// Once per island, when Leptos hydrates it: on the first load, and for the islands a
    /// client-side navigation brings (`navigate`, then `ui/islands.js`).
    pub fn enhance(root: &web_sys::HtmlDivElement) {
        if root.has_attribute("data-enhanced") {
            return;
        }
        let _ = root.set_attribute("data-enhanced", "");
        navigate::start();
        remember_time_zone();
        let Some(form) = root
            .query_selector("form")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let _ = form.set_attribute("data-hydrated", "");
        // What the page showed, so a navigation can tell a form the person has typed into.
        if let Some(initial) = navigate::serialize(&form) {
            let _ = form.set_attribute("data-initial", &initial);
        }
        dialog_closes(&form);
        let handler = {
            let form = form.clone();
            Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                event.prevent_default();
                if form.has_attribute("aria-busy") {
                    return; // one request at a time
                }
                let form = form.clone();
                wasm_bindgen_futures::spawn_local(async move { submit(&form).await });
            })
        };
        let _ = form.add_event_listener_with_callback("submit", handler.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        handler.forget();
    }

    thread_local! {
        static ZONE_ASKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Tells the server the browser's IANA time zone in a cookie, so that until the person picks
    /// one on the Preferences tab, times show in the zone their device is in. Once per page: a
    /// worker (`public/zone.js`) asks `Intl`, which would otherwise be the page's longest task.
    fn remember_time_zone() {
        if ZONE_ASKED.with(|asked| asked.replace(true)) {
            return;
        }
        let Ok(worker) = web_sys::Worker::new("/zone.js") else {
            return;
        };
        let answer = Closure::once(|event: MessageEvent| {
            if let Some(zone) = event.data().as_string() {
                store_time_zone(&zone);
            }
        });
        worker.set_onmessage(Some(answer.as_ref().unchecked_ref()));
        // The worker answers once and ends; its handler lives until then.
        answer.forget();
    }

    fn store_time_zone(zone: &str) {
        let Some(document) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        else {
            return;
        };
        let known_shape = zone.len() <= 64
            && zone
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b));
        if !known_shape {
            return;
        }
        let cookie = format!("pc_tz={zone}");
        if !document
            .cookie()
            .unwrap_or_default()
            .split("; ")
            .any(|c| c == cookie)
        {
            let _ =
                document.set_cookie(&format!("{cookie}; Path=/; Max-Age=31536000; SameSite=Lax"));
        }
    }

    thread_local! {
        /// The form the server refused for want of a confirmation, waiting for the dialog.
        static WAITING: std::cell::RefCell<Option<HtmlFormElement>> = const { std::cell::RefCell::new(None) };
    }

    fn reauth_dialog() -> Option<HtmlDialogElement> {
        web_sys::window()?
            .document()?
            .get_element_by_id("reauth")?
            .dyn_into::<HtmlDialogElement>()
            .ok()
    }

    /// The server refused `form` because no confirmation is open: ask for the password in the
    /// dialog; confirming sends `form` again as it is (see `follow`), cancelling leaves it as
    /// typed with focus back on its button.
    fn ask_identity(form: &HtmlFormElement) -> bool {
        let Some(dialog) = reauth_dialog() else {
            return false;
        };
        WAITING.with(|w| *w.borrow_mut() = Some(form.clone()));
        if let Some(inner) = dialog
            .query_selector("form")
            .ok()
            .flatten()
            .and_then(|f| f.dyn_into::<HtmlFormElement>().ok())
        {
            inner.reset();
            clear_errors(&inner);
        }
        if dialog.show_modal().is_err() {
            return false;
        }
        navigate::focus_first(&dialog, "input[type=password]");
        true
    }

    /// Cancel (its button, or Escape): nothing is sent, the waiting form keeps its input and
    /// gets focus back.
    fn dialog_closes(form: &HtmlFormElement) {
        let Some(dialog) = form.closest("dialog").ok().flatten() else {
            return;
        };
        if let Some(button) = dialog.query_selector("[data-close-dialog]").ok().flatten() {
            let dialog = dialog.clone();
            let listener = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
                if let Ok(d) = dialog.clone().dyn_into::<HtmlDialogElement>() {
                    d.close();
                }
            });
            let _ =
                button.add_event_listener_with_callback("click", listener.as_ref().unchecked_ref());
            listener.forget();
        }
        let listener = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            if let Some(waiting) = WAITING.with(|w| w.borrow_mut().take()) {
                navigate::focus_first(&waiting, "button[type=submit]");
            }
        });
        let _ = dialog.add_event_listener_with_callback("close", listener.as_ref().unchecked_ref());
        listener.forget();
    }

    fn all_in(root: &Element, selector: &str) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(selector) else {
            return Vec::new();
        };
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<Element>().ok())
            .collect()
    }

    async fn submit(form: &HtmlFormElement) {
        set_pending(form, true);
        for status in all(form, "[role=status]") {
            let _ = status.set_attribute("hidden", "");
        }
        let sent = if form.has_attribute("data-upload") {
            upload(form).await
        } else {
            post(form).await
        };
        match sent {
            Ok(body) => follow(form, &body), // stays pending while the next page loads
            Err(err) => {
                set_pending(form, false);
                // The server says no confirmation is open (whatever the countdown thought).
                if matches!(err, AppError::ReauthRequired) {
                    confirmation::closed();
                    if ask_identity(form) {
                        return;
                    }
                }
                show_errors(form, &err);
            }
        }
    }

    fn unreachable() -> AppError {
        AppError::Internal("offline: the server could not be reached".into())
    }

    /// Posts the form like the server function's own client: URL-encoded in, JSON out.
    async fn post(form: &HtmlFormElement) -> Result<String, AppError> {
        let data = FormData::new_with_form(form).map_err(|_| unreachable())?;
        let params =
            UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(|_| unreachable())?;
        let headers = Headers::new().map_err(|_| unreachable())?;
        let _ = headers.set("Accept", "application/json");
        let _ = headers.set("Content-Type", "application/x-www-form-urlencoded");
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        init.set_body(&JsValue::from(params.to_string()));
        let window = web_sys::window().ok_or_else(unreachable)?;
        let response: Response =
            JsFuture::from(window.fetch_with_str_and_init(&form.action(), &init))
                .await
                .map_err(|_| unreachable())?
                .unchecked_into();
        let text = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        if response.ok() {
            Ok(text)
        } else {
            Err(serde_json::from_str(&text)
                .unwrap_or_else(|_| AppError::Internal(format!("HTTP {}", response.status()))))
        }
    }

    /// Sends a file form as multipart, showing the upload's progress in the form's `<progress>`.
    /// A missing or oversized file is refused here, before any byte is sent.
    async fn upload(form: &HtmlFormElement) -> Result<String, AppError> {
        let limit = form
            .get_attribute("data-upload")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(u64::MAX) as f64;
        let file = form
            .query_selector("input[type=file]")
            .ok()
            .flatten()
            .and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|files| files.get(0));
        match &file {
            None => return Err(AppError::field("avatar", Problem::Empty.message())),
            Some(f) if f.size() > limit => {
                return Err(AppError::field("avatar", Problem::TooLarge.message()))
            }
            Some(_) => {}
        }
        let data = FormData::new_with_form(form).map_err(|_| unreachable())?;
        let xhr = XmlHttpRequest::new().map_err(|_| unreachable())?;
        xhr.open("POST", &form.action())
            .map_err(|_| unreachable())?;
        let _ = xhr.set_request_header("Accept", "application/json");
        let bar = all(form, "progress")
            .into_iter()
            .next()
            .and_then(|p| p.dyn_into::<HtmlProgressElement>().ok());
        if let Some(bar) = &bar {
            bar.set_value(0.0);
            let _ = bar.remove_attribute("hidden");
        }
        let on_progress = {
            let bar = bar.clone();
            Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
                if let Some(bar) = bar
                    .as_ref()
                    .filter(|_| e.length_computable() && e.total() > 0.0)
                {
                    bar.set_value((e.loaded() / e.total() * 100.0).floor());
                }
            })
        };
        if let Ok(events) = xhr.upload() {
            events.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        let finished = js_sys::Promise::new(&mut |resolve, _| xhr.set_onloadend(Some(&resolve)));
        xhr.send_with_opt_form_data(Some(&data))
            .map_err(|_| unreachable())?;
        let _ = JsFuture::from(finished).await;
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        if (200..300).contains(&status) {
            return Ok(text);
        }
        if let Some(bar) = &bar {
            let _ = bar.set_attribute("hidden", "");
        }
        Err(match status {
            0 => unreachable(),
            413 => AppError::field("avatar", Problem::TooLarge.message()),
            _ => serde_json::from_str(&text)
                .unwrap_or_else(|_| AppError::Internal(format!("HTTP {status}"))),
        })
    }

    /// After success: the form's `data-success` URL, else a local path the server returned,
    /// else the page itself again, shown in place (`navigate`) with its new state. Pages outside
    /// the settings (signing in) are loaded as pages.
    fn follow(form: &HtmlFormElement, body: &str) {
        // Confirmed in the dialog: the refused form goes again, as it is, and what follows is
        // that form's success (no page request before, so nothing typed anywhere is lost).
        if let Some(dialog) = form
            .closest("dialog")
            .ok()
            .flatten()
            .and_then(|d| d.dyn_into::<HtmlDialogElement>().ok())
        {
            form.reset();
            set_pending(form, false);
            confirmation::opened();
            let waiting = WAITING.with(|w| w.borrow_mut().take());
            dialog.close();
            if let Some(waiting) = waiting.filter(|f| f.is_connected()) {
                navigate::focus_first(&waiting, "button[type=submit]");
                wasm_bindgen_futures::spawn_local(async move { submit(&waiting).await });
            }
            return;
        }
        let Some(location) = web_sys::window().map(|w| w.location()) else {
            return;
        };
        let returned = serde_json::from_str::<String>(body)
            .ok()
            .filter(|p| p.starts_with('/') && !p.starts_with("//"));
        let path = location.pathname().unwrap_or_default();
        let here = format!("{path}{}", location.search().unwrap_or_default());
        let target = form
            .get_attribute("data-success")
            .or(returned)
            .unwrap_or(here);
        let target_path = target
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .to_string();
        if !navigate::can_swap_to(&target_path) {
            let _ = location.assign(&target);
            return;
        }
        let form = form.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if target_path == path {
                navigate::go(target, How::Saved, Some(form)).await;
            } else {
                navigate::go(target, How::Push, None).await;
            }
        });
    }

    fn set_pending(form: &HtmlFormElement, pending: bool) {
        if pending {
            let _ = form.set_attribute("aria-busy", "true");
        } else {
            let _ = form.remove_attribute("aria-busy");
        }
        for button in all(form, "button[type=submit]") {
            let label = button.get_attribute(if pending {
                "data-pending-label"
            } else {
                "data-label"
            });
            if let Some(label) = label {
                button.set_text_content(Some(&label));
            }
            if pending {
                let _ = button.set_attribute("disabled", "");
                let _ = button.set_attribute("aria-busy", "true");
            } else {
                let _ = button.remove_attribute("disabled");
                let _ = button.remove_attribute("aria-busy");
            }
        }
    }

    /// Takes away what a previous refusal showed: field messages, invalid marks, the alert.
    fn clear_errors(form: &HtmlFormElement) {
        for message in all(form, ".field-error") {
            message.set_text_content(None);
            let _ = message.set_attribute("hidden", "");
        }
        for input in all(form, "[aria-invalid]") {
            let _ = input.remove_attribute("aria-invalid");
            describe(&input, false);
        }
        for alert in all(form, "[role=alert]") {
            alert.set_text_content(None);
            let _ = alert.set_attribute("hidden", "");
        }
    }

    /// Clears the previous errors, then shows each field's message beside it and the summary in
    /// the form's alert, and moves focus to the first field to fix.
    fn show_errors(form: &HtmlFormElement, err: &AppError) {
        clear_errors(form);
        let mut first_invalid = None;
        if let Some(fields) = err.field_errors() {
            for (name, text) in &fields.0 {
                // By name (a field's id may carry another prefix, see `form::Field`), else by
                // id (a group of checkboxes: its fieldset is `field-<name>`).
                let Some(input) = form
                    .query_selector(&format!("[name=\"{name}\"]"))
                    .ok()
                    .flatten()
                    .or_else(|| by_id(form, &format!("field-{name}")))
                else {
                    continue;
                };
                let Some(message) = by_id(form, &format!("{}-error", input.id())) else {
                    continue;
                };
                message.set_text_content(Some(&text.show()));
                let _ = message.remove_attribute("hidden");
                let _ = input.set_attribute("aria-invalid", "true");
                describe(&input, true);
                first_invalid.get_or_insert(input);
            }
        }
        if let Some(alert) = all(form, "[role=alert]").into_iter().next() {
            alert.set_text_content(Some(&err.message().show()));
            let _ = alert.remove_attribute("hidden");
        }
        if let Some(input) = first_invalid.and_then(|i| i.dyn_into::<HtmlElement>().ok()) {
            let _ = input.focus();
        }
    }

    /// Points `aria-describedby` at the field's hint (if any) and, with an error, its message.
    fn describe(input: &Element, with_error: bool) {
        let id = input.id();
        let form = input.closest("form").ok().flatten();
        let has_hint = form
            .as_ref()
            .and_then(|f| f.query_selector(&format!("#{id}-hint")).ok().flatten())
            .is_some();
        let ids: Vec<String> = [(has_hint, "hint"), (with_error, "error")]
            .into_iter()
            .filter(|(present, _)| *present)
            .map(|(_, part)| format!("{id}-{part}"))
            .collect();
        if ids.is_empty() {
            let _ = input.remove_attribute("aria-describedby");
        } else {
            let _ = input.set_attribute("aria-describedby", &ids.join(" "));
        }
    }

    fn by_id(form: &HtmlFormElement, id: &str) -> Option<Element> {
        form.query_selector(&format!("#{id}")).ok().flatten()
    }

    fn all(form: &HtmlFormElement, selector: &str) -> Vec<Element> {
        all_in(form, selector)
    }
}
