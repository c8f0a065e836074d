//! The Preferences tab's data: time zone, date and time formats, first day of the week, rows per
//! page, theme and language, with the rules that check them and the one function that shows a
//! timestamp the way a person chose (`Preferences::format`).
//!
//! Time zones come from the IANA database compiled into the server (chrono-tz). Pages are
//! rendered on the server and the browser never formats a time, so the WASM carries no zone data.

use crate::error::FieldErrors;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

super::vocabulary! {
    pub enum DateFormat {
        Iso = "iso" => ISO20261124,
        Intl = "intl" => International24112026,
        Us = "us" => US11242026,
    }
}

super::vocabulary! {
    pub enum TimeFormat {
        H24 = "24h" => N24Hour1405,
        H12 = "12h" => N12Hour205PM,
    }
}

super::vocabulary! {
    pub enum WeekStart {
        Monday = "monday" => Monday,
        Sunday = "sunday" => Sunday,
        Saturday = "saturday" => Saturday,
    }
}

super::vocabulary! {
    pub enum Theme {
        System = "system" => SameAsMySystem,
        Light = "light" => Light,
        Dark = "dark" => Dark,
    }
}

super::vocabulary! {
    /// `auto` follows the browser's `Accept-Language` (see `i18n::Lang::resolve`). The
    /// languages are named in themselves, as language pickers do.
    pub enum LanguageChoice {
        Auto = "auto" => SameAsMyBrowser,
        En = "en" => LanguageEnglish,
        De = "de" => LanguageDeutsch,
    }
}

pub const ROWS_PER_PAGE: &[u32] = &[10, 25, 50, 100];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// IANA name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Whether the person chose the zone (else it came from their browser, or is UTC).
    pub zone_chosen: bool,
    pub date_format: DateFormat,
    pub time_format: TimeFormat,
    pub week_start: WeekStart,
    pub rows_per_page: u32,
    pub theme: Theme,
    pub language: LanguageChoice,
    /// Saves so far (0: never saved): a save from an older copy of the form is refused.
    #[serde(default)]
    pub version: i64,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            time_zone: "UTC".into(),
            zone_chosen: false,
            date_format: DateFormat::Iso,
            time_format: TimeFormat::H24,
            week_start: WeekStart::Monday,
            rows_per_page: 25,
            theme: Theme::System,
            language: LanguageChoice::Auto,
            version: 0,
        }
    }
}

/// The Preferences form as posted: every field a word to check.
#[derive(Debug, Clone, Default)]
pub struct PreferencesInput {
    pub time_zone: String,
    pub date_format: String,
    pub time_format: String,
    pub week_start: String,
    pub rows_per_page: String,
    pub theme: String,
    pub language: String,
}

/// Checks the form; every field must be one of the offered values (the zone one the database
/// knows). Every field's error at once.
pub fn validate(input: &PreferencesInput) -> Result<Preferences, FieldErrors> {
    let mut errors = FieldErrors::new();
    let time_zone = input.time_zone.trim().to_string();
    if !known_zone(&time_zone) {
        errors.add("time_zone", Msg::ChooseATimeZoneFromThe);
    }
    let date_format = DateFormat::parse(&input.date_format);
    if date_format.is_none() {
        errors.add("date_format", Msg::ChooseOneOfTheDateFormats);
    }
    let time_format = TimeFormat::parse(&input.time_format);
    if time_format.is_none() {
        errors.add("time_format", Msg::Choose12HourOr24Hour);
    }
    let week_start = WeekStart::parse(&input.week_start);
    if week_start.is_none() {
        errors.add("week_start", Msg::ChooseMondaySundayOrSaturday);
    }
    let rows_per_page = input
        .rows_per_page
        .trim()
        .parse()
        .ok()
        .filter(|r| ROWS_PER_PAGE.contains(r));
    if rows_per_page.is_none() {
        errors.add("rows_per_page", Msg::Choose102550Or100);
    }
    let theme = Theme::parse(&input.theme);
    if theme.is_none() {
        errors.add("theme", Msg::ChooseSystemLightOrDark);
    }
    let language = LanguageChoice::parse(&input.language);
    if language.is_none() {
        errors.add("language", Msg::ChooseOneOfTheLanguagesOffered);
    }
    match (
        date_format,
        time_format,
        week_start,
        rows_per_page,
        theme,
        language,
    ) {
        (
            Some(date_format),
            Some(time_format),
            Some(week_start),
            Some(rows_per_page),
            Some(theme),
            Some(language),
        ) if errors.is_empty() => Ok(Preferences {
            time_zone,
            zone_chosen: true,
            date_format,
            time_format,
            week_start,
            rows_per_page,
            theme,
            language,
            version: 0,
        }),
        _ => Err(errors),
    }
}

