//! Client-side navigation for the settings pages (islands with client-side routing).
//!
//! Links to another settings page, GET forms (filters, paging), back/forward and every
//! successful save fetch the server-rendered page and swap in its changed parts instead of
//! loading a new document: the header (bell, picture, name, language), the tab bar, the tab and
//! the title, plus `lang` and the theme on `<html>`. The WASM, the styles and anything the
//! page's own code keeps stay loaded; a form the person has typed into and not sent is moved
//! into the new page as it is, so nothing half-typed is lost. Without JavaScript none of this
//! runs and the same URLs are plain pages.
//!
//! Why swap server HTML instead of rendering every tab in the browser: the server already
//! renders each tab (it must, for people without JavaScript), and a tab's HTML is 3–6 KB
//! brotli, while shipping every tab's view code grew the one WASM file every page downloads
//! by 5–12 KB each (README, "Size per design").
//!
//! The avatar menu closes on Escape and on a click outside it. (The bell counts on its own:
//! `bell::Bell`.)

use std::cell::Cell;
use wasm_bindgen::{prelude::*, JsCast};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Document, DomParser, Element, Event, FormData, HtmlAnchorElement, HtmlElement, HtmlFormElement,
    KeyboardEvent, MouseEvent, RequestInit, Response, SupportedType, UrlSearchParams,
};

thread_local! {
    static STARTED: Cell<bool> = const { Cell::new(false) };
    /// Counts navigations so an answer to an older one never overwrites a newer page.
    static NAVIGATION: Cell<u32> = const { Cell::new(0) };
}

/// How the address bar follows a navigation.
#[derive(Clone, Copy, PartialEq)]
pub enum How {
    /// A link or a filter: a new history entry, scrolled to the top (or to its #fragment).
    Push,
    /// Back or forward: the browser already changed the address.
    Pop,
    /// A save: the page again with its new state, same scroll position, focus kept at the form.
    Saved,
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// Starts navigation once per document, on settings pages (the only ones with the layout that
/// can be swapped).
pub fn start() {
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    if !in_settings() {
        return;
    }
    listen(&window, "click", |event: Event| {
        let Some(event) = event.dyn_ref::<MouseEvent>() else {
            return;
        };
        close_menu_outside(event);
        if let Some(url) = link_target(event) {
            event.prevent_default();
            wasm_bindgen_futures::spawn_local(go(url, How::Push, None));
        }
    });
    listen(&window, "submit", |event: Event| {
        if event.default_prevented() {
            return; // an enhanced form posts itself
        }
        let Some(form) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Some(url) = get_form_target(&form) {
            event.prevent_default();
            wasm_bindgen_futures::spawn_local(go(url, How::Push, None));
        }
    });
    listen(&window, "popstate", |_: Event| {
        if let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) {
            wasm_bindgen_futures::spawn_local(go(href, How::Pop, None));
        }
    });
    listen(&window, "keydown", |event: Event| {
        if event.dyn_ref::<KeyboardEvent>().map(|k| k.key()).as_deref() == Some("Escape") {
            close_menu(true);
        }
    });
}

fn listen(target: &web_sys::EventTarget, name: &str, f: impl FnMut(Event) + 'static) {
    let listener = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref());
    // Lives as long as the page.
    listener.forget();
}

/// The settings layout's tab panel: what a navigation swaps. (Sign-in and the other pages have
/// a `main#main` too, but no tab panel, header or bell: they are never swapped.)
const PANEL: &str = "main#main.tab-panel";

fn in_settings() -> bool {
    document().and_then(|d| select(&d, PANEL)).is_some()
}

fn is_settings_path(path: &str) -> bool {
    path.starts_with("/settings/")
}

/// Whether a page showing `target` (a path with query) can replace this one in place.
pub fn can_swap_to(target: &str) -> bool {
    in_settings() && is_settings_path(target)
}

