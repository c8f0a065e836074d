//! The Accounts tab's data: roles, the one role → permission matrix every check uses, and the
//! rules for who may give which role to whom.
//!
//! A person belongs to accounts (organisations of the platform) through memberships, each with
//! one role and a free-text group. Server functions, REST routes and pages ask `Role::grants`;
//! nothing else decides what a role may do.

use crate::error::FieldErrors;
use crate::i18n::Msg;
use serde::{Deserialize, Serialize};

pub const NAME_MAX_CHARS: usize = 100;
pub const GROUP_MAX_CHARS: usize = 60;
/// An invitation link works this long.
pub const INVITATION_SECS: i64 = 7 * 86_400;

super::vocabulary! {
    /// A member's role in an account, most powerful first.
    pub enum Role {
        Owner = "owner" => Owner,
        Admin = "admin" => Admin,
        BillingManager = "billing_manager" => BillingManager,
        Member = "member" => Member,
        Viewer = "viewer" => Viewer,
    }
}

super::vocabulary! {
    /// What a role may do in its account (the rows of the Permissions table).
    pub enum Permission {
        ViewAccount = "view_account" => ViewTheAccountAndItsMembers,
        UseServices = "use_services" => CreateAndChangeCloudResources,
        CreateApiKeys = "create_api_keys" => CreateAPIKeysForThisAccount,
        ViewInvoices = "view_invoices" => ViewInvoicesAndSpending,
        ManageBilling = "manage_billing" => ManageBillingAndPaymentMethods,
        ManageMembers = "manage_members" => InviteChangeAndRemoveMembers,
        ViewAuditLog = "view_audit_log" => ReadTheAccountAuditLog,
        ManagePolicies = "manage_policies" => ChangeTheAccountPolicies,
    }
}

/// The matrix: each permission and the roles that have it.
const MATRIX: &[(Permission, &[Role])] = {
    use Permission::*;
    use Role::*;
    &[
        (ViewAccount, &[Owner, Admin, BillingManager, Member, Viewer]),
        (UseServices, &[Owner, Admin, Member]),
        (CreateApiKeys, &[Owner, Admin, BillingManager, Member]),
        (ViewInvoices, &[Owner, Admin, BillingManager]),
        (ManageBilling, &[Owner, Admin, BillingManager]),
        (ManageMembers, &[Owner, Admin]),
        (ViewAuditLog, &[Owner, Admin]),
        (ManagePolicies, &[Owner, Admin]),
    ]
};

impl Role {
    pub fn grants(self, permission: Permission) -> bool {
        MATRIX
            .iter()
            .any(|(p, roles)| *p == permission && roles.contains(&self))
    }

    /// Whether a person with this role may give `role` to someone (by invitation or a change):
    /// only managers of members, never above their own role, and only an Owner makes Owners.
    pub fn may_grant(self, role: Role) -> bool {
        self.grants(Permission::ManageMembers) && (role != Role::Owner || self == Role::Owner)
    }

    /// Whether a person with this role may change or remove a member who has `theirs`: an
    /// Admin manages everyone but Owners.
    pub fn may_manage(self, theirs: Role) -> bool {
        self.grants(Permission::ManageMembers) && (theirs != Role::Owner || self == Role::Owner)
    }
}

/// Every permission with whether `role` has it, in the table's order.
pub fn permissions_of(role: Role) -> Vec<(Permission, bool)> {
    Permission::ALL
        .iter()
        .map(|p| (*p, role.grants(*p)))
        .collect()
}

/// Account names are 1–100 characters without control or invisible format characters.
pub fn validate_name(name: &str) -> Result<String, FieldErrors> {
    let name = super::text::nfc(name.trim());
    let mut errors = FieldErrors::new();
    if name.is_empty() {
        errors.add("name", Msg::GiveTheAccountAName);
    } else if super::text::length(&name) > NAME_MAX_CHARS {
        errors.add("name", Msg::UseAtMost100Characters);
    } else if name
        .chars()
        .any(|c| c.is_control() || super::text::is_format_char(c))
    {
        errors.add("name", Msg::RemoveTheControlCharactersSuchAs);
    }
    if errors.is_empty() {
        Ok(name)
    } else {
        Err(errors)
    }
}

/// Groups are free text up to 60 characters (empty: no group).
pub fn validate_group(group: &str) -> Result<String, FieldErrors> {
    let group = super::text::nfc(group.trim());
    let mut errors = FieldErrors::new();
    if super::text::length(&group) > GROUP_MAX_CHARS {
        errors.add("group", Msg::UseAtMost60Characters);
    } else if group
        .chars()
        .any(|c| c.is_control() || super::text::is_format_char(c))
    {
        errors.add("group", Msg::RemoveTheControlCharactersSuchAs);
    }
    if errors.is_empty() {
        Ok(group)
    } else {
        Err(errors)
    }
}

