//! Stage 2: what an event means for one person. One small function per event type turns the
//! event and the person's subscriptions into `Action`s (notify now, remind later, cancel the
//! reminders); no database here, so every rule is a unit test away. `dispatch` (in the module
//! above) gathers what they need and carries the actions out.

use super::events::{BuildStatus, Event, EventType};
use crate::{
    i18n::{fill, in_lang, Lang, Msg},
    model::{
        notifications::{
            build_wanted, credit_thresholds_reached, format_date, parse_date, percent,
            Subscription, Topic, PAYMENT_REMINDERS, QUOTA_THRESHOLD,
        },
        preferences::Preferences,
    },
};

/// What routing needs to know about one recipient.
pub struct Recipient<'a> {
    /// Their language: what we write ourselves is in it (text the platform sent is not).
    pub lang: Lang,
    pub subscriptions: &'a [Subscription],
    pub preferences: &'a Preferences,
    /// For quota events: the crossing this reading made, if it crossed the threshold.
    pub quota_crossing: Option<i64>,
    pub now: i64,
}

impl Recipient<'_> {
    fn say(&self, msg: Msg, values: &[&str]) -> String {
        fill(in_lang(self.lang, msg), values)
    }

    fn subscription(&self, topic: Topic) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| s.topic == topic)
    }
}

/// A notification to deliver now (on the channels the person chose for its topic).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub topic: Topic,
    /// Why it is sent, unique per person: the same key twice is delivered once.
    pub key: String,
    pub title: String,
    pub body: String,
}

/// A notification to deliver at `due_at` (unless cancelled first).
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub notice: Notice,
    /// What it is about (an invoice id), so it can be cancelled.
    pub subject: String,
    pub due_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Notify(Notice),
    Remind(Reminder),
    Cancel { topic: Topic, subject: String },
}

/// The actions `event` (with id `event_id`) calls for, for one person.
pub fn route(event_id: &str, event: &Event, to: &Recipient<'_>) -> Vec<Action> {
    match event {
        Event::InvoiceIssued(e) => invoice_issued(e, to),
        Event::InvoicePaid(e) => vec![Action::Cancel {
            topic: Topic::PaymentReminders,
            subject: e.invoice_id.clone(),
        }],
        Event::CreditsUsage(e) => credits(e, to),
        Event::QuotaUsage(e) => quota(e, to),
        Event::CostAnomaly(e) => cost_anomaly(event_id, e, to),
        Event::KnownIssue(e) => vec![notify(
            Topic::KnownIssues,
            format!("known_issue:{event_id}"),
            &e.title,
            &e.description,
        )],
        Event::Maintenance(e) => vec![notify(
            Topic::Maintenance,
            format!("maintenance:{event_id}"),
            &e.title,
            &e.description,
        )],
        Event::BuildFinished(e) => build(e, to),
        Event::UsageWeekly(e) => weekly(event_id, e, to),
        Event::News(e) => vec![notify(
            Topic::News,
            format!("news:{event_id}"),
            &e.title,
            &e.body,
        )],
    }
}

fn notify(topic: Topic, key: String, title: &str, body: &str) -> Action {
    Action::Notify(Notice {
        topic,
        key,
        title: title.to_string(),
        body: body.to_string(),
    })
}

/// The invoice now, and its payment reminders: 7 days before the due date, 4 and 10 days after
/// it, at 09:00 UTC (cancelled when it is paid).
fn invoice_issued(e: &super::events::InvoiceIssued, to: &Recipient<'_>) -> Vec<Action> {
    let due = parse_date(&e.due_date).unwrap_or(0);
    let due_text = format_date(due);
    let mut actions = vec![notify(
        Topic::Invoices,
        format!("invoice:{}:issued", e.invoice_id),
        &to.say(Msg::InvoiceIssued, &[&e.number]),
        &to.say(Msg::AmountDue, &[&e.amount, &due_text]),
    )];
    for (stage, days) in PAYMENT_REMINDERS {
        let (title, body) = match stage {
            "due_in_7_days" => (Msg::InvoiceIsDueIn7Days, Msg::AmountDue),
            "overdue_4_days" => (Msg::InvoiceIs4DaysOverdue, Msg::AmountWasDuePleasePayIt),
            _ => (Msg::InvoiceIs10DaysOverdue, Msg::AmountWasDuePleasePayIt2),
        };
        actions.push(Action::Remind(Reminder {
            notice: Notice {
                topic: Topic::PaymentReminders,
                key: format!("invoice:{}:{stage}", e.invoice_id),
                title: to.say(title, &[&e.number]),
                body: to.say(body, &[&e.amount, &due_text]),
            },
            subject: e.invoice_id.clone(),
            due_at: due + days * 86_400 + 9 * 3600,
        }));
    }
    actions
}

