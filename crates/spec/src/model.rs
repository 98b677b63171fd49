//! The validated spec: what the user asked for, with every rule of the spec language
//! already checked.
//!
//! A [`Spec`] can only be built by [`crate::load`], so holding one means the specs were
//! valid. Fields that the YAML left out are `None`: scimform manages only what a spec
//! states and leaves everything else in the tenant alone. Names of users, groups and roles
//! are not resolved here (that needs the tenant); they are well formed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Span;

/// The non-gallery ("custom") application template in Entra ID.
pub const NON_GALLERY_TEMPLATE_ID: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

/// The Tenant URL query flag of Entra's SCIM 2.0 compliance (`credentials.scimCompliance`):
/// refused inside a spec's `baseUrl`, written and read by apply's wire encoding.
pub const SCIM_COMPLIANCE_FLAG: &str = "aadOptscim062020";

/// Every app of every spec file given, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Spec {
    /// The apps, sorted by [`App::name`]; names are unique.
    pub apps: Vec<App>,
}

/// Where something was written: a source name and a place in it. Used by later stages
/// (name resolution, planning) to point their own errors at the spec.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The source's name, as given to [`crate::load`].
    pub file: String,
    /// The place in the source.
    pub span: Span,
}

/// One enterprise application with its provisioning and assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Stable address: a lowercase slug, unique across the spec.
    pub name: String,
    /// Display name in Entra ID.
    pub display_name: String,
    /// The template the app is created from.
    pub template: Template,
    /// Owners by UPN, when managed.
    pub owners: Option<Vec<Principal>>,
    /// Provisioning settings, when managed.
    pub provisioning: Option<Provisioning>,
    /// Assignments, when managed.
    pub assignments: Option<Assignments>,
    /// The existing app to adopt, when the spec says so.
    pub adopt: Option<Adopt>,
    /// Plan warnings about this app that its owners accept (`ignoreWarnings`).
    pub ignore_warnings: Vec<WarningCode>,
    /// Where the document starts.
    pub origin: Origin,
}

/// The plan warnings a spec (`ignoreWarnings`) or the project file may acknowledge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum WarningCode {
    /// An assigned group contains groups, whose members Entra does not provision.
    NestedGroup,
    /// An unmanaged app has the spec's display name.
    LookalikeApp,
    /// A managed app of the stack has no spec (without `--prune`).
    OrphanApp,
    /// The SCIM token is short enough to guess from its fingerprint.
    ShortToken,
    /// The plan could not read the SCIM token here.
    TokenNotChecked,
    /// An app carries scimform's pending marker but is not this run's to remove.
    PendingNotOurs,
    /// A scope change restarts the job.
    ScopeRestart,
    /// A mapping change restarts the job.
    SchemaRestart,
    /// The accidental-deletion guard holds deletions.
    DeletionHold,
    /// The job is quarantined.
    Quarantine,
    /// The saved `scimform scim-check` says the spec's dialect fails.
    ScimCheck,
}

impl WarningCode {
    /// The code as plans name it (`nested-group`).
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::NestedGroup => "nested-group",
            WarningCode::LookalikeApp => "lookalike-app",
            WarningCode::OrphanApp => "orphan-app",
            WarningCode::ShortToken => "short-token",
            WarningCode::TokenNotChecked => "token-not-checked",
            WarningCode::PendingNotOurs => "pending-not-ours",
            WarningCode::ScopeRestart => "scope-restart",
            WarningCode::SchemaRestart => "schema-restart",
            WarningCode::DeletionHold => "deletion-hold",
            WarningCode::Quarantine => "quarantine",
            WarningCode::ScimCheck => "scim-check",
        }
    }
}

/// An existing app to take over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adopt {
    /// Its service principal object id (a lowercase GUID).
    pub id: String,
    /// Where the spec names it.
    pub origin: Origin,
}

/// The template an app is instantiated from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    /// The custom SCIM app template ([`NON_GALLERY_TEMPLATE_ID`]).
    NonGallery,
    /// A gallery template by id (a lowercase GUID).
    Gallery {
        /// The applicationTemplate id.
        id: String,
    },
}