/// A plain left click on a same-origin link to a settings page, not to a fragment of this one.
fn link_target(event: &MouseEvent) -> Option<String> {
    if event.default_prevented()
        || event.button() != 0
        || event.meta_key()
        || event.ctrl_key()
        || event.shift_key()
        || event.alt_key()
    {
        return None;
    }
    let link = event
        .target()?
        .dyn_into::<Element>()
        .ok()?
        .closest("a[href]")
        .ok()??
        .dyn_into::<HtmlAnchorElement>()
        .ok()?;
    if link.has_attribute("target") || link.has_attribute("download") {
        return None;
    }
    let url = web_sys::Url::new(&link.href()).ok()?;
    let location = web_sys::window()?.location();
    if url.origin() != location.origin().ok()? || !is_settings_path(&url.pathname()) {
        return None;
    }
    let same_page =
        url.pathname() == location.pathname().ok()? && url.search() == location.search().ok()?;
    if same_page && !url.hash().is_empty() {
        return None; // the browser scrolls to it
    }
    Some(url.href())
}

/// A GET form (a filter, a page of a list) on a settings page: its URL with the fields.
fn get_form_target(form: &HtmlFormElement) -> Option<String> {
    if !form.method().eq_ignore_ascii_case("get") || form.has_attribute("target") {
        return None;
    }
    let url = web_sys::Url::new(&form.action()).ok()?;
    if !is_settings_path(&url.pathname()) {
        return None;
    }
    url.set_search(&serialize(form)?);
    Some(url.href())
}

/// The form's fields as a query string (file inputs as their file's name).
pub fn serialize(form: &HtmlFormElement) -> Option<String> {
    let data = FormData::new_with_form(form).ok()?;
    Some(
        UrlSearchParams::new_with_str_sequence_sequence(&data)
            .ok()?
            .to_string()
            .into(),
    )
}

/// A form whose fields differ from what the page showed (remembered when it was enhanced).
fn is_dirty(form: &HtmlFormElement) -> bool {
    match form.get_attribute("data-initial") {
        Some(initial) => serialize(form).is_some_and(|now| now != initial),
        None => false,
    }
}

/// Goes to `url` in place: fetches the page and swaps in what changed. Anything unexpected
/// (a redirect out of the settings, an error page, no network) becomes an ordinary page load,
/// so the person always ends where the server sent them.
pub async fn go(url: String, how: How, submitted: Option<HtmlFormElement>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let number = NAVIGATION.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    pending(true);
    let fetched = fetch_page(&url).await;
    if NAVIGATION.with(|n| n.get()) != number {
        return; // a later navigation is under way
    }
    let Some((mut final_url, html)) = fetched else {
        let _ = window.location().assign(&url);
        return;
    };
    // A response's URL has no #fragment: keep the one asked for (the bell's #inbox).
    if let Some((_, fragment)) = url.split_once('#') {
        final_url = format!(
            "{}#{fragment}",
            final_url.split('#').next().unwrap_or_default()
        );
    }
    let parsed = DomParser::new()
        .ok()
        .and_then(|p| p.parse_from_string(&html, SupportedType::TextHtml).ok());
    let Some(new_doc) = parsed.filter(|d| select(d, PANEL).is_some()) else {
        let _ = window.location().assign(&final_url);
        return;
    };
    let scroll = window.scroll_y().unwrap_or(0.0);
    let key = submitted
        .as_ref()
        .zip(document().and_then(|d| select(&d, PANEL)))
        .and_then(|(form, main)| form_key(&main, form));
    swap(&new_doc, key.as_deref());
    if let Ok(history) = window.history() {
        let _ = match how {
            How::Push => history.push_state_with_url(&JsValue::NULL, "", Some(&final_url)),
            How::Saved | How::Pop => {
                history.replace_state_with_url(&JsValue::NULL, "", Some(&final_url))
            }
        };
    }
    wake_new_islands();
    pending(false);
    match how {
        How::Saved => {
            window.scroll_to_with_x_and_y(0.0, scroll);
            after_save(key.as_deref());
        }
        How::Push | How::Pop => {
            let fragment = web_sys::Url::new(&final_url)
                .map(|u| u.hash())
                .unwrap_or_default();
            let target = fragment
                .strip_prefix('#')
                .filter(|f| !f.is_empty())
                .and_then(|f| document()?.get_element_by_id(f));
            match target {
                Some(target) => target.scroll_into_view(),
                None => window.scroll_to_with_x_and_y(0.0, 0.0),
            }
            focus_heading();
        }
    }
    // Tests and tools wait for this instead of a load event.
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let done = root
            .get_attribute("data-navigations")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
        let _ = root.set_attribute("data-navigations", &(done + 1).to_string());
    }
}