/// 75 % and 100 % of a grant, each once per grant.
fn credits(e: &super::events::CreditsUsage, to: &Recipient<'_>) -> Vec<Action> {
    credit_thresholds_reached(percent(e.used, e.total), &[])
        .into_iter()
        .map(|threshold| {
            notify(
                Topic::Credits,
                format!("credits:{}:{threshold}", e.grant_id),
                &to.say(Msg::PercentOfYourCreditsAreUsed, &[&threshold.to_string()]),
                &to.say(
                    Msg::OfCreditsOfGrantAreUsed,
                    &[&e.used.to_string(), &e.total.to_string(), &e.grant_id],
                ),
            )
        })
        .collect()
}

/// Once per crossing of the threshold (`dispatch` recorded the reading).
fn quota(e: &super::events::QuotaUsage, to: &Recipient<'_>) -> Vec<Action> {
    let Some(crossing) = to.quota_crossing else {
        return Vec::new();
    };
    let p = percent(e.used, e.limit);
    vec![notify(
        Topic::Quota,
        format!("quota:{}:{crossing}", e.quota_id),
        &to.say(Msg::IsOverPercent, &[&e.name, &QUOTA_THRESHOLD.to_string()]),
        &to.say(
            Msg::OfUsedPercent,
            &[
                &e.name,
                &e.used.to_string(),
                &e.limit.to_string(),
                &p.to_string(),
            ],
        ),
    )]
}

/// From the severity the person chose.
fn cost_anomaly(event_id: &str, e: &super::events::CostAnomaly, to: &Recipient<'_>) -> Vec<Action> {
    let wanted = to
        .subscription(Topic::CostAnomalies)
        .is_some_and(|s| e.severity >= s.min_severity);
    if !wanted {
        return Vec::new();
    }
    let severity = in_lang(to.lang, e.severity.label());
    vec![notify(
        Topic::CostAnomalies,
        format!("anomaly:{event_id}"),
        &to.say(Msg::CostAnomaly, &[severity]),
        &e.description,
    )]
}

/// Only the outcomes (and manual runs) the person asked for.
fn build(e: &super::events::BuildFinished, to: &Recipient<'_>) -> Vec<Action> {
    let succeeded = e.status == BuildStatus::Success;
    let wanted = to
        .subscription(Topic::Builds)
        .is_some_and(|s| build_wanted(s, succeeded, e.trigger));
    if !wanted {
        return Vec::new();
    }
    let title = match succeeded {
        true => to.say(Msg::BuildOfSucceeded, &[&e.build_id, &e.pipeline]),
        false => to.say(Msg::BuildOfFailed, &[&e.build_id, &e.pipeline]),
    };
    vec![notify(
        Topic::Builds,
        format!("build:{}", e.build_id),
        &title,
        in_lang(to.lang, e.trigger.label()),
    )]
}

/// Held until Monday 08:00 on the person's clock.
fn weekly(event_id: &str, e: &super::events::UsageWeekly, to: &Recipient<'_>) -> Vec<Action> {
    let week = parse_date(&e.week_start).unwrap_or(0);
    vec![Action::Remind(Reminder {
        notice: Notice {
            topic: Topic::WeeklySummary,
            key: format!("weekly:{week}"),
            title: to.say(Msg::YourUsageForTheWeekOf, &[&format_date(week)]),
            body: e.summary.clone(),
        },
        subject: event_id.to_string(),
        due_at: to.preferences.next_monday_morning(to.now),
    })]
}

