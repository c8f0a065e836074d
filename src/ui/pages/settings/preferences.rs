//! The Preferences tab: time zone (searchable list; the browser's zone until one is chosen),
//! date and time formats, first day of the week, rows per page, theme and language. They apply
//! to every page at once: times and lists are rendered on the server the person's way.

use crate::i18n::t;
use crate::i18n::Msg;
use crate::{
    api::preferences::{get_preferences, SavePreferences},
    error::AppError,
    model::preferences::{
        zone_names, DateFormat, LanguageChoice, Preferences, Theme, TimeFormat, WeekStart,
        ROWS_PER_PAGE,
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

/// `<option>`s for a select of a vocabulary, with the current value selected.
fn options<T: Copy + PartialEq + 'static>(
    all: &'static [T],
    current: T,
    word: fn(T) -> &'static str,
    label: fn(T) -> Msg,
) -> impl IntoView {
    all.iter()
        .map(move |v| view! { <option value=word(*v) selected=*v == current>{t(label(*v))}</option> })
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
                    <Select label=Msg::DateFormat name="date_format" error=error.clone()>{options(DateFormat::ALL, prefs.date_format, DateFormat::as_str, DateFormat::label)}</Select>
                    <Select label=Msg::TimeFormat name="time_format" error=error.clone()>{options(TimeFormat::ALL, prefs.time_format, TimeFormat::as_str, TimeFormat::label)}</Select>
                </div>
                <div class="row">
                    <Select label=Msg::FirstDayOfTheWeek name="week_start" error=error.clone()>{options(WeekStart::ALL, prefs.week_start, WeekStart::as_str, WeekStart::label)}</Select>
                    <Select label=Msg::RowsPerPage name="rows_per_page" error=error.clone()>
                        {ROWS_PER_PAGE.iter().map(|n| view! { <option value=n.to_string() selected=*n == prefs.rows_per_page>{n.to_string()}</option> }).collect_view()}
                    </Select>
                </div>
                <div class="row">
                    <Select label=Msg::Theme name="theme" error=error.clone()>{options(Theme::ALL, prefs.theme, Theme::as_str, Theme::label)}</Select>
                    <Select label=Msg::Language name="language" error=error.clone()>
                        // Each language is named in itself, marked as such for screen readers.
                        {LanguageChoice::ALL
                            .iter()
                            .map(|choice| {
                                let word = choice.as_str();
                                let lang = (*choice != LanguageChoice::Auto).then_some(word);
                                view! { <option value=word lang=lang selected=*choice == prefs.language>{t(choice.label())}</option> }
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