/// A role from a form field, or a field error.
pub fn parse_role(word: &str, field: &str) -> Result<Role, FieldErrors> {
    Role::parse(word.trim()).ok_or_else(|| {
        let mut errors = FieldErrors::new();
        errors.add(field, Msg::ChooseARole);
        errors
    })
}

/// One account the person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipView {
    pub account_id: String,
    pub account_name: String,
    pub role: Role,
    pub group: String,
    pub joined_at: i64,
    /// The account this session works in.
    pub current: bool,
    /// When the account's two-factor policy holds this person out (they have not turned it
    /// on): past means now, future means after the grace period. None: nothing holds them out.
    pub mfa_due: Option<i64>,
    /// Whether the policy holds them out now.
    pub blocked: bool,
}

/// An invitation addressed to one of the person's verified addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: String,
    pub account_id: String,
    pub account_name: String,
    pub email: String,
    pub role: Role,
    /// Who invited (their name, or address when they have none).
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// The Accounts tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsPage {
    pub memberships: Vec<MembershipView>,
    pub invitations: Vec<InvitationView>,
    /// The billing profiles the person is on in the current account: (name, billing address).
    pub billing: Vec<(String, String)>,
}

impl AccountsPage {
    /// The membership of the account this session works in.
    pub fn current(&self) -> Option<&MembershipView> {
        self.memberships.iter().find(|m| m.current)
    }
}

/// A member as the Manage page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub group: String,
    pub joined_at: i64,
}

/// An invitation not yet answered, as the Manage page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingInvitation {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// Past its 7 days (it can be sent again).
    pub expired: bool,
}

super::vocabulary! {
    /// What an account audit entry records.
    pub enum AuditAction {
        Created = "account_created" => AccountCreated,
        Invited = "member_invited" => MemberInvited,
        InvitationResent = "invitation_resent" => InvitationSentAgain,
        InvitationRevoked = "invitation_revoked" => InvitationRevoked,
        Joined = "member_joined" => MemberJoined,
        InvitationIgnored = "invitation_ignored" => InvitationIgnored,
        RoleChanged = "role_changed" => RoleChanged,
        GroupChanged = "group_changed" => GroupChanged,
        Removed = "member_removed" => MemberRemoved,
        Left = "member_left" => MemberLeft,
        PolicyChanged = "policy_changed" => PolicyChanged,
        BillingProfileCreated = "billing_profile_created" => BillingProfileCreated,
        BillingAssigned = "billing_assigned" => AddedToABillingProfile,
        BillingUnassigned = "billing_unassigned" => TakenOffABillingProfile,
        ApiAccessRequested = "api_access_requested" => APIAccessRequested,
        ApiAccessApproved = "api_access_approved" => APIAccessApproved,
        ApiAccessDeclined = "api_access_declined" => APIAccessDeclined,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: i64,
    /// Who acted (name and address at the time).
    pub actor: String,
    pub action: AuditAction,
    /// Whom it concerned.
    pub target: String,
    pub detail: String,
    pub ip: String,
}

/// An account's policies (the Manage page's Policies form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// Members need two-factor sign-in to open the account.
    pub require_mfa: bool,
    /// Days members have to turn it on after the policy is turned on.
    pub grace_days: i64,
    /// Keys for this account need an Owner's or Admin's approval of the member's API access.
    pub api_approval: bool,
}

pub const GRACE_DAYS_MAX: i64 = 90;

/// The grace period field: a whole number of days from 0 to 90.
pub fn parse_grace_days(raw: &str) -> Result<i64, FieldErrors> {
    match raw.trim() {
        "" => Ok(0),
        days => days
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=GRACE_DAYS_MAX).contains(d))
            .ok_or_else(|| {
                let mut errors = FieldErrors::new();
                errors.add("grace_days", Msg::UseAWholeNumberFrom0To90);
                errors
            }),
    }
}

/// Whether a policy deadline (`MembershipView::mfa_due`) holds the person out at `now`.
pub fn held_out(mfa_due: Option<i64>, now: i64) -> bool {
    mfa_due.is_some_and(|due| due <= now)
}

/// A billing profile: who is billed, at which address, and the members on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingProfileView {
    pub id: String,
    pub name: String,
    pub email: String,
    /// (user id, name) of each member assigned to it.
    pub members: Vec<(String, String)>,
}

/// A billing profile's name: 1–100 characters, like an account's.
pub fn validate_billing_profile(name: &str, email: &str) -> Result<(String, String), FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = match validate_name(name) {
        Ok(name) => name,
        Err(e) => {
            errors.0.extend(e.0);
            String::new()
        }
    };
    let email = super::auth::normalize_email(email);
    if let Err(e) = super::auth::validate_email(&email) {
        errors.add("email", e);
    }
    if errors.is_empty() {
        Ok((name, email))
    } else {
        Err(errors)
    }
}