/// Where a notification about an event leads: the event's own `link` (or, for news, its
/// `url`); else what the event is about in the console (`console`, from `CONSOLE_URL`): the
/// invoice, or the billing pages for credits and quotas.
pub fn link_for(event: &Event, kind: EventType, console: Option<&str>) -> String {
    let (given, invoice) = match event {
        Event::InvoiceIssued(e) => (e.link.clone(), Some(&e.invoice_id)),
        Event::InvoicePaid(e) => (e.link.clone(), Some(&e.invoice_id)),
        Event::CreditsUsage(e) => (e.link.clone(), None),
        Event::QuotaUsage(e) => (e.link.clone(), None),
        Event::CostAnomaly(e) => (e.link.clone(), None),
        Event::KnownIssue(e) | Event::Maintenance(e) => (e.link.clone(), None),
        Event::BuildFinished(e) => (e.link.clone(), None),
        Event::UsageWeekly(e) => (e.link.clone(), None),
        Event::News(e) => (e.link.clone().or(e.url.clone()), None),
    };
    if let Some(link) = given {
        return link;
    }
    let Some(console) = console else {
        return String::new();
    };
    match (kind, invoice) {
        (_, Some(id)) => format!(
            "{console}/billing/invoices/{}",
            url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
        ),
        (EventType::CreditsUsage | EventType::QuotaUsage, _) => format!("{console}/billing"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::events::*;
    use super::*;
    use crate::model::notifications::{BuildOutcomes, Severity, TOPICS};

    fn subs() -> Vec<Subscription> {
        TOPICS.iter().map(Subscription::default_for).collect()
    }

    fn ada<'a>(subs: &'a [Subscription], prefs: &'a Preferences) -> Recipient<'a> {
        Recipient {
            lang: Lang::En,
            subscriptions: subs,
            preferences: prefs,
            quota_crossing: None,
            now: 1_800_000_000,
        }
    }

    #[test]
    fn an_invoice_notifies_now_and_schedules_three_reminders_at_nine() {
        let (subs, prefs) = (subs(), Preferences::default());
        let e = InvoiceIssued {
            invoice_id: "9".into(),
            number: "A-9".into(),
            amount: "5 EUR".into(),
            due_date: "2026-12-20".into(),
            link: None,
        };
        let actions = invoice_issued(&e, &ada(&subs, &prefs));
        assert!(matches!(&actions[0], Action::Notify(n) if n.title == "Invoice A-9 issued"));
        let due = parse_date("2026-12-20").unwrap();
        let times: Vec<i64> = actions
            .iter()
            .filter_map(|a| match a {
                Action::Remind(r) => Some(r.due_at - due),
                _ => None,
            })
            .collect();
        assert_eq!(
            times,
            [
                -7 * 86_400 + 9 * 3600,
                4 * 86_400 + 9 * 3600,
                10 * 86_400 + 9 * 3600
            ]
        );
        let paid = route(
            "p",
            &Event::InvoicePaid(InvoicePaid {
                invoice_id: "9".into(),
                link: None,
            }),
            &ada(&subs, &prefs),
        );
        assert_eq!(
            paid,
            [Action::Cancel {
                topic: Topic::PaymentReminders,
                subject: "9".into()
            }]
        );
    }

    #[test]
    fn anomalies_and_builds_follow_the_persons_filters() {
        let (mut subs, prefs) = (subs(), Preferences::default());
        let warning = CostAnomaly {
            severity: Severity::Information,
            description: "d".into(),
            link: None,
        };
        assert!(
            cost_anomaly("a", &warning, &ada(&subs, &prefs)).is_empty(),
            "below the default Warning"
        );
        let ok = BuildFinished {
            pipeline: "web".into(),
            build_id: "7".into(),
            status: BuildStatus::Success,
            trigger: Trigger::Push,
            link: None,
        };
        let failed = BuildFinished {
            status: BuildStatus::Failed,
            ..ok.clone()
        };
        let by_hand = BuildFinished {
            trigger: Trigger::Manual,
            ..failed.clone()
        };
        let routed = |subs: &[Subscription], b: &BuildFinished| {
            route("b", &Event::BuildFinished(b.clone()), &ada(subs, &prefs)).len()
        };
        assert_eq!(
            (
                routed(&subs, &ok),
                routed(&subs, &failed),
                routed(&subs, &by_hand)
            ),
            (0, 1, 0),
            "default: failed pushes only"
        );
        let builds = subs.iter_mut().find(|s| s.topic == Topic::Builds).unwrap();
        builds.build_outcomes = BuildOutcomes::Both;
        builds.include_manual = true;
        assert_eq!((routed(&subs, &ok), routed(&subs, &by_hand)), (1, 1));
    }

    #[test]
    fn a_quota_notifies_only_when_it_crossed_and_credits_at_each_threshold_once() {
        let (subs, prefs) = (subs(), Preferences::default());
        let q = QuotaUsage {
            quota_id: "q".into(),
            name: "CPU".into(),
            used: 60.0,
            limit: 100.0,
            link: None,
        };
        assert!(quota(&q, &ada(&subs, &prefs)).is_empty());
        let mut crossed = ada(&subs, &prefs);
        crossed.quota_crossing = Some(2);
        assert!(matches!(&quota(&q, &crossed)[0], Action::Notify(n) if n.key == "quota:q:2"));
        let c = CreditsUsage {
            grant_id: "g".into(),
            used: 100.0,
            total: 100.0,
            link: None,
        };
        let keys: Vec<String> = credits(&c, &ada(&subs, &prefs))
            .into_iter()
            .map(|a| match a {
                Action::Notify(n) => n.key,
                _ => String::new(),
            })
            .collect();
        assert_eq!(keys, ["credits:g:75", "credits:g:100"]);
    }

    #[test]
    fn links_come_from_the_event_or_the_console() {
        let inv = Event::InvoicePaid(InvoicePaid {
            invoice_id: "INV 7".into(),
            link: None,
        });
        assert_eq!(
            link_for(&inv, EventType::InvoicePaid, Some("https://c.example")),
            "https://c.example/billing/invoices/INV+7"
        );
        assert_eq!(link_for(&inv, EventType::InvoicePaid, None), "");
        let news = Event::News(News {
            title: "t".into(),
            body: "b".into(),
            url: Some("https://n.example/x".into()),
            link: None,
        });
        assert_eq!(
            link_for(&news, EventType::NewsPublished, None),
            "https://n.example/x"
        );
    }
}