/// The page's final URL and HTML, or `None` where only a real page load will do.
async fn fetch_page(url: &str) -> Option<(String, String)> {
    let init = RequestInit::new();
    let headers = web_sys::Headers::new().ok()?;
    let _ = headers.set("Accept", "text/html");
    init.set_headers(&headers);
    let response: Response = JsFuture::from(web_sys::window()?.fetch_with_str_and_init(url, &init))
        .await
        .ok()?
        .unchecked_into();
    // "Page not found" is a settings page too; anything else that is not OK gets a real load.
    let final_url = response.url();
    let path = web_sys::Url::new(&final_url).ok()?.pathname();
    if !(response.ok() || response.status() == 404) || !is_settings_path(&path) {
        return None;
    }
    let text = JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    Some((final_url, text))
}

/// Swaps the new page's header, tab bar, tab and title in. The form just sent (`submitted`, its
/// `form_key`) is not kept: the new page shows it with its new state.
fn swap(new_doc: &Document, submitted: Option<&str>) {
    let Some(doc) = document() else {
        return;
    };
    doc.set_title(&new_doc.title());
    if let (Some(old), Some(new)) = (doc.document_element(), new_doc.document_element()) {
        for name in ["lang", "data-theme"] {
            match new.get_attribute(name) {
                Some(value) => old.set_attribute(name, &value).ok(),
                None => old.remove_attribute(name).ok(),
            };
        }
    }
    for selector in ["header.site-header", "nav.tabs", "dialog#reauth"] {
        if let (Some(old), Some(new)) = (select(&doc, selector), select(new_doc, selector)) {
            let _ = old.replace_with_with_node_1(&new);
        }
    }
    let (Some(old_main), Some(new_main)) = (select(&doc, PANEL), select(new_doc, PANEL)) else {
        return;
    };
    // Forms the person has typed into, except the one just sent, move into the new page as they
    // are (matched by where they post and their place among forms posting there).
    // All pairs first: moving a form changes the places of the others.
    let moves: Vec<(HtmlFormElement, HtmlFormElement)> = forms(&old_main)
        .into_iter()
        .filter(|f| is_dirty(f))
        .filter_map(|form| {
            let key = form_key(&old_main, &form).filter(|k| Some(k.as_str()) != submitted)?;
            Some((find_form(&new_main, &key)?, form))
        })
        .collect();
    for (counterpart, form) in moves {
        let _ = counterpart.replace_with_with_node_1(&form);
    }
    let _ = old_main.replace_with_with_node_1(&new_main);
}

fn select(doc: &Document, selector: &str) -> Option<Element> {
    doc.query_selector(selector).ok().flatten()
}

fn forms(root: &Element) -> Vec<HtmlFormElement> {
    let Ok(list) = root.query_selector_all("form") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|n| n.dyn_into::<HtmlFormElement>().ok())
        .collect()
}

/// Where a form posts and which of the forms posting there it is: "remove_email#2".
fn form_key(root: &Element, form: &HtmlFormElement) -> Option<String> {
    let action = form.get_attribute("action")?;
    let index = forms(root)
        .iter()
        .filter(|f| f.get_attribute("action").as_deref() == Some(&action))
        .position(|f| f == form)?;
    Some(format!("{action}#{index}"))
}

