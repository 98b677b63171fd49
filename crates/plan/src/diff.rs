//! `plan(desired, live)`: the differences, as changes in execution order.
//!
//! Rules:
//! - Only what the spec states is compared: a section or field left out is not managed.
//! - Order: deletions of apps whose spec is gone first; then, app by app in name order,
//!   the app, its owners, its provisioning settings, its assignments (removals before
//!   additions), and last its Provision Status, so that a new job starts only when its
//!   users are assigned (DESIGN.md §5).
//! - Secrets are always saved as a full set: managed keys from the spec, unmanaged keys as
//!   they are, the token by reference.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::fingerprint;
use crate::model::{Action, Attribute, Change, PLAN_FORMAT, Plan, ResetPart, Step, Warning};
use crate::state::{
    DEFAULT_STACK, Desired, DesiredApp, DesiredAssignment, DesiredProvisioning, Live, LiveApp, LiveAssignment,
    Principal, PrincipalKind, ProvisioningSettings, ProvisioningStatus, Scope, Stray, TokenState,
};

/// Tag on every service principal scimform manages.
pub const MANAGED_TAG: &str = "scimform:managed";
/// Prefix of the tag that names the app.
pub const NAME_TAG_PREFIX: &str = "scimform:name=";
/// How the display name of an app being created starts until it is marked as ours: an
/// interrupted create leaves an app recognisably scimform's (see [`pending_display_name`]).
pub const PENDING_PREFIX: &str = "scimform-pending ";

/// The display name an app is created with: `scimform-pending <name> <run>: <display
/// name>` (cut to Entra's 256 characters). `run` tells one apply's creations from
/// another's. The plan renames the app once it is marked.
pub fn pending_display_name(name: &str, run: &str, display_name: &str) -> String {
    let text = format!("{PENDING_PREFIX}{name} {run}: {display_name}");
    text.chars().take(256).collect()
}

/// The app name in a pending display name, when it is one.
pub fn pending_app_name(display_name: &str) -> Option<&str> {
    display_name.strip_prefix(PENDING_PREFIX)?.split(' ').next().filter(|name| !name.is_empty())
}

/// Prefix of the tag that names the app's stack (absent on apps made before stacks: they
/// belong to [`DEFAULT_STACK`]).
pub const STACK_TAG_PREFIX: &str = "scimform:stack=";
/// What a restart resets after a scope change (Entra ID needs a restart to apply it).
pub const SCOPE_RESTART: [ResetPart; 3] = [ResetPart::Watermark, ResetPart::Escrows, ResetPart::QuarantineState];
const SENSITIVE: &str = "(sensitive)";

/// Choices that are the user's, not the planner's.
#[derive(Debug, Clone)]
pub struct Options {
    /// Delete managed apps of this stack whose spec is gone.
    pub prune: bool,
    /// The stack the specs belong to: the apps it creates are marked with it, and only its
    /// own apps are orphans (`--prune` never touches another stack's apps).
    pub stack: String,
}

impl Options {
    /// No pruning, the default stack.
    pub fn standard() -> Options {
        Options { prune: false, stack: DEFAULT_STACK.to_owned() }
    }
}

/// The stack marker tag.
pub fn stack_tag(stack: &str) -> String {
    format!("{STACK_TAG_PREFIX}{stack}")
}

/// The marker tag of an app.
pub fn name_tag(name: &str) -> String {
    format!("{NAME_TAG_PREFIX}{name}")
}

/// Plans the changes that take `live` to `desired`. Pure, total and deterministic.
pub fn plan(desired: &Desired, live: &Live, options: &Options) -> Plan {
    let mut planner = Planner { changes: Vec::new(), warnings: Vec::new() };
    for stray in &live.strays {
        planner.stray(stray);
    }
    for (name, app) in &live.apps {
        if !desired.apps.contains_key(name) && app.stack == options.stack {
            planner.orphan(name, app, options.prune);
        }
    }
    for (name, app) in &desired.apps {
        planner.app(name, app, live.apps.get(name), live, &options.stack);
    }
    Plan {
        format: PLAN_FORMAT,
        live_fingerprint: live_fingerprint(live),
        changes: planner.changes,
        warnings: planner.warnings,
    }
}

