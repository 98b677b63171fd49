//! The plan: changes in execution order, each with the steps that carry it out.
//!
//! A change is what reviewers read (address, action, attribute before/after, reason). Its
//! steps are what apply executes, one by one, in order: apply makes no decision of its own
//! (it looks up ids by name and reads tokens from their references, nothing more). The
//! reason is for people only; apply never reads it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::state::SpecLocation;
use crate::state::{AttributeMapping, BaseUrl, FilterGroup, Object, ProvisioningSettings, TokenSource};

/// Version of the saved plan format; apply refuses other versions.
pub const PLAN_FORMAT: u32 = 6;

/// A plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Plan {
    /// [`PLAN_FORMAT`].
    pub format: u32,
    /// Digest of the live state the plan was made from; apply refuses a plan whose live
    /// state has changed since.
    pub live_fingerprint: String,
    /// Changes in execution order. No-op changes are left out.
    pub changes: Vec<Change>,
    /// Things reviewers should know that are not changes.
    pub warnings: Vec<Warning>,
    /// SCIM tokens not read when the plan was made (absent where it ran): apply reads them,
    /// refuses to start without them, and refuses a saved plan whose token turns out
    /// changed (the plan did not save it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unchecked_tokens: Vec<UncheckedToken>,
    /// The apps the plan was limited to (`--target`); empty: every app of the specs and
    /// the stack. A partial plan says nothing of the other apps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// A plan that retires the stack (`--destroy`): every change deletes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub destroy: bool,
}

/// A token a plan did not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UncheckedToken {
    /// The app's name.
    pub app: String,
    /// Why (`NETSKOPE_SCIM_TOKEN is not set`).
    pub reason: String,
}

impl Plan {
    /// Whether there is anything to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// (to add, to change, to destroy), counted as Terraform does: a replace counts once
    /// as an add and once as a destroy.
    pub fn summary(&self) -> (usize, usize, usize) {
        let count = |wanted: &[Action]| self.changes.iter().filter(|change| wanted.contains(&change.action)).count();
        (count(&[Action::Create, Action::Replace]), count(&[Action::Update]), count(&[Action::Delete, Action::Replace]))
    }

    /// How many changes have this action.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|change| change.action == action).count()
    }

    /// Whether the plan changes configuration: anything but repairs (which restart a job
    /// the provisioning service stopped, and are health, not drift).
    pub fn has_config_changes(&self) -> bool {
        self.changes.iter().any(|change| change.action != Action::Repair)
    }
}

/// One change to one addressable thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Change {
    /// `app.netskope`, `app.netskope.provisioning`, `app.netskope.assignment["group:Netskope Users"]`.
    pub address: String,
    /// What happens.
    pub action: Action,
    /// Why, in words (for people; apply ignores it).
    pub reason: String,
    /// Attribute values before and after; sensitive ones masked.
    pub attributes: Vec<Attribute>,
    /// Addresses that must be done first.
    pub depends_on: Vec<String>,
    /// What apply does, in order.
    pub steps: Vec<Step>,
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// `+`
    Create,
    /// `~`
    Update,
    /// `-/+`
    Replace,
    /// `-`
    Delete,
    /// `<=`: an existing, unmanaged app becomes managed (marker tags written; nothing
    /// else about it changes).
    Adopt,
    /// `!`: a job the provisioning service stopped (quarantine) is restarted.
    Repair,
}

impl Action {
    /// The symbol renderers show.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Adopt => "<=",
            Action::Repair => "!",
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::Adopt => "adopt",
            Action::Repair => "repair",
        }
    }
}

/// One attribute's values. For sensitive attributes the values are placeholders such as
/// `"(sensitive)"`: the real values are never in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attribute {
    /// `displayName`, `provisioning.baseUrl`, …
    pub name: String,
    /// Before; `None` when it did not exist.
    pub before: Option<Value>,
    /// After; `None` when it will not exist.
    pub after: Option<Value>,
    /// Whether the values are masked.
    pub sensitive: bool,
}

/// A note for reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Warning {
    /// What it is about.
    pub address: String,
    /// Stable name: `nested-group`, `lookalike-app`, `scope-restart`, `orphan-app`, `quarantine`.
    pub code: String,
    /// What and what to do.
    pub message: String,
    /// Where the spec of the app it concerns starts (none for an app without a spec).
    #[serde(default)]
    pub location: Option<SpecLocation>,
    /// Accepted by the app's spec or the project (`ignoreWarnings`): not shown to people,
    /// still in JSON.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub acknowledged: bool,
}

