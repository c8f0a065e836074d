//! The Accounts tab: the accounts a person belongs to (role, group, the current one, "Switch
//! to", "Manage", "Leave" after asking with `?leave=<id>`), invitations waiting for them, the
//! permissions their role grants in the current account, and "Create account".
//!
//! The Manage page (`/settings/accounts/<id>/manage`, Owners and Admins): members (a member's
//! role and group edited at that member with `?edit=<user>`, removing asks with
//! `?remove=<user>`), inviting by e-mail, open invitations (resend; revoking asks with
//! `?revoke=<id>`), and the account's audit log (paged, CSV). The server checks every action;
//! what the page leaves out is only what the person could not do anyway.

use crate::i18n::Msg;
use crate::i18n::{fill, t};
use crate::ui::time::show as show_time;
use crate::{
    api::accounts::{
        get_accounts_page, get_invitation, get_manage_page, AcceptInvitation, AssignBilling,
        ChangeMember, CreateAccount, CreateBillingProfile, DecideApiAccess, IgnoreInvitation,
        InviteMember, LeaveAccount, RemoveMember, ResendInvitation, RevokeInvitation,
        SetAccountPolicies, SwitchAccount,
    },
    error::AppError,
    model::{
        accounts::{
            permissions_of, AccessRequest, AccountsPage, AuditEntry, BillingProfileView,
            InvitationView, ManagePage, MemberView, MembershipView, PendingInvitation, Permission,
            Policies, Role,
        },
        form::Typed,
    },
    ui::components::{
        enhance::Enhanced,
        form::{
            page_number, url_error, url_form, Field, FormAlert, Question, RowAction, Select,
            SubmitButton,
        },
    },
};
use leptos::{prelude::*, server_fn::ServerFn};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn AccountsTab() -> impl IntoView {
    let query = use_query_map().get_untracked();
    let leave = query.get("leave");
    let done = query.get("done").and_then(|d| done_message(&d));
    let page = Resource::new_blocking(|| (), |_| get_accounts_page());
    let errors = TabErrors {
        create: url_form::<CreateAccount>(),
        leave: url_form::<LeaveAccount>(),
        other: url_error::<SwitchAccount>()
            .or(url_error::<AcceptInvitation>())
            .or(url_error::<IgnoreInvitation>()),
    };
    view! {
        <Title text=t(Msg::AccountsSettingsProfileCenter)/>
        <h1>{t(Msg::Accounts)}</h1>
        <p class="lead">{t(Msg::TheAccountsOfThePlatformYou)}</p>
        {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let (errors, leave) = (errors.clone(), leave.clone());
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <AccountsView page=page errors=errors leave=leave/> }.into_any(),
                        Err(e) => view! { <div class="alert" role="alert">{e.message().show()}</div> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some(t(Msg::AccountCreatedYouAreItsOwner)),
        "switched" => Some(t(Msg::SwitchedTheConsoleNowWorksIn)),
        "left" => Some(t(Msg::YouLeftTheAccount)),
        "joined" => Some(t(Msg::WelcomeYouAreNowAMember)),
        "ignored" => Some(t(Msg::InvitationIgnored)),
        "invited" => Some(t(Msg::InvitationSent)),
        "resent" => Some(t(Msg::InvitationSentAgainWithANew)),
        "revoked" => Some(t(Msg::InvitationRevokedItsLinkNo)),
        "changed" => Some(t(Msg::MemberSaved)),
        "removed" => Some(t(Msg::MemberRemovedTheyAreOutFrom)),
        "policies" => Some(t(Msg::PoliciesSaved)),
        "billing" => Some(t(Msg::BillingProfileSaved)),
        "decided" => Some(t(Msg::RequestDecided)),
        _ => None,
    }
}

/// Errors that came back in the URL from form posts without JavaScript.
#[derive(Debug, Clone, PartialEq)]
pub struct TabErrors {
    create: Option<(AppError, Typed)>,
    /// With the id of the account that could not be left.
    leave: Option<(AppError, Typed)>,
    other: Option<AppError>,
}

#[component]
fn AccountsView(page: AccountsPage, errors: TabErrors, leave: Option<String>) -> impl IntoView {
    let current = page.current().cloned();
    let (create_error, create_typed) = errors
        .create
        .map_or((None, Typed::default()), |(e, t)| (Some(e), t));
    let refused_leave = errors.leave.clone();
    view! {
        {errors.other.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
        {(!page.invitations.is_empty()).then(|| view! { <Invitations invitations=page.invitations.clone()/> })}
        <section aria-labelledby="accounts-heading">
            <h2 id="accounts-heading">{t(Msg::YourAccounts)}</h2>
            {if page.memberships.is_empty() {
                view! { <p>{t(Msg::YouDoNotBelongToAny)}</p> }.into_any()
            } else {
                view! {
                    <ul class="account-list">
                        {page
                            .memberships
                            .into_iter()
                            .map(|m| {
                                let id = Some(m.account_id.as_str());
                                let refused = refused_leave
                                    .as_ref()
                                    .filter(|(_, typed)| typed.get("id") == id)
                                    .map(|(e, _)| e.clone());
                                let asking = refused.is_some() || leave.as_deref() == id;
                                view! { <AccountItem membership=m asking=asking refused=refused/> }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {current.map(|m| view! { <Permissions membership=m billing=page.billing.clone()/> })}
        <section aria-labelledby="create-heading">
            <h2 id="create-heading">{t(Msg::CreateAnAccount)}</h2>
            <Enhanced>
                <form method="post" action=CreateAccount::url() class="stack" novalidate>
                    <FormAlert error=create_error.clone()/>
                    <Field label=Msg::AccountName name="name" value=create_typed.get("name").unwrap_or_default().to_string() required=true maxlength=100 hint=Msg::YouBecomeItsOwnerAndCan error=create_error/>
                    <p class="actions"><SubmitButton label=Msg::CreateAccount pending_label=Msg::Creating/></p>
                </form>
            </Enhanced>
        </section>
    }
}

#[component]
fn Invitations(invitations: Vec<InvitationView>) -> impl IntoView {
    view! {
        <section aria-labelledby="invites-heading" id="invitations">
            <h2 id="invites-heading">{t(Msg::AccountInvites)}</h2>
            <ul class="account-list">
                {invitations
                    .into_iter()
                    .map(|i| {
                        let what = fill(t(Msg::InviterInvitesYouAsRoleTo), &[&i.invited_by, t(i.role.label()), &i.email]);
                        view! {
                            <li class="account">
                                <h3>{i.account_name.clone()}</h3>
                                <p>{what}" "{fill(t(Msg::ValidUntil), &[&show_time(i.expires_at)])}</p>
                                <div class="actions">
                                    <RowAction action=AcceptInvitation::url() id=i.id.clone() label=Msg::Accept pending=Msg::Joining class="primary" aria_label=fill(t(Msg::AcceptTheInvitationTo), &[&i.account_name])/>
                                    <RowAction action=IgnoreInvitation::url() id=i.id.clone() label=Msg::Ignore pending=Msg::Saving aria_label=fill(t(Msg::IgnoreTheInvitationTo), &[&i.account_name])/>
                                </div>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn AccountItem(
    membership: MembershipView,
    asking: bool,
    refused: Option<AppError>,
) -> impl IntoView {
    let m = membership;
    let (id, name) = (m.account_id.clone(), m.account_name.clone());
    let manage = m.role.grants(Permission::ManageMembers) && !m.blocked;
    // The two-factor policy: held out now (sent to Security), or soon (told by when).
    let policy = match (m.blocked, m.mfa_due) {
        (true, _) => Some(view! {
            <p class="alert" role="note">
                {fill(t(Msg::AccountRequiresTwoFactorSignIn), &[&name])}" "
                <a href="/settings/security?required=1#mfa">{t(Msg::TurnOnTwoFactorSignIn2)}</a>
            </p>
        }.into_any()),
        (false, Some(due)) => Some(view! {
            <p class="hint">{fill(t(Msg::RequiresTwoFactorSignInFrom), &[&show_time(due)])}" "<a href="/settings/security?required=1#mfa">{t(Msg::TurnOnTwoFactorSignIn2)}</a></p>
        }.into_any()),
        _ => None,
    };
    let blocked = m.blocked;
    let actions = (!asking).then(|| {
        view! {
            <div class="actions">
                {(!m.current && !blocked).then(|| view! {
                    <RowAction action=SwitchAccount::url() id=id.clone() label=Msg::SwitchTo pending=Msg::Switching aria_label=fill(t(Msg::SwitchToAccount), &[&name])/>
                })}
                {manage.then(|| view! {
                    <a class="button secondary" href=format!("/settings/accounts/{id}/manage") aria-label=fill(t(Msg::ManageAccount), &[&name])>{t(Msg::Manage)}</a>
                })}
                <a class="button danger" href=format!("/settings/accounts?leave={id}#leave-{id}") aria-label=fill(t(Msg::LeaveAccount), &[&name])>{t(Msg::Leave)}</a>
            </div>
        }
    });
    let question = asking.then(|| {
        // The question's children own what they show.
        let (id, name) = (id.clone(), name.clone());
        view! {
            <Question back="/settings/accounts" id=format!("leave-{id}") question=fill(t(Msg::LeaveAccountQuestion), &[&name]) detail=t(Msg::YouWillNeedANewInvitation)>
                <FormAlert error=refused.clone()/>
                <RowAction action=LeaveAccount::url() id=id.clone() label=Msg::YesLeave pending=Msg::Leaving class="danger" aria_label=fill(t(Msg::YesLeaveAccount), &[&name])/>
            </Question>
        }
    });
    view! {
        <li class="account" id=format!("account-{id}")>
            <h3>
                {name.clone()}
                {m.current.then(|| view! { <span class="badge">{t(Msg::Current)}</span> })}
                {m.blocked.then(|| view! { <span class="badge badge-muted">{t(Msg::NeedsTwoFactor)}</span> })}
            </h3>
            <dl>
                <div><dt>{t(Msg::Role)}</dt><dd>{t(m.role.label())}</dd></div>
                {(!m.group.is_empty()).then(|| view! { <div><dt>{t(Msg::Group)}</dt><dd>{m.group.clone()}</dd></div> })}
                <div><dt>{t(Msg::Joined)}</dt><dd><time>{show_time(m.joined_at)}</time></dd></div>
            </dl>
            {policy}
            {actions}
            {question}
        </li>
    }
}

/// What the person's role in the current account grants, from the one matrix the server uses.
#[component]
fn Permissions(membership: MembershipView, billing: Vec<(String, String)>) -> impl IntoView {
    let heading = fill(
        t(Msg::YourPermissionsInAccount),
        &[&membership.account_name],
    );
    let caption = fill(t(Msg::WhatTheRoleRoleMayDo), &[t(membership.role.label())]);
    view! {
        <section aria-labelledby="permissions-heading" id="permissions">
            <h2 id="permissions-heading">{heading}</h2>
            <p>{t(Msg::YourRole)}" "<strong>{t(membership.role.label())}</strong></p>
            <p>
                {if billing.is_empty() {
                    t(Msg::NoBillingProfileForYou).to_string()
                } else {
                    format!(
                        "{} {}",
                        t(Msg::YourBillingProfiles),
                        billing.iter().map(|(name, email)| format!("{name} ({email})")).collect::<Vec<_>>().join(", ")
                    )
                }}
            </p>
            <table class="permissions">
                <caption>{caption}</caption>
                <thead><tr><th scope="col">{t(Msg::Permission)}</th><th scope="col">{t(Msg::Granted)}</th></tr></thead>
                <tbody>
                    {permissions_of(membership.role)
                        .into_iter()
                        .map(|(p, granted)| view! {
                            <tr class:denied=!granted>
                                <th scope="row">{t(p.label())}</th>
                                <td>{if granted { t(Msg::Yes) } else { t(Msg::No) }}</td>
                            </tr>
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

/// `/settings/accounts/<id>/manage`.
#[component]
pub fn ManageAccountPage() -> impl IntoView {
    let account = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let audit_page = page_number(&query);
    let asked = Asked {
        edit: query.get("edit"),
        remove: query.get("remove"),
        revoke: query.get("revoke"),
    };
    let done = query.get("done").and_then(|d| done_message(&d));
    let page = Resource::new_blocking(
        move || (account.clone(), audit_page),
        |(account, audit_page)| get_manage_page(account, audit_page),
    );
    let errors = ManageErrors {
        invite: url_form::<InviteMember>(),
        policies: url_form::<SetAccountPolicies>(),
        billing: url_form::<CreateBillingProfile>(),
        change: url_form::<ChangeMember>(),
        other: url_error::<RemoveMember>()
            .or(url_error::<DecideApiAccess>())
            .or(url_error::<AssignBilling>())
            .or(url_error::<ResendInvitation>())
            .or(url_error::<RevokeInvitation>()),
    };
    view! {
        <Title text=t(Msg::ManageAccountSettingsProfileCenter)/>
        <p><a href="/settings/accounts">{t(Msg::BackToAccounts)}</a></p>
        <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
            {move || {
                let (errors, asked) = (errors.clone(), asked.clone());
                Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <Manage page=page errors=errors asked=asked done=done/> }.into_any(),
                        Err(e) => {
                            let needs_mfa = matches!(e, AppError::TwoFactorRequired(_));
                            view! {
                                <h1>{t(Msg::ManageAccount2)}</h1>
                                <div class="alert" role="alert">{e.message().show()}</div>
                                {needs_mfa.then(|| view! {
                                    <p><a class="button primary" href="/settings/security?required=1#mfa">{t(Msg::TurnOnTwoFactorSignIn2)}</a></p>
                                })}
                            }
                                .into_any()
                        }
                    }
                })
            }}
        </Suspense>
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    edit: Option<String>,
    remove: Option<String>,
    revoke: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ManageErrors {
    invite: Option<(AppError, Typed)>,
    policies: Option<(AppError, Typed)>,
    billing: Option<(AppError, Typed)>,
    change: Option<(AppError, Typed)>,
    other: Option<AppError>,
}

/// The roles a person with `role` may give, for the role choices.
fn grantable(role: Role) -> Vec<Role> {
    Role::ALL
        .iter()
        .copied()
        .filter(|r| role.may_grant(*r))
        .collect()
}

#[component]
fn Manage(
    page: ManagePage,
    errors: ManageErrors,
    asked: Asked,
    done: Option<&'static str>,
) -> impl IntoView {
    let base = format!("/settings/accounts/{}/manage", page.account_id);
    let (invite_error, invite_typed) = errors
        .invite
        .map_or((None, Typed::default()), |(e, t)| (Some(e), t));
    let invite_role = invite_typed.get("role").unwrap_or("member").to_string();
    let ctx = Ctx {
        account: page.account_id.clone(),
        base: base.clone(),
        role: page.role,
    };
    let audit_allowed = page.role.grants(Permission::ViewAuditLog);
    let billing = page.role.grants(Permission::ManageBilling).then(|| {
        let members: Vec<(String, String)> = page
            .members
            .iter()
            .map(|m| (m.user_id.clone(), format!("{} <{}>", m.name, m.email)))
            .collect();
        view! { <Billing account=page.account_id.clone() profiles=page.billing.clone() members=members sent=errors.billing.clone()/> }
    });
    let requests = (page.role.grants(Permission::ManagePolicies)
        && (page.policies.api_approval || !page.access_requests.is_empty()))
    .then(|| view! { <AccessRequests account=page.account_id.clone() requests=page.access_requests.clone()/> });
    let policies = page.role.grants(Permission::ManagePolicies).then(|| {
        view! { <PoliciesForm account=page.account_id.clone() policies=page.policies.clone() sent=errors.policies.clone()/> }
    });
    view! {
        <h1>{fill(t(Msg::ManageAccount), &[&page.account_name])}</h1>
        <p class="lead">{fill(t(Msg::YourRoleHereIs), &[t(page.role.label())])}</p>
        {done.map(|text| view! { <p class="status" role="status">{text}</p> })}
        {errors.other.map(|e| view! { <div class="alert" role="alert">{e.message().show()}</div> })}
        <section aria-labelledby="members-heading">
            <h2 id="members-heading">{t(Msg::Members)}</h2>
            <ul class="account-list">
                {page
                    .members
                    .into_iter()
                    .map(|m| {
                        let id = Some(m.user_id.as_str());
                        let open = match () {
                            _ if errors.change.as_ref().is_some_and(|(_, t)| t.get("id") == id) => MemberOpen::Edit(errors.change.clone()),
                            _ if asked.edit.as_deref() == id => MemberOpen::Edit(None),
                            _ if asked.remove.as_deref() == id => MemberOpen::Remove,
                            _ => MemberOpen::Nothing,
                        };
                        let you = m.user_id == page.you;
                        view! { <MemberItem member=m ctx=ctx.clone() open=open you=you/> }
                    })
                    .collect_view()}
            </ul>
        </section>
        <section aria-labelledby="invite-heading" id="invite">
            <h2 id="invite-heading">{t(Msg::InviteSomeone)}</h2>
            <Enhanced>
                <form method="post" action=InviteMember::url() class="stack" novalidate>
                    <input type="hidden" name="account" value=page.account_id.clone()/>
                    <FormAlert error=invite_error.clone()/>
                    <Field label=Msg::EMailAddress name="email" input_type="email" autocomplete="off" value=invite_typed.get("email").unwrap_or_default().to_string() required=true hint=Msg::TheyGetALinkValidFor error=invite_error.clone()/>
                    <RoleSelect roles=grantable(page.role) chosen=invite_role error=invite_error/>
                    <p class="actions"><SubmitButton label=Msg::SendInvitation pending_label=Msg::Sending/></p>
                </form>
            </Enhanced>
        </section>
        <section aria-labelledby="pending-heading">
            <h2 id="pending-heading">{t(Msg::PendingInvitations)}</h2>
            {if page.invitations.is_empty() {
                view! { <p>{t(Msg::NoInvitationsAreWaiting)}</p> }.into_any()
            } else {
                view! {
                    <ul class="account-list">
                        {page
                            .invitations
                            .into_iter()
                            .map(|i| {
                                let asking = asked.revoke.as_deref() == Some(i.id.as_str());
                                view! { <PendingItem invitation=i ctx=ctx.clone() asking=asking/> }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        {billing}
        {policies}
        {requests}
        {audit_allowed.then(|| view! { <AuditLog entries=page.audit page=page.audit_page has_next=page.audit_has_next base=base.clone()/> })}
    }
}

/// What every row of the Manage page needs to know.
#[derive(Debug, Clone, PartialEq)]
struct Ctx {
    account: String,
    /// The Manage page's own path.
    base: String,
    /// The caller's role.
    role: Role,
}

#[derive(Debug, Clone, PartialEq)]
enum MemberOpen {
    Nothing,
    Edit(Option<(AppError, Typed)>),
    Remove,
}

#[component]
fn RoleSelect(
    roles: Vec<Role>,
    chosen: String,
    error: Option<AppError>,
    #[prop(default = "field")] id_prefix: &'static str,
) -> impl IntoView {
    view! {
        <Select label=Msg::Role name="role" error=error id_prefix=id_prefix>
            {roles
                .into_iter()
                .map(|r| view! { <option value=r.as_str() selected=chosen == r.as_str()>{t(r.label())}</option> })
                .collect_view()}
        </Select>
    }
}

#[component]
fn MemberItem(member: MemberView, ctx: Ctx, open: MemberOpen, you: bool) -> impl IntoView {
    let m = member;
    let manageable = ctx.role.may_manage(m.role);
    let uid = m.user_id.clone();
    let link = |action: &str, class: &'static str, label: Msg, aria: Msg| {
        view! {
            <a class=format!("button {class}") href=format!("{}?{action}={uid}#{action}-{uid}", ctx.base) aria-label=fill(t(aria), &[&m.name])>{t(label)}</a>
        }
    };
    let actions = (manageable && open == MemberOpen::Nothing).then(|| {
        view! {
            <div class="actions">
                {link("edit", "secondary", Msg::Edit, Msg::EditMember)}
                {(!you).then(|| link("remove", "danger", Msg::Remove, Msg::RemoveMember))}
            </div>
        }
    });
    let below = match open {
        MemberOpen::Edit(sent) if manageable => {
            Some(view! { <EditMemberForm member=m.clone() ctx=ctx.clone() sent=sent/> }.into_any())
        }
        MemberOpen::Remove if manageable && !you => Some({
            let (uid, name) = (uid.clone(), m.name.clone());
            view! {
            <Question back=ctx.base.clone() id=format!("remove-{uid}") question=fill(t(Msg::RemoveMemberQuestion), &[&name]) detail=t(Msg::TheyLoseAccessAtOnceAnd)>
                <RowAction action=RemoveMember::url() account=ctx.account.clone() id=uid.clone() label=Msg::YesRemove pending=Msg::Removing class="danger" aria_label=fill(t(Msg::YesRemoveMember), &[&name])/>
            </Question>
            }
            .into_any()
        }),
        _ => None,
    };
    view! {
        <li class="account" id=format!("member-{uid}")>
            <h3>{m.name.clone()}{you.then(|| view! { <span class="badge">{t(Msg::You)}</span> })}</h3>
            <dl>
                <div><dt>{t(Msg::EMail)}</dt><dd class="address">{m.email.clone()}</dd></div>
                <div><dt>{t(Msg::Role)}</dt><dd>{t(m.role.label())}</dd></div>
                <div><dt>{t(Msg::Group)}</dt><dd>{if m.group.is_empty() { t(Msg::NoGroup).to_string() } else { m.group.clone() }}</dd></div>
                <div><dt>{t(Msg::Joined)}</dt><dd><time>{show_time(m.joined_at)}</time></dd></div>
            </dl>
            {actions}
            {below}
        </li>
    }
}

#[component]
fn EditMemberForm(member: MemberView, ctx: Ctx, sent: Option<(AppError, Typed)>) -> impl IntoView {
    let (error, typed) = sent.map_or((None, None), |(e, t)| (Some(e), Some(t)));
    let role = typed
        .as_ref()
        .and_then(|t| t.get("role"))
        .map_or_else(|| member.role.as_str().to_string(), str::to_string);
    let group = typed
        .as_ref()
        .and_then(|t| t.get("group"))
        .map_or_else(|| member.group.clone(), str::to_string);
    let mut roles = grantable(ctx.role);
    if !roles.contains(&member.role) {
        roles.insert(0, member.role);
    }
    view! {
        <Enhanced>
            <form method="post" action=ChangeMember::url() class="stack" novalidate id=format!("edit-{}", member.user_id)>
                <h4>{fill(t(Msg::Edit2), &[&member.name])}</h4>
                <input type="hidden" name="account" value=ctx.account.clone()/>
                <input type="hidden" name="id" value=member.user_id.clone()/>
                <FormAlert error=error.clone()/>
                <RoleSelect roles=roles chosen=role error=error.clone() id_prefix="member"/>
                <Field label=Msg::Group name="group" value=group maxlength=60 hint=Msg::FreeTextEGResellerOr error=error id_prefix="member"/>
                <p class="actions">
                    <SubmitButton label=Msg::SaveMember pending_label=Msg::Saving/>
                    <a href=ctx.base.clone()>{t(Msg::Cancel)}</a>
                </p>
            </form>
        </Enhanced>
    }
}

#[component]
fn PendingItem(invitation: PendingInvitation, ctx: Ctx, asking: bool) -> impl IntoView {
    let i = invitation;
    let id = i.id.clone();
    let expired = i.expired;
    let may = ctx.role.may_grant(i.role);
    let actions = (may && !asking).then(|| {
        view! {
            <div class="actions">
                <RowAction action=ResendInvitation::url() account=ctx.account.clone() id=id.clone() label=Msg::SendAgain pending=Msg::Sending aria_label=fill(t(Msg::SendTheInvitationToAgain), &[&i.email])/>
                <a class="button danger" href=format!("{}?revoke={id}#revoke-{id}", ctx.base) aria-label=fill(t(Msg::RevokeTheInvitationTo), &[&i.email])>{t(Msg::Revoke)}</a>
            </div>
        }
    });
    let question = (may && asking).then(|| {
        let (id, email) = (id.clone(), i.email.clone());
        view! {
            <Question back=ctx.base.clone() id=format!("revoke-{id}") question=fill(t(Msg::RevokeTheInvitationToQuestion), &[&email]) detail=t(Msg::ItsLinkStopsWorking)>
                <RowAction action=RevokeInvitation::url() account=ctx.account.clone() id=id.clone() label=Msg::RevokeKeyNow pending=Msg::Revoking class="danger" aria_label=fill(t(Msg::YesRevokeTheInvitationTo), &[&email])/>
            </Question>
        }
    });
    view! {
        <li class="account" id=format!("invitation-{id}")>
            <h3 class="address">{i.email.clone()}{expired.then(|| view! { <span class="badge badge-muted">{t(Msg::Expired)}</span> })}</h3>
            <dl>
                <div><dt>{t(Msg::Role)}</dt><dd>{t(i.role.label())}</dd></div>
                <div><dt>{t(Msg::InvitedBy)}</dt><dd>{i.invited_by.clone()}</dd></div>
                <div><dt>{t(Msg::ValidUntil2)}</dt><dd><time>{show_time(i.expires_at)}</time></dd></div>
            </dl>
            {actions}
            {question}
        </li>
    }
}

#[component]
fn AuditLog(entries: Vec<AuditEntry>, page: usize, has_next: bool, base: String) -> impl IntoView {
    let newer = (page > 1).then(|| format!("{base}?page={}#audit-heading", page - 1));
    let older = has_next.then(|| format!("{base}?page={}#audit-heading", page + 1));
    let csv = base.replace("/manage", "/audit.csv");
    view! {
        <section aria-labelledby="audit-heading">
            <h2 id="audit-heading">{t(Msg::AuditLog)}</h2>
            <p class="hint">{t(Msg::WhoDidWhatToWhomIn)}" "<a href=csv download="account-audit-log.csv">{t(Msg::DownloadAsCSV)}</a></p>
            {if entries.is_empty() {
                view! { <p>{t(Msg::NothingRecordedYet)}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-label=t(Msg::AuditLogTable)>
                        <table class="stacked">
                            <caption class="visually-hidden">{t(Msg::AuditEntriesNewestFirst)}</caption>
                            <thead>
                                <tr><th scope="col">{t(Msg::Time)}</th><th scope="col">{t(Msg::Who)}</th><th scope="col">{t(Msg::Event)}</th><th scope="col">{t(Msg::Whom)}</th><th scope="col">{t(Msg::IPAddress)}</th></tr>
                            </thead>
                            <tbody>
                                {entries.into_iter().map(|e| view! {
                                    <tr>
                                        <td data-label=t(Msg::Time)><time>{show_time(e.at)}</time></td>
                                        <td data-label=t(Msg::Who)>{e.actor}</td>
                                        <td data-label=t(Msg::Event)>{t(e.action.label())}{(!e.detail.is_empty()).then(|| format!(" ({})", e.detail))}</td>
                                        <td data-label=t(Msg::Whom)>{e.target}</td>
                                        <td data-label=t(Msg::IPAddress)>{e.ip}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            <nav class="pager" aria-label=t(Msg::AuditLogPages)>
                {newer.map(|href| view! { <a href=href>{t(Msg::NewerEvents)}</a> })}
                {older.map(|href| view! { <a href=href>{t(Msg::OlderEvents)}</a> })}
            </nav>
        </section>
    }
}

/// `/invitation?token=…`: the page an invitation's e-mail link opens. Signed in, the person
/// accepts here (the token is posted, never stored); signed out, they sign in or sign up with
/// the invited address first, and the invitation then waits on their Accounts tab too.
#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    // One resource for the page: the invitation and whether someone is signed in.
    let invitation = Resource::new_blocking(
        {
            let token = token.clone();
            move || token.clone()
        },
        get_invitation,
    );
    let error = url_error::<AcceptInvitation>();
    let here = format!("/invitation?token={token}");
    view! {
        <Title text=t(Msg::InvitationProfileCenter)/>
        <main id="main" class="narrow">
            <h1>{t(Msg::AccountInvitation)}</h1>
            <Suspense fallback=|| view! { <p>{t(Msg::Loading)}</p> }>
                {move || {
                    let (token, here, error) = (token.clone(), here.clone(), error.clone());
                    Suspend::new(async move {
                        match invitation.await {
                            Err(e) => view! { <p class="alert" role="alert">{e.message().show()}</p> }.into_any(),
                            Ok((None, _)) => view! { <p class="alert" role="alert">{t(Msg::ThisInvitationLinkIsNoLonger)}</p> }.into_any(),
                            Ok((Some(i), signed_in)) => {
                                let what = fill(t(Msg::InviterInvitesYouAsRoleTo), &[&i.invited_by, t(i.role.label()), &i.email]);
                                view! {
                                    <h2>{i.account_name.clone()}</h2>
                                    <p>{what}</p>
                                    {match signed_in {
                                        true => view! {
                                            <Enhanced>
                                                <form method="post" action=AcceptInvitation::url() class="stack">
                                                    <input type="hidden" name="token" value=token/>
                                                    <FormAlert error=error/>
                                                    <p class="actions">
                                                        <SubmitButton label=Msg::AcceptInvitation pending_label=Msg::Joining/>
                                                        <a href="/settings/accounts">{t(Msg::NotNow)}</a>
                                                    </p>
                                                </form>
                                            </Enhanced>
                                        }.into_any(),
                                        false => {
                                            let next = crate::ui::components::form::percent_encode(&here);
                                            view! {
                                                <p>{fill(t(Msg::SignInWithToAccept), &[&i.email])}</p>
                                                <p class="actions">
                                                    <a class="button primary" href=format!("/signin?next={next}")>{t(Msg::SignInToAccept)}</a>
                                                    <a class="button secondary" href="/signup">{t(Msg::CreateASignIn)}</a>
                                                </p>
                                                <p class="hint">{t(Msg::NewHereSignUpWithThis)}</p>
                                            }.into_any()
                                        }
                                    }}
                                }
                                    .into_any()
                            }
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

/// The account's policies: two-factor sign-in required (with a grace period), and whether API
/// access needs approval.
#[component]
fn PoliciesForm(
    account: String,
    policies: Policies,
    sent: Option<(AppError, Typed)>,
) -> impl IntoView {
    let (error, typed) = sent.map_or((None, None), |(e, t)| (Some(e), Some(t)));
    let (require_mfa, grace, api_approval) = match &typed {
        Some(t) => (
            t.get("require_mfa").is_some(),
            t.get("grace_days").unwrap_or("0").to_string(),
            t.get("api_approval").is_some(),
        ),
        None => (
            policies.require_mfa,
            policies.grace_days.to_string(),
            policies.api_approval,
        ),
    };
    let mfa_message = crate::ui::components::form::field_message(&error, "require_mfa");
    view! {
        <section aria-labelledby="policies-heading" id="policies">
            <h2 id="policies-heading">{t(Msg::Policies)}</h2>
            <Enhanced>
                <form method="post" action=SetAccountPolicies::url() class="stack" novalidate>
                    <input type="hidden" name="account" value=account/>
                    <FormAlert error=error.clone()/>
                    <div class="check">
                        <input type="checkbox" id="policy-require_mfa" name="require_mfa" value="on" checked=require_mfa aria-invalid=mfa_message.is_some().then_some("true") aria-describedby="policy-require_mfa-hint"/>
                        <label for="policy-require_mfa">{t(Msg::RequireTwoFactorSignIn)}</label>
                    </div>
                    <p class="hint" id="policy-require_mfa-hint">{t(Msg::MembersWithoutItCannotOpen)}</p>
                    <p class="field-error" id="policy-require_mfa-error" hidden=mfa_message.is_none()>{mfa_message.clone()}</p>
                    <Field label=Msg::GracePeriodDays name="grace_days" input_type="number" inputmode="numeric" value=grace hint=Msg::HowLongMembersHaveTo error=error/>
                    <div class="check">
                        <input type="checkbox" id="policy-api_approval" name="api_approval" value="on" checked=api_approval aria-describedby="policy-api_approval-hint"/>
                        <label for="policy-api_approval">{t(Msg::APIAccessNeedsApproval)}</label>
                    </div>
                    <p class="hint" id="policy-api_approval-hint">{t(Msg::MembersAskForAPIAccess)}</p>
                    <p class="actions"><SubmitButton label=Msg::SavePolicies pending_label=Msg::Saving/></p>
                </form>
            </Enhanced>
        </section>
    }
}

/// Billing profiles: each with its members (take off, add), and a form for a new one.
#[component]
fn Billing(
    account: String,
    profiles: Vec<BillingProfileView>,
    /// (user id, "name <address>") of every member, for the add choices.
    members: Vec<(String, String)>,
    sent: Option<(AppError, Typed)>,
) -> impl IntoView {
    let (error, typed) = sent.map_or((None, Typed::default()), |(e, t)| (Some(e), t));
    view! {
        <section aria-labelledby="billing-heading" id="billing">
            <h2 id="billing-heading">{t(Msg::BillingProfiles)}</h2>
            <p class="hint">{t(Msg::WhoIsBilledAndAtWhich)}</p>
            {if profiles.is_empty() {
                view! { <p>{t(Msg::NoBillingProfilesYet)}</p> }.into_any()
            } else {
                view! {
                    <ul class="account-list">
                        {profiles
                            .into_iter()
                            .map(|p| view! { <BillingItem account=account.clone() profile=p members=members.clone()/> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <h3>{t(Msg::NewBillingProfile)}</h3>
            <Enhanced>
                <form method="post" action=CreateBillingProfile::url() class="stack" novalidate>
                    <input type="hidden" name="account" value=account.clone()/>
                    <FormAlert error=error.clone()/>
                    <Field label=Msg::ProfileName name="name" value=typed.get("name").unwrap_or_default().to_string() required=true maxlength=100 error=error.clone() id_prefix="billing"/>
                    <Field label=Msg::BillingEMail name="email" input_type="email" autocomplete="off" value=typed.get("email").unwrap_or_default().to_string() required=true error=error id_prefix="billing"/>
                    <p class="actions"><SubmitButton label=Msg::CreateProfile pending_label=Msg::Creating/></p>
                </form>
            </Enhanced>
        </section>
    }
}

#[component]
fn BillingItem(
    account: String,
    profile: BillingProfileView,
    members: Vec<(String, String)>,
) -> impl IntoView {
    let p = profile;
    let select_id = format!("add-{}", p.id);
    let addable: Vec<(String, String)> = members
        .into_iter()
        .filter(|(id, _)| !p.members.iter().any(|(on, _)| on == id))
        .collect();
    let on_it = if p.members.is_empty() {
        view! { <p>{t(Msg::NobodyYet)}</p> }.into_any()
    } else {
        let items = p
            .members
            .iter()
            .map(|(id, name)| {
                let (account, profile_id, id) = (account.clone(), p.id.clone(), id.clone());
                let aria = fill(t(Msg::TakeOffProfile), &[&p.name, name]);
                let name = name.clone();
                view! {
                    <li>
                        {name}" "
                        <Enhanced>
                            <form method="post" action=AssignBilling::url() class="inline">
                                <input type="hidden" name="account" value=account/>
                                <input type="hidden" name="profile" value=profile_id/>
                                <input type="hidden" name="id" value=id/>
                                <div class="alert" role="alert" hidden></div>
                                <SubmitButton label=Msg::TakeOff pending_label=Msg::Removing class="secondary" aria_label=aria/>
                            </form>
                        </Enhanced>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="plain-list">{items}</ul> }.into_any()
    };
    let add = (!addable.is_empty()).then(|| {
        let (account, profile_id) = (account.clone(), p.id.clone());
        let aria = fill(t(Msg::AddToProfileNamed), &[&p.name]);
        view! {
            <Enhanced>
                <form method="post" action=AssignBilling::url() class="stack">
                    <input type="hidden" name="account" value=account/>
                    <input type="hidden" name="profile" value=profile_id/>
                    <input type="hidden" name="on" value="1"/>
                    <div class="alert" role="alert" hidden></div>
                    <div class="field">
                        <label for=select_id.clone()>{t(Msg::AddMember)}</label>
                        <select id=select_id name="id">
                            {addable.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <p class="actions"><SubmitButton label=Msg::AddToProfile pending_label=Msg::Saving class="secondary" aria_label=aria/></p>
                </form>
            </Enhanced>
        }
    });
    view! {
        <li class="account" id=format!("billing-{}", p.id)>
            <h3>{p.name.clone()}</h3>
            <dl>
                <div><dt>{t(Msg::BillingEMail)}</dt><dd class="address">{p.email.clone()}</dd></div>
            </dl>
            <h4>{t(Msg::OnThisProfile)}</h4>
            {on_it}
            {add}
        </li>
    }
}

/// Members' requests for API access, each approved or declined here.
#[component]
fn AccessRequests(account: String, requests: Vec<AccessRequest>) -> impl IntoView {
    view! {
        <section aria-labelledby="requests-heading" id="requests">
            <h2 id="requests-heading">{t(Msg::APIAccessRequests)}</h2>
            {if requests.is_empty() {
                view! { <p>{t(Msg::NoRequestsAreWaiting)}</p> }.into_any()
            } else {
                view! {
                    <ul class="account-list">
                        {requests
                            .into_iter()
                            .map(|r| {
                                let decide = |approve: bool| {
                                    let (label, aria, class) = match approve {
                                        true => (Msg::Approve, Msg::ApproveAPIAccessFor, "primary"),
                                        false => (Msg::Decline, Msg::DeclineAPIAccessFor, "secondary"),
                                    };
                                    let aria = fill(t(aria), &[&r.name]);
                                    let (account, id) = (account.clone(), r.user_id.clone());
                                    view! {
                                        <Enhanced>
                                            <form method="post" action=DecideApiAccess::url() class="inline">
                                                <input type="hidden" name="account" value=account/>
                                                <input type="hidden" name="id" value=id/>
                                                {approve.then(|| view! { <input type="hidden" name="approve" value="1"/> })}
                                                <div class="alert" role="alert" hidden></div>
                                                <SubmitButton label=label pending_label=Msg::Saving class=class aria_label=aria/>
                                            </form>
                                        </Enhanced>
                                    }
                                };
                                view! {
                                    <li class="account">
                                        <h3>{r.name.clone()}</h3>
                                        <dl>
                                            <div><dt>{t(Msg::EMail)}</dt><dd class="address">{r.email.clone()}</dd></div>
                                            <div><dt>{t(Msg::Reason)}</dt><dd>{r.reason.clone()}</dd></div>
                                            <div><dt>{t(Msg::Requested)}</dt><dd><time>{show_time(r.requested_at)}</time></dd></div>
                                        </dl>
                                        <div class="actions">{decide(true)}{decide(false)}</div>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
