//! The spec as written: serde and JSON Schema types that mirror the YAML one to one.
//!
//! These types are the single source of truth for the spec's shape. The JSON Schema in
//! `schemas/` is generated from them, and the structural check (`structure.rs`) walks
//! that same schema, so the editor, the schema and `scimform validate` cannot disagree.
//! Doc comments here become the schema's descriptions, which editors show on hover:
//! write them for users.
//!
//! Nothing here is checked beyond its YAML type; `validate.rs` turns a [`AppDocument`]
//! into the checked [`crate::model::App`], and an [`AssignmentsDocument`] into more of an
//! app's assignments.

use schemars::JsonSchema;
use serde::Deserialize;

// The vocabulary enums have one definition each, in the model (and the mapping crate);
// the YAML and the JSON Schema use them as they are.
pub use crate::model::{AssignmentPolicy, Flow, Operator, ProvisioningStatus, Scope};

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
    /// Warnings about this app that its owners have read and accept, by code: plans no
    /// longer show them to people (JSON output still carries them, marked acknowledged).
    #[serde(default)]
    pub ignore_warnings: Option<Vec<WarningCode>>,
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

pub use crate::model::WarningCode;

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
    /// Attribute mappings (the portal's Mappings section), as changes to the template's
    /// defaults. Leave out to keep the job's mappings as they are.
    #[serde(default)]
    pub mappings: Option<Mappings>,
    /// Scoping filters: which users and groups are provisioned at all, besides being
    /// assigned. Leave out to keep the job's filters as they are; `users: []` removes them.
    #[serde(default)]
    pub scoping: Option<Scoping>,
    /// Users and groups to provision on demand after apply (and with `scimform verify`), to
    /// prove the whole chain works: the apply fails when one of them fails.
    #[serde(default)]
    pub verify: Option<Verify>,
}

/// Attribute mappings for users and groups. Each object's mappings are the template's
/// defaults with the changes written here; a mapping changed in the portal that the spec
/// does not state is put back.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mappings {
    /// How users are provisioned. Leave out to keep the job's user mappings.
    #[serde(default)]
    pub users: Option<ObjectMappings>,
    /// How groups are provisioned. Leave out to keep the job's group mappings.
    #[serde(default)]
    pub groups: Option<ObjectMappings>,
}

/// One object's mappings.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectMappings {
    /// Whether objects of this kind are provisioned (the portal's "Enabled"). Default:
    /// true. Only groups can be turned off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Mappings to set, by target (SCIM) attribute: an expression (`"[mail]"`,
    /// `'Join(" ", [givenName], [surname])'`), or `{ source | constant, flow, default,
    /// matching }`. They replace the template's mapping of the same target, or add one.
    #[serde(default)]
    pub attributes: Option<std::collections::BTreeMap<String, AttributeEntry>>,
    /// Target attributes whose default mapping is removed (nothing is sent for them).
    #[serde(default)]
    pub remove: Option<Vec<String>>,
}

/// One attribute mapping.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum AttributeEntry {
    /// The source as an expression.
    Expression(Expression),
    /// The mapping with options.
    Detailed(AttributeDetail),
}

/// An expression of Entra's mapping language: an attribute in brackets (`[mail]`), a
/// constant in double quotes (`"Netskope"`), or a function call (`ToLower([mail])`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
#[schemars(extend("examples" = crate::raw::expression_examples()))]
pub struct Expression(pub String);

/// An attribute mapping with options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeDetail {
    /// The source as an expression. Give this or `constant`.
    #[serde(default)]
    pub source: Option<Expression>,
    /// A constant value (the portal's "Constant" mapping type). Give this or `source`.
    #[serde(default)]
    pub constant: Option<String>,
    /// When the attribute flows: `always` (the default) or `onCreate` (only when the
    /// object is created).
    #[serde(default)]
    pub flow: Option<Flow>,
    /// The value sent when the source is null.
    #[serde(default)]
    pub default: Option<String>,
    /// Matching precedence: objects are matched in the SCIM app by this attribute, 1 first.
    #[serde(default)]
    pub matching: Option<u32>,
}

