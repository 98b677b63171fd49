//! `import`'s output: the list of enterprise applications (a table, JSON with its schema
//! in `schemas/inventory.schema.json`, Markdown, GitHub notices), and the spec written for
//! an app: YAML that reproduces everything about it a spec can state, with `adopt`.

use schemars::JsonSchema;
use scimform_apply::inventory::Inventoried;
use scimform_mapping::reference;
use scimform_plan::state::{AttributeMapping, DEFAULT_ACCESS, Flow, LiveApp, Object, PrincipalKind, Scope};
use scimform_spec::model::NON_GALLERY_TEMPLATE_ID;
use serde::Serialize;

use super::{BOLD, GOOD};
use crate::cli::Format;

/// Version of the JSON view. Bumped only on incompatible changes.
pub(crate) const JSON_VERSION: u32 = 1;

/// `scimform import --list --format json`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "scimform inventory")]
pub(crate) struct InventoryView {
    /// Version of this format.
    pub(crate) format_version: u32,
    /// The tenant's enterprise applications, by display name.
    pub(crate) apps: Vec<InventoryApp>,
}

/// One enterprise application.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryApp {
    /// Display name.
    pub(crate) display_name: String,
    /// Service principal object id (what `import` and `adopt.id` take).
    pub(crate) service_principal_id: String,
    /// Application (client) id.
    pub(crate) app_id: String,
    /// The application template it was made from, when known.
    pub(crate) template_id: Option<String>,
    /// Its provisioning job, when it has one.
    pub(crate) job: Option<InventoryJob>,
    /// Whether scimform manages it.
    pub(crate) managed: bool,
    /// Its app name, when managed.
    pub(crate) name: Option<String>,
    /// Its stack, when managed.
    pub(crate) stack: Option<String>,
}

/// A provisioning job, briefly.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InventoryJob {
    /// Provision Status: `on` (running), `paused`, or `off` (never started or disabled).
    pub(crate) schedule: String,
    /// The service's status code (`NotConfigured`, `NotRun`, `Active`, `Paused`,
    /// `Quarantine`, `Unknown`).
    pub(crate) status: String,
}

/// The JSON Schema of [`InventoryView`], as committed in `schemas/inventory.schema.json`.
pub(crate) fn json_schema_text() -> String {
    super::schema_text::<InventoryView>("inventory.schema.json")
}

fn view(apps: &[Inventoried]) -> InventoryView {
    InventoryView {
        format_version: JSON_VERSION,
        apps: apps
            .iter()
            .map(|app| InventoryApp {
                display_name: app.service_principal.display_name.clone().unwrap_or_default(),
                service_principal_id: app.service_principal.id.clone(),
                app_id: app.service_principal.app_id.clone(),
                template_id: app.service_principal.application_template_id.clone(),
                job: app.job.as_ref().map(|job| InventoryJob {
                    schedule: super::status::schedule_word(job.schedule).to_owned(),
                    status: super::status::status_code(job.status).to_owned(),
                }),
                managed: app.managed.is_some(),
                name: app.managed.as_ref().map(|(name, _)| name.clone()),
                stack: app.managed.as_ref().map(|(_, stack)| stack.clone()),
            })
            .collect(),
    }
}

fn template_word(template: Option<&str>) -> String {
    match template {
        Some(id) if id.eq_ignore_ascii_case(NON_GALLERY_TEMPLATE_ID) => "non-gallery".to_owned(),
        Some(id) => id.to_owned(),
        None => "(none)".to_owned(),
    }
}

fn job_word(job: Option<&InventoryJob>) -> String {
    match job {
        None => "none".to_owned(),
        Some(job) => format!("{} ({})", job.status, job.schedule),
    }
}

fn managed_word(app: &InventoryApp) -> String {
    match (&app.name, &app.stack) {
        (Some(name), Some(stack)) => format!("app.{name} (stack {stack})"),
        _ => "no".to_owned(),
    }
}

pub(crate) fn list(format: Format, apps: &[Inventoried]) -> String {
    let view = view(apps);
    match format {
        Format::Json => serde_json::to_string_pretty(&view).expect("inventories serialize") + "\n",
        Format::Human => human(&view),
        Format::Markdown => markdown(&view),
        Format::Github => github(&view),
    }
}