impl Template {
    /// The applicationTemplate id to instantiate.
    pub fn id(&self) -> &str {
        match self {
            Template::NonGallery => NON_GALLERY_TEMPLATE_ID,
            Template::Gallery { id } => id,
        }
    }
}

/// Automatic provisioning. Serializable: the planner keeps it as the desired provisioning
/// of an app, so these vocabulary types are defined once, here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Provisioning {
    /// Provision Status.
    pub status: ProvisioningStatus,
    /// SCIM endpoint and token reference.
    pub credentials: Credentials,
    /// Provisioning scope (`SyncAll`), when managed.
    pub scope: Option<Scope>,
    /// `SkipOutOfScopeDeletions`, when managed.
    pub skip_out_of_scope_deletions: Option<bool>,
    /// Failure notification email, when managed.
    pub notifications: Option<Notifications>,
    /// Accidental-deletion guard, when managed.
    pub accidental_deletions: Option<AccidentalDeletions>,
    /// Whether to test the desired credentials before saving them.
    pub test_connection: bool,
    /// Attribute mappings, when managed.
    #[serde(default)]
    pub mappings: Option<Mappings>,
    /// Scoping filters, when managed.
    #[serde(default)]
    pub scoping: Option<Scoping>,
    /// Subjects to provision on demand after apply, when given.
    #[serde(default)]
    pub verify: Option<Verify>,
}

pub use scimform_mapping::{AttributeMapping, Clause, FilterGroup, Flow, Object, ObjectMapping, Operator, Source};

/// Attribute mappings by object; `None`: that object's mappings are not managed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Mappings {
    /// Users.
    #[serde(default)]
    pub users: Option<ObjectMappings>,
    /// Groups.
    #[serde(default)]
    pub groups: Option<ObjectMappings>,
}

impl Mappings {
    /// One object's mappings.
    pub fn of(&self, object: Object) -> Option<&ObjectMappings> {
        match object {
            Object::Users => self.users.as_ref(),
            Object::Groups => self.groups.as_ref(),
        }
    }
}

/// One object's mappings: the template's defaults with these changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMappings {
    /// Whether the object is provisioned.
    pub enabled: bool,
    /// Mappings that replace the default of their target or add one, sorted by target.
    pub set: Vec<AttributeMapping>,
    /// Targets whose default mapping is removed.
    pub remove: Vec<String>,
}

impl ObjectMappings {
    /// The attribute mappings these changes give, sorted by target.
    pub fn attributes(&self, object: Object) -> Vec<AttributeMapping> {
        scimform_mapping::overlay(
            &scimform_mapping::reference::object(object).defaults.attributes,
            &self.set,
            &self.remove,
        )
    }
}

/// Scoping filters by object (canonical); `None`: not managed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scoping {
    /// Users.
    #[serde(default)]
    pub users: Option<Vec<FilterGroup>>,
    /// Groups.
    #[serde(default)]
    pub groups: Option<Vec<FilterGroup>>,
}

impl Scoping {
    /// One object's filters.
    pub fn of(&self, object: Object) -> Option<&Vec<FilterGroup>> {
        match object {
            Object::Users => self.users.as_ref(),
            Object::Groups => self.groups.as_ref(),
        }
    }
}

/// Subjects to provision on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Verify {
    /// Users by UPN.
    pub users: Vec<String>,
    /// Groups by display name.
    pub groups: Vec<String>,
}

/// Provision Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ProvisioningStatus {
    /// The job runs on its schedule.
    On,
    /// The job is paused.
    Off,
}

/// Provisioning scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Scope {
    /// Only users and groups assigned to the app.
    Assigned,
    /// All users and groups in the tenant.
    All,
}

/// The SCIM endpoint and where its token comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credentials {
    /// The SCIM base URL (checked to be a valid https or loopback URL).
    pub base_url: BaseUrl,
    /// Where the token is read from at plan time.
    pub token: TokenSource,
    /// Entra's SCIM 2.0 compliance flag, when the spec states it (`None`: not managed).
    pub scim_compliance: Option<bool>,
}

