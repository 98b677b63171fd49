//! The spec as written: serde and JSON Schema types that mirror the YAML one to one.
//!
//! These types are the single source of truth for the spec's shape. The JSON Schema in
//! `schemas/` is generated from them, and the structural check (`structure.rs`) walks
//! that same schema, so the editor, the schema and `scimform validate` cannot disagree.
//! Doc comments here become the schema's descriptions, which editors show on hover:
//! write them for users.
//!
//! Nothing here is checked beyond its YAML type; `validate.rs` turns a [`AppDocument`]
//! into the checked [`crate::model::App`].

use schemars::JsonSchema;
use serde::Deserialize;

/// One scimform document: an enterprise application in Microsoft Entra ID that provisions
/// users and groups into a SaaS product over SCIM.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "scimform ProvisioningApp")]
pub struct AppDocument {
    /// Version of the spec language. This scimform understands `scimform/v1`.
    pub api_version: ApiVersion,
    /// Kind of document. The only kind is `ProvisioningApp`.
    pub kind: Kind,
    /// Stable address of this app in plans and in the marker tag written on its service
    /// principal (`scimform:name=<name>`). A lowercase slug: letters, digits and hyphens,
    /// starting with a letter, at most 63 characters. Unique across all specs. Renaming it
    /// makes scimform treat the app as a different one.
    pub name: String,
    /// Display name of the enterprise application, as shown in the Entra portal.
    pub display_name: String,
    /// The application template to instantiate: `non-gallery` for a custom SCIM app
    /// (the default), or `{ id: <GUID> }` for an app from the Entra gallery.
    #[serde(default)]
    pub template: Option<Template>,
    /// Owners of the enterprise application (its service principal: the portal's Owners
    /// blade), by user principal name. When given, the list is exact: owners not listed are
    /// removed.
    #[serde(default)]
    pub owners: Option<Vec<String>>,
    /// Automatic provisioning (the portal's Provisioning blade). Leave out to manage no
    /// provisioning settings.
    #[serde(default)]
    pub provisioning: Option<Provisioning>,
    /// Users and groups assigned to the application (the portal's Users and groups blade).
    /// Leave out to manage no assignments.
    #[serde(default)]
    pub assignments: Option<Assignments>,
    /// Take over an existing, unmanaged enterprise application instead of creating one:
    /// the plan shows an `adopt` action, and apply writes scimform's marker tags on it.
    /// `scimform import` writes this. Harmless once adopted; remove it when you like.
    #[serde(default)]
    pub adopt: Option<Adopt>,
}

/// An existing app to adopt.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adopt {
    /// Object id (a GUID) of the enterprise application's service principal, as
    /// `scimform import --list` shows it.
    pub id: String,
}

/// Version of the spec language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum ApiVersion {
    /// The first version.
    #[serde(rename = "scimform/v1")]
    V1,
}

/// Kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Kind {
    /// An enterprise application with SCIM provisioning.
    ProvisioningApp,
}

/// Which application template the app is created from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Template {
    /// A named template.
    Named(TemplateName),
    /// A gallery template by its id.
    Gallery(GalleryTemplate),
}

/// Named templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TemplateName {
    /// The custom ("non-gallery") application template; provisioning uses the `scim`
    /// job template.
    NonGallery,
}

/// A gallery application template.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GalleryTemplate {
    /// The applicationTemplate id (a GUID), as listed by `GET /applicationTemplates`.
    pub id: String,
}

/// Automatic provisioning settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Provisioning {
    /// Provision Status: `on` runs the provisioning job on its schedule, `off` keeps it
    /// paused.
    pub status: ProvisioningStatus,
    /// Where Entra sends SCIM requests, and the bearer token it sends.
    pub credentials: Credentials,
    /// Who is provisioned: `assigned` (only assigned users and groups) or `all` (every user
    /// and group in the tenant). Leave out to keep whatever is set.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// When true, users that fall out of scope are left alone in the target instead of
    /// being disabled or deleted. Leave out to keep whatever is set.
    #[serde(default)]
    pub skip_out_of_scope_deletions: Option<bool>,
    /// Email notification when provisioning fails or is quarantined.
    #[serde(default)]
    pub notifications: Option<Notifications>,
    /// Guard against accidental deletions: provisioning stops when one cycle would delete
    /// more accounts than the threshold.
    #[serde(default)]
    pub accidental_deletions: Option<AccidentalDeletions>,
    /// Test the connection with the desired credentials before saving them, as the
    /// portal's Test Connection button does. Default: true.
    #[serde(default)]
    pub test_connection: Option<bool>,
}

