//! From specs to [`Desired`]: names to ids, with every problem reported at once.
//!
//! The lookups themselves (Graph reads) happen before, in one batched pass; their results
//! arrive here as a [`Directory`]. What is left is pure: matching, the default role, and
//! errors for principals that do not resolve, group names that are ambiguous, and roles
//! the app does not have.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::state::{
    Desired, DesiredApp, DesiredAssignment, DesiredAssignments, DesiredProvisioning, Live, LiveApp, Principal,
    PrincipalKind, SpecLocation, TokenCheck, TokenState,
};
use scimform_spec::model::{self, PrincipalRef, Spec, fold_name};

/// What the directory lookups found. Names are keyed as Entra ID compares them
/// ([`fold_name`]); fill and query it through its methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Directory {
    /// Users by folded UPN: (id, UPN as stored).
    #[serde(default)]
    pub users_by_upn: BTreeMap<String, (String, String)>,
    /// Users by id: UPN.
    #[serde(default)]
    pub users_by_id: BTreeMap<String, String>,
    /// Groups by folded display name: every (id, name) with that name.
    #[serde(default)]
    pub groups_by_name: BTreeMap<String, Vec<(String, String)>>,
    /// Groups by id: display name.
    #[serde(default)]
    pub groups_by_id: BTreeMap<String, String>,
    /// Groups (by id) that contain groups: the nested groups' names.
    #[serde(default)]
    pub nested_groups: BTreeMap<String, Vec<String>>,
}

impl Directory {
    /// Records a user.
    pub fn add_user(&mut self, id: &str, upn: &str) {
        self.users_by_upn.insert(fold_name(upn), (id.to_owned(), upn.to_owned()));
        self.users_by_id.insert(id.to_owned(), upn.to_owned());
    }

    /// Records a group (once, however often it is found).
    pub fn add_group(&mut self, id: &str, name: &str) {
        let entry = self.groups_by_name.entry(fold_name(name)).or_default();
        if !entry.iter().any(|(known, _)| known == id) {
            entry.push((id.to_owned(), name.to_owned()));
        }
        self.groups_by_id.insert(id.to_owned(), name.to_owned());
    }

    /// Adds what `other` found (users and groups; its nested groups are not merged).
    pub fn merge(&mut self, other: Directory) {
        for (id, upn) in other.users_by_id {
            self.add_user(&id, &upn);
        }
        for (id, name) in other.groups_by_id {
            self.add_group(&id, &name);
        }
    }

    /// The user with this UPN: (id, UPN as stored).
    pub fn user_by_upn(&self, upn: &str) -> Option<&(String, String)> {
        self.users_by_upn.get(&fold_name(upn))
    }

    /// Every group with this display name: (id, name as stored).
    pub fn groups_named(&self, name: &str) -> &[(String, String)] {
        self.groups_by_name.get(&fold_name(name)).map_or(&[], Vec::as_slice)
    }
}

/// A name that did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// Where the spec names it.
    pub origin: model::Origin,
    /// What is wrong and what to do.
    pub message: String,
}