/// Where a secret is read from. The secret itself never appears in a spec, a plan or a
/// log: only this reference does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum TokenSource {
    /// An environment variable.
    Env {
        /// The variable's name.
        variable: String,
    },
    /// A file. The path is the one written in the spec, joined to the spec file's
    /// directory (or kept as written when absolute), with `/` separators.
    File {
        /// The path.
        path: String,
    },
}

/// A SCIM base URL: parsed once, when the spec is validated (or when refresh decodes the
/// saved one), and compared as a URL from then on. Serialized as its text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BaseUrl(url::Url);

impl std::fmt::Debug for BaseUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), formatter)
    }
}

impl BaseUrl {
    /// Parses a URL (any scheme; the spec's rules on schemes are checked by validation).
    pub fn parse(text: &str) -> Result<BaseUrl, url::ParseError> {
        url::Url::parse(text).map(BaseUrl)
    }

    /// The URL's text, as it is sent to Graph.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The parsed URL.
    pub fn url(&self) -> &url::Url {
        &self.0
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl Serialize for BaseUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BaseUrl {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<BaseUrl, D::Error> {
        let text = String::deserialize(deserializer)?;
        BaseUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Failure notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Notifications {
    /// Whether emails are sent.
    pub enabled: bool,
    /// The recipient, when given.
    pub email: Option<String>,
}

/// Accidental-deletion guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccidentalDeletions {
    /// Whether the guard is on.
    pub enabled: bool,
    /// The threshold, at least 1, when given.
    pub threshold: Option<u32>,
}

/// The app's user and group assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignments {
    /// Whether unlisted assignments are removed.
    pub policy: AssignmentPolicy,
    /// Role for principals listed without one, by display name.
    pub default_role: Option<String>,
    /// Users and groups, in the order written (those of `AppAssignments` documents after
    /// the app's own); no principal appears twice.
    pub principals: Vec<Principal>,
    /// Where the app's `assignments` section is written.
    pub origin: Origin,
}

/// More assignments of an app, from an `AppAssignments` document: merged into the app's
/// [`Assignments`] once every source is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssignmentsPart {
    /// The app's name, and where the document names it.
    pub(crate) app: String,
    pub(crate) app_origin: Origin,
    /// Users and groups, in the order written; none twice within the document.
    pub(crate) principals: Vec<Principal>,
}

/// Assignment policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum AssignmentPolicy {
    /// The listed principals are all the assignments; others are removed.
    Exact,
    /// The listed principals are assigned; others are left alone.
    Additive,
}

/// A user or group named by a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// How the spec names it.
    pub reference: PrincipalRef,
    /// App role by display name, when given for this principal.
    pub role: Option<String>,
    /// Where it was written.
    pub origin: Origin,
}

/// How a spec names a principal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalRef {
    /// A user by user principal name.
    UserUpn(String),
    /// A user by object id (lowercase GUID).
    UserId(String),
    /// A group by display name.
    GroupName(String),
    /// A group by object id (lowercase GUID).
    GroupId(String),
}

impl PrincipalRef {
    /// Whether this names a group.
    pub fn is_group(&self) -> bool {
        matches!(self, PrincipalRef::GroupName(_) | PrincipalRef::GroupId(_))
    }

    /// The key under which two references are the same principal: UPNs and group names
    /// compare without case, as Entra ID compares them.
    pub fn identity_key(&self) -> String {
        match self {
            PrincipalRef::UserUpn(upn) => format!("user:{}", fold_name(upn)),
            PrincipalRef::UserId(id) => format!("user-id:{id}"),
            PrincipalRef::GroupName(name) => format!("group:{}", fold_name(name)),
            PrincipalRef::GroupId(id) => format!("group-id:{id}"),
        }
    }
}

impl std::fmt::Display for PrincipalRef {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PrincipalRef::UserUpn(upn) => write!(formatter, "user:{upn}"),
            PrincipalRef::UserId(id) => write!(formatter, "user:{id}"),
            PrincipalRef::GroupName(name) => write!(formatter, "group:{name}"),
            PrincipalRef::GroupId(id) => write!(formatter, "group:{id}"),
        }
    }
}

/// How Entra ID compares user principal names and group display names: without case. The
/// one place that folds them; every map keyed by such a name uses it.
pub fn fold_name(name: &str) -> String {
    name.to_lowercase()
}