/// A digest of everything refresh saw: a saved plan is stale when this changes.
pub fn live_fingerprint(live: &Live) -> String {
    use sha2::Digest;
    let canonical = serde_json::to_vec(live).expect("live state serializes");
    sha2::Sha256::digest(&canonical).iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Planner {
    changes: Vec<Change>,
    warnings: Vec<Warning>,
}

fn app_address(name: &str) -> String {
    format!("app.{name}")
}

fn attribute(name: &str, before: Option<Value>, after: Option<Value>) -> Attribute {
    Attribute { name: name.to_owned(), before, after, sensitive: false }
}

impl Planner {
    fn push(
        &mut self,
        address: String,
        action: Action,
        reason: impl Into<String>,
        attributes: Vec<Attribute>,
        depends_on: Vec<String>,
        steps: Vec<Step>,
    ) {
        self.changes.push(Change { address, action, reason: reason.into(), attributes, depends_on, steps });
    }

    fn warn(&mut self, address: &str, code: &str, message: String) {
        self.warnings.push(Warning { address: address.to_owned(), code: code.to_owned(), message });
    }

    fn stray(&mut self, stray: &Stray) {
        let address = format!("{}.stray[\"{}\"]", app_address(&stray.name), stray.service_principal_id);
        let attributes = vec![attribute("servicePrincipalId", Some(json!(stray.service_principal_id)), None)];
        let steps = vec![Step::DeleteStray { app_id: stray.app_id.clone() }];
        let reason = "an interrupted create left it unmarked (its name carries scimform's pending marker)";
        self.push(address, Action::Delete, reason, attributes, Vec::new(), steps);
    }

    fn orphan(&mut self, name: &str, app: &LiveApp, prune: bool) {
        let address = app_address(name);
        if !prune {
            self.warn(
                &address,
                "orphan-app",
                format!("`{}` is managed by scimform but no spec names `{name}`; run with --prune to delete it, or remove its `scimform:` tags to let it go", app.display_name),
            );
            return;
        }
        let mut steps = Vec::new();
        if app.job.as_ref().is_some_and(|job| job.is_running()) {
            steps.push(Step::PauseJob { app: name.to_owned() });
        }
        for assignment in &app.assignments {
            steps.push(Step::Unassign { app: name.to_owned(), assignment_id: assignment.id.clone() });
        }
        if app.job.is_some() {
            steps.push(Step::DeleteJob { app: name.to_owned() });
        }
        steps.push(Step::DeleteApp { app: name.to_owned() });
        let attributes = vec![attribute("displayName", Some(json!(app.display_name)), None)];
        self.push(address, Action::Delete, "its spec is gone and --prune was given", attributes, Vec::new(), steps);
    }

    fn app(&mut self, name: &str, desired: &DesiredApp, live: Option<&LiveApp>, all_live: &Live, stack: &str) {
        let address = app_address(name);
        let replaced = live.is_some_and(|live| {
            live.template_id.as_deref().is_some_and(|template| !template.eq_ignore_ascii_case(&desired.template_id))
        });
        let live = if replaced { None } else { live };
        match live {
            None => {
                for lookalike in all_live.lookalikes.iter().filter(|lookalike| lookalike.name == name) {
                    self.warn(
                        &address,
                        "lookalike-app",
                        format!(
                            "an unmanaged app named `{}` exists (service principal {}); scimform will not take it over and creates a new one; to adopt it instead, run `scimform import`",
                            lookalike.display_name, lookalike.service_principal_id
                        ),
                    );
                }
                let mut steps = Vec::new();
                let mut reason = "no managed app has this name".to_owned();
                if replaced {
                    reason = "the template changed, which Entra ID cannot change in place".to_owned();
                    steps.push(Step::DeleteApp { app: name.to_owned() });
                }
                steps.extend([
                    Step::Instantiate {
                        app: name.to_owned(),
                        template_id: desired.template_id.clone(),
                        display_name: desired.display_name.clone(),
                    },
                    Step::WaitForReplication { app: name.to_owned() },
                    Step::SetTags {
                        app: name.to_owned(),
                        add: vec![MANAGED_TAG.to_owned(), name_tag(name), stack_tag(stack)],
                        remove_prefixes: Vec::new(),
                    },
                    Step::EnsureSingle { app: name.to_owned() },
                    Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() },
                ]);
                let attributes = vec![
                    attribute("displayName", None, Some(json!(desired.display_name))),
                    attribute("templateId", None, Some(json!(desired.template_id))),
                ];
                let action = if replaced { Action::Replace } else { Action::Create };
                self.push(address.clone(), action, reason, attributes, Vec::new(), steps);
            }
            Some(live) => {
                if live.display_name != desired.display_name {
                    let attributes = vec![attribute(
                        "displayName",
                        Some(json!(live.display_name)),
                        Some(json!(desired.display_name)),
                    )];
                    let steps =
                        vec![Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() }];
                    self.push(
                        address.clone(),
                        Action::Update,
                        "the display name differs",
                        attributes,
                        Vec::new(),
                        steps,
                    );
                }
            }
        }
        if let Some(owners) = &desired.owners {
            self.owners(name, owners, live);
        }
        let job_exists = live.and_then(|live| live.job.as_ref()).is_some();
        if let Some(provisioning) = &desired.provisioning {
            self.provisioning(name, desired, provisioning, live);
        }
        if let Some(assignments) = &desired.assignments {
            self.assignments(name, desired, &assignments.entries, assignments.exact, live);
        }
        if let Some(provisioning) = &desired.provisioning {
            self.status(name, provisioning, live, job_exists);
        }
    }

    fn owners(&mut self, name: &str, owners: &[Principal], live: Option<&LiveApp>) {
        let empty = Vec::new();
        let current = live.map_or(&empty, |live| &live.owners);
        let wanted: BTreeSet<&str> = owners.iter().map(|owner| owner.id.as_str()).collect();
        for owner in current.iter().filter(|owner| !wanted.contains(owner.id.as_str())) {
            let steps = vec![Step::RemoveOwner { app: name.to_owned(), user_id: owner.id.clone() }];
            let attributes = vec![attribute("owner", Some(json!(owner.label)), None)];
            self.push(
                owner_address(name, owner),
                Action::Delete,
                "not listed in `owners`",
                attributes,
                vec![app_address(name)],
                steps,
            );
        }
        for owner in owners.iter().filter(|owner| !current.iter().any(|existing| existing.id == owner.id)) {
            let steps = vec![Step::AddOwner { app: name.to_owned(), user_id: owner.id.clone() }];
            let attributes = vec![attribute("owner", None, Some(json!(owner.label)))];
            self.push(
                owner_address(name, owner),
                Action::Create,
                "listed in `owners`",
                attributes,
                vec![app_address(name)],
                steps,
            );
        }
    }

    fn provisioning(
        &mut self,
        name: &str,
        desired: &DesiredApp,
        provisioning: &DesiredProvisioning,
        live: Option<&LiveApp>,
    ) {
        let address = format!("{}.provisioning", app_address(name));
        let job = live.and_then(|live| live.job.as_ref());
        let empty = ProvisioningSettings::default();
        let current = live.filter(|_| job.is_some()).map_or(&empty, |live| &live.settings);
        let wanted = wanted_settings(provisioning, current);
        let mut attributes = setting_differences(current, &wanted);
        let token_changed = job.is_none() || matches!(provisioning.token_state, TokenState::Changed { .. });
        if token_changed {
            attributes.push(Attribute {
                name: "token".to_owned(),
                before: job.map(|_| json!(SENSITIVE)),
                after: Some(json!(if job.is_some() { "(sensitive, changed)" } else { SENSITIVE })),
                sensitive: true,
            });
        }
        if attributes.is_empty() && job.is_some() {
            return;
        }
        let spec = &provisioning.spec;
        let mut steps = Vec::new();
        if job.is_none() {
            let template_id = desired.non_gallery.then(|| "scim".to_owned());
            steps.push(Step::CreateJob { app: name.to_owned(), template_id });
        }
        let credentials_changed = token_changed || attributes.iter().any(|attribute| attribute.name == "baseUrl");
        if spec.test_connection && credentials_changed {
            steps.push(Step::TestConnection {
                app: name.to_owned(),
                base_url: spec.credentials.base_url.clone(),
                token: spec.credentials.token.clone(),
            });
        }
        steps.push(Step::SaveSettings {
            app: name.to_owned(),
            settings: wanted,
            token: spec.credentials.token.clone(),
        });
        if let TokenState::Changed { fingerprint } = &provisioning.token_state {
            steps.push(Step::SetTags {
                app: name.to_owned(),
                add: vec![format!("{}{fingerprint}", fingerprint::TAG_PREFIX)],
                remove_prefixes: vec![fingerprint::TAG_PREFIX.to_owned()],
            });
        }
        let scope_changed = attributes.iter().any(|attribute| attribute.name == "scope" && attribute.before.is_some());
        if scope_changed && job.is_some_and(|job| job.is_running()) {
            steps.push(Step::RestartJob { app: name.to_owned(), reset: SCOPE_RESTART.to_vec() });
            self.warn(&address, "scope-restart", "the provisioning scope changes; the job is restarted so that Entra ID applies it (the next cycle is a full one)".to_owned());
        }
        let (action, reason) = if job.is_none() {
            (Action::Create, "the app has no provisioning job")
        } else {
            (Action::Update, "provisioning settings differ")
        };
        self.push(address, action, reason, attributes, vec![app_address(name)], steps);
    }

    fn assignments(
        &mut self,
        name: &str,
        desired: &DesiredApp,
        entries: &[DesiredAssignment],
        exact: bool,
        live: Option<&LiveApp>,
    ) {
        let live_assignments = live.map(|live| live.assignments.as_slice()).unwrap_or_default();
        if exact {
            let wanted: BTreeSet<&str> = entries.iter().map(|entry| entry.principal.id.as_str()).collect();
            for assignment in
                live_assignments.iter().filter(|assignment| !wanted.contains(assignment.principal.id.as_str()))
            {
                self.unlisted_assignment(name, assignment, live);
            }
        }
        for entry in entries {
            self.assignment(name, entry, exact, live);
        }
        for entry in entries.iter().filter(|entry| entry.principal.kind == PrincipalKind::Group) {
            if let Some(nested) = desired.nested_groups.get(&entry.principal.id) {
                self.warn(
                    &assignment_address(name, &entry.principal),
                    "nested-group",
                    format!(
                        "group `{}` contains groups ({}); Entra ID provisions direct members only, so members of nested groups are not provisioned",
                        entry.principal.label,
                        nested.join(", ")
                    ),
                );
            }
        }
    }

    fn unlisted_assignment(&mut self, name: &str, assignment: &LiveAssignment, live: Option<&LiveApp>) {
        let role = role_name(live, &assignment.role_id);
        let attributes = vec![attribute("role", Some(json!(role)), None)];
        let steps = vec![Step::Unassign { app: name.to_owned(), assignment_id: assignment.id.clone() }];
        self.push(
            assignment_address(name, &assignment.principal),
            Action::Delete,
            "not listed and the policy is `exact`",
            attributes,
            vec![app_address(name)],
            steps,
        );
    }

    fn assignment(&mut self, name: &str, entry: &DesiredAssignment, exact: bool, live: Option<&LiveApp>) {
        let live_assignments = live.map(|live| live.assignments.as_slice()).unwrap_or_default();
        let existing: Vec<&LiveAssignment> =
            live_assignments.iter().filter(|assignment| assignment.principal.id == entry.principal.id).collect();
        let wanted_role = live.and_then(|live| live.roles.id_of(entry.role.as_deref()));
        if existing.iter().any(|assignment| Some(&assignment.role_id) == wanted_role.as_ref()) {
            return;
        }
        let role_label = entry.role.clone().unwrap_or_else(|| "(default access)".to_owned());
        let assign =
            Step::Assign { app: name.to_owned(), principal_id: entry.principal.id.clone(), role: entry.role.clone() };
        let address = assignment_address(name, &entry.principal);
        let depends = vec![app_address(name)];
        if existing.is_empty() || !exact {
            let attributes = vec![attribute("role", None, Some(json!(role_label)))];
            self.push(address, Action::Create, "listed in `assignments`", attributes, depends, vec![assign]);
            return;
        }
        let before =
            existing.iter().map(|assignment| role_name(live, &assignment.role_id)).collect::<Vec<_>>().join(", ");
        let mut steps: Vec<Step> = existing
            .iter()
            .map(|assignment| Step::Unassign { app: name.to_owned(), assignment_id: assignment.id.clone() })
            .collect();
        steps.push(assign);
        let attributes = vec![attribute("role", Some(json!(before)), Some(json!(role_label)))];
        self.push(
            address,
            Action::Replace,
            "the role differs; Entra ID changes a role by removing and adding the assignment",
            attributes,
            depends,
            steps,
        );
    }

    fn status(&mut self, name: &str, provisioning: &DesiredProvisioning, live: Option<&LiveApp>, job_existed: bool) {
        let address = format!("{}.provisioning.status", app_address(name));
        let job = live.and_then(|live| live.job.as_ref()).filter(|_| job_existed);
        let live_on = job.is_some_and(|job| job.is_running());
        let wanted_on = provisioning.spec.status == ProvisioningStatus::On;
        if let Some(job) = job
            && job.is_quarantined()
        {
            self.warn(
                &address,
                "quarantine",
                format!(
                    "the provisioning job is in quarantine ({}); check the saved token and the SCIM endpoint, then restart it",
                    job.quarantine.as_ref().and_then(|quarantine| quarantine.reason.as_deref()).unwrap_or("reason unknown")
                ),
            );
        }
        if live_on == wanted_on {
            return;
        }
        let live_label = job.map_or("about to be created", |job| job.schedule.describe());
        let before = job.map(|_| json!(if live_on { "on" } else { "off" }));
        let attributes = vec![attribute("status", before, Some(json!(if wanted_on { "on" } else { "off" })))];
        let mut depends = vec![format!("{}.provisioning", app_address(name))];
        depends.push(app_address(name));
        if wanted_on {
            let reason = format!("Provision Status is to be on; the job is {live_label}");
            self.push(
                address,
                if job.is_some() { Action::Update } else { Action::Create },
                reason,
                attributes,
                depends,
                vec![Step::StartJob { app: name.to_owned() }],
            );
        } else if job.is_some() {
            self.push(
                address,
                Action::Update,
                "Provision Status is to be off",
                attributes,
                depends,
                vec![Step::PauseJob { app: name.to_owned() }],
            );
        }
    }
}

