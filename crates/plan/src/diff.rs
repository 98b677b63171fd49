//! `plan(desired, live)`: the differences, as changes in execution order.
//!
//! Rules:
//! - Only what the spec states is compared: a section or field left out is not managed.
//! - Order: deletions of apps whose spec is gone first; then, app by app in name order,
//!   the app, its provisioning settings (for a new app: its job, Test Connection, its
//!   credentials, then its display name), its schema, its owners, its assignments
//!   (removals before additions), and last the one decision about its job
//!   ([`job_decision`]: start, pause, restart or repair), so that a new job starts only
//!   when its users are assigned (its first cycle would otherwise find nobody in scope)
//!   and a new app's credentials are tested before anything else is written to it.
//! - Secrets are always saved as a full set: managed keys from the spec, unmanaged keys as
//!   they are, the token by reference.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::markers::marker_tags;
use crate::model::{Action, Attribute, Change, PLAN_FORMAT, Plan, ResetPart, Step, UncheckedToken, Warning};
use crate::state::{
    DEFAULT_STACK, Desired, DesiredApp, DesiredAssignment, DesiredProvisioning, Live, LiveApp, LiveAssignment, LiveJob,
    MIN_TOKEN_CHARS, Principal, PrincipalKind, ProvisioningSettings, ProvisioningStatus, Quarantine, Scope, Stray,
    TokenState,
};
use crate::{fingerprint, schema};

/// What a restart resets after a scope change (Entra ID needs a restart to apply it).
/// A quarantine is lifted only by a repair ([`JobDecision::Repair`]), after Test Connection.
pub const SCOPE_RESTART: [ResetPart; 2] = [ResetPart::Watermark, ResetPart::Escrows];
const SENSITIVE: &str = "(sensitive)";

/// Choices that are the user's, not the planner's.
#[derive(Debug, Clone)]
pub struct Options {
    /// Delete managed apps of this stack whose spec is gone.
    pub prune: bool,
    /// The stack the specs belong to: the apps it creates are marked with it, and only its
    /// own apps are orphans (`--prune` never touches another stack's apps).
    pub stack: String,
    /// Parts to redo although nothing seems to differ (`--replace`).
    pub replace: Vec<Replacement>,
    /// Apps whose deletions held by the accidental-deletion guard are to be carried out
    /// (`--allow-deletes`).
    pub allow_deletes: Vec<String>,
    /// The apps to plan, by name (`--target`); empty: all. Other apps are neither planned
    /// nor orphans; an orphan is planned (with `--prune`) only when named here.
    pub only: Vec<String>,
    /// Codes of the warnings the project accepts for every app (its `ignoreWarnings`).
    pub acknowledge: Vec<String>,
    /// Retire the stack (`--destroy`): delete every managed app of it (those `only` names,
    /// when given), with its job and assignments, whatever the specs say.
    pub destroy: bool,
}

impl Options {
    /// No pruning, the default stack.
    pub fn standard() -> Options {
        Options {
            prune: false,
            stack: DEFAULT_STACK.to_owned(),
            replace: Vec::new(),
            allow_deletes: Vec::new(),
            only: Vec::new(),
            acknowledge: Vec::new(),
            destroy: false,
        }
    }

    /// Whether app `name` is planned.
    pub fn includes(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|only| only == name)
    }

    fn replaces(&self, app: &str, part: ReplacePart) -> bool {
        self.replace.iter().any(|replacement| replacement.app == app && replacement.part == part)
    }

    /// What is wrong with the `--replace` and `--allow-deletes` targets for these specs:
    /// each must name an app whose spec manages provisioning.
    pub fn check_targets(&self, desired: &Desired) -> Vec<String> {
        let known = |app: &str| desired.apps.get(app).is_some_and(|app| app.provisioning.is_some());
        let names = || {
            let names: Vec<&str> = desired
                .apps
                .iter()
                .filter(|(_, app)| app.provisioning.is_some())
                .map(|(name, _)| name.as_str())
                .collect();
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        };
        let mut problems = Vec::new();
        for replacement in self.replace.iter().filter(|replacement| !known(&replacement.app)) {
            problems.push(format!(
                "--replace {}: no spec given manages provisioning for app `{}` (apps with provisioning: {})",
                replacement.address(),
                replacement.app,
                names()
            ));
        }
        for app in self.allow_deletes.iter().filter(|app| !known(app)) {
            problems.push(format!(
                "--allow-deletes app.{app}: no spec given manages provisioning for app `{app}` (apps with provisioning: {})",
                names()
            ));
        }
        problems
    }
}