/// Resolves every app of `spec` for `stack`. `tokens` has, per app name with provisioning,
/// whether its token matches the live fingerprint (computed by the caller, who can read
/// tokens). An app that another stack manages is an error: a stack never takes over
/// another's app.
pub fn resolve(
    spec: &Spec,
    directory: &Directory,
    live: &Live,
    tokens: &BTreeMap<String, TokenCheck>,
    stack: &str,
) -> Result<Desired, Vec<ResolveError>> {
    let mut errors = Vec::new();
    let mut apps = BTreeMap::new();
    for app in &spec.apps {
        if let Some(conflict) = live.name_conflicts.iter().find(|conflict| conflict.name == app.name) {
            errors.push(ResolveError {
                origin: app.origin.clone(),
                message: format!(
                    "{} managed apps claim the name `{}` (service principals {}): two applies ran at once and one stopped before settling it; delete all but one of them (for example with `az ad sp delete --id <id>`), then plan again; serialise the pipelines that share this tenant to prevent it",
                    conflict.service_principal_ids.len(),
                    app.name,
                    conflict.service_principal_ids.join(", ")
                ),
            });
            continue;
        }
        if let Some(other) = live.apps.get(&app.name).filter(|live| live.stack != stack) {
            errors.push(ResolveError {
                origin: app.origin.clone(),
                message: format!(
                    "app `{}` is managed by stack `{}` (service principal {}), not by this stack `{stack}`; a stack never takes over another's app: give this app another name, or manage it from stack `{}`",
                    app.name, other.stack, other.service_principal_id, other.stack
                ),
            });
            continue;
        }
        if let Some(adopt) = &app.adopt
            && let Some(message) = adoption_problem(&app.name, &adopt.id, app.template.id(), live, stack)
        {
            errors.push(ResolveError { origin: adopt.origin.clone(), message });
            continue;
        }
        let mut resolver = Resolver { directory, errors: &mut errors };
        let owners = app
            .owners
            .as_ref()
            .map(|owners| owners.iter().filter_map(|owner| resolver.principal(owner)).collect::<Vec<_>>());
        let live_app = live.app_for(&app.name);
        let assignments = app.assignments.as_ref().map(|assignments| resolver.assignments(app, assignments, live_app));
        let nested_groups = assignments
            .iter()
            .flat_map(|assignments| &assignments.entries)
            .filter(|entry| entry.principal.kind == PrincipalKind::Group)
            .filter_map(|entry| {
                directory
                    .nested_groups
                    .get(&entry.principal.id)
                    .map(|nested| (entry.principal.id.clone(), nested.clone()))
            })
            .collect();
        let provisioning = app.provisioning.as_ref().map(|provisioning| DesiredProvisioning {
            spec: provisioning.clone(),
            // No entry means the caller could not compare: treat the token as changed, so it is saved.
            token_state: tokens.get(&app.name).map_or(TokenState::Changed, |check| check.state),
            short_token: tokens.get(&app.name).is_some_and(|check| check.short),
            token_gap: None,
        });
        apps.insert(
            app.name.clone(),
            DesiredApp {
                display_name: app.display_name.clone(),
                template_id: app.template.id().to_owned(),
                non_gallery: app.template == model::Template::NonGallery,
                owners,
                provisioning,
                assignments,
                nested_groups,
                adopt: app.adopt.as_ref().map(|adopt| adopt.id.clone()),
                location: Some(SpecLocation::of(&app.origin)),
                ignore_warnings: app.ignore_warnings.iter().map(|code| code.as_str().to_owned()).collect(),
            },
        );
    }
    if errors.is_empty() { Ok(Desired { apps }) } else { Err(errors) }
}

/// Why a spec cannot adopt the app `id` names, if it cannot: there is no such app, another
/// stack or another name manages it, or it was made from another template (a template
/// cannot change in place, so planning would replace the adopted app).
fn adoption_problem(name: &str, id: &str, template_id: &str, live: &Live, stack: &str) -> Option<String> {
    if let Some(managed) = live.apps.get(name) {
        return (managed.service_principal_id != id).then(|| format!(
            "app `{name}` is already managed (service principal {}), but `adopt.id` names {id}; remove `adopt` from the spec (it is only needed until the first apply)",
            managed.service_principal_id
        ));
    }
    let Some(found) = live.adoptions.get(name).and_then(|adoption| adoption.found.as_ref()) else {
        return Some(format!(
            "no enterprise app has the service principal id {id} in this tenant; `scimform import --list` shows the apps that can be adopted"
        ));
    };
    if let Some((other_name, other_stack)) = found.managed_as() {
        return Some(if other_stack == stack {
            format!(
                "`{}` ({id}) is already managed by this stack as app `{other_name}`; rename this spec's `name` to `{other_name}` and remove `adopt`",
                found.display_name
            )
        } else {
            format!(
                "`{}` ({id}) is managed by stack `{other_stack}` as app `{other_name}`; a stack never takes over another's app: manage it from stack `{other_stack}`, or remove its scimform tags there first",
                found.display_name
            )
        });
    }
    if let Some(template) = found.template_id.as_deref().filter(|template| !template.eq_ignore_ascii_case(template_id))
    {
        let write = if template.eq_ignore_ascii_case(model::NON_GALLERY_TEMPLATE_ID) {
            "`template: non-gallery`".to_owned()
        } else {
            format!("`template: {{ id: {template} }}`")
        };
        return Some(format!(
            "`{}` ({id}) was made from template {template}, not {template_id}; a template cannot change in place, so write {write} to adopt it as it is",
            found.display_name
        ));
    }
    None
}