/// Provision Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningStatus {
    /// The job runs on its schedule.
    On,
    /// The job is paused.
    Off,
}

/// Provisioning scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only users and groups assigned to the app.
    Assigned,
    /// All users and groups in the tenant.
    All,
}

/// SCIM endpoint credentials.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Credentials {
    /// The SCIM base URL ("Tenant URL"). Must be https; plain http only for loopback hosts.
    pub base_url: String,
    /// The SCIM bearer token, by reference only: `{ fromEnv: VARIABLE }` or
    /// `{ fromFile: path }` (relative to the spec file). Never write the token itself here.
    pub token: TokenRef,
}

/// Where to read a secret from. Exactly one of the two fields.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenRef {
    /// Name of an environment variable that holds the token.
    #[serde(default)]
    pub from_env: Option<String>,
    /// Path of a file that holds the token (surrounding white space is ignored), relative
    /// to the spec file.
    #[serde(default)]
    pub from_file: Option<String>,
}

/// Failure notification settings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Notifications {
    /// Who gets the email.
    #[serde(default)]
    pub email: Option<String>,
    /// Whether to send it. Default: true when an email is given.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Accidental-deletion guard.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccidentalDeletions {
    /// How many deletions in one provisioning cycle stop the job. At least 1.
    #[serde(default)]
    pub threshold: Option<u64>,
    /// Whether the guard is on. Default: true when a threshold is given.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// User and group assignments.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Assignments {
    /// `exact` (the default) removes assignments that are not listed; `additive` only adds.
    #[serde(default)]
    pub policy: Option<AssignmentPolicy>,
    /// App role given to principals listed without a role, by its display name. Default:
    /// `User` where the app has such a role, else default access.
    #[serde(default)]
    pub default_role: Option<String>,
    /// Users, by user principal name, or `{ upn | id, role }`.
    #[serde(default)]
    pub users: Vec<UserEntry>,
    /// Groups, by display name (unique in the tenant), or `{ name | id, role }`. Members of
    /// nested groups are not provisioned by Entra.
    #[serde(default)]
    pub groups: Vec<GroupEntry>,
}

/// Assignment policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AssignmentPolicy {
    /// The listed principals are all the assignments; others are removed.
    Exact,
    /// The listed principals are assigned; others are left alone.
    Additive,
}

/// A user to assign.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum UserEntry {
    /// A user principal name, such as `alice@contoso.com`.
    Upn(String),
    /// A user with options.
    Detailed(UserDetail),
}

/// A user to assign, with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDetail {
    /// User principal name. Give this or `id`.
    #[serde(default)]
    pub upn: Option<String>,
    /// Object id (a GUID). Give this or `upn`.
    #[serde(default)]
    pub id: Option<String>,
    /// App role, by display name. Default: `assignments.defaultRole`.
    #[serde(default)]
    pub role: Option<String>,
}

/// A group to assign.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum GroupEntry {
    /// A group display name, unique in the tenant.
    Name(String),
    /// A group with options.
    Detailed(GroupDetail),
}

/// A group to assign, with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDetail {
    /// Display name, unique in the tenant. Give this or `id`.
    #[serde(default)]
    pub name: Option<String>,
    /// Object id (a GUID). Give this or `name`.
    #[serde(default)]
    pub id: Option<String>,
    /// App role, by display name. Default: `assignments.defaultRole`.
    #[serde(default)]
    pub role: Option<String>,
}

// The mirror enums convert into the model's vocabulary, their one definition.

impl From<ProvisioningStatus> for crate::model::ProvisioningStatus {
    fn from(status: ProvisioningStatus) -> Self {
        match status {
            ProvisioningStatus::On => crate::model::ProvisioningStatus::On,
            ProvisioningStatus::Off => crate::model::ProvisioningStatus::Off,
        }
    }
}

impl From<Scope> for crate::model::Scope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Assigned => crate::model::Scope::Assigned,
            Scope::All => crate::model::Scope::All,
        }
    }
}

impl From<AssignmentPolicy> for crate::model::AssignmentPolicy {
    fn from(policy: AssignmentPolicy) -> Self {
        match policy {
            AssignmentPolicy::Exact => crate::model::AssignmentPolicy::Exact,
            AssignmentPolicy::Additive => crate::model::AssignmentPolicy::Additive,
        }
    }
}

/// The JSON Schema of one spec document, as committed in `schemas/`.
pub fn json_schema() -> serde_json::Value {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(AppDocument)).expect("a generated JSON Schema always serializes");
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".to_owned(),
            serde_json::Value::String("https://scimform.dev/schemas/scimform.schema.json".to_owned()),
        );
    }
    schema
}