/// A part of an app that `--replace` redoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// App name.
    pub app: String,
    /// Which part.
    pub part: ReplacePart,
}

/// What `--replace` can redo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacePart {
    /// Save the settings and the token again (`app.NAME.provisioning.token`): for a token
    /// changed outside scimform, which its fingerprint cannot see.
    Token,
    /// Delete and recreate the provisioning job (`app.NAME.provisioning.job`).
    Job,
}

impl Replacement {
    /// Parses `app.NAME.provisioning.token` or `app.NAME.provisioning.job`.
    pub fn parse(address: &str) -> Result<Replacement, String> {
        let usage = || {
            format!(
                "`{address}` is not an address `--replace` takes; give `app.NAME.provisioning.token` (save the token again) or `app.NAME.provisioning.job` (recreate the job)"
            )
        };
        let rest = address.strip_prefix("app.").ok_or_else(usage)?;
        let (app, part) = rest.split_once(".provisioning.").ok_or_else(usage)?;
        let part = match part {
            "token" => ReplacePart::Token,
            "job" => ReplacePart::Job,
            _ => return Err(usage()),
        };
        if app.is_empty() || app.contains('.') {
            return Err(usage());
        }
        Ok(Replacement { app: app.to_owned(), part })
    }

    /// The address, as `--replace` takes it.
    pub fn address(&self) -> String {
        let part = match self.part {
            ReplacePart::Token => "token",
            ReplacePart::Job => "job",
        };
        format!("app.{}.provisioning.{part}", self.app)
    }
}

/// Parses an `--allow-deletes` target: `app.NAME` or `NAME`.
pub fn parse_app_address(address: &str) -> Result<String, String> {
    let name = address.strip_prefix("app.").unwrap_or(address);
    if name.is_empty() || name.contains('.') {
        return Err(format!("`{address}` is not an app address; give `app.NAME`"));
    }
    Ok(name.to_owned())
}

/// Plans the changes that take `live` to `desired`. Pure, total and deterministic.
pub fn plan(desired: &Desired, live: &Live, options: &Options) -> Plan {
    let mut planner = Planner { changes: Vec::new(), warnings: Vec::new(), options };
    for stray in live.strays.iter().filter(|stray| options.includes(&stray.name)) {
        planner.stray(stray);
    }
    for (name, app) in &live.apps {
        let specified = desired.apps.contains_key(name) && !options.destroy;
        if !specified && app.stack == options.stack && options.includes(name) {
            planner.orphan(name, app, options.prune || options.destroy);
        }
    }
    for (name, app) in desired.apps.iter().filter(|(name, _)| options.includes(name) && !options.destroy) {
        planner.app(name, app, live);
    }
    let mut warnings = planner.warnings;
    for warning in &mut warnings {
        let app = warning.address.strip_prefix("app.").and_then(|rest| rest.split(['.', '[']).next());
        let desired_app = app.and_then(|app| desired.apps.get(app));
        if warning.location.is_none() {
            warning.location = desired_app.and_then(|app| app.location.clone());
        }
        warning.acknowledged = options.acknowledge.contains(&warning.code)
            || desired_app.is_some_and(|app| app.ignore_warnings.contains(&warning.code));
    }
    let unchecked_tokens = desired
        .apps
        .iter()
        .filter_map(|(name, app)| {
            let provisioning = app.provisioning.as_ref().filter(|p| p.token_state == TokenState::Unchecked)?;
            let reason = provisioning.token_gap.clone().unwrap_or_else(|| "not read".to_owned());
            Some(UncheckedToken { app: name.clone(), reason })
        })
        .collect();
    Plan {
        format: PLAN_FORMAT,
        live_fingerprint: live_fingerprint(live),
        changes: planner.changes,
        warnings,
        unchecked_tokens,
        targets: options.only.clone(),
        destroy: options.destroy,
    }
}

/// A digest of everything refresh saw: a saved plan is stale when this changes.
pub fn live_fingerprint(live: &Live) -> String {
    use sha2::Digest;
    let canonical = serde_json::to_vec(live).expect("live state serializes");
    sha2::Sha256::digest(&canonical).iter().map(|byte| format!("{byte:02x}")).collect()
}