#[cfg(feature = "ssr")]
pub fn known_zone(name: &str) -> bool {
    name.parse::<chrono_tz::Tz>().is_ok()
}

#[cfg(not(feature = "ssr"))]
pub fn known_zone(name: &str) -> bool {
    !name.is_empty()
}

/// Every IANA zone name, for the searchable list.
#[cfg(feature = "ssr")]
pub fn zone_names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

#[cfg(not(feature = "ssr"))]
pub fn zone_names() -> Vec<&'static str> {
    Vec::new()
}

impl Preferences {
    /// A timestamp in the person's zone and formats, with the zone's abbreviation:
    /// "2026-11-24 15:05 CET", "24/11/2026 15:05 CET", "11/24/2026 3:05 PM CET".
    #[cfg(feature = "ssr")]
    pub fn format(&self, ts: i64) -> String {
        use chrono::{TimeZone, Timelike};
        let tz: chrono_tz::Tz = self.time_zone.parse().unwrap_or(chrono_tz::UTC);
        let Some(t) = tz.timestamp_opt(ts, 0).single() else {
            return super::sessions::format_utc(ts);
        };
        let date = match self.date_format {
            DateFormat::Us => t.format("%m/%d/%Y").to_string(),
            DateFormat::Intl => t.format("%d/%m/%Y").to_string(),
            DateFormat::Iso => t.format("%Y-%m-%d").to_string(),
        };
        let time = match self.time_format {
            TimeFormat::H12 => {
                let (pm, hour) = t.hour12();
                format!("{hour}:{:02} {}", t.minute(), if pm { "PM" } else { "AM" })
            }
            TimeFormat::H24 => t.format("%H:%M").to_string(),
        };
        format!("{date} {time} {}", t.format("%Z"))
    }

    /// Seconds to add to UTC for local wall-clock time in this zone at `ts`.
    #[cfg(feature = "ssr")]
    pub fn utc_offset(&self, ts: i64) -> i64 {
        use chrono::{Offset, TimeZone};
        let tz: chrono_tz::Tz = self.time_zone.parse().unwrap_or(chrono_tz::UTC);
        tz.timestamp_opt(ts, 0)
            .single()
            .map(|t| t.offset().fix().local_minus_utc() as i64)
            .unwrap_or(0)
    }

    /// When the weekly summary reaches this person: Monday 08:00 on their wall clock (see
    /// `notifications::next_monday_morning`), as a UTC timestamp.
    #[cfg(feature = "ssr")]
    pub fn next_monday_morning(&self, now: i64) -> i64 {
        let local = super::notifications::next_monday_morning(now + self.utc_offset(now));
        // The offset that holds at that moment (it differs from today's across a clock change).
        let guess = local - self.utc_offset(now);
        local - self.utc_offset(guess)
    }