super::vocabulary! {
    /// Where a person stands on API access to an account whose policy needs approval.
    pub enum ApiAccess {
        /// The policy is off, or the person approves requests themselves.
        NotNeeded = "not_needed" => NoApprovalNeeded,
        Approved = "approved" => Approved,
        Pending = "pending" => AwaitingApproval,
        Declined = "declined" => Declined,
        NotRequested = "not_requested" => NotRequestedYet,
    }
}

impl ApiAccess {
    pub fn allows_keys(self) -> bool {
        matches!(self, ApiAccess::NotNeeded | ApiAccess::Approved)
    }
}

/// An account the person may create API keys for (their role grants it), with their access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyAccount {
    pub id: String,
    pub name: String,
    pub access: ApiAccess,
}

/// A member's request for API access, waiting on the Manage page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub reason: String,
    pub requested_at: i64,
}

pub const REASON_MAX_CHARS: usize = 500;

/// Why someone asks for API access: 1–500 characters.
pub fn validate_reason(reason: &str) -> Result<String, FieldErrors> {
    let reason = super::text::nfc(reason.trim());
    let mut errors = FieldErrors::new();
    if reason.is_empty() {
        errors.add("reason", Msg::SayWhatTheKeysAreFor);
    } else if super::text::length(&reason) > REASON_MAX_CHARS {
        errors.add("reason", Msg::UseAtMost500Characters);
    } else if reason.chars().any(super::text::is_format_char) {
        errors.add("reason", Msg::RemoveTheControlCharactersSuchAs);
    }
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(errors)
    }
}

/// The Manage page of one account (Owners and Admins only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagePage {
    pub account_id: String,
    pub account_name: String,
    /// The caller's role here, and their user id (their own row has no Remove).
    pub role: Role,
    pub you: String,
    pub members: Vec<MemberView>,
    pub invitations: Vec<PendingInvitation>,
    pub policies: Policies,
    /// Empty unless the caller's role manages billing.
    pub billing: Vec<BillingProfileView>,
    /// Requests for API access waiting for a decision.
    pub access_requests: Vec<AccessRequest>,
    pub audit: Vec<AuditEntry>,
    /// 1-based page of the audit log.
    pub audit_page: usize,
    pub audit_has_next: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;
    use Role::*;

    #[test]
    fn every_role_sees_its_account_and_only_owners_and_admins_manage_members() {
        for role in Role::ALL {
            assert!(role.grants(ViewAccount));
        }
        let managers: Vec<Role> = Role::ALL
            .iter()
            .copied()
            .filter(|r| r.grants(ManageMembers))
            .collect();
        assert_eq!(managers, vec![Owner, Admin]);
        assert!(!Viewer.grants(ViewAuditLog));
        assert!(BillingManager.grants(ManageBilling) && !Member.grants(ManageBilling));
        assert!(!Viewer.grants(CreateApiKeys));
    }

    #[test]
    fn nobody_grants_more_than_their_role_and_only_owners_make_owners() {
        assert!(Owner.may_grant(Owner));
        assert!(!Admin.may_grant(Owner));
        assert!(Admin.may_grant(Admin) && Admin.may_grant(Viewer));
        for role in [BillingManager, Member, Viewer] {
            for target in Role::ALL {
                assert!(!role.may_grant(*target), "{role} may not grant {target}");
            }
        }
        assert!(!Admin.may_manage(Owner) && Admin.may_manage(Admin) && Owner.may_manage(Owner));
    }

    #[test]
    fn every_permission_has_a_row_in_the_matrix() {
        for p in Permission::ALL {
            assert!(MATRIX.iter().any(|(q, _)| q == p), "{p} has no row");
        }
        assert_eq!(permissions_of(Viewer).len(), Permission::ALL.len());
    }

    #[test]
    fn names_and_groups_are_checked() {
        assert_eq!(validate_name("  Acme Cloud ").unwrap(), "Acme Cloud");
        assert!(validate_name("").is_err());
        assert!(validate_name(&"a".repeat(101)).is_err());
        assert!(validate_name("Acme\u{202e}").is_err());
        assert_eq!(validate_group("").unwrap(), "");
        assert!(validate_group(&"g".repeat(61)).is_err());
        assert!(parse_role("owner", "role").is_ok() && parse_role("god", "role").is_err());
        assert_eq!(parse_grace_days("").unwrap(), 0);
        assert_eq!(parse_grace_days(" 14 ").unwrap(), 14);
        assert!(
            parse_grace_days("91").is_err()
                && parse_grace_days("-1").is_err()
                && parse_grace_days("1.5").is_err()
        );
    }

    #[test]
    fn the_policy_holds_a_member_out_once_the_grace_period_is_over() {
        assert!(!held_out(None, 100));
        assert!(!held_out(Some(101), 100));
        assert!(held_out(Some(100), 100));
    }
}