fn human(view: &InventoryView) -> String {
    if view.apps.is_empty() {
        return "The tenant has no enterprise applications.\n".to_owned();
    }
    let width = view.apps.iter().map(|app| app.display_name.chars().count()).max().unwrap_or(0).max(12);
    let mut out = format!(
        "{BOLD}{:<width$}  {:<36}  {:<11}  {:<26}  managed{BOLD:#}\n",
        "display name", "service principal id", "template", "provisioning job"
    );
    for app in &view.apps {
        out.push_str(&format!(
            "{:<width$}  {:<36}  {:<11}  {:<26}  {}\n",
            app.display_name,
            app.service_principal_id,
            template_word(app.template_id.as_deref()),
            job_word(app.job.as_ref()),
            managed_word(app)
        ));
    }
    let unmanaged = view.apps.iter().filter(|app| !app.managed).count();
    if unmanaged > 0 {
        out.push_str(&format!(
            "\n{GOOD}{unmanaged} unmanaged{GOOD:#}: `scimform import ID --out DIR` writes a spec that adopts one, `scimform import --all-unmanaged --out DIR` one per app.\n"
        ));
    }
    out
}

fn markdown(view: &InventoryView) -> String {
    let mut out = String::from(
        "| display name | service principal id | template | provisioning job | managed |\n| --- | --- | --- | --- | --- |\n",
    );
    for app in &view.apps {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            app.display_name.replace('|', "\\|"),
            app.service_principal_id,
            template_word(app.template_id.as_deref()),
            job_word(app.job.as_ref()),
            managed_word(app)
        ));
    }
    out
}

fn github(view: &InventoryView) -> String {
    let mut out = String::new();
    for app in view.apps.iter().filter(|app| !app.managed) {
        out.push_str(&format!(
            "::notice title=scimform import::{} ({}) is not managed by scimform; `scimform import {}` writes a spec that adopts it\n",
            super::escape_data(&app.display_name),
            app.service_principal_id,
            app.service_principal_id
        ));
    }
    out
}

/// A YAML scalar: plain when that reads back as the same string, else double-quoted.
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "@._/+-: ".contains(c))
        && !text.contains(": ")
        && !text.ends_with([':', ' '])
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && text.parse::<f64>().is_err();
    if plain { text.to_owned() } else { serde_json::to_string(text).expect("strings serialize") }
}

/// The spec that reproduces `app` as `name`, adopting it. `token_variable` names the
/// environment variable the token is to come from. Returns the text and notes for the
/// user about what the spec cannot state.
pub(crate) fn spec_text(app: &LiveApp, name: &str, token_variable: &str, schema: &str) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let mut out = format!("# yaml-language-server: $schema={schema}\n");
    out.push_str(&format!(
        "# Imported by `scimform import` from the enterprise application {} (service principal {}).\n",
        scalar(&app.display_name),
        app.service_principal_id
    ));
    out.push_str("apiVersion: scimform/v1\nkind: ProvisioningApp\n");
    out.push_str(&format!("name: {name}\ndisplayName: {}\n", scalar(&app.display_name)));
    match app.template_id.as_deref() {
        Some(id) if !id.eq_ignore_ascii_case(NON_GALLERY_TEMPLATE_ID) => {
            out.push_str(&format!("template: {{ id: {} }}\n", id.to_lowercase()));
        }
        _ => out.push_str("template: non-gallery\n"),
    }
    out.push_str("# Take the existing app over instead of creating one; harmless once adopted.\n");
    out.push_str(&format!("adopt: {{ id: {} }}\n", app.service_principal_id));
    if !app.owners.is_empty() {
        let owners: Vec<String> = app.owners.iter().map(|owner| scalar(&owner.label)).collect();
        out.push_str(&format!("owners: [{}]\n", owners.join(", ")));
    }
    provisioning(app, token_variable, &mut out, &mut notes);
    assignments(app, &mut out, &mut notes);
    (out, notes)
}