fn find_form(root: &Element, key: &str) -> Option<HtmlFormElement> {
    forms(root)
        .into_iter()
        .find(|f| form_key(root, f).as_deref() == Some(key))
}

/// Wakes the islands that came with the new page as the first load did (`ui/islands.js`).
fn wake_new_islands() {
    if let Some(doc) = document() {
        if let Ok(event) = Event::new("islands:swapped") {
            let _ = doc.dispatch_event(&event);
        }
    }
}

/// After a save: the new page's status message is read out by the page's live region, and
/// focus goes back to the form (its first button), or to the message where the form is gone
/// (a revoked key's row).
fn after_save(key: Option<&str>) {
    let Some(doc) = document() else {
        return;
    };
    let main = select(&doc, PANEL);
    let form = key.and_then(|k| main.as_ref().and_then(|m| find_form(m, k)));
    // What the save says: the form's own message, else the page's, but not a sudo window's
    // countdown (which is also a status).
    let shown_status = |root: &Element, outside_sudo: bool| {
        let list = root
            .query_selector_all("[role=status]:not([hidden])")
            .ok()?;
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
            .filter(|e| !outside_sudo || e.closest("[data-sudo-left]").ok().flatten().is_none())
            .find(|e| !e.text_content().unwrap_or_default().trim().is_empty())
    };
    let status = form
        .as_ref()
        .and_then(|f| shown_status(f, false))
        .or_else(|| main.as_ref().and_then(|m| shown_status(m, true)));
    if let (Some(announcer), Some(status)) = (select(&doc, "#announcer"), status.as_ref()) {
        // Emptied first, so the same words twice in a row are read twice.
        announcer.set_text_content(None);
        announcer.set_text_content(status.text_content().as_deref());
    }
    let button = form
        .and_then(|f| {
            f.query_selector("button[type=submit]:not([hidden])")
                .ok()
                .flatten()
        })
        .and_then(|b| b.dyn_into::<HtmlElement>().ok());
    match (button, status) {
        (Some(button), _) => focus_without_scroll(&button),
        (None, Some(status)) => {
            let _ = status.set_attribute("tabindex", "-1");
            focus_without_scroll(&status);
        }
        (None, None) => focus_heading(),
    }
}

fn focus_without_scroll(element: &HtmlElement) {
    let options = web_sys::FocusOptions::new();
    options.set_prevent_scroll(true);
    let _ = element.focus_with_options(&options);
}

/// After moving to another tab, its heading takes focus so screen readers announce the page.
fn focus_heading() {
    if let Some(heading) = document()
        .and_then(|d| select(&d, &format!("{PANEL} h1")))
        .and_then(|h| h.dyn_into::<HtmlElement>().ok())
    {
        let _ = heading.set_attribute("tabindex", "-1");
        focus_without_scroll(&heading);
    }
}

/// While a page is on its way: a thin bar at the top (CSS, after a short delay so quick
/// answers show nothing) and `aria-busy` on the tab.
fn pending(on: bool) {
    let Some(doc) = document() else {
        return;
    };
    if let Some(root) = doc.document_element() {
        let _ = root.class_list().toggle_with_force("navigating", on);
    }
    if let Some(main) = select(&doc, PANEL) {
        let _ = match on {
            true => main.set_attribute("aria-busy", "true"),
            false => main.remove_attribute("aria-busy"),
        };
    }
}

fn close_menu(refocus: bool) {
    let Some(menu) = document().and_then(|d| select(&d, "details.avatar-menu[open]")) else {
        return;
    };
    let _ = menu.remove_attribute("open");
    if refocus {
        focus_first(&menu, "summary");
    }
}

/// Focuses the first element under `root` that matches `selector`; false when there is none.
pub fn focus_first(root: &Element, selector: &str) -> bool {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        .is_some_and(|e| e.focus().is_ok())
}

fn close_menu_outside(event: &MouseEvent) {
    let inside = event
        .target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|e| e.closest("details.avatar-menu").ok().flatten())
        .is_some();
    if !inside {
        close_menu(false);
    }
}
