//! The Notifications tab: what the person hears about (one group per topic with a switch per
//! channel and the topic's own options, saved with one button), test sends, and the in-app
//! inbox with mark-as-read.

use crate::i18n::{fill, t};
use crate::i18n::{tf, Msg};
use crate::ui::time::show as show_time;
use crate::{
    api::notifications::{
        get_notifications_page, MarkAllNotificationsRead, MarkNotificationRead,
        SaveNotificationSettings, SendTestNotification,
    },
    error::AppError,
    model::notifications::{
        BuildOutcomes, NotificationView, NotificationsPage, Severity, Subscription, Topic,
        TopicInfo, TOPICS,
    },
    ui::components::{
        enhance::Enhanced,
        form::{url_error, FormAlert, SubmitButton},
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NotificationsTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let page_number = crate::ui::components::form::page_number(&query);
    let done = query.get("done").and_then(|d| done_message(&d));
    let error = url_error::<SaveNotificationSettings>();
    let page = Resource::new_blocking(move || page_number, get_notifications_page);
    view! {
        <Title text=t(Msg::NotificationsSettingsProfileCenter)/>
        <h1>{t(Msg::Notifications)}</h1>
        <p class="lead">{t(Msg::ChooseWhatYouHearAboutAnd)}</p>
        {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let error = error.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => {
                            let emails = page.emails.clone();
                            view! { <Subscriptions subscriptions=page.subscriptions.clone() version=page.version error=error/> <InboxPreview page=page/> <Emails emails=emails/> }.into_any()
                        }
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some(t(Msg::NotificationSettingsSaved)),
        "test_email" => Some(t(Msg::TestEMailSentItShould)),
        "test_in_app" => Some(t(Msg::TestNotificationAddedToYourInbox)),
        "read" => Some(t(Msg::MarkedAsRead)),
        _ => None,
    }
}

#[component]
fn Subscriptions(
    subscriptions: Vec<Subscription>,
    version: i64,
    error: Option<AppError>,
) -> impl IntoView {
    let find = move |topic: Topic| subscriptions.iter().find(|s| s.topic == topic).cloned();
    view! {
        <section aria-labelledby="subscriptions-heading">
            <h2 id="subscriptions-heading">{t(Msg::WhatYouHearAbout)}</h2>
            <Enhanced>
                <form method="post" action=SaveNotificationSettings::url() class="stack" novalidate>
                    <FormAlert error=error/>
                    <input type="hidden" name="version" value=version/>
                    <div class="topics">
                        {TOPICS
                            .iter()
                            .map(|topic| {
                                let sub = find(topic.topic).unwrap_or_else(|| Subscription::default_for(topic));
                                view! { <TopicChoice topic=*topic sub=sub/> }
                            })
                            .collect_view()}
                    </div>
                    <SubmitButton label=Msg::SaveNotificationSettings pending_label=Msg::Saving/>
                </form>
            </Enhanced>
            <h3>{t(Msg::CheckThatItWorks)}</h3>
            <div class="actions">
                <TestButton channel="email" label=Msg::SendMeATestEMail/>
                <TestButton channel="in_app" label=Msg::SendMeATestInApp/>
            </div>
        </section>
    }
}

/// One topic: its two channel switches and, for some topics, options.
#[component]
fn TopicChoice(topic: TopicInfo, sub: Subscription) -> impl IntoView {
    let key = topic.topic.as_str();
    let hint_id = format!("topic-{key}-hint");
    let described_by = hint_id.clone();
    let options = match topic.topic {
        Topic::CostAnomalies => Some(view! {
            <div class="field">
                <label for="field-min_severity">{t(Msg::MinimumSeverity)}</label>
                <select id="field-min_severity" name="min_severity">
                    {Severity::ALL.iter().copied().map(|s| view! {
                        <option value=s.as_str() selected=s == sub.min_severity>{t(s.label())}</option>
                    }).collect_view()}
                </select>
                <p class="field-error" id="field-min_severity-error" hidden>""</p>
            </div>
        }.into_any()),
        Topic::Builds => Some(view! {
            <div class="field">
                <label for="field-build_outcomes">{t(Msg::WhichBuilds)}</label>
                <select id="field-build_outcomes" name="build_outcomes">
                    {BuildOutcomes::ALL.iter().copied().map(|o| view! {
                        <option value=o.as_str() selected=o == sub.build_outcomes>{t(o.label())}</option>
                    }).collect_view()}
                </select>
                <p class="field-error" id="field-build_outcomes-error" hidden>""</p>
            </div>
            <div class="check">
                <input type="checkbox" id="field-include_manual" name="include_manual" value="on" checked=sub.include_manual/>
                <label for="field-include_manual">{t(Msg::AlsoBuildsIStartByHand)}</label>
            </div>
        }.into_any()),
        _ => None,
    };
    view! {
        <fieldset class="topic" aria-describedby=described_by>
            <legend>{t(topic.topic.label())}</legend>
            <p class="hint" id=hint_id>{t(topic.description)}</p>
            <div class="channels">
                {if topic.locked_email {
                    view! {
                        <div class="check">
                            <input type="checkbox" id=format!("email-{key}") checked=true disabled=true aria-describedby=format!("email-{key}-locked")/>
                            <label for=format!("email-{key}")>{t(Msg::EMail)}</label>
                            <span class="badge badge-muted" id=format!("email-{key}-locked")>{t(Msg::AlwaysOn)}</span>
                        </div>
                    }.into_any()
                } else {
                    view! {
                        <div class="check">
                            <input type="checkbox" id=format!("email-{key}") name="email[]" value=key checked=sub.email/>
                            <label for=format!("email-{key}")>{t(Msg::EMail)}</label>
                        </div>
                    }.into_any()
                }}
                <div class="check">
                    <input type="checkbox" id=format!("in_app-{key}") name="in_app[]" value=key checked=sub.in_app/>
                    <label for=format!("in_app-{key}")>{t(Msg::InApp)}</label>
                </div>
            </div>
            {options}
        </fieldset>
    }
}

#[component]
fn TestButton(channel: &'static str, label: Msg) -> impl IntoView {
    view! {
        <Enhanced>
            <form method="post" action=SendTestNotification::url() class="inline">
                <input type="hidden" name="channel" value=channel/>
                <FormAlert/>
                <SubmitButton label=label pending_label=Msg::Sending class="secondary"/>
            </form>
        </Enhanced>
    }
}

/// The inbox's own page (`/settings/notifications/inbox`, where the bell leads): every in-app
/// notification, newest first, paged by the person's rows per page.
#[component]
pub fn InboxPage() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let page_number = crate::ui::components::form::page_number(&query);
    let done = query.get("done").and_then(|d| done_message(&d));
    let page = Resource::new_blocking(move || page_number, get_notifications_page);
    view! {
        <Title text=t(Msg::InboxSettingsProfileCenter)/>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(page) => view! { <Inbox page=page done=done/> }.into_any(),
                    Err(e) => view! { <h1>{t(Msg::Inbox)}</h1> <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                }
            })}
        </Suspense>
        <p><a href="/settings/notifications">{t(Msg::ChooseWhatYouHearAbout)}</a></p>
    }
}

