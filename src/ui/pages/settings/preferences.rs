//! The Preferences tab: time zone (searchable list; the browser's zone until one is chosen),
//! date and time formats, first day of the week, rows per page, theme and language. They apply
//! to every page at once: times and lists are rendered on the server the person's way.

use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    api::preferences::{get_preferences, SavePreferences},
    error::AppError,
    model::preferences::{
        zone_names, Preferences, DATE_FORMATS, LANGUAGES, ROWS_PER_PAGE, THEMES, TIME_FORMATS,
        WEEK_STARTS,
    },
    ui::components::{
        enhance::Enhanced,
        form::{field_message, url_error, FormAlert, Select, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn PreferencesTab() -> impl IntoView {
    let saved = use_query_map().get_untracked().get("done").is_some();
    let error = url_error::<SavePreferences>();
    let prefs = Resource::new_blocking(|| (), |_| get_preferences());
    view! {
        <Title text=t(Msg::PreferencesSettingsProfileCenter)/>
        <h1>{t(Msg::Preferences)}</h1>
        <p class="lead">{t(Msg::HowTimesDatesAndListsLook)}</p>
        {(saved && error.is_none()).then(|| view! { <p class="status" role="status">{t(Msg::PreferencesSaved)}</p> })}
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match prefs.await {
                        Ok(prefs) => view! { <PreferencesForm prefs=prefs error=error/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// `<option>`s for a select, with the current value selected.
fn options(list: &'static [(&'static str, Msg)], current: &str) -> impl IntoView {
    list.iter()
        .map(|(value, label)| view! { <option value=*value selected=*value == current>{t(*label)}</option> })
        .collect_view()
}

#[component]
fn PreferencesForm(prefs: Preferences, error: Option<AppError>) -> impl IntoView {
    let zone_error = field_message(&error, "time_zone");
    let zone_hint = if prefs.zone_chosen {
        t(Msg::TypeToSearchEGEurope)
    } else {
        t(Msg::TypeToSearchEGEurope2)
    };
    let now = crate::ui::time::show(now());
    view! {
        <Enhanced>
            <form method="post" action=SavePreferences::url() class="stack" novalidate>
                <FormAlert error=error.clone()/>
                <input type="hidden" name="version" value=prefs.version/>
                <div class="field">
                    <label for="field-time_zone">{t(Msg::TimeZone)}</label>
                    <p class="hint" id="field-time_zone-hint">{zone_hint}</p>
                    <input
                        id="field-time_zone"
                        name="time_zone"
                        type="text"
                        list="time-zones"
                        value=prefs.time_zone.clone()
                        autocomplete="off"
                        spellcheck="false"
                        required=true
                        aria-invalid=zone_error.is_some().then_some("true")
                        aria-describedby=if zone_error.is_some() { "field-time_zone-hint field-time_zone-error" } else { "field-time_zone-hint" }
                    />
                    <datalist id="time-zones">
                        {zone_names().into_iter().map(|z| view! { <option value=z></option> }).collect_view()}
                    </datalist>
                    <p class="field-error" id="field-time_zone-error" hidden=zone_error.is_none()>{zone_error.clone()}</p>
                </div>
                <div class="row">
                    <Select label=Msg::DateFormat name="date_format" error=error.clone()>{options(DATE_FORMATS, &prefs.date_format)}</Select>
                    <Select label=Msg::TimeFormat name="time_format" error=error.clone()>{options(TIME_FORMATS, &prefs.time_format)}</Select>
                </div>
                <div class="row">
                    <Select label=Msg::FirstDayOfTheWeek name="week_start" error=error.clone()>{options(WEEK_STARTS, &prefs.week_start)}</Select>
                    <Select label=Msg::RowsPerPage name="rows_per_page" error=error.clone()>
                        {ROWS_PER_PAGE.iter().map(|n| view! { <option value=n.to_string() selected=*n == prefs.rows_per_page>{n.to_string()}</option> }).collect_view()}
                    </Select>
                </div>
                <div class="row">
                    <Select label=Msg::Theme name="theme" error=error.clone()>{options(THEMES, &prefs.theme)}</Select>
                    <Select label=Msg::Language name="language" error=error.clone()>
                        // Each language is named in itself, marked as such for screen readers.
                        {LANGUAGES
                            .iter()
                            .map(|(value, label)| {
                                let lang = (*value != "auto").then_some(*value);
                                view! { <option value=*value lang=lang selected=*value == prefs.language>{t(*label)}</option> }
                            })
                            .collect_view()}
                    </Select>
                </div>
                <p class="hint">{t(Msg::RightNowWithWhatIsSaved)}<time>{now}</time></p>
                <SubmitButton label=Msg::SavePreferences pending_label=Msg::Saving/>
            </form>
        </Enhanced>
    }
}

fn now() -> i64 {
    #[cfg(feature = "ssr")]
    {
        crate::server::now()
    }
    #[cfg(not(feature = "ssr"))]
    {
        0
    }
}
