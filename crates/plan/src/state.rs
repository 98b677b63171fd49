//! The two inputs of the planner, in scimform's vocabulary: the live state refresh found,
//! and the desired state after names were resolved to ids.
//!
//! Both are plain data (and serializable, so tests can keep them as files). Building them
//! takes I/O (`scimform-apply` does it); using them does not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use scimform_spec::model::{
    AccidentalDeletions, AssignmentPolicy, AttributeMapping, BaseUrl, Clause, Credentials, FilterGroup, Flow,
    Notifications, Object, ObjectMapping, Operator, Provisioning, ProvisioningStatus, Scope, TokenSource,
};

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
    /// Apps left unmarked by a create that was interrupted (their display name carries
    /// scimform's pending marker, which nothing else writes): removed by the next plan.
    #[serde(default)]
    pub strays: Vec<Stray>,
    /// Names that two or more managed apps claim (two applies that raced, and one that
    /// stopped before settling it): an error to resolve before planning.
    #[serde(default)]
    pub name_conflicts: Vec<NameConflict>,
    /// The apps specs ask to adopt (`adopt.id`) and no managed app answers for yet, by
    /// the spec's app name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub adoptions: BTreeMap<String, Adoption>,
}

impl Live {
    /// The unmanaged app a spec adopts, when refresh found one under its `adopt.id`.
    pub fn adoptee(&self, name: &str) -> Option<&LiveApp> {
        self.adoptions.get(name)?.found.as_ref().filter(|app| app.managed_as().is_none())
    }

    /// The app a spec's name stands for: the managed one, else the one it adopts.
    pub fn app_for(&self, name: &str) -> Option<&LiveApp> {
        self.apps.get(name).or_else(|| self.adoptee(name))
    }
}

/// An app a spec asks to adopt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Adoption {
    /// The service principal id the spec names.
    pub service_principal_id: String,
    /// What is there: `None` when no service principal has that id.
    #[serde(default)]
    pub found: Option<LiveApp>,
}

/// An app an interrupted create left behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Stray {
    /// The app name its pending marker names.
    pub name: String,
    /// The stack its pending marker names (`None`: it names none).
    #[serde(default)]
    pub stack: Option<String>,
    /// Whether the identity running scimform owns it (it made it).
    #[serde(default)]
    pub owned: bool,
    /// Its service principal.
    pub service_principal_id: String,
    /// Its application (client) id.
    pub app_id: String,
}

/// Managed apps that claim one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameConflict {
    /// The name.
    pub name: String,
    /// Their service principals, sorted.
    pub service_principal_ids: Vec<String>,
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
    /// The stack that manages it (from its stack tag; [`DEFAULT_STACK`] without one).
    #[serde(default = "default_stack")]
    pub stack: String,
    /// App roles that users and groups can be given.
    #[serde(default)]
    pub roles: Roles,
    /// Owners of the service principal.
    #[serde(default)]
    pub owners: Vec<Principal>,
    /// The provisioning job, when there is one.
    #[serde(default)]
    pub job: Option<LiveJob>,
    /// The saved provisioning settings, decoded (empty without a job).
    #[serde(default)]
    pub settings: ProvisioningSettings,
    /// Assignments.
    #[serde(default)]
    pub assignments: Vec<LiveAssignment>,
    /// The managed part of the job's synchronization schema, when refresh read it (only
    /// for apps whose spec manages mappings or scoping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<LiveSchema>,
}

/// The object mappings of a job's schema, in scimform's vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveSchema {
    /// The user mapping (`None` when the schema has none).
    #[serde(default)]
    pub users: Option<ObjectMapping>,
    /// The group mapping (`None` when the schema has none).
    #[serde(default)]
    pub groups: Option<ObjectMapping>,
}

impl LiveSchema {
    /// One object's mapping.
    pub fn of(&self, object: Object) -> Option<&ObjectMapping> {
        match object {
            Object::Users => self.users.as_ref(),
            Object::Groups => self.groups.as_ref(),
        }
    }
}

impl LiveApp {
    /// `(name, stack)` when the app carries scimform's marker tags.
    pub fn managed_as(&self) -> Option<(&str, &str)> {
        marker_of(&self.tags)
    }
}