fn inbox_heading(unread: i64) -> String {
    match unread {
        0 => t(Msg::Inbox).to_string(),
        n => tf(Msg::InboxNUnread, &[&n.to_string()]),
    }
}

/// "Mark all as read" (while any are unread) and the notifications, or "nothing here yet".
#[component]
fn InboxList(unread: i64, items: Vec<NotificationView>) -> impl IntoView {
    view! {
        {(unread > 0).then(|| view! { <MarkAllRead/> })}
        {if items.is_empty() {
            view! { <p>{t(Msg::NothingHereYet)}</p> }.into_any()
        } else {
            view! {
                <ul class="inbox">
                    {items.into_iter().map(|n| view! { <InboxItem n=n/> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[component]
fn MarkAllRead() -> impl IntoView {
    view! {
        <Enhanced>
            <form method="post" action=MarkAllNotificationsRead::url() class="inline">
                <FormAlert/>
                <SubmitButton label=Msg::MarkAllAsRead pending_label=Msg::Marking class="secondary"/>
            </form>
        </Enhanced>
    }
}

#[component]
fn Inbox(page: NotificationsPage, done: Option<&'static str>) -> impl IntoView {
    let prev =
        (page.page > 1).then(|| format!("/settings/notifications/inbox?page={}", page.page - 1));
    let next = page
        .has_next
        .then(|| format!("/settings/notifications/inbox?page={}", page.page + 1));
    view! {
        <section id="inbox" aria-labelledby="inbox-heading">
            <h1 id="inbox-heading">{inbox_heading(page.unread)}</h1>
            {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
            <InboxList unread=page.unread items=page.inbox/>
            <nav class="pager" aria-label=t(Msg::InboxPages)>
                {prev.map(|href| view! { <a href=href>{t(Msg::Newer)}</a> })}
                {next.map(|href| view! { <a href=href>{t(Msg::Older)}</a> })}
            </nav>
        </section>
    }
}

/// On the Notifications tab: the newest few, so the tab stays short; the rest on the inbox page.
const PREVIEW: usize = 3;

#[component]
fn InboxPreview(page: NotificationsPage) -> impl IntoView {
    let more = page.inbox.len() > PREVIEW || page.has_next;
    view! {
        <section id="inbox" aria-labelledby="inbox-heading">
            <h2 id="inbox-heading">{inbox_heading(page.unread)}</h2>
            <InboxList unread=page.unread items=page.inbox.into_iter().take(PREVIEW).collect()/>
            <p>
                <a href="/settings/notifications/inbox">
                    {if more { t(Msg::OpenTheInboxForOlderNotifications) } else { t(Msg::OpenTheInbox) }}
                </a>
            </p>
        </section>
    }
}

#[component]
fn InboxItem(n: NotificationView) -> impl IntoView {
    let email = match n.email_status.as_str() {
        "" => None,
        "sent" => Some(t(Msg::EMailSent)),
        "queued" => Some(t(Msg::EMailQueued)),
        "retrying" => Some(t(Msg::EMailWaitingToRetry)),
        _ => Some(t(Msg::EMailFailed)),
    };
    let title = n.title.clone();
    view! {
        <li class="notification" class:unread=!n.read>
            <h3>
                {if n.link.is_empty() {
                    view! { <span>{n.title.clone()}</span> }.into_any()
                } else {
                    view! { <a href=n.link.clone()>{n.title.clone()}</a> }.into_any()
                }}
                {(!n.read).then(|| view! { <span class="badge">{t(Msg::New)}</span> })}
            </h3>
            <p>{n.body.clone()}</p>
            <p class="hint">
                <time>{show_time(n.created_at)}</time>
                {email.map(|e| view! { " · "{e} })}
            </p>
            {(!n.read).then(|| view! {
                <Enhanced>
                    <form method="post" action=MarkNotificationRead::url() class="inline">
                        <input type="hidden" name="id" value=n.id.clone()/>
                        <FormAlert/>
                        <SubmitButton label=Msg::MarkAsRead pending_label=Msg::Marking class="secondary" aria_label=fill(t(Msg::MarkAsRead2), &[&title])/>
                    </form>
                </Enhanced>
            })}
        </li>
    }
}

/// Delivery status of the latest notification e-mails.
#[component]
fn Emails(emails: Vec<(String, i64, String)>) -> impl IntoView {
    view! {
        <section aria-labelledby="emails-heading">
            <h2 id="emails-heading">{t(Msg::RecentNotificationEMails)}</h2>
            {if emails.is_empty() {
                view! { <p>{t(Msg::NoneYet)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label=t(Msg::RecentNotificationEMailsTable)>
                        <table class="stacked">
                            <caption class="visually-hidden">{t(Msg::RecentNotificationEMailsAndWhether)}</caption>
                            <thead><tr><th scope="col">{t(Msg::Subject)}</th><th scope="col">{t(Msg::Queued)}</th><th scope="col">{t(Msg::Status)}</th></tr></thead>
                            <tbody>
                                {emails.into_iter().map(|(title, at, status)| {
                                    let label = match status.as_str() {
                                        "sent" => t(Msg::Sent),
                                        "queued" => t(Msg::Queued),
                                        "retrying" => t(Msg::WaitingToRetry),
                                        _ => t(Msg::Failed),
                                    };
                                    view! {
                                        <tr>
                                            <td data-label=t(Msg::Subject)>{title}</td>
                                            <td data-label=t(Msg::Queued)><time>{show_time(at)}</time></td>
                                            <td data-label=t(Msg::Status)>{label}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