/// Scoping filters by object. An object is provisioned when it passes every clause of at
/// least one of its filters (and is assigned, or the scope is `all`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scoping {
    /// Filters for users; `[]` for none. Leave out to keep the job's user filters.
    #[serde(default)]
    pub users: Option<Vec<Filter>>,
    /// Filters for groups; `[]` for none. Leave out to keep the job's group filters.
    #[serde(default)]
    pub groups: Option<Vec<Filter>>,
}

/// One scoping filter: its clauses must all hold.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The clauses.
    pub clauses: Vec<Clause>,
}

/// One clause: `{ attribute: department, operator: EQUALS, value: Security }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// The Entra ID attribute tested (`department`, `jobTitle`, `extensionAttribute1`, …).
    pub attribute: String,
    /// The test. `EQUALS` and `NOT EQUALS` are case-sensitive; a null attribute fails
    /// every test but `IS NULL`.
    pub operator: Operator,
    /// The value compared with: text, a regular expression for the `REGEX` operators, a
    /// whole number for `GREATER_THAN`, `&` and `!&`. Not given for the `IS …` operators.
    #[serde(default)]
    pub value: Option<String>,
}

/// Subjects to provision on demand.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    /// Users by user principal name.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups by display name (Entra provisions a group on demand with at most 5 members).
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Completions for expressions: one call per function of the language, with its
/// parameters, so that editors offer every function name.
pub(crate) fn expression_examples() -> Vec<String> {
    let mut examples = vec!["[mail]".to_owned(), "\"constant\"".to_owned()];
    examples.extend(
        scimform_mapping::functions::FUNCTIONS
            .iter()
            .map(|function| format!("{}({})", function.name, function.signature)),
    );
    examples
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
    /// Entra's SCIM 2.0 compliance flag (`aadOptscim062020` on the Tenant URL): the
    /// provisioning service then sends standard request forms (`active: false` rather
    /// than the string `"False"`, member removal by filter rather than `Remove` with a
    /// value, several attribute changes in one pathless `replace`). Turn it on when the
    /// SCIM app refuses the legacy forms (`scimform status` says when). Left out: whatever
    /// the app has is kept.
    #[serde(default)]
    pub scim_compliance: Option<bool>,
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

/// More assignments of an app that a `ProvisioningApp` document declares, for lists too
/// long for one file (a spec file holds at most 1 MiB, some 35,000 user principal names).
/// An app's assignments may be split over any number of these, in any files of the run;
/// the app's own `assignments` section gives the policy and default role, and must be
/// there. A user or group is listed once across all of them.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "scimform AppAssignments")]
pub struct AssignmentsDocument {
    /// Version of the spec language. This scimform understands `scimform/v1`.
    pub api_version: ApiVersion,
    /// Kind of document: `AppAssignments`.
    pub kind: AssignmentsKind,
    /// The `name` of the app these assignments belong to.
    pub app: String,
    /// Users, by user principal name, or `{ upn | id, role }`.
    #[serde(default)]
    pub users: Vec<UserEntry>,
    /// Groups, by display name (unique in the tenant), or `{ name | id, role }`. Members of
    /// nested groups are not provisioned by Entra.
    #[serde(default)]
    pub groups: Vec<GroupEntry>,
}

/// Kind of an assignments document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum AssignmentsKind {
    /// More assignments of an app.
    AppAssignments,
}

/// The `kind` of [`AssignmentsDocument`]s.
pub const ASSIGNMENTS_KIND: &str = "AppAssignments";

/// The JSON Schema of one spec document, as committed in `schemas/`.
pub fn json_schema() -> serde_json::Value {
    with_id(schemars::schema_for!(AppDocument), "scimform.schema.json")
}

/// The JSON Schema of an `AppAssignments` document, as committed in `schemas/`.
pub fn assignments_json_schema() -> serde_json::Value {
    with_id(schemars::schema_for!(AssignmentsDocument), "scimform-assignments.schema.json")
}

fn with_id(schema: schemars::Schema, file: &str) -> serde_json::Value {
    let mut schema = serde_json::to_value(schema).expect("a generated JSON Schema always serializes");
    if let Some(object) = schema.as_object_mut() {
        object.insert("$id".to_owned(), serde_json::Value::String(format!("https://scimform.dev/schemas/{file}")));
    }
    schema
}
