//! The Notifications tab's data and the rules that decide what a person hears about: the topics
//! they can subscribe to (each with a switch per channel and its own options), the defaults,
//! and the pure decisions the router and scheduler make (thresholds, severity, build filters,
//! reminder dates).

use crate::error::FieldErrors;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

/// Where a notification is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    InApp,
}

super::vocabulary! {
    /// What a notification is about: the subscriptions table's rows, and `test` for the test
    /// sends (which nobody subscribes to).
    pub enum Topic {
        Invoices = "invoices" => NewInvoices,
        PaymentReminders = "payment_reminders" => PaymentReminders,
        MonthEnd = "month_end" => InvoiceReminderBeforeMonthEnd,
        Credits = "credits" => CreditsUtilization,
        Quota = "quota" => CloudQuotaUtilization,
        CostAnomalies = "cost_anomalies" => CostAnomalies,
        KnownIssues = "known_issues" => KnownInfrastructureIssues,
        Maintenance = "maintenance" => MaintenanceAndOutages,
        Builds = "builds" => PipelineBuilds,
        WeeklySummary = "weekly_summary" => WeeklyUsageSummary,
        News = "news" => NewsAndAnnouncements,
        Security = "security" => SecurityNotices,
        Test = "test" => TestNotification,
    }
}

/// One row of the subscriptions table: a topic with its description and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicInfo {
    pub topic: Topic,
    pub description: Msg,
    pub email: bool,
    pub in_app: bool,
    /// Security notices: always e-mailed; the e-mail switch is shown locked.
    pub locked_email: bool,
}

const fn row(topic: Topic, description: Msg, email: bool, in_app: bool) -> TopicInfo {
    TopicInfo {
        topic,
        description,
        email,
        in_app,
        locked_email: false,
    }
}

/// Every topic one subscribes to, in the order the tab lists them. Defaults: security on
/// (locked), invoices and payment reminders by e-mail (and in the app), builds off, the rest in
/// the app only.
pub const TOPICS: &[TopicInfo] = &[
    row(Topic::Invoices, Msg::WhenAnInvoiceIsIssued, true, true),
    row(
        Topic::PaymentReminders,
        Msg::AnInvoiceDueIn7Days,
        true,
        true,
    ),
    row(Topic::MonthEnd, Msg::N3DaysBeforeTheEndOf, false, true),
    row(Topic::Credits, Msg::When75PercentAndWhen100, false, true),
    row(Topic::Quota, Msg::WhenAQuotaPasses50Percent, false, true),
    row(
        Topic::CostAnomalies,
        Msg::UnusualSpendingFromTheSeverityYou,
        false,
        true,
    ),
    row(
        Topic::KnownIssues,
        Msg::ProblemsOnThePlatformThatMay,
        false,
        true,
    ),
    row(
        Topic::Maintenance,
        Msg::PlannedMaintenanceAndOutages,
        false,
        true,
    ),
    row(
        Topic::Builds,
        Msg::BuildsTriggeredByYourPushesAnd,
        false,
        false,
    ),
    row(
        Topic::WeeklySummary,
        Msg::MondayMorningInYourTimeZone,
        false,
        true,
    ),
    row(Topic::News, Msg::ProductNews, false, true),
    TopicInfo {
        topic: Topic::Security,
        description: Msg::PasswordChangedTwoFactorSignIn,
        email: true,
        in_app: true,
        locked_email: true,
    },
];

impl Topic {
    /// Its row in the subscriptions table (`None` for `test`).
    pub fn info(self) -> Option<&'static TopicInfo> {
        TOPICS.iter().find(|t| t.topic == self)
    }
}

super::vocabulary! {
    /// Cost anomalies are sent from the severity a person chooses.
    pub enum Severity {
        Information = "information" => Information,
        Warning = "warning" => Warning,
        Critical = "critical" => Critical,
    }
}

super::vocabulary! {
    /// Which finished builds to hear about.
    pub enum BuildOutcomes {
        Failed = "failed" => FailedBuilds,
        Successful = "successful" => SuccessfulBuilds,
        Both = "both" => Both,
    }
}

super::vocabulary! {
    /// What started a build: pushes and schedules, or a person by hand (`manual`); the label
    /// is the sentence a build notification says it with.
    pub enum Trigger {
        Push = "push" => Push,
        Schedule = "schedule" => Schedule,
        Manual = "manual" => Manual,
    }
}