/// `(name, stack)` when these service principal tags mark an app as scimform's.
pub fn marker_of(tags: &[String]) -> Option<(&str, &str)> {
    if !tags.iter().any(|tag| tag == crate::markers::MANAGED_TAG) {
        return None;
    }
    let name = tags.iter().find_map(|tag| tag.strip_prefix(crate::markers::NAME_TAG_PREFIX))?;
    let stack = tags.iter().find_map(|tag| tag.strip_prefix(crate::markers::STACK_TAG_PREFIX));
    Some((name, stack.unwrap_or(DEFAULT_STACK)))
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

/// The app roles of an app: the one place where a role's name becomes its id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    /// The id to assign for a role name; `None` (no role) is default access. `None` when
    /// the app has no role of that name.
    pub fn id_of(&self, role: Option<&str>) -> Option<String> {
        match role {
            Some(name) => self.0.iter().find(|role| role.name == name).map(|role| role.id.clone()),
            None => Some(DEFAULT_ACCESS.to_owned()),
        }
    }

    /// A role id's name, for people (the id itself when the app has no such role).
    pub fn name_of(&self, id: &str) -> String {
        self.0.iter().find(|role| role.id == id).map_or_else(|| id.to_owned(), |role| role.name.clone())
    }

    /// Whether the app has a role of that name.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|role| role.name == name)
    }

    /// The role names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|role| role.name.as_str()).collect()
    }

    /// Whether the app has no roles.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

pub use scimform_spec::project::DEFAULT_STACK;

fn default_stack() -> String {
    DEFAULT_STACK.to_owned()
}

/// The app role id meaning "default access" (apps without roles).
pub const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

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
    /// Whether the job runs on its schedule.
    pub schedule: JobSchedule,
    /// What the provisioning service says about it.
    pub status: JobStatus,
    /// Quarantine details, when it is quarantined.
    #[serde(default)]
    pub quarantine: Option<Quarantine>,
}

impl LiveJob {
    /// Whether the job runs (Provision Status on).
    pub fn is_running(&self) -> bool {
        self.schedule == JobSchedule::Active
    }

    /// Whether the service has put the job in quarantine.
    pub fn is_quarantined(&self) -> bool {
        self.status == JobStatus::Quarantine || self.quarantine.is_some()
    }
}

/// The state of a job's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobSchedule {
    /// Runs on its schedule.
    Active,
    /// Paused, keeping its state.
    Paused,
    /// Never started.
    Disabled,
}

impl JobSchedule {
    /// In words, for people.
    pub fn describe(self) -> &'static str {
        match self {
            JobSchedule::Active => "running",
            JobSchedule::Paused => "paused",
            JobSchedule::Disabled => "not started",
        }
    }
}

/// The provisioning service's status code for a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum JobStatus {
    /// Exists but was never set up.
    NotConfigured,
    /// Set up but never run.
    NotRun,
    /// Running.
    Active,
    /// Paused.
    Paused,
    /// Stopped by the service after repeated failures.
    Quarantine,
    /// A code this version of scimform does not know.
    Unknown,
}

/// Why and since when a job is quarantined.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Quarantine {
    /// The service's reason.
    #[serde(default)]
    pub reason: Option<String>,
    /// When the current quarantine began.
    #[serde(default)]
    pub since: Option<String>,
    /// When the service tries again.
    #[serde(default)]
    pub next_attempt: Option<String>,
    /// How many quarantines in a row.
    #[serde(default)]
    pub series_count: Option<i64>,
    /// The service's error code (for example `SystemForCrossDomainIdentityManagementCredentialValidationUnavailable`).
    #[serde(default)]
    pub error_code: Option<String>,
    /// The service's error message.
    #[serde(default)]
    pub error_message: Option<String>,
    /// Whether it is the accidental-deletion guard holding deletions (rather than the job
    /// failing).
    #[serde(default)]
    pub deletion_hold: bool,
}

impl Quarantine {
    /// Whether the accidental-deletion guard holds deletions.
    pub fn is_deletion_hold(&self) -> bool {
        self.deletion_hold
    }

    /// `reason: message` for people.
    pub fn describe(&self) -> String {
        let reason = self.reason.as_deref().unwrap_or("reason unknown");
        match (&self.error_code, &self.error_message) {
            (_, Some(message)) if !message.is_empty() => format!("{reason}: {message}"),
            (Some(code), _) => format!("{reason}: {code}"),
            _ => reason.to_owned(),
        }
    }
}

