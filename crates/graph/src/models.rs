//! Wire models: the parts of Graph's JSON that scimform reads and writes.
//!
//! Reads ignore unknown properties (Graph adds properties over time); writes send only the
//! properties named here, never a property Graph would not know. Names follow Graph's
//! camelCase through serde.

use serde::{Deserialize, Serialize};

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object id.
    pub id: String,
    /// User principal name.
    #[serde(default)]
    pub user_principal_name: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether the account may sign in.
    #[serde(default)]
    pub account_enabled: Option<bool>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// Object id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether it is a security group (only those can be assigned to apps).
    #[serde(default)]
    pub security_enabled: Option<bool>,
}

/// A member or owner: a user, group or service principal, told apart by `@odata.type`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryObject {
    /// `#microsoft.graph.user`, `#microsoft.graph.group`, …
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    /// Object id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// User principal name (users only).
    #[serde(default)]
    pub user_principal_name: Option<String>,
}

impl DirectoryObject {
    /// Whether this is a group.
    pub fn is_group(&self) -> bool {
        self.odata_type.as_deref() == Some("#microsoft.graph.group")
    }
}

/// An app role.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRole {
    /// Role id (a GUID).
    pub id: String,
    /// Display name (`User`, `msiam_access`).
    #[serde(default)]
    pub display_name: Option<String>,
    /// Whether it can be assigned.
    #[serde(default)]
    pub is_enabled: Option<bool>,
    /// `User`, `Application`.
    #[serde(default)]
    pub allowed_member_types: Vec<String>,
}

/// An application registration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// Object id.
    pub id: String,
    /// Application (client) id.
    pub app_id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The template it was instantiated from.
    #[serde(default)]
    pub application_template_id: Option<String>,
}

/// A service principal: the enterprise application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// Object id.
    pub id: String,
    /// Application (client) id.
    pub app_id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The template it was instantiated from.
    #[serde(default)]
    pub application_template_id: Option<String>,
    /// Tags, where scimform keeps its marker.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Free-text notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// App roles.
    #[serde(default)]
    pub app_roles: Vec<AppRole>,
    /// Whether users need an assignment to sign in.
    #[serde(default)]
    pub app_role_assignment_required: Option<bool>,
    /// Its first owners, when the read expanded them (`$expand=owners`; at most
    /// [`crate::api::EXPANDED_OWNERS`]).
    #[serde(default)]
    pub owners: Option<Vec<DirectoryObject>>,
}

/// The properties of a service principal scimform changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipalPatch {
    /// New tags (the whole list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// The properties of an application scimform changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationPatch {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// An application template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationTemplate {
    /// Template id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// What instantiating a template creates.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationServicePrincipal {
    /// The new application.
    pub application: Application,
    /// The new service principal.
    pub service_principal: ServicePrincipal,
}

/// An app role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppRoleAssignment {
    /// Assignment id (opaque, not a GUID).
    pub id: String,
    /// The role.
    pub app_role_id: String,
    /// The user, group or service principal.
    pub principal_id: String,
    /// `User`, `Group` or `ServicePrincipal`.
    #[serde(default)]
    pub principal_type: Option<String>,
    /// Principal display name.
    #[serde(default)]
    pub principal_display_name: Option<String>,
    /// The service principal assigned to.
    pub resource_id: String,
}

/// The body of a new app role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAppRoleAssignment {
    /// The user or group.
    pub principal_id: String,
    /// The service principal.
    pub resource_id: String,
    /// The role.
    pub app_role_id: String,
}

/// A provisioning template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationTemplate {
    /// Template id (`scim` for non-gallery apps).
    pub id: String,
    /// Whether it is the default one.
    #[serde(default)]
    pub default: bool,
    /// Factory tag.
    #[serde(default)]
    pub factory_tag: Option<String>,
}

/// A provisioning job.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationJob {
    /// Job id (opaque; starts with the template id).
    pub id: String,
    /// The template.
    #[serde(default)]
    pub template_id: Option<String>,
    /// The schedule (whether it runs).
    #[serde(default)]
    pub schedule: Option<SynchronizationSchedule>,
    /// The status (health).
    #[serde(default)]
    pub status: Option<SynchronizationStatus>,
}

/// When a job runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationSchedule {
    /// `Active`, `Disabled` or `Paused`.
    #[serde(default)]
    pub state: Option<String>,
    /// ISO-8601 duration between cycles.
    #[serde(default)]
    pub interval: Option<String>,
}