/// A person's choice for one topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Subscription {
    pub topic: Topic,
    pub email: bool,
    pub in_app: bool,
    /// Cost anomalies: the lowest severity to hear about.
    pub min_severity: Severity,
    /// Builds: which outcomes.
    pub build_outcomes: BuildOutcomes,
    /// Builds: also manual runs the person started.
    pub include_manual: bool,
}

impl Subscription {
    pub fn default_for(info: &TopicInfo) -> Self {
        Subscription {
            topic: info.topic,
            email: info.email,
            in_app: info.in_app,
            min_severity: Severity::Warning,
            build_outcomes: BuildOutcomes::Failed,
            include_manual: false,
        }
    }

    /// Whether this channel delivers; security e-mail cannot be turned off.
    pub fn wants(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email || self.topic.info().is_some_and(|t| t.locked_email),
            Channel::InApp => self.in_app,
        }
    }
}

/// The subscriptions form: the topics ticked per channel and the options, checked. Unknown
/// topics or options are refused; security stays e-mailed whatever was sent.
pub fn subscriptions_from_form(
    email: &[String],
    in_app: &[String],
    min_severity: &str,
    build_outcomes: &str,
    include_manual: bool,
) -> Result<Vec<Subscription>, FieldErrors> {
    let mut errors = FieldErrors::new();
    for word in email.iter().chain(in_app) {
        if Topic::parse(word).and_then(Topic::info).is_none() {
            errors.add("topics", Msg::UnknownTopic.with(&[word.as_str()]));
            break;
        }
    }
    let severity = Severity::parse(min_severity);
    if severity.is_none() {
        errors.add("min_severity", Msg::ChooseInformationWarningOrCritical);
    }
    let outcomes = BuildOutcomes::parse(build_outcomes);
    if outcomes.is_none() {
        errors.add("build_outcomes", Msg::ChooseFailedSuccessfulOrBoth);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(TOPICS
        .iter()
        .map(|t| Subscription {
            topic: t.topic,
            email: t.locked_email || email.iter().any(|k| k == t.topic.as_str()),
            in_app: in_app.iter().any(|k| k == t.topic.as_str()),
            min_severity: severity.unwrap_or(Severity::Warning),
            build_outcomes: outcomes.unwrap_or(BuildOutcomes::Failed),
            include_manual,
        })
        .collect())
}

/// The thresholds (in percent) a credit grant's usage notifies at, each once per grant.
pub const CREDIT_THRESHOLDS: [u32; 2] = [75, 100];
/// A quota notifies when its usage passes this percentage (again after dropping below).
pub const QUOTA_THRESHOLD: u32 = 50;

/// Usage as a whole percentage, rounded down (a zero total counts as fully used).
pub fn percent(used: f64, total: f64) -> u32 {
    if total <= 0.0 {
        return 100;
    }
    ((used / total) * 100.0).floor().clamp(0.0, 10_000.0) as u32
}

/// The credit thresholds newly reached: those at or below `percent` that were not already
/// notified for this grant (`already`), lowest first. Jumping from 10 % to 100 % reaches both.
pub fn credit_thresholds_reached(percent: u32, already: &[u32]) -> Vec<u32> {
    CREDIT_THRESHOLDS
        .into_iter()
        .filter(|t| percent >= *t && !already.contains(t))
        .collect()
}

/// Whether a quota's usage crosses the threshold now: above it while the last reading was not.
pub fn quota_crossed(percent: u32, was_above: bool) -> bool {
    percent > QUOTA_THRESHOLD && !was_above
}

/// Whether a finished build is one this subscription asks about.
pub fn build_wanted(sub: &Subscription, succeeded: bool, trigger: Trigger) -> bool {
    let outcome_ok = match sub.build_outcomes {
        BuildOutcomes::Both => true,
        BuildOutcomes::Successful => succeeded,
        BuildOutcomes::Failed => !succeeded,
    };
    let trigger_ok = match trigger {
        Trigger::Push | Trigger::Schedule => true,
        Trigger::Manual => sub.include_manual,
    };
    outcome_ok && trigger_ok
}

/// Days from the civil date to a payment reminder: due in 7 days, overdue by 4 and by 10.
pub const PAYMENT_REMINDERS: [(&str, i64); 3] = [
    ("due_in_7_days", -7),
    ("overdue_4_days", 4),
    ("overdue_10_days", 10),
];

/// Days since 1970-01-01 of a civil date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DD` → unix seconds at 00:00 UTC, for real dates only.
pub fn parse_date(raw: &str) -> Option<i64> {
    let mut parts = raw.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Unix seconds → `YYYY-MM-DD` (UTC).
pub fn format_date(ts: i64) -> String {
    crate::model::sessions::rfc3339(ts)[..10].to_string()
}

/// When the weekly summary goes out, on a wall clock (`now` and the result in that clock's
/// seconds; `Preferences::next_monday_morning` applies the person's zone): the next Monday
/// 08:00, or right away when it is Monday morning (08:00–12:00) now.
pub fn next_monday_morning(now: i64) -> i64 {
    let day = now.div_euclid(86_400);
    // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
    let weekday = (day + 3).rem_euclid(7);
    let monday_8 = (day - weekday) * 86_400 + 8 * 3600;
    if now >= monday_8 && now < monday_8 + 4 * 3600 {
        now
    } else if now < monday_8 {
        monday_8
    } else {
        monday_8 + 7 * 86_400
    }
}

/// The month-end reminder's window: from 09:00 UTC three days before the month's last day
/// until the month ends. Inside it, the month as `YYYY-MM`.
pub fn month_end_window(now: i64) -> Option<String> {
    let ymd = crate::model::sessions::rfc3339(now);
    let (y, m): (i64, u32) = (ymd[..4].parse().ok()?, ymd[5..7].parse().ok()?);
    let last = days_in_month(y, m);
    let starts = days_from_civil(y, m, last - 3) * 86_400 + 9 * 3600;
    let ends = (days_from_civil(y, m, last) + 1) * 86_400;
    (now >= starts && now < ends).then(|| ymd[..7].to_string())
}

/// One in-app notification, as the inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: String,
    pub topic: Topic,
    pub title: String,
    pub body: String,
    /// Where it leads (a path in the console or here); empty for none.
    pub link: String,
    pub created_at: i64,
    pub read: bool,
    /// The matching e-mail's delivery: "queued", "sent", "retrying", "failed", or empty when
    /// it was not e-mailed.
    pub email_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsPage {
    pub subscriptions: Vec<Subscription>,
    /// Saves of the subscriptions so far, sent back with the form (see `save_subscriptions`).
    pub version: i64,
    /// The latest notification e-mails: title, queued at, delivery status.
    pub emails: Vec<(String, i64, String)>,
    pub inbox: Vec<NotificationView>,
    pub unread: i64,
    pub page: usize,
    pub has_next: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_thresholds_fire_once_each_and_a_new_grant_starts_over() {
        assert_eq!(credit_thresholds_reached(50, &[]), Vec::<u32>::new());
        assert_eq!(credit_thresholds_reached(75, &[]), vec![75]);
        assert_eq!(
            credit_thresholds_reached(80, &[75]),
            Vec::<u32>::new(),
            "no repeat"
        );
        assert_eq!(credit_thresholds_reached(100, &[75]), vec![100]);
        assert_eq!(
            credit_thresholds_reached(120, &[75, 100]),
            Vec::<u32>::new()
        );
        assert_eq!(
            credit_thresholds_reached(100, &[]),
            vec![75, 100],
            "a jump reaches both"
        );
        // A new grant has nothing notified yet.
        assert_eq!(credit_thresholds_reached(76, &[]), vec![75]);
    }

    #[test]
    fn usage_percent_rounds_down_and_a_zero_total_is_full() {
        assert_eq!(percent(74.9, 100.0), 74);
        assert_eq!(percent(3.0, 4.0), 75);
        assert_eq!(percent(1.0, 0.0), 100);
    }

    #[test]
    fn a_quota_notifies_on_each_crossing_only() {
        assert!(!quota_crossed(50, false), "at 50 % it has not passed it");
        assert!(quota_crossed(51, false));
        assert!(!quota_crossed(70, true), "still above: no repeat");
        assert!(
            quota_crossed(60, false),
            "dropped below, then crossed again"
        );
    }

    #[test]
    fn severity_filter_keeps_the_chosen_level_and_above() {
        let min = Severity::Warning;
        assert!(Severity::Critical >= min && Severity::Warning >= min);
        assert!(Severity::Information < min);
        assert_eq!(Severity::parse("critical"), Some(Severity::Critical));
        assert_eq!(Severity::parse("fatal"), None);
    }

    #[test]
    fn builds_match_outcome_and_trigger() {
        let mut sub = Subscription::default_for(Topic::Builds.info().unwrap());
        assert!(build_wanted(&sub, false, Trigger::Push));
        assert!(
            !build_wanted(&sub, true, Trigger::Push),
            "default: failed only"
        );
        assert!(
            !build_wanted(&sub, false, Trigger::Manual),
            "manual runs only when opted in"
        );
        sub.include_manual = true;
        sub.build_outcomes = BuildOutcomes::Successful;
        assert!(
            build_wanted(&sub, true, Trigger::Manual)
                && build_wanted(&sub, true, Trigger::Schedule)
        );
        assert!(!build_wanted(&sub, false, Trigger::Push), "successful only");
    }

    #[test]
    fn dates_parse_strictly_and_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None, "not a leap year");
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("2026-11-24T00:00"), None);
    }

    #[test]
    fn the_weekly_summary_waits_for_monday_morning() {
        let monday = parse_date("2026-11-23").unwrap();
        let at = |day: i64, hour: i64| monday + day * 86_400 + hour * 3600;
        assert_eq!(
            next_monday_morning(at(0, 7)),
            at(0, 8),
            "early Monday: at 08:00"
        );
        assert_eq!(
            next_monday_morning(at(0, 9)),
            at(0, 9),
            "Monday morning: now"
        );
        assert_eq!(
            next_monday_morning(at(0, 13)),
            at(7, 8),
            "Monday afternoon: next week"
        );
        assert_eq!(
            next_monday_morning(at(3, 10)),
            at(7, 8),
            "Thursday: next Monday"
        );
        assert_eq!(next_monday_morning(at(6, 23)), at(7, 8), "Sunday night");
    }

    #[test]
    fn the_month_end_window_opens_three_days_before_the_last_day() {
        let t = |s: &str, hour: i64| parse_date(s).unwrap() + hour * 3600;
        assert_eq!(month_end_window(t("2026-11-27", 8)), None, "before 09:00");
        assert_eq!(
            month_end_window(t("2026-11-27", 9)).as_deref(),
            Some("2026-11")
        );
        assert_eq!(
            month_end_window(t("2026-11-30", 23)).as_deref(),
            Some("2026-11")
        );
        assert_eq!(month_end_window(t("2026-12-01", 0)), None, "a new month");
        assert_eq!(
            month_end_window(t("2024-02-26", 10)).as_deref(),
            Some("2024-02"),
            "leap February"
        );
        assert_eq!(
            month_end_window(t("2026-02-25", 10)).as_deref(),
            Some("2026-02")
        );
        assert_eq!(month_end_window(t("2026-02-24", 10)), None);
    }

    #[test]
    fn the_form_sets_every_topic_and_refuses_unknown_values() {
        let subs = subscriptions_from_form(
            &["news".into()],
            &["builds".into()],
            "critical",
            "both",
            true,
        )
        .unwrap();
        let get = |k: Topic| subs.iter().find(|s| s.topic == k).unwrap().clone();
        assert!(get(Topic::News).email && !get(Topic::News).in_app);
        assert!(get(Topic::Builds).in_app && get(Topic::Builds).include_manual);
        assert!(get(Topic::Security).email, "locked on");
        assert!(!get(Topic::Invoices).email, "unticked means off");
        assert_eq!(get(Topic::CostAnomalies).min_severity, Severity::Critical);
        assert!(
            subs.iter().all(|s| s.topic != Topic::Test),
            "nobody subscribes to tests"
        );
        let err =
            subscriptions_from_form(&["admin".into()], &[], "loud", "some", false).unwrap_err();
        assert!(
            err.get("topics").is_some()
                && err.get("min_severity").is_some()
                && err.get("build_outcomes").is_some()
        );
    }

    #[test]
    fn security_email_cannot_be_switched_off() {
        let mut sub = Subscription::default_for(Topic::Security.info().unwrap());
        sub.email = false;
        assert!(sub.wants(Channel::Email));
        let mut news = Subscription::default_for(Topic::News.info().unwrap());
        assert!(!news.wants(Channel::Email) && news.wants(Channel::InApp));
        news.in_app = false;
        assert!(!news.wants(Channel::InApp));
    }
}
