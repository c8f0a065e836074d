use crate::i18n::t;
use crate::i18n::Msg;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t(Msg::PageNotFoundProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::PageNotFound)}</h1>
            <p>{t(Msg::ThereIsNothingAtThisAddress)}</p>
            <p><a href="/settings/profile">{t(Msg::GoToYourProfile)}</a></p>
        </main>
    }
}
