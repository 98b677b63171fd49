//! The two inputs of the planner, in scimform's vocabulary: the live state refresh found,
//! and the desired state after names were resolved to ids.
//!
//! Both are plain data (and serializable, so tests can keep them as files). Building them
//! takes I/O (`scimform-apply` does it); using them does not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use scimform_spec::model::{AssignmentPolicy, ProvisioningStatus, Scope, TokenSource};

/// What refresh found in the tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Live {
    /// Managed apps (marker tag found) by name, whether or not a spec names them.
    #[serde(default)]
    pub apps: BTreeMap<String, LiveApp>,
    /// Unmanaged apps whose display name equals a spec's: reported, never taken.
    #[serde(default)]
    pub lookalikes: Vec<Lookalike>,
}

/// A managed app as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveApp {
    /// Service principal object id.
    pub service_principal_id: String,
    /// Application (client) id.
    pub app_id: String,
    /// Display name of the service principal.
    pub display_name: String,
    /// applicationTemplate id it was made from.
    #[serde(default)]
    pub template_id: Option<String>,
    /// Every tag (other tools' tags are kept on write).
    #[serde(default)]
    pub tags: Vec<String>,
    /// App roles: id and display name.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Owners of the service principal.
    #[serde(default)]
    pub owners: Vec<Principal>,
    /// The provisioning job, when there is one.
    #[serde(default)]
    pub job: Option<LiveJob>,
    /// Saved secrets as Graph reads them back (sensitive values are `*`).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// Assignments.
    #[serde(default)]
    pub assignments: Vec<LiveAssignment>,
}

/// An app role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Role id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A user or group, resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Principal {
    /// Object id.
    pub id: String,
    /// `user` or `group`.
    pub kind: PrincipalKind,
    /// How people know it: a UPN or a group name.
    pub label: String,
}

impl Principal {
    /// The address key: `user:alice@contoso.com`, `group:Netskope Users`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.as_str(), self.label)
    }
}

/// User or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PrincipalKind {
    /// A user.
    User,
    /// A group.
    Group,
}

impl PrincipalKind {
    /// `user` or `group`.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }
}

/// A provisioning job as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveJob {
    /// Job id.
    pub id: String,
    /// Template id.
    #[serde(default)]
    pub template_id: Option<String>,
    /// `Active`, `Paused` or `Disabled`.
    pub state: String,
    /// `NotConfigured`, `NotRun`, `Active`, `Paused`, `Quarantine`.
    #[serde(default)]
    pub status_code: Option<String>,
    /// Why it is quarantined, when it is.
    #[serde(default)]
    pub quarantine_reason: Option<String>,
}

/// An assignment as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveAssignment {
    /// Assignment id.
    pub id: String,
    /// The principal.
    pub principal: Principal,
    /// The role id.
    pub role_id: String,
}

/// An unmanaged app that looks like a spec's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lookalike {
    /// The spec's app name.
    pub name: String,
    /// The display name they share.
    pub display_name: String,
    /// The unmanaged service principal.
    pub service_principal_id: String,
}

/// What the specs ask for, with every name resolved to an id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Desired {
    /// The apps, by name.
    pub apps: BTreeMap<String, DesiredApp>,
}

/// One app as the spec wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredApp {
    /// Display name.
    pub display_name: String,
    /// applicationTemplate id.
    pub template_id: String,
    /// Whether that is the non-gallery template (provisioning template `scim`).
    pub non_gallery: bool,
    /// Owners, when managed.
    #[serde(default)]
    pub owners: Option<Vec<Principal>>,
    /// Provisioning, when managed.
    #[serde(default)]
    pub provisioning: Option<DesiredProvisioning>,
    /// Assignments, when managed.
    #[serde(default)]
    pub assignments: Option<DesiredAssignments>,
    /// Groups among the assigned groups that contain groups: id to nested group names.
    #[serde(default)]
    pub nested_groups: BTreeMap<String, Vec<String>>,
}

/// Provisioning as the spec wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredProvisioning {
    /// Provision Status.
    pub status: Status,
    /// SCIM base URL.
    pub base_url: String,
    /// Where apply reads the token.
    pub token: TokenReference,
    /// Whether the spec's token is the one behind the live fingerprint.
    pub token_state: TokenState,
    /// `SyncAll`, when managed.
    #[serde(default)]
    pub scope: Option<ScopeSetting>,
    /// `SkipOutOfScopeDeletions`, when managed.
    #[serde(default)]
    pub skip_out_of_scope_deletions: Option<bool>,
    /// Notification email, when managed.
    #[serde(default)]
    pub notifications: Option<NotificationSetting>,
    /// Deletion guard, when managed.
    #[serde(default)]
    pub accidental_deletions: Option<DeletionGuard>,
    /// Test the connection before saving credentials.
    pub test_connection: bool,
}

/// Provision Status (serializable mirror of the spec's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    /// Running.
    On,
    /// Paused.
    Off,
}

/// Provisioning scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ScopeSetting {
    /// Assigned users and groups only.
    Assigned,
    /// Everyone.
    All,
}

/// Where a token is read from (never the token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum TokenReference {
    /// An environment variable.
    Env {
        /// Its name.
        variable: String,
    },
    /// A file (path already resolved against the spec file's directory).
    File {
        /// The path.
        path: String,
    },
}

/// The spec's token against the live fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum TokenState {
    /// The same token is saved: nothing to do.
    Unchanged,
    /// A different token, or none known: save it, with this new fingerprint.
    Changed {
        /// The fingerprint to store after saving.
        fingerprint: String,
    },
}

/// Notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NotificationSetting {
    /// Whether emails are sent.
    pub enabled: bool,
    /// Recipient.
    #[serde(default)]
    pub email: Option<String>,
}

/// Accidental-deletion guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeletionGuard {
    /// Whether it is on.
    pub enabled: bool,
    /// Threshold.
    #[serde(default)]
    pub threshold: Option<u32>,
}

/// Assignments as the spec wants them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredAssignments {
    /// Whether unlisted ones are removed.
    pub exact: bool,
    /// The assignments.
    pub entries: Vec<DesiredAssignment>,
}

/// One assignment as the spec wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredAssignment {
    /// The principal.
    pub principal: Principal,
    /// The role by display name; `None` for default access (an app without roles).
    pub role: Option<String>,
}
