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

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::fingerprint;
use crate::model::{Action, Attribute, Change, PLAN_FORMAT, Plan, SecretSetting, SecretValue, Step, Warning};
use crate::state::{
    Desired, DesiredApp, DesiredAssignment, DesiredProvisioning, Live, LiveApp, Principal, PrincipalKind, ScopeSetting,
    Status, TokenState,
};

/// Tag on every service principal scimform manages.
pub const MANAGED_TAG: &str = "scimform:managed";
/// Prefix of the tag that names the app.
pub const NAME_TAG_PREFIX: &str = "scimform:name=";
/// Reset scope used after a scope change (Entra ID needs a restart to apply it).
pub const SCOPE_RESTART: &str = "Watermark, Escrows, QuarantineState";
const SENSITIVE: &str = "(sensitive)";

/// Choices that are the user's, not the planner's.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Delete managed apps whose spec is gone.
    pub prune: bool,
}

/// The marker tag of an app.
pub fn name_tag(name: &str) -> String {
    format!("{NAME_TAG_PREFIX}{name}")
}

/// Plans the changes that take `live` to `desired`. Pure, total and deterministic.
pub fn plan(desired: &Desired, live: &Live, options: &Options) -> Plan {
    let mut planner = Planner { changes: Vec::new(), warnings: Vec::new() };
    for (name, app) in &live.apps {
        if !desired.apps.contains_key(name) {
            planner.orphan(name, app, options.prune);
        }
    }
    for (name, app) in &desired.apps {
        planner.app(name, app, live.apps.get(name), live);
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
        if app.job.as_ref().is_some_and(|job| job.state == "Active") {
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

    fn app(&mut self, name: &str, desired: &DesiredApp, live: Option<&LiveApp>, all_live: &Live) {
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
                        add: vec![MANAGED_TAG.to_owned(), name_tag(name)],
                        remove_prefixes: Vec::new(),
                    },
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
        let empty = BTreeMap::new();
        let secrets = live.filter(|_| job.is_some()).map_or(&empty, |live| &live.secrets);
        let mut attributes = Vec::new();
        let mut compare = |name: &str, before: Option<Value>, after: Option<Value>| {
            if before != after {
                attributes.push(attribute(name, before, after));
            }
        };
        compare("baseUrl", secrets.get("BaseAddress").map(|value| json!(value)), Some(json!(provisioning.base_url)));
        if let Some(scope) = provisioning.scope {
            let live_scope = secrets
                .get("SyncAll")
                .map(|value| json!(if value.eq_ignore_ascii_case("true") { "all" } else { "assigned" }));
            compare("scope", live_scope, Some(json!(scope_name(scope))));
        }
        if let Some(skip) = provisioning.skip_out_of_scope_deletions {
            compare(
                "skipOutOfScopeDeletions",
                secrets.get("SkipOutOfScopeDeletions").map(|value| json!(value.eq_ignore_ascii_case("true"))),
                Some(json!(skip)),
            );
        }
        let settings =
            secrets.get("SyncNotificationSettings").and_then(|text| serde_json::from_str::<Value>(text).ok());
        let setting = |key: &str| settings.as_ref().and_then(|settings| settings.get(key)).cloned();
        if let Some(notifications) = &provisioning.notifications {
            compare("notifications.enabled", setting("Enabled"), Some(json!(notifications.enabled)));
            if let Some(email) = &notifications.email {
                compare("notifications.email", setting("Recipients"), Some(json!(email)));
            }
        }
        if let Some(guard) = &provisioning.accidental_deletions {
            compare("accidentalDeletions.enabled", setting("DeleteThresholdEnabled"), Some(json!(guard.enabled)));
            if let Some(threshold) = guard.threshold {
                compare("accidentalDeletions.threshold", setting("DeleteThresholdValue"), Some(json!(threshold)));
            }
        }
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
        let mut steps = Vec::new();
        if job.is_none() {
            let template_id = desired.non_gallery.then(|| "scim".to_owned());
            steps.push(Step::CreateJob { app: name.to_owned(), template_id });
        }
        let credentials_changed = token_changed || attributes.iter().any(|attribute| attribute.name == "baseUrl");
        if provisioning.test_connection && credentials_changed {
            steps.push(Step::TestConnection {
                app: name.to_owned(),
                base_url: provisioning.base_url.clone(),
                token: provisioning.token.clone(),
            });
        }
        steps.push(Step::SaveSecrets {
            app: name.to_owned(),
            secrets: secret_set(provisioning, secrets, settings.as_ref()),
        });
        if let TokenState::Changed { fingerprint } = &provisioning.token_state {
            steps.push(Step::SetTags {
                app: name.to_owned(),
                add: vec![format!("{}{fingerprint}", fingerprint::TAG_PREFIX)],
                remove_prefixes: vec![fingerprint::TAG_PREFIX.to_owned()],
            });
        }
        let scope_changed = attributes.iter().any(|attribute| attribute.name == "scope" && attribute.before.is_some());
        if scope_changed && job.is_some_and(|job| job.state == "Active") {
            steps.push(Step::RestartJob { app: name.to_owned(), reset_scope: SCOPE_RESTART.to_owned() });
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
        let depends = vec![app_address(name)];
        let role_id = |role: &Option<String>| -> Option<String> {
            let live = live?;
            match role {
                Some(role) => {
                    live.roles.iter().find(|candidate| &candidate.name == role).map(|candidate| candidate.id.clone())
                }
                None => Some(DEFAULT_ACCESS.to_owned()),
            }
        };
        let wanted: BTreeSet<&str> = entries.iter().map(|entry| entry.principal.id.as_str()).collect();
        let live_assignments = live.map(|live| live.assignments.as_slice()).unwrap_or_default();
        if exact {
            for assignment in
                live_assignments.iter().filter(|assignment| !wanted.contains(assignment.principal.id.as_str()))
            {
                let role = live
                    .and_then(|live| live.roles.iter().find(|role| role.id == assignment.role_id))
                    .map_or(assignment.role_id.clone(), |role| role.name.clone());
                let attributes = vec![attribute("role", Some(json!(role)), None)];
                let steps = vec![Step::Unassign { app: name.to_owned(), assignment_id: assignment.id.clone() }];
                self.push(
                    assignment_address(name, &assignment.principal),
                    Action::Delete,
                    "not listed and the policy is `exact`",
                    attributes,
                    depends.clone(),
                    steps,
                );
            }
        }
        for entry in entries {
            let existing: Vec<_> =
                live_assignments.iter().filter(|assignment| assignment.principal.id == entry.principal.id).collect();
            let wanted_role = role_id(&entry.role);
            if existing.iter().any(|assignment| Some(&assignment.role_id) == wanted_role.as_ref()) {
                continue;
            }
            let role_label = entry.role.clone().unwrap_or_else(|| "(default access)".to_owned());
            let assign = Step::Assign {
                app: name.to_owned(),
                principal_id: entry.principal.id.clone(),
                role: entry.role.clone(),
            };
            let address = assignment_address(name, &entry.principal);
            if !existing.is_empty() && exact {
                let before = existing
                    .iter()
                    .map(|assignment| {
                        live.and_then(|live| live.roles.iter().find(|role| role.id == assignment.role_id))
                            .map_or(assignment.role_id.clone(), |role| role.name.clone())
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
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
                    depends.clone(),
                    steps,
                );
            } else {
                let attributes = vec![attribute("role", None, Some(json!(role_label)))];
                self.push(
                    address,
                    Action::Create,
                    "listed in `assignments`",
                    attributes,
                    depends.clone(),
                    vec![assign],
                );
            }
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

    fn status(&mut self, name: &str, provisioning: &DesiredProvisioning, live: Option<&LiveApp>, job_existed: bool) {
        let address = format!("{}.provisioning.status", app_address(name));
        let job = live.and_then(|live| live.job.as_ref()).filter(|_| job_existed);
        let live_on = job.is_some_and(|job| job.state == "Active");
        let wanted_on = provisioning.status == Status::On;
        if let Some(job) = job
            && job.status_code.as_deref() == Some("Quarantine")
        {
            self.warn(
                &address,
                "quarantine",
                format!(
                    "the provisioning job is in quarantine ({}); check the saved token and the SCIM endpoint, then restart it",
                    job.quarantine_reason.as_deref().unwrap_or("reason unknown")
                ),
            );
        }
        if live_on == wanted_on {
            return;
        }
        let live_label = job.map_or("about to be created".to_owned(), |job| job.state.clone());
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

/// The app role id meaning "default access" (apps without roles).
pub const DEFAULT_ACCESS: &str = "00000000-0000-0000-0000-000000000000";

fn owner_address(name: &str, owner: &Principal) -> String {
    format!("{}.owner[\"{}\"]", app_address(name), owner.label)
}

fn assignment_address(name: &str, principal: &Principal) -> String {
    format!("{}.assignment[\"{}\"]", app_address(name), principal.key())
}

fn scope_name(scope: ScopeSetting) -> &'static str {
    match scope {
        ScopeSetting::Assigned => "assigned",
        ScopeSetting::All => "all",
    }
}

/// The full secret set to save: the spec's values for what it manages, the live values of
/// everything else that can be read back, and the token by reference.
fn secret_set(
    provisioning: &DesiredProvisioning,
    live: &BTreeMap<String, String>,
    live_settings: Option<&Value>,
) -> Vec<SecretSetting> {
    let plain = |key: &str, value: String| SecretSetting { key: key.to_owned(), value: SecretValue::Plain(value) };
    let mut set = vec![
        plain("BaseAddress", provisioning.base_url.clone()),
        SecretSetting { key: "SecretToken".to_owned(), value: SecretValue::Token(provisioning.token.clone()) },
    ];
    match provisioning.scope {
        Some(scope) => set.push(plain("SyncAll", (scope == ScopeSetting::All).to_string())),
        None => set.extend(live.get("SyncAll").map(|value| plain("SyncAll", value.clone()))),
    }
    match provisioning.skip_out_of_scope_deletions {
        Some(skip) => set.push(plain("SkipOutOfScopeDeletions", if skip { "True" } else { "False" }.to_owned())),
        None => {
            set.extend(live.get("SkipOutOfScopeDeletions").map(|value| plain("SkipOutOfScopeDeletions", value.clone())))
        }
    }
    let mut settings = live_settings.and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(notifications) = &provisioning.notifications {
        settings.insert("Enabled".to_owned(), json!(notifications.enabled));
        if let Some(email) = &notifications.email {
            settings.insert("Recipients".to_owned(), json!(email));
        }
    }
    if let Some(guard) = &provisioning.accidental_deletions {
        settings.insert("DeleteThresholdEnabled".to_owned(), json!(guard.enabled));
        if let Some(threshold) = guard.threshold {
            settings.insert("DeleteThresholdValue".to_owned(), json!(threshold));
        }
    }
    if !settings.is_empty() {
        set.push(plain("SyncNotificationSettings", Value::Object(settings).to_string()));
    }
    let handled = ["BaseAddress", "SecretToken", "SyncAll", "SkipOutOfScopeDeletions", "SyncNotificationSettings"];
    for (key, value) in live {
        // A masked value cannot be written back; it is not ours to keep or drop.
        if !handled.contains(&key.as_str()) && value != "*" {
            set.push(plain(key, value.clone()));
        }
    }
    set
}