struct Planner<'o> {
    changes: Vec<Change>,
    warnings: Vec<Warning>,
    options: &'o Options,
}

fn app_address(name: &str) -> String {
    format!("app.{name}")
}

fn attribute(name: &str, before: Option<Value>, after: Option<Value>) -> Attribute {
    Attribute { name: name.to_owned(), before, after, sensitive: false }
}

impl Planner<'_> {
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

    fn warn_short_token(&mut self, address: &str, provisioning: &DesiredProvisioning) {
        if provisioning.short_token {
            self.warn(
                address,
                "short-token",
                format!(
                    "the SCIM token is shorter than {MIN_TOKEN_CHARS} characters: anyone who can read the tenant's service principals can guess it from its fingerprint; issue a long random token in the SCIM app"
                ),
            );
        }
    }

    fn warn(&mut self, address: &str, code: &str, message: String) {
        let warning = Warning {
            address: address.to_owned(),
            code: code.to_owned(),
            message,
            location: None,
            acknowledged: false,
        };
        self.warnings.push(warning);
    }

    /// An app with the pending marker: deleted only when it is this stack's and the
    /// pipeline's identity owns it (it made it: creators own what they make); another
    /// stack's is left alone (its own run removes it); anything else is reported.
    fn stray(&mut self, stray: &Stray) {
        let address = format!("{}.stray[\"{}\"]", app_address(&stray.name), stray.service_principal_id);
        match stray.stack.as_deref() {
            Some(stack) if stack != self.options.stack => return,
            Some(_) if stray.owned => {}
            _ => {
                let why = if stray.stack.is_none() {
                    "its name does not say which stack made it"
                } else {
                    "the pipeline's identity does not own it, so this run did not make it"
                };
                self.warn(
                    &address,
                    "pending-not-ours",
                    format!(
                        "service principal {} carries scimform's pending marker but {why}; it is left alone: rename or delete it by hand if nothing is creating it",
                        stray.service_principal_id
                    ),
                );
                return;
            }
        }
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
        // Everything that goes with the app, so that a reviewer sees what the deletion takes.
        let mut attributes = vec![attribute("displayName", Some(json!(app.display_name)), None)];
        if let Some(job) = &app.job {
            let running = if job.is_running() { "running" } else { "not running" };
            attributes.push(attribute("provisioningJob", Some(json!(format!("{} ({running})", job.id))), None));
        }
        if !app.assignments.is_empty() {
            let assigned: Vec<&str> =
                app.assignments.iter().map(|assignment| assignment.principal.label.as_str()).collect();
            attributes.push(attribute("assignments", Some(json!(assigned)), None));
        }
        if !app.owners.is_empty() {
            let owners: Vec<&str> = app.owners.iter().map(|owner| owner.label.as_str()).collect();
            attributes.push(attribute("owners", Some(json!(owners)), None));
        }
        let reason = if self.options.destroy {
            "its stack is being retired (--destroy)"
        } else {
            "its spec is gone and --prune was given"
        };
        self.push(address, Action::Delete, reason, attributes, Vec::new(), steps);
    }

    fn app(&mut self, name: &str, desired: &DesiredApp, all_live: &Live) {
        let stack = self.options.stack.clone();
        let address = app_address(name);
        let adoptee =
            desired.adopt.as_ref().filter(|_| !all_live.apps.contains_key(name)).and_then(|_| all_live.adoptee(name));
        let live = all_live.apps.get(name).or(adoptee);
        let replaced = live.is_some_and(|live| {
            live.template_id.as_deref().is_some_and(|template| !template.eq_ignore_ascii_case(&desired.template_id))
        });
        let live = if replaced { None } else { live };
        match (live, adoptee) {
            (None, _) => self.create_app(name, desired, all_live, replaced, &stack),
            (Some(live), Some(_)) => self.adopt(name, desired, live, &stack),
            (Some(live), None) => {
                if live.display_name != desired.display_name {
                    let attributes = vec![attribute(
                        "displayName",
                        Some(json!(live.display_name)),
                        Some(json!(desired.display_name)),
                    )];
                    let steps =
                        vec![Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() }];
                    self.push(address, Action::Update, "the display name differs", attributes, Vec::new(), steps);
                }
            }
        }
        let recreate = self.options.replaces(name, ReplacePart::Job);
        let kept_job = live.and_then(|live| live.job.as_ref()).filter(|_| !recreate);
        let mut restart = BTreeSet::new();
        if let Some(provisioning) = &desired.provisioning {
            let repairing = job_decision(provisioning, kept_job, &BTreeSet::new(), false).is_repair();
            restart.extend(self.provisioning(name, desired, provisioning, live, repairing));
            restart.extend(self.schema(name, provisioning, live.filter(|_| kept_job.is_some())));
        }
        if let Some(owners) = &desired.owners {
            self.owners(name, owners, live);
        }
        if let Some(assignments) = &desired.assignments {
            self.assignments(name, desired, &assignments.entries, assignments.exact, live);
        }
        if let Some(provisioning) = &desired.provisioning {
            let allow_deletes = self.options.allow_deletes.iter().any(|app| app == name);
            let decision = job_decision(provisioning, kept_job, &restart, allow_deletes);
            self.job(name, provisioning, live, kept_job, decision);
        }
    }

    fn create_app(&mut self, name: &str, desired: &DesiredApp, all_live: &Live, replaced: bool, stack: &str) {
        let address = app_address(name);
        for lookalike in all_live.lookalikes.iter().filter(|lookalike| lookalike.name == name) {
            self.warn(
                &address,
                "lookalike-app",
                format!(
                    "an unmanaged app named `{}` exists (service principal {}); scimform will not take it over and creates a new one; to adopt it instead, run `scimform import {}` and plan the spec it writes",
                    lookalike.display_name, lookalike.service_principal_id, lookalike.service_principal_id
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
        ]);
        let roles: BTreeSet<&String> = desired
            .assignments
            .iter()
            .flat_map(|assignments| &assignments.entries)
            .filter_map(|entry| entry.role.as_ref())
            .collect();
        if !roles.is_empty() {
            steps.push(Step::CheckRoles { app: name.to_owned(), roles: roles.into_iter().cloned().collect() });
        }
        steps.extend([
            Step::SetTags { app: name.to_owned(), add: marker_tags(name, stack), remove_prefixes: Vec::new() },
            Step::EnsureSingle { app: name.to_owned() },
        ]);
        // An app with provisioning keeps its pending name until its credentials have
        // passed Test Connection and are saved (the provisioning change renames it).
        if desired.provisioning.is_none() {
            steps.push(Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() });
        }
        let attributes = vec![
            attribute("displayName", None, Some(json!(desired.display_name))),
            attribute("templateId", None, Some(json!(desired.template_id))),
        ];
        let action = if replaced { Action::Replace } else { Action::Create };
        self.push(address, action, reason, attributes, Vec::new(), steps);
    }

    /// Takes over an existing app: marker tags (and the display name, when the spec gives
    /// another); what else differs is planned as for any managed app.
    fn adopt(&mut self, name: &str, desired: &DesiredApp, live: &LiveApp, stack: &str) {
        let mut attributes = vec![attribute("servicePrincipalId", None, Some(json!(live.service_principal_id)))];
        let mut steps = vec![Step::Adopt {
            app: name.to_owned(),
            service_principal_id: live.service_principal_id.clone(),
            add: marker_tags(name, stack),
        }];
        if live.display_name != desired.display_name {
            attributes.push(attribute(
                "displayName",
                Some(json!(live.display_name)),
                Some(json!(desired.display_name)),
            ));
            steps.push(Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() });
        }
        let reason = format!(
            "the spec adopts the existing app `{}` (`adopt.id`): scimform writes its marker tags and manages it from now on",
            live.display_name
        );
        self.push(app_address(name), Action::Adopt, reason, attributes, Vec::new(), steps);
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

    /// The `token` line when the token is saved (new, changed, or `--replace`), with the
    /// warnings about it; the reason it was not checked, when it was not.
    fn token_line(
        &mut self,
        address: &str,
        provisioning: &DesiredProvisioning,
        has_job: bool,
        token_changed: bool,
        attributes: &mut Vec<Attribute>,
    ) -> Option<String> {
        let unchecked = (provisioning.token_state == TokenState::Unchecked)
            .then(|| provisioning.token_gap.clone().unwrap_or_else(|| "not read".to_owned()));
        self.warn_short_token(address, provisioning);
        if let Some(reason) = &unchecked {
            self.warn(
                &format!("{address}.token"),
                "token-not-checked",
                format!("the SCIM token was not checked ({reason}): a token changed since the last apply does not show in this plan; apply reads it, and refuses to start without it"),
            );
        }
        if token_changed {
            let after = match (has_job, provisioning.token_state == TokenState::Changed, &unchecked) {
                (false, _, Some(reason)) => format!("(sensitive, to be set at apply: {reason})"),
                (false, _, None) => SENSITIVE.to_owned(),
                (true, true, _) => "(sensitive, changed)".to_owned(),
                (true, false, _) => "(sensitive, saved again)".to_owned(),
            };
            attributes.push(Attribute {
                name: "token".to_owned(),
                before: has_job.then(|| json!(SENSITIVE)),
                after: Some(json!(after)),
                sensitive: true,
            });
        }
        unchecked
    }

    fn provisioning(
        &mut self,
        name: &str,
        desired: &DesiredApp,
        provisioning: &DesiredProvisioning,
        live: Option<&LiveApp>,
        repairing: bool,
    ) -> BTreeSet<ResetPart> {
        let address = format!("{}.provisioning", app_address(name));
        let existing_job = live.and_then(|live| live.job.as_ref());
        let recreate = existing_job.is_some() && self.options.replaces(name, ReplacePart::Job);
        let job = existing_job.filter(|_| !recreate);
        let empty = ProvisioningSettings::default();
        let current = live.filter(|_| existing_job.is_some()).map_or(&empty, |live| &live.settings);
        let wanted = wanted_settings(provisioning, current);
        let shown_current = if recreate { &empty } else { current };
        let mut attributes = setting_differences(shown_current, &wanted);
        let fingerprint_changed = provisioning.token_state == TokenState::Changed;
        let resave = self.options.replaces(name, ReplacePart::Token);
        let token_changed = job.is_none() || fingerprint_changed || resave;
        let unchecked = self.token_line(&address, provisioning, job.is_some(), token_changed, &mut attributes);
        if attributes.is_empty() && job.is_some() {
            return BTreeSet::new();
        }
        let spec = &provisioning.spec;
        let mut steps = Vec::new();
        if recreate {
            steps.push(Step::DeleteJob { app: name.to_owned() });
        }
        if job.is_none() {
            let template_id = desired.non_gallery.then(|| "scim".to_owned());
            steps.push(Step::CreateJob { app: name.to_owned(), template_id });
        }
        let credentials_changed = token_changed
            || attributes.iter().any(|attribute| ["baseUrl", "scimCompliance"].contains(&attribute.name.as_str()));
        // A quarantined job is restarted after this change: the credentials it will run
        // with are tested first, whatever `testConnection` says.
        if (spec.test_connection && credentials_changed) || repairing {
            steps.push(test_connection(name, &wanted, provisioning));
        }
        steps.push(Step::SaveSettings {
            app: name.to_owned(),
            settings: wanted,
            token: spec.credentials.token.clone(),
        });
        // An unchecked token of a new job is recorded too: apply saves it whatever it is.
        if fingerprint_changed || (unchecked.is_some() && job.is_none()) {
            steps.push(Step::RecordToken { app: name.to_owned(), token: spec.credentials.token.clone() });
        }
        if live.is_none() {
            // A new app: its credentials are tested and saved; it takes its name now.
            steps.push(Step::SetDisplayName { app: name.to_owned(), display_name: desired.display_name.clone() });
        }
        let scope_changed = attributes.iter().any(|attribute| attribute.name == "scope" && attribute.before.is_some());
        let mut restart = BTreeSet::new();
        if scope_changed && job.is_some_and(|job| job.is_running()) {
            restart.extend(SCOPE_RESTART);
            self.warn(&address, "scope-restart", "the provisioning scope changes; the job is restarted so that Entra ID applies it (the next cycle is a full one)".to_owned());
        }
        let fingerprinted =
            live.is_some_and(|live| live.tags.iter().any(|tag| tag.starts_with(fingerprint::TAG_PREFIX)));
        let only_token = attributes.len() == 1;
        // Other settings change: the token is saved with them, unchecked; its line says so.
        if let Some(reason) = unchecked.as_ref().filter(|_| job.is_some() && !token_changed) {
            attributes.push(Attribute {
                name: "token".to_owned(),
                before: Some(json!(SENSITIVE)),
                after: Some(json!(format!("(not checked: {reason})"))),
                sensitive: true,
            });
        }
        let (action, reason) = if recreate {
            (Action::Replace, "--replace recreates the provisioning job (the new job starts with a full initial cycle)")
        } else if job.is_none() {
            (Action::Create, "the app has no provisioning job")
        } else if only_token && resave && !fingerprint_changed {
            (
                Action::Update,
                "--replace saves the token again (a token changed outside scimform is invisible to its fingerprint)",
            )
        } else if only_token && !fingerprinted {
            (
                Action::Update,
                "the app carries no token fingerprint (scimform did not save its token), and Graph never reads a token back: the spec's token is saved so that later plans can compare it",
            )
        } else {
            (Action::Update, "provisioning settings differ")
        };
        self.push(address, action, reason, attributes, vec![app_address(name)], steps);
        restart
    }

    /// The mappings and scoping filters a spec states (`live`: the app, when its job
    /// exists and is kept).
    fn schema(
        &mut self,
        name: &str,
        provisioning: &DesiredProvisioning,
        live: Option<&LiveApp>,
    ) -> BTreeSet<ResetPart> {
        let mut restart = BTreeSet::new();
        if !schema::is_managed(&provisioning.spec) {
            return restart;
        }
        let Some(diff) = schema::diff(&provisioning.spec, live) else { return restart };
        let address = format!("{}.provisioning.schema", app_address(name));
        let steps = vec![Step::SetSchema { app: name.to_owned(), parts: diff.parts }];
        let running = live.and_then(|live| live.job.as_ref()).is_some_and(|job| job.is_running());
        let reason = if live.is_some() {
            "the attribute mappings or scoping filters differ from the spec"
        } else {
            "the spec changes the template's default mappings or scoping filters"
        };
        if running && provisioning.spec.status == ProvisioningStatus::On {
            restart.extend(schema::SCHEMA_RESTART);
            self.warn(
                &address,
                "schema-restart",
                "the mappings or scoping filters change; the job is restarted and its next cycle is a full one, which updates every user and group in scope (users that fall out of scope are disabled unless skipOutOfScopeDeletions is set)".to_owned(),
            );
        }
        let action = if live.is_some() { Action::Update } else { Action::Create };
        let depends = vec![format!("{}.provisioning", app_address(name))];
        self.push(address, action, reason, diff.attributes, depends, steps);
        restart
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
        // Indexed by principal once, so that planning N assignments takes O(N log N).
        let mut by_principal: BTreeMap<&str, Vec<&LiveAssignment>> = BTreeMap::new();
        for assignment in live_assignments {
            by_principal.entry(assignment.principal.id.as_str()).or_default().push(assignment);
        }
        for entry in entries {
            let existing = by_principal.get(entry.principal.id.as_str()).map(Vec::as_slice).unwrap_or_default();
            self.assignment(name, entry, exact, live, existing);
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
                // At the group's entry in the spec, where a pull request's annotation shows it.
                if let Some(warning) = self.warnings.last_mut() {
                    warning.location.clone_from(&entry.location);
                }
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

    /// One listed principal; `existing`: its live assignments.
    fn assignment(
        &mut self,
        name: &str,
        entry: &DesiredAssignment,
        exact: bool,
        live: Option<&LiveApp>,
        existing: &[&LiveAssignment],
    ) {
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

    /// The app's job once its other changes are made, as [`job_decision`] decided it.
    fn job(
        &mut self,
        name: &str,
        provisioning: &DesiredProvisioning,
        live: Option<&LiveApp>,
        job: Option<&LiveJob>,
        decision: JobDecision,
    ) {
        let status_address = format!("{}.provisioning.status", app_address(name));
        let depends = vec![format!("{}.provisioning", app_address(name)), app_address(name)];
        let status = |on: bool| json!(if on { "on" } else { "off" });
        let live_label = job.map_or("about to be created", |job| job.schedule.describe());
        if let Some(quarantine) = job.and_then(|job| job.quarantine.as_ref()).filter(|q| q.is_deletion_hold())
            && !matches!(decision, JobDecision::ReleaseDeletions { .. })
            && provisioning.spec.status == ProvisioningStatus::On
        {
            self.warn(
                &status_address,
                "deletion-hold",
                format!(
                    "the accidental-deletion guard holds this job's deletions ({}); review them in the provisioning logs (action `StagedDelete`), then either restore or re-assign the objects and restart the job, or carry the deletions out with `scimform apply --allow-deletes app.{name}`",
                    quarantine.describe()
                ),
            );
        }
        match decision {
            JobDecision::Keep => {}
            JobDecision::Start => {
                let attributes = vec![attribute("status", job.map(|_| status(false)), Some(status(true)))];
                let reason = format!("Provision Status is to be on; the job is {live_label}");
                let action = if job.is_some() { Action::Update } else { Action::Create };
                let steps = vec![Step::StartJob { app: name.to_owned() }];
                self.push(status_address, action, reason, attributes, depends, steps);
            }
            JobDecision::Pause { quarantined } => {
                let attributes = vec![attribute("status", Some(status(true)), Some(status(false)))];
                if quarantined {
                    self.warn(
                        &status_address,
                        "quarantine",
                        "the job is quarantined and is paused as the spec asks; it stays quarantined, and is repaired (Test Connection, credentials saved again, restart) when the spec turns it on".to_owned(),
                    );
                }
                let steps = vec![Step::PauseJob { app: name.to_owned() }];
                self.push(status_address, Action::Update, "Provision Status is to be off", attributes, depends, steps);
            }
            JobDecision::Restart { reset } => {
                let address = format!("{}.provisioning.job", app_address(name));
                let words: Vec<&str> = reset.iter().map(|part| part.describe()).collect();
                let attributes = vec![attribute("restart", None, Some(json!(words.join(", "))))];
                let steps = vec![Step::RestartJob { app: name.to_owned(), reset }];
                let reason = "the scope, mappings or scoping filters change, which Entra ID applies on a restart";
                self.push(address, Action::Update, reason, attributes, depends, steps);
            }
            JobDecision::ReleaseDeletions { reset } => {
                let attributes = vec![attribute("job", Some(json!("quarantined")), Some(json!("running")))];
                let steps = vec![
                    Step::RestartJob { app: name.to_owned(), reset },
                    Step::ConfirmRecovered { app: name.to_owned() },
                ];
                let reason = "--allow-deletes carries out the deletions the accidental-deletion guard holds";
                self.push(status_address, Action::Repair, reason, attributes, depends, steps);
            }
            JobDecision::Repair { quarantine, start, reset } => {
                self.repair(name, provisioning, live, &quarantine, start, reset);
            }
        }
    }

    /// A quarantined job that the spec wants running: Test Connection with the spec's
    /// credentials and those credentials saved (unless the provisioning change before
    /// already does both), then a restart (or a start, for a paused job) that lifts the
    /// quarantine, then a read that confirms the job left it.
    fn repair(
        &mut self,
        name: &str,
        provisioning: &DesiredProvisioning,
        live: Option<&LiveApp>,
        quarantine: &Quarantine,
        start: bool,
        reset: Vec<ResetPart>,
    ) {
        let address = format!("{}.provisioning.status", app_address(name));
        let depends = vec![format!("{}.provisioning", app_address(name)), app_address(name)];
        let saved = self
            .changes
            .iter()
            .flat_map(|change| &change.steps)
            .any(|step| matches!(step, Step::SaveSettings { app, .. } if app == name));
        let mut attributes = vec![attribute("job", Some(json!("quarantined")), Some(json!("running")))];
        let mut steps = Vec::new();
        if !saved {
            let current = live.map(|live| live.settings.clone()).unwrap_or_default();
            let wanted = wanted_settings(provisioning, &current);
            steps.push(test_connection(name, &wanted, provisioning));
            steps.push(Step::SaveSettings {
                app: name.to_owned(),
                settings: wanted,
                token: provisioning.spec.credentials.token.clone(),
            });
            attributes.push(Attribute {
                name: "token".to_owned(),
                before: Some(json!(SENSITIVE)),
                after: Some(json!("(sensitive, saved again)")),
                sensitive: true,
            });
        }
        let (action, mut reason) = if start {
            attributes.push(attribute("status", Some(json!("off")), Some(json!("on"))));
            steps.push(Step::StartJob { app: name.to_owned() });
            (Action::Update, "Provision Status is to be on; the job is paused and quarantined".to_owned())
        } else {
            steps.push(Step::RestartJob { app: name.to_owned(), reset });
            (Action::Repair, "the provisioning service quarantined the job".to_owned())
        };
        steps.push(Step::ConfirmRecovered { app: name.to_owned() });
        reason.push_str(&format!(
            " ({}); Test Connection runs with the spec's credentials, they are saved again (a token changed outside scimform is invisible to its fingerprint), the job is {} and apply confirms it left quarantine",
            quarantine.describe(),
            if start { "started" } else { "restarted" }
        ));
        self.push(address, action, reason, attributes, depends, steps);
    }
}

/// What happens to an app's job after its other changes: the one decision about starts,
/// pauses and restarts, made from the spec, the job as it is and the restarts the app's
/// other changes need (`restart`: a scope or schema change of a running job).
#[derive(Debug, Clone, PartialEq, Eq)]
enum JobDecision {
    /// Nothing.
    Keep,
    /// Start a new or paused job.
    Start,
    /// Pause a running job (`quarantined`: it stays so).
    Pause { quarantined: bool },
    /// Restart a running job that is not quarantined, with these resets.
    Restart { reset: Vec<ResetPart> },
    /// Carry out the deletions the accidental-deletion guard holds (`--allow-deletes`).
    ReleaseDeletions { reset: Vec<ResetPart> },
    /// Lift a quarantine: Test Connection, credentials saved, restart (or start, when
    /// paused) with these resets, confirmation.
    Repair { quarantine: Quarantine, start: bool, reset: Vec<ResetPart> },
}

impl JobDecision {
    fn is_repair(&self) -> bool {
        matches!(self, JobDecision::Repair { .. })
    }
}

/// Decides what happens to the job (`job`: the live job, when it is kept). Every plan
/// that lifts a quarantine goes through [`JobDecision::Repair`] (or, for a deletion hold,
/// through [`JobDecision::ReleaseDeletions`] when `--allow-deletes` names the app).
fn job_decision(
    provisioning: &DesiredProvisioning,
    job: Option<&LiveJob>,
    restart: &BTreeSet<ResetPart>,
    allow_deletes: bool,
) -> JobDecision {
    let wanted_on = provisioning.spec.status == ProvisioningStatus::On;
    let Some(job) = job else {
        return if wanted_on { JobDecision::Start } else { JobDecision::Keep };
    };
    let running = job.is_running();
    let quarantine = job.is_quarantined().then(|| job.quarantine.clone().unwrap_or_default());
    if !wanted_on {
        return if running { JobDecision::Pause { quarantined: quarantine.is_some() } } else { JobDecision::Keep };
    }
    let restart_with = |extra: Option<ResetPart>| restart.iter().copied().chain(extra).collect::<BTreeSet<_>>();
    match quarantine {
        Some(quarantine) if quarantine.is_deletion_hold() => {
            if allow_deletes {
                JobDecision::ReleaseDeletions {
                    reset: restart_with(Some(ResetPart::ForceDeletes)).into_iter().collect(),
                }
            } else if running && !restart.is_empty() {
                // Restarted for the other changes, the hold kept: no reset lifts it.
                JobDecision::Restart { reset: restart_with(None).into_iter().collect() }
            } else {
                JobDecision::Keep
            }
        }
        Some(quarantine) => JobDecision::Repair {
            quarantine,
            start: !running,
            reset: restart_with(Some(ResetPart::QuarantineState)).into_iter().collect(),
        },
        None if !running => JobDecision::Start,
        None if !restart.is_empty() => JobDecision::Restart { reset: restart_with(None).into_iter().collect() },
        None => JobDecision::Keep,
    }
}

/// Test Connection with the credentials `wanted` saves: the spec's base URL and token, and
/// the compliance flag the saved Tenant URL will carry.
fn test_connection(name: &str, wanted: &ProvisioningSettings, provisioning: &DesiredProvisioning) -> Step {
    Step::TestConnection {
        app: name.to_owned(),
        base_url: provisioning.spec.credentials.base_url.clone(),
        scim_compliance: wanted.scim_compliance == Some(true),
        token: provisioning.spec.credentials.token.clone(),
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
    if let Some(compliance) = spec.credentials.scim_compliance {
        wanted.scim_compliance = Some(compliance);
    }
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
    let fields: [(&str, Field); 8] = [
        ("baseUrl", |settings| settings.base_url.as_ref().map(|url| json!(url.as_str()))),
        ("scimCompliance", |settings| settings.scim_compliance.map(Value::Bool)),
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