/// The roles an instance of the non-gallery template gets (`reference/graph/README.md`,
/// "Assignments"). Apply checks a new app's real roles again before assigning.
pub const NON_GALLERY_ROLES: [&str; 2] = ["User", "msiam_access"];

/// The role for principals listed without one: the spec's `defaultRole`; else `User` when
/// the app has it (every non-gallery app does); else default access for an app without
/// roles; else `msiam_access`, the role every gallery app has.
fn default_role(spec_default: Option<&str>, live: Option<&LiveApp>) -> Option<String> {
    if let Some(role) = spec_default {
        return Some(role.to_owned());
    }
    let Some(live) = live else { return Some("User".to_owned()) };
    if live.roles.contains("User") {
        Some("User".to_owned())
    } else if live.roles.is_empty() {
        None
    } else {
        Some("msiam_access".to_owned())
    }
}

fn quoted(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
    }
}

struct Resolver<'a> {
    directory: &'a Directory,
    errors: &'a mut Vec<ResolveError>,
}

impl Resolver<'_> {
    /// An app's assignments with principals resolved and roles checked against the app's.
    fn assignments(
        &mut self,
        app: &model::App,
        assignments: &model::Assignments,
        live_app: Option<&LiveApp>,
    ) -> DesiredAssignments {
        let default_role = default_role(assignments.default_role.as_deref(), live_app);
        let entries = assignments
            .principals
            .iter()
            .filter_map(|entry| {
                let principal = self.principal(entry)?;
                let role = entry.role.clone().or_else(|| default_role.clone());
                let known: Option<Vec<&str>> = match (live_app, &app.template) {
                    (Some(live_app), _) => Some(live_app.roles.names()),
                    (None, model::Template::NonGallery) => Some(NON_GALLERY_ROLES.to_vec()),
                    // A gallery template's roles are known only once the app exists:
                    // apply checks them first thing (`Step::CheckRoles`).
                    (None, model::Template::Gallery { .. }) => None,
                };
                if let (Some(role), Some(known)) = (&role, &known)
                    && !known.contains(&role.as_str())
                {
                    let whose = if live_app.is_some() {
                        format!("app `{}` has", app.name)
                    } else {
                        format!("app `{}` is new, and the non-gallery template gives it", app.name)
                    };
                    self.errors.push(ResolveError {
                        origin: entry.origin.clone(),
                        message: format!("{whose} no role `{role}`; its roles are {}: name one of them", quoted(known)),
                    });
                    return None;
                }
                Some(DesiredAssignment { principal, role, location: Some(SpecLocation::of(&entry.origin)) })
            })
            .collect();
        DesiredAssignments { exact: assignments.policy == model::AssignmentPolicy::Exact, entries }
    }
    fn principal(&mut self, principal: &model::Principal) -> Option<Principal> {
        let directory = self.directory;
        let found = match &principal.reference {
            PrincipalRef::UserUpn(upn) => directory
                .user_by_upn(upn)
                .map(|(id, upn)| Principal { id: id.clone(), kind: PrincipalKind::User, label: upn.clone() })
                .ok_or_else(|| format!("no user has the UPN `{upn}` in this tenant; check the spelling, or whether the user was deleted or renamed")),
            PrincipalRef::UserId(id) => directory
                .users_by_id
                .get(id)
                .map(|upn| Principal { id: id.clone(), kind: PrincipalKind::User, label: upn.clone() })
                .ok_or_else(|| format!("no user has the id `{id}` in this tenant")),
            PrincipalRef::GroupName(name) => match directory.groups_named(name) {
                [(id, name)] => Ok(Principal { id: id.clone(), kind: PrincipalKind::Group, label: name.clone() }),
                [] => Err(format!("no group is named `{name}` in this tenant; check the spelling (names compare without case)")),
                several => Err(format!(
                    "{} groups are named `{name}` ({}); name the group by id instead: `{{ id: <GUID> }}`",
                    several.len(),
                    several.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>().join(", ")
                )),
            },
            PrincipalRef::GroupId(id) => directory
                .groups_by_id
                .get(id)
                .map(|name| Principal { id: id.clone(), kind: PrincipalKind::Group, label: name.clone() })
                .ok_or_else(|| format!("no group has the id `{id}` in this tenant")),
        };
        match found {
            Ok(principal) => Some(principal),
            Err(message) => {
                self.errors.push(ResolveError { origin: principal.origin.clone(), message });
                None
            }
        }
    }
}