/// One executable step. Apps are named by their spec name; apply finds their ids in the
/// refreshed live state, or remembers them from the step that created them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", deny_unknown_fields)]
pub enum Step {
    /// `POST /applicationTemplates/{id}/instantiate`.
    #[serde(rename_all = "camelCase")]
    Instantiate {
        /// App name.
        app: String,
        /// Template.
        template_id: String,
        /// Display name.
        display_name: String,
    },
    /// Poll until the new service principal reads back (replication lag).
    #[serde(rename_all = "camelCase")]
    WaitForReplication {
        /// App name.
        app: String,
    },
    /// Check that a new app has every role the plan assigns in it (a gallery template's
    /// roles are known only once the app exists); before anything else is written to it.
    #[serde(rename_all = "camelCase")]
    CheckRoles {
        /// App name.
        app: String,
        /// Role display names.
        roles: Vec<String>,
    },
    /// Add and remove tags on the service principal, keeping all others.
    #[serde(rename_all = "camelCase")]
    SetTags {
        /// App name.
        app: String,
        /// Tags to have.
        add: Vec<String>,
        /// Prefixes of tags to drop first (for replacing `scimform:token=…`).
        remove_prefixes: Vec<String>,
    },
    /// Record the fingerprint of the token just saved (`scimform:token=…`, replacing the
    /// old one): apply computes it from the token it saved, with a fresh salt.
    #[serde(rename_all = "camelCase")]
    RecordToken {
        /// App name.
        app: String,
        /// Where the token comes from.
        token: TokenSource,
    },
    /// Take over an existing app: write the marker tags on its service principal (keeping
    /// its other tags); later steps find it by `app`.
    #[serde(rename_all = "camelCase")]
    Adopt {
        /// App name.
        app: String,
        /// Its service principal.
        service_principal_id: String,
        /// The marker tags.
        add: Vec<String>,
    },
    /// Settle a race: when other managed apps claim the same name (another apply created
    /// one at the same time), every racer keeps the same one (the smallest service
    /// principal id), deletes the others, and goes on with the one kept.
    #[serde(rename_all = "camelCase")]
    EnsureSingle {
        /// App name.
        app: String,
    },
    /// Delete an app an interrupted create left behind.
    #[serde(rename_all = "camelCase")]
    DeleteStray {
        /// Its application (client) id.
        app_id: String,
    },
    /// Rename the service principal.
    #[serde(rename_all = "camelCase")]
    SetDisplayName {
        /// App name.
        app: String,
        /// New name.
        display_name: String,
    },
    /// Add an owner to the service principal.
    #[serde(rename_all = "camelCase")]
    AddOwner {
        /// App name.
        app: String,
        /// User object id.
        user_id: String,
    },
    /// Remove an owner from the service principal.
    #[serde(rename_all = "camelCase")]
    RemoveOwner {
        /// App name.
        app: String,
        /// User object id.
        user_id: String,
    },
    /// Create the provisioning job.
    #[serde(rename_all = "camelCase")]
    CreateJob {
        /// App name.
        app: String,
        /// Provisioning template; `None` for the one the app marks default.
        template_id: Option<String>,
    },
    /// Test Connection with the desired credentials.
    #[serde(rename_all = "camelCase")]
    TestConnection {
        /// App name.
        app: String,
        /// SCIM base URL.
        base_url: BaseUrl,
        /// Whether the Tenant URL carries Entra's SCIM 2.0 compliance flag.
        #[serde(default)]
        scim_compliance: bool,
        /// Where to read the token.
        token: TokenSource,
    },
    /// Save the full set of provisioning settings and the token (Graph replaces the whole
    /// set on every save).
    #[serde(rename_all = "camelCase")]
    SaveSettings {
        /// App name.
        app: String,
        /// Every setting to store.
        settings: ProvisioningSettings,
        /// Where to read the token.
        token: TokenSource,
    },
    /// Start (resume) the job.
    #[serde(rename_all = "camelCase")]
    StartJob {
        /// App name.
        app: String,
    },
    /// Pause the job.
    #[serde(rename_all = "camelCase")]
    PauseJob {
        /// App name.
        app: String,
    },
    /// Restart the job with a reset scope.
    #[serde(rename_all = "camelCase")]
    RestartJob {
        /// App name.
        app: String,
        /// What the restart resets.
        reset: Vec<ResetPart>,
    },
    /// Read the job until it has left quarantine (a repair's confirmation): apply reports
    /// a repair only once Graph shows the job out of quarantine, and fails with the
    /// quarantine's reason when it does not leave it in time.
    #[serde(rename_all = "camelCase")]
    ConfirmRecovered {
        /// App name.
        app: String,
    },
    /// Replace parts of the job's synchronization schema (read fresh, changed, written
    /// back whole with every other part as it was).
    #[serde(rename_all = "camelCase")]
    SetSchema {
        /// App name.
        app: String,
        /// What to replace, per object.
        parts: Vec<SchemaPart>,
    },
    /// Assign a principal a role.
    #[serde(rename_all = "camelCase")]
    Assign {
        /// App name.
        app: String,
        /// User or group id.
        principal_id: String,
        /// Role display name; `None` for default access.
        role: Option<String>,
    },
    /// Remove an assignment.
    #[serde(rename_all = "camelCase")]
    Unassign {
        /// App name.
        app: String,
        /// Assignment id.
        assignment_id: String,
    },
    /// Delete the provisioning job.
    #[serde(rename_all = "camelCase")]
    DeleteJob {
        /// App name.
        app: String,
    },
    /// Delete the application (and with it the service principal).
    #[serde(rename_all = "camelCase")]
    DeleteApp {
        /// App name.
        app: String,
    },
}