/// How a job is doing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationStatus {
    /// `NotConfigured`, `NotRun`, `Active`, `Paused`, `Quarantine`.
    #[serde(default)]
    pub code: Option<String>,
    /// Failures in a row.
    #[serde(default)]
    pub count_successive_complete_failures: Option<i64>,
    /// Quarantine details, when quarantined.
    #[serde(default)]
    pub quarantine: Option<SynchronizationQuarantine>,
    /// The last cycle.
    #[serde(default)]
    pub last_execution: Option<SynchronizationTaskExecution>,
    /// The last cycle without errors.
    #[serde(default)]
    pub last_successful_execution: Option<SynchronizationTaskExecution>,
    /// When a cycle first ended with nothing left to do (`0001-01-01T00:00:00Z`: never).
    #[serde(default)]
    pub steady_state_first_achieved_time: Option<String>,
    /// When a cycle last ended with nothing left to do.
    #[serde(default)]
    pub steady_state_last_achieved_time: Option<String>,
    /// Whether the initial cycle pruned its escrows instead of quarantining.
    #[serde(default)]
    pub escrows_pruned: Option<bool>,
    /// Objects in the target by type (`User`, `Group`).
    #[serde(default)]
    pub synchronized_entry_count_by_type: Vec<KeyCount>,
}

/// A `stringKeyLongValuePair`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyCount {
    /// The key.
    pub key: String,
    /// The count.
    #[serde(default)]
    pub value: i64,
}

/// One provisioning-log row (`provisioningObjectSummary`), as much as scimform reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningObjectSummary {
    /// When.
    #[serde(default)]
    pub activity_date_time: Option<String>,
    /// `create`, `update`, `disable`, `delete`, `stagedDelete`, `other`.
    #[serde(default)]
    pub provisioning_action: Option<String>,
    /// The Entra object.
    #[serde(default)]
    pub source_identity: Option<ProvisionedIdentity>,
    /// The outcome.
    #[serde(default)]
    pub provisioning_status_info: Option<ProvisioningStatusInfo>,
}

/// An object a provisioning-log row is about.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionedIdentity {
    /// Its display name (a UPN for users).
    #[serde(default)]
    pub display_name: Option<String>,
    /// `User` or `Group`.
    #[serde(default)]
    pub identity_type: Option<String>,
}

/// A provisioning-log row's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningStatusInfo {
    /// `success`, `warning`, `failure`, `skipped`.
    #[serde(default)]
    pub status: Option<String>,
    /// Why it failed.
    #[serde(default)]
    pub error_information: Option<ProvisioningErrorInfo>,
}

/// A provisioning-log row's error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvisioningErrorInfo {
    /// Code.
    #[serde(default)]
    pub error_code: Option<String>,
    /// Reason.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One provisioning cycle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationTaskExecution {
    /// Run id.
    #[serde(default)]
    pub activity_identifier: Option<String>,
    /// `Succeeded`, `Failed` or `EntryLevelErrors`.
    #[serde(default)]
    pub state: Option<String>,
    /// Start.
    #[serde(default)]
    pub time_began: Option<String>,
    /// End.
    #[serde(default)]
    pub time_ended: Option<String>,
    /// Objects in scope.
    #[serde(default)]
    pub count_entitled: Option<i64>,
    /// Objects written to the target.
    #[serde(default)]
    pub count_exported: Option<i64>,
    /// Objects whose export failed (escrowed for retry).
    #[serde(default)]
    pub count_escrowed: Option<i64>,
    /// Objects read from the source.
    #[serde(default)]
    pub count_imported: Option<i64>,
    /// Why it failed, when it did.
    #[serde(default)]
    pub error: Option<SynchronizationError>,
}

/// An error the provisioning service reports.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationError {
    /// Code.
    #[serde(default)]
    pub code: Option<String>,
    /// Message.
    #[serde(default)]
    pub message: Option<String>,
    /// Whether the tenant can fix it.
    #[serde(default)]
    pub tenant_actionable: Option<bool>,
}

/// Why a job is quarantined.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationQuarantine {
    /// `EncounteredQuarantineException`, `TooManyDeletes`, …
    #[serde(default)]
    pub reason: Option<String>,
    /// Since when.
    #[serde(default)]
    pub current_began: Option<String>,
    /// The next retry.
    #[serde(default)]
    pub next_attempt: Option<String>,
    /// How many quarantines in this series.
    #[serde(default)]
    pub series_count: Option<i64>,
    /// The error behind it.
    #[serde(default)]
    pub error: Option<SynchronizationError>,
}

/// A synchronization secret, as sent. The value is a [`crate::Secret`] so that a body
/// holding a SCIM token cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPair {
    /// A `synchronizationSecret` name (`BaseAddress`, `SecretToken`, `SyncAll`, …).
    pub key: String,
    /// Its value.
    pub value: crate::Secret,
}

/// A synchronization secret as read back (sensitive values are `*`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SecretReadBack {
    /// The key.
    pub key: String,
    /// The value, or `*` for sensitive keys.
    #[serde(default)]
    pub value: Option<String>,
}

/// `{"value": [...]}` with paging.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    pub(crate) value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    pub(crate) next_link: Option<String>,
}