fn owner_address(name: &str, owner: &Principal) -> String {
    format!("{}.owner[\"{}\"]", app_address(name), owner.label)
}

fn assignment_address(name: &str, principal: &Principal) -> String {
    format!("{}.assignment[\"{}\"]", app_address(name), principal.key())
}

fn role_name(live: Option<&LiveApp>, role_id: &str) -> String {
    live.map_or_else(|| role_id.to_owned(), |live| live.roles.name_of(role_id))
}

fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Assigned => "assigned",
        Scope::All => "all",
    }
}

/// The full settings to save: the spec's values for what it states, the current values
/// of everything else (so that saving the full set, as Graph requires, changes nothing
/// the spec does not state).
fn wanted_settings(provisioning: &DesiredProvisioning, current: &ProvisioningSettings) -> ProvisioningSettings {
    let spec = &provisioning.spec;
    let mut wanted = current.clone();
    wanted.base_url = Some(spec.credentials.base_url.clone());
    if let Some(scope) = spec.scope {
        wanted.scope = Some(scope);
    }
    if let Some(skip) = spec.skip_out_of_scope_deletions {
        wanted.skip_out_of_scope_deletions = Some(skip);
    }
    if let Some(notifications) = &spec.notifications {
        wanted.notifications_enabled = Some(notifications.enabled);
        if let Some(email) = &notifications.email {
            wanted.notification_email = Some(email.clone());
        }
    }
    if let Some(guard) = &spec.accidental_deletions {
        wanted.deletion_guard_enabled = Some(guard.enabled);
        if let Some(threshold) = guard.threshold {
            wanted.deletion_threshold = Some(threshold);
        }
    }
    wanted
}