/// A job's saved provisioning settings, typed. Refresh decodes them from what Graph reads
/// back; apply encodes them into what Graph saves. Each field is `None` when not set.
/// The token is not here: Graph never reads it back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProvisioningSettings {
    /// The SCIM base URL (`None` also when the saved text is not a URL).
    #[serde(default)]
    pub base_url: Option<BaseUrl>,
    /// Who is provisioned.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Whether out-of-scope users are left alone in the target.
    #[serde(default)]
    pub skip_out_of_scope_deletions: Option<bool>,
    /// Whether failure emails are sent.
    #[serde(default)]
    pub notifications_enabled: Option<bool>,
    /// Who gets them.
    #[serde(default)]
    pub notification_email: Option<String>,
    /// Whether the accidental-deletion guard is on.
    #[serde(default)]
    pub deletion_guard_enabled: Option<bool>,
    /// Its threshold.
    #[serde(default)]
    pub deletion_threshold: Option<u32>,
    /// Entra's SCIM 2.0 compliance flag (on the Tenant URL; `None`: unknown, no URL).
    #[serde(default)]
    pub scim_compliance: Option<bool>,
    /// Settings scimform has no field for, kept verbatim so that saving the full set does
    /// not lose them. Values Graph masks cannot be kept and are not here.
    #[serde(default, skip_serializing_if = "Unmanaged::is_empty")]
    pub unmanaged: Unmanaged,
}

/// Saved settings scimform does not model, by the provisioning service's own names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Unmanaged {
    /// Whole settings: name to value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    /// Parts of the notification settings: name to value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notification_parts: BTreeMap<String, serde_json::Value>,
}

impl Unmanaged {
    /// Whether there is nothing to keep.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty() && self.notification_parts.is_empty()
    }
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
    /// The service principal id of the existing app to adopt, when the spec says so.
    #[serde(default)]
    pub adopt: Option<String>,
    /// Where its spec starts (for locating warnings).
    #[serde(default)]
    pub location: Option<SpecLocation>,
    /// Codes of the plan warnings about this app its spec accepts (`ignoreWarnings`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_warnings: Vec<String>,
}

/// Provisioning as the spec wants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DesiredProvisioning {
    /// The spec's provisioning section.
    pub spec: Provisioning,
    /// Whether the spec's token is the one behind the live fingerprint.
    pub token_state: TokenState,
    /// Whether the token is shorter than [`MIN_TOKEN_CHARS`]: guessable from the
    /// fingerprint any tenant reader can see, so the plan warns.
    #[serde(default)]
    pub short_token: bool,
    /// Why the token was not read, when [`TokenState::Unchecked`] (`NETSKOPE_SCIM_TOKEN is
    /// not set`).
    #[serde(default)]
    pub token_gap: Option<String>,
}

/// The fewest characters a SCIM token should have. SCIM apps issue long random bearer
/// tokens (Netskope's are 32 hex digits and more); its argon2id fingerprint is readable by
/// anyone who can read the tenant's service principals, and a short token can be guessed
/// from it (a 3-digit one in seconds), so plans warn about it. At 16 characters even hex
/// digits make 64 bits, some 10^8 core-years at argon2id's ~6 ms a guess; tokens shorter
/// than that are the ones people type.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What the caller (who can read tokens) found about an app's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenCheck {
    /// The token against the live fingerprint.
    pub state: TokenState,
    /// Whether it is shorter than [`MIN_TOKEN_CHARS`].
    pub short: bool,
}

/// The spec's token against the live fingerprint.
///
/// No fingerprint of the token is part of a plan: apply makes the new one from the token
/// it saves, with a fresh salt. A plan file (a pipeline artifact that pull-request authors
/// can often download) thus holds nothing to brute-force a token from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum TokenState {
    /// The same token is saved: nothing to do.
    Unchanged,
    /// A different token, or none known: save it, and record its fingerprint.
    Changed,
    /// Not read (its variable or file is absent where the plan is made: a pull-request
    /// plan without secrets). Apply reads it, and refuses to start without it.
    Unchecked,
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
    /// Where the spec lists it (warnings about it point there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<SpecLocation>,
}

/// A place in a spec file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpecLocation {
    /// The spec file.
    pub file: String,
    /// The line (1-based).
    pub line: u32,
    /// The column (1-based; 0 when not known).
    #[serde(default)]
    pub column: u32,
}

impl SpecLocation {
    /// Where a spec origin is.
    pub fn of(origin: &scimform_spec::model::Origin) -> SpecLocation {
        SpecLocation { file: origin.file.clone(), line: origin.span.line, column: origin.span.column }
    }
}
