use crate::i18n::t;
use crate::i18n::Msg;
use leptos::prelude::*;
use leptos_meta::Title;

/// Any address we have no page for.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <main id="main" class="narrow">
            <NothingHere/>
        </main>
    }
}

/// An unknown address under `/settings/`: the same message inside the settings layout, so the
/// header and tabs lead on.
#[component]
pub fn NothingHere() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t(Msg::PageNotFoundProfileCenter)/>
        <h1>{t(Msg::PageNotFound)}</h1>
        <p>{t(Msg::ThereIsNothingAtThisAddress)}</p>
        <p><a href="/settings/profile">{t(Msg::GoToYourProfile)}</a></p>
    }
}