impl Step {
    /// The step's kind, as saved plans name it (`instantiate`, `saveSettings`, …), for logs.
    pub fn op(&self) -> &'static str {
        match self {
            Step::Instantiate { .. } => "instantiate",
            Step::WaitForReplication { .. } => "waitForReplication",
            Step::CheckRoles { .. } => "checkRoles",
            Step::SetTags { .. } => "setTags",
            Step::RecordToken { .. } => "recordToken",
            Step::Adopt { .. } => "adopt",
            Step::EnsureSingle { .. } => "ensureSingle",
            Step::DeleteStray { .. } => "deleteStray",
            Step::SetDisplayName { .. } => "setDisplayName",
            Step::AddOwner { .. } => "addOwner",
            Step::RemoveOwner { .. } => "removeOwner",
            Step::CreateJob { .. } => "createJob",
            Step::TestConnection { .. } => "testConnection",
            Step::SaveSettings { .. } => "saveSettings",
            Step::StartJob { .. } => "startJob",
            Step::PauseJob { .. } => "pauseJob",
            Step::RestartJob { .. } => "restartJob",
            Step::ConfirmRecovered { .. } => "confirmRecovered",
            Step::SetSchema { .. } => "setSchema",
            Step::Assign { .. } => "assign",
            Step::Unassign { .. } => "unassign",
            Step::DeleteJob { .. } => "deleteJob",
            Step::DeleteApp { .. } => "deleteApp",
        }
    }
}

/// The parts of one object mapping a [`Step::SetSchema`] replaces; `None`: kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaPart {
    /// Users or groups.
    pub object: Object,
    /// Whether the object is provisioned.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Every attribute mapping.
    #[serde(default)]
    pub attributes: Option<Vec<AttributeMapping>>,
    /// The scoping filter.
    #[serde(default)]
    pub scope: Option<Vec<FilterGroup>>,
}

/// A part of a provisioning job's state that a restart can reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResetPart {
    /// Where incremental cycles resume: the next cycle is a full one.
    Watermark,
    /// Objects waiting to be retried.
    Escrows,
    /// The quarantine, so that the job runs again at once.
    QuarantineState,
    /// Deletions held by the accidental-deletion guard: they are carried out.
    ForceDeletes,
}

impl ResetPart {
    /// In words, for plans.
    pub fn describe(self) -> &'static str {
        match self {
            ResetPart::Watermark => "watermark (a full cycle)",
            ResetPart::Escrows => "escrows (failed objects retried)",
            ResetPart::QuarantineState => "quarantine",
            ResetPart::ForceDeletes => "held deletions carried out",
        }
    }
}