    /// Without the server's zone data (the browser build, which never renders times): UTC.
    #[cfg(not(feature = "ssr"))]
    pub fn format(&self, ts: i64) -> String {
        super::sessions::format_utc(ts)
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn prefs(zone: &str, date: &str, time: &str) -> Preferences {
        Preferences {
            time_zone: zone.into(),
            date_format: DateFormat::parse(date).unwrap(),
            time_format: TimeFormat::parse(time).unwrap(),
            ..Preferences::default()
        }
    }

    // 2026-11-24 14:05:00 UTC
    const T: i64 = 1_795_529_100;

    #[test]
    fn the_same_moment_reads_in_each_zone_and_format() {
        assert_eq!(prefs("UTC", "iso", "24h").format(T), "2026-11-24 14:05 UTC");
        assert_eq!(
            prefs("Europe/Berlin", "intl", "24h").format(T),
            "24/11/2026 15:05 CET"
        );
        assert_eq!(
            prefs("America/New_York", "us", "12h").format(T),
            "11/24/2026 9:05 AM EST"
        );
        assert_eq!(
            prefs("Asia/Kolkata", "iso", "12h").format(T),
            "2026-11-24 7:35 PM IST"
        );
        assert_eq!(
            prefs("UTC", "iso", "12h").format(T - 14 * 3600),
            "2026-11-24 12:05 AM UTC"
        );
        assert_eq!(
            prefs("UTC", "iso", "12h").format(T - 2 * 3600),
            "2026-11-24 12:05 PM UTC"
        );
    }

    #[test]
    fn odd_offsets_and_the_date_line_are_honoured() {
        // Chatham Islands: +13:45 in the southern summer.
        assert_eq!(
            prefs("Pacific/Chatham", "iso", "24h").format(T),
            "2026-11-25 03:50 +1345"
        );
        // Kiribati's Line Islands, UTC+14: already the next day.
        assert_eq!(
            prefs("Pacific/Kiritimati", "iso", "24h").format(T),
            "2026-11-25 04:05 +14"
        );
        assert_eq!(
            prefs("Asia/Kathmandu", "iso", "24h").format(T),
            "2026-11-24 19:50 +0545"
        );
    }

    #[test]
    fn clocks_changing_for_daylight_saving_never_skip_or_repeat_an_instant() {
        // Berlin sprang forward on 2026-03-29: 01:59:59 UTC+1 → 03:00 UTC+2 (02:xx never happens).
        let before = 1_774_745_940; // 2026-03-29 00:59 UTC
        assert_eq!(
            prefs("Europe/Berlin", "iso", "24h").format(before),
            "2026-03-29 01:59 CET"
        );
        assert_eq!(
            prefs("Europe/Berlin", "iso", "24h").format(before + 60),
            "2026-03-29 03:00 CEST"
        );
        // …and fell back on 2026-10-25: 02:30 happens twice, told apart by the abbreviation.
        let first = 1_792_888_200; // 2026-10-25 00:30 UTC
        assert_eq!(
            prefs("Europe/Berlin", "iso", "24h").format(first),
            "2026-10-25 02:30 CEST"
        );
        assert_eq!(
            prefs("Europe/Berlin", "iso", "24h").format(first + 3600),
            "2026-10-25 02:30 CET"
        );
    }

    #[test]
    fn the_weekly_summary_goes_out_monday_8am_on_the_persons_clock() {
        let tuesday = T; // 2026-11-24
        let berlin = prefs("Europe/Berlin", "iso", "24h");
        // Next Monday 2026-11-30 08:00 CET = 07:00 UTC.
        assert_eq!(
            berlin.format(berlin.next_monday_morning(tuesday)),
            "2026-11-30 08:00 CET"
        );
        let chatham = prefs("Pacific/Chatham", "iso", "24h");
        assert_eq!(
            chatham.format(chatham.next_monday_morning(tuesday)),
            "2026-11-30 08:00 +1345"
        );
        let utc = prefs("UTC", "iso", "24h");
        assert_eq!(
            utc.next_monday_morning(tuesday),
            super::super::notifications::next_monday_morning(tuesday)
        );
    }

    #[test]
    fn unknown_zones_formats_and_languages_are_refused() {
        let good = PreferencesInput {
            time_zone: "Europe/Berlin".into(),
            date_format: "intl".into(),
            time_format: "12h".into(),
            week_start: "sunday".into(),
            rows_per_page: "50".into(),
            theme: "dark".into(),
            language: "de".into(),
        };
        let saved = validate(&good).unwrap();
        assert_eq!(
            (saved.date_format, saved.theme, saved.language),
            (DateFormat::Intl, Theme::Dark, LanguageChoice::De)
        );
        let bad = PreferencesInput {
            time_zone: "Mars/Olympus_Mons".into(),
            date_format: "julian".into(),
            time_format: "36h".into(),
            week_start: "friday".into(),
            rows_per_page: "7".into(),
            theme: "neon".into(),
            language: "tlh".into(),
        };
        let errors = validate(&bad).unwrap_err();
        for field in [
            "time_zone",
            "date_format",
            "time_format",
            "week_start",
            "rows_per_page",
            "theme",
            "language",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert!(known_zone("Pacific/Chatham") && known_zone("America/Argentina/Buenos_Aires"));
    }
}