fn provisioning(app: &LiveApp, token_variable: &str, out: &mut String, notes: &mut Vec<String>) {
    let Some(job) = &app.job else { return };
    let settings = &app.settings;
    let Some(base_url) = &settings.base_url else {
        notes.push("its provisioning job has no SCIM base URL saved, so the spec leaves provisioning out".to_owned());
        return;
    };
    let status = if job.is_running() { "on" } else { "off" };
    out.push_str(&format!("provisioning:\n  status: {status}\n  credentials:\n"));
    out.push_str(&format!("    baseUrl: {}\n", scalar(base_url.as_str())));
    out.push_str(
        "    # Graph never reads a saved token back, so it cannot be imported: put the token in\n    # this variable; the first apply saves it (and its fingerprint).\n",
    );
    out.push_str(&format!("    token: {{ fromEnv: {token_variable} }}\n"));
    if let Some(scope) = settings.scope {
        out.push_str(&format!("  scope: {}\n", if scope == Scope::All { "all" } else { "assigned" }));
    }
    if let Some(skip) = settings.skip_out_of_scope_deletions {
        out.push_str(&format!("  skipOutOfScopeDeletions: {skip}\n"));
    }
    if let Some(enabled) = settings.notifications_enabled {
        let email = settings.notification_email.as_deref().map(|email| format!(", email: {}", scalar(email)));
        out.push_str(&format!("  notifications: {{ enabled: {enabled}{} }}\n", email.unwrap_or_default()));
    }
    if let Some(enabled) = settings.deletion_guard_enabled {
        let threshold = settings.deletion_threshold.map(|threshold| format!(", threshold: {threshold}"));
        out.push_str(&format!("  accidentalDeletions: {{ enabled: {enabled}{} }}\n", threshold.unwrap_or_default()));
    }
    if let Some(schema) = &app.schema {
        mappings(schema, out);
        scoping(schema, out);
    }
}

/// `mappings`, for each object whose mappings differ from the template's defaults: the
/// mappings that differ or are added, the defaults that are gone, and `enabled: false`.
fn mappings(schema: &scimform_plan::state::LiveSchema, out: &mut String) {
    let mut text = String::new();
    for object in Object::ALL {
        let Some(live) = schema.of(object) else { continue };
        let defaults = &reference::object(object).defaults;
        if live.attributes == defaults.attributes && live.enabled == defaults.enabled {
            continue;
        }
        text.push_str(&format!("    {}:\n", object.name()));
        if !live.enabled {
            text.push_str("      enabled: false\n");
        }
        let changed: Vec<&AttributeMapping> =
            live.attributes.iter().filter(|mapping| !defaults.attributes.contains(mapping)).collect();
        if !changed.is_empty() {
            text.push_str("      attributes:\n");
        }
        for mapping in changed {
            let source = quoted(mapping.source.as_str());
            let mut options = Vec::new();
            if mapping.flow == Flow::OnCreate {
                options.push("flow: onCreate".to_owned());
            }
            if let Some(default) = &mapping.default {
                options.push(format!("default: {}", quoted(default)));
            }
            if let Some(precedence) = mapping.matching {
                options.push(format!("matching: {precedence}"));
            }
            let value =
                if options.is_empty() { source } else { format!("{{ source: {source}, {} }}", options.join(", ")) };
            text.push_str(&format!("        {}: {value}\n", scalar(&mapping.target)));
        }
        let removed: Vec<String> = defaults
            .attributes
            .iter()
            .filter(|default| !live.attributes.iter().any(|mapping| mapping.target == default.target))
            .map(|default| quoted(&default.target))
            .collect();
        if !removed.is_empty() {
            text.push_str(&format!("      remove: [{}]\n", removed.join(", ")));
        }
    }
    if !text.is_empty() {
        out.push_str("  # The attribute mappings that differ from the template's defaults.\n  mappings:\n");
        out.push_str(&text);
    }
}

