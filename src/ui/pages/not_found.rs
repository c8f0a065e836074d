use crate::i18n::t;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
        options.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t("Page not found · Profile Center")/>
        <main id="main" class="narrow">
            <h1>{t("Page not found")}</h1>
            <p>{t("There is nothing at this address.")}</p>
            <p><a href="/settings/profile">{t("Go to your profile")}</a></p>
        </main>
    }
}