/// The attributes whose wanted value differs from the current one, by the names plans
/// show. Unmanaged settings are carried over unchanged, so they never differ.
fn setting_differences(current: &ProvisioningSettings, wanted: &ProvisioningSettings) -> Vec<Attribute> {
    type Field = fn(&ProvisioningSettings) -> Option<Value>;
    let fields: [(&str, Field); 7] = [
        ("baseUrl", |settings| settings.base_url.as_ref().map(|url| json!(url.as_str()))),
        ("scope", |settings| settings.scope.map(|scope| json!(scope_name(scope)))),
        ("skipOutOfScopeDeletions", |settings| settings.skip_out_of_scope_deletions.map(Value::Bool)),
        ("notifications.enabled", |settings| settings.notifications_enabled.map(Value::Bool)),
        ("notifications.email", |settings| settings.notification_email.as_ref().map(|email| json!(email))),
        ("accidentalDeletions.enabled", |settings| settings.deletion_guard_enabled.map(Value::Bool)),
        ("accidentalDeletions.threshold", |settings| settings.deletion_threshold.map(|threshold| json!(threshold))),
    ];
    let mut attributes = Vec::new();
    for (name, field) in fields {
        let (before, after) = (field(current), field(wanted));
        if before != after {
            attributes.push(attribute(name, before, after));
        }
    }
    attributes
}