/// `scoping`, for each object that has a scoping filter.
fn scoping(schema: &scimform_plan::state::LiveSchema, out: &mut String) {
    let mut text = String::new();
    for object in Object::ALL {
        let Some(live) = schema.of(object).filter(|live| !live.scope.is_empty()) else { continue };
        text.push_str(&format!("    {}:\n", object.name()));
        for group in &live.scope {
            text.push_str("      - clauses:\n");
            for clause in &group.clauses {
                let value = clause.value.as_deref().map(|value| format!(", value: {}", quoted(value)));
                text.push_str(&format!(
                    "          - {{ attribute: {}, operator: {}{} }}\n",
                    scalar(&clause.attribute),
                    quoted(clause.operator.name()),
                    value.unwrap_or_default()
                ));
            }
        }
    }
    if !text.is_empty() {
        out.push_str("  scoping:\n");
        out.push_str(&text);
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

/// Assignments, policy exact, each with its role unless it is the default the spec
/// language would pick (`User` where the app has it).
fn assignments(app: &LiveApp, out: &mut String, notes: &mut Vec<String>) {
    let default_role = if app.roles.contains("User") {
        Some("User")
    } else if app.roles.is_empty() {
        None
    } else {
        Some("msiam_access")
    };
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut assignments: Vec<_> = app.assignments.iter().collect();
    assignments.sort_by(|left, right| left.principal.label.cmp(&right.principal.label));
    for assignment in assignments {
        let role =
            if assignment.role_id == DEFAULT_ACCESS { None } else { Some(app.roles.name_of(&assignment.role_id)) };
        if role.is_none() && default_role.is_some() {
            notes.push(format!(
                "`{}` has default access, which a spec cannot state for an app with roles; the spec gives it the default role",
                assignment.principal.label
            ));
        }
        let (list, key) = match assignment.principal.kind {
            PrincipalKind::User => (&mut users, "upn"),
            PrincipalKind::Group => (&mut groups, "name"),
        };
        let label = scalar(&assignment.principal.label);
        match role.filter(|role| Some(role.as_str()) != default_role) {
            Some(role) => list.push(format!("{{ {key}: {label}, role: {} }}", scalar(&role))),
            None => list.push(label),
        }
    }
    out.push_str("assignments:\n  policy: exact\n");
    for (key, items) in [("users", users), ("groups", groups)] {
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("  {key}:\n"));
        for item in items {
            out.push_str(&format!("    - {item}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use scimform_plan::state::{Clause, FilterGroup, LiveJob, LiveSchema, Operator, ProvisioningSettings};

    use super::*;

    /// A live app whose schema differs from the defaults imports as a spec whose mappings
    /// and scoping give exactly that schema back.
    #[test]
    fn changed_mappings_and_scoping_import_and_round_trip() {
        let mut users = reference::object(Object::Users).defaults.clone();
        users.attributes.retain(|mapping| mapping.target != "title");
        let display = users.attributes.iter_mut().find(|mapping| mapping.target == "displayName").unwrap();
        display.source = scimform_mapping::Source::parse("Join(\" \", [givenName], [surname])");
        display.flow = Flow::OnCreate;
        users.scope = vec![FilterGroup {
            clauses: vec![Clause {
                attribute: "department".to_owned(),
                operator: Operator::NotEquals,
                value: Some("Sales \"East\"".to_owned()),
            }],
        }];
        let mut groups = reference::object(Object::Groups).defaults.clone();
        groups.enabled = false;
        let app = LiveApp {
            service_principal_id: "11111111-2222-4333-8444-555555555555".to_owned(),
            app_id: "app".to_owned(),
            display_name: "Custom".to_owned(),
            template_id: None,
            tags: Vec::new(),
            stack: "default".to_owned(),
            roles: Default::default(),
            owners: Vec::new(),
            job: Some(LiveJob {
                id: "scim.1".to_owned(),
                template_id: Some("scim".to_owned()),
                schedule: scimform_plan::state::JobSchedule::Paused,
                status: scimform_plan::state::JobStatus::Paused,
                quarantine: None,
            }),
            settings: ProvisioningSettings {
                base_url: Some(scimform_plan::state::BaseUrl::parse("https://custom.example.com/scim").unwrap()),
                ..Default::default()
            },
            assignments: Vec::new(),
            schema: Some(LiveSchema { users: Some(users.clone()), groups: Some(groups) }),
        };
        let (text, _) = spec_text(&app, "custom", "CUSTOM_SCIM_TOKEN", "schema.json");
        assert!(
            text.contains("displayName: { source: \"Join(\\\" \\\", [givenName], [surname])\", flow: onCreate }"),
            "{text}"
        );
        assert!(text.contains("remove: [\"title\"]"), "{text}");
        let loaded =
            scimform_spec::load(&[scimform_spec::Source { name: "custom.yaml".to_owned(), text: text.clone() }]);
        let spec = loaded.spec.unwrap_or_else(|| panic!("{text}\n{:#?}", loaded.diagnostics));
        let provisioning = spec.apps[0].provisioning.as_ref().unwrap();
        let mappings = provisioning.mappings.as_ref().unwrap();
        assert_eq!(mappings.users.as_ref().unwrap().attributes(Object::Users), users.attributes);
        assert!(!mappings.groups.as_ref().unwrap().enabled);
        assert_eq!(provisioning.scoping.as_ref().unwrap().users.as_ref().unwrap(), &users.scope);
    }
}
