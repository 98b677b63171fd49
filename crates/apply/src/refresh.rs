//! Refresh: read the live state of every app the specs name (and of every other managed
//! app), and everything needed to resolve the specs' names, in a few batched round trips.
//!
//! Round trips, whatever the number of apps:
//! 1. the managed service principals (`tags/any(t:t eq 'scimform:managed')`, 999 a page);
//! 2. in `$batch`es of 20: look-alikes by display name, and per managed app its owners,
//!    jobs, secrets and assignments;
//! 3. in `$batch`es: users and groups by UPN, name or id (15 to a `$filter … in (…)`),
//!    including the principals of live assignments;
//! 4. in `$batch`es: the groups among the members of each assigned group (nested groups).
//!
//! So a plan costs about 4 requests plus (apps × 4) / 20, not one per resource.

use std::collections::{BTreeMap, BTreeSet};

use scimform_graph::models::{
    AppRoleAssignment, DirectoryObject, Group, SecretReadBack, ServicePrincipal, SynchronizationJob, User,
};
use scimform_graph::{GraphClient, Request, literal, parse, reads};
use scimform_plan::state::{Live, LiveApp, LiveAssignment, LiveJob, Lookalike, Principal, PrincipalKind, Role};
use scimform_plan::{Directory, MANAGED_TAG, NAME_TAG_PREFIX};
use scimform_spec::model::{PrincipalRef, Spec};
use serde::de::DeserializeOwned;

/// Values in one `$filter … in (…)` clause (Graph's limit).
const IN_CLAUSE: usize = 15;

/// What refresh read.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The live state.
    pub live: Live,
    /// Name lookups for resolution.
    pub directory: Directory,
}

/// A Graph read failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {what} from Microsoft Graph")]
pub struct RefreshError {
    /// What was being read.
    pub what: String,
    /// The Graph error.
    #[source]
    pub source: scimform_graph::Error,
}

fn failed(what: impl Into<String>) -> impl FnOnce(scimform_graph::Error) -> RefreshError {
    let what = what.into();
    move |source| RefreshError { what, source }
}

/// Reads the live state and the directory for `spec`.
pub async fn refresh(client: &GraphClient, spec: &Spec) -> Result<Refreshed, RefreshError> {
    // 1. Managed apps.
    let managed = client
        .list_service_principals(Some(&format!("tags/any(t:t eq {})", literal(MANAGED_TAG))))
        .await
        .map_err(failed("the managed apps"))?;
    let mut by_name: BTreeMap<String, ServicePrincipal> = BTreeMap::new();
    for service_principal in managed {
        if let Some(name) = service_principal.tags.iter().find_map(|tag| tag.strip_prefix(NAME_TAG_PREFIX)) {
            by_name.insert(name.to_owned(), service_principal);
        }
    }

    // 2. Look-alikes and per-app reads, in one set of batches.
    let unmanaged: Vec<(&str, &str)> = spec
        .apps
        .iter()
        .filter(|app| !by_name.contains_key(&app.name))
        .map(|app| (app.name.as_str(), app.display_name.as_str()))
        .collect();
    let mut requests = Vec::new();
    let lookalike_queries: Vec<Vec<&str>> =
        unmanaged.chunks(IN_CLAUSE).map(|chunk| chunk.iter().map(|(_, display)| *display).collect()).collect();
    for names in &lookalike_queries {
        let filter =
            format!("displayName in ({})", names.iter().map(|name| literal(name)).collect::<Vec<_>>().join(","));
        requests.push(reads::service_principals(Some(&filter)));
    }
    let names: Vec<&String> = by_name.keys().collect();
    for name in &names {
        let id = &by_name[*name].id;
        requests.extend([
            reads::service_principal_owners(id),
            reads::jobs(id),
            reads::secrets(id),
            reads::assignments(id),
        ]);
    }
    let mut results = client.batch(&requests).await.into_iter().zip(requests.iter());
    let mut lookalikes = Vec::new();
    for _ in &lookalike_queries {
        let (result, request) = results.next().expect("one result per request");
        let found: Vec<ServicePrincipal> =
            page(client, request, result).await.map_err(failed("apps by display name"))?;
        for service_principal in found.into_iter().filter(|sp| !sp.tags.iter().any(|tag| tag == MANAGED_TAG)) {
            for (name, display_name) in unmanaged.iter().filter(|(_, display)| {
                service_principal.display_name.as_deref().is_some_and(|found| found.eq_ignore_ascii_case(display))
            }) {
                lookalikes.push(Lookalike {
                    name: (*name).to_owned(),
                    display_name: (*display_name).to_owned(),
                    service_principal_id: service_principal.id.clone(),
                });
            }
        }
    }
    let mut raw_apps = Vec::new();
    for name in &names {
        let mut next = || results.next().expect("one result per request");
        let what = |part: &str| format!("the {part} of app `{name}`");
        let (result, request) = next();
        let owners: Vec<DirectoryObject> = page(client, request, result).await.map_err(failed(what("owners")))?;
        let (result, request) = next();
        let jobs: Vec<SynchronizationJob> =
            page(client, request, result).await.map_err(failed(what("provisioning jobs")))?;
        let (result, request) = next();
        let secrets: Vec<SecretReadBack> =
            page(client, request, result).await.map_err(failed(what("provisioning settings")))?;
        let (result, request) = next();
        let assignments: Vec<AppRoleAssignment> =
            page(client, request, result).await.map_err(failed(what("assignments")))?;
        raw_apps.push(((*name).clone(), owners, jobs, secrets, assignments));
    }

    // 3. The directory: every name the specs use, and every principal live assignments name.
    let mut wanted = Wanted::default();
    for app in &spec.apps {
        let principals =
            app.owners.iter().flatten().chain(app.assignments.iter().flat_map(|assignments| &assignments.principals));
        for principal in principals {
            match &principal.reference {
                PrincipalRef::UserUpn(upn) => wanted.upns.insert(upn.to_lowercase()),
                PrincipalRef::UserId(id) => wanted.user_ids.insert(id.clone()),
                PrincipalRef::GroupName(name) => wanted.group_names.insert(name.clone()),
                PrincipalRef::GroupId(id) => wanted.group_ids.insert(id.clone()),
            };
        }
    }
    for (_, _, _, _, assignments) in &raw_apps {
        for assignment in assignments {
            match assignment.principal_type.as_deref() {
                Some("User") => wanted.user_ids.insert(assignment.principal_id.clone()),
                Some("Group") => wanted.group_ids.insert(assignment.principal_id.clone()),
                _ => false,
            };
        }
    }
    let mut directory = wanted.fetch(client).await?;

    // 4. Nested groups among assigned groups.
    let assigned_groups: BTreeSet<String> = spec
        .apps
        .iter()
        .flat_map(|app| app.assignments.iter().flat_map(|assignments| &assignments.principals))
        .filter_map(|principal| match &principal.reference {
            PrincipalRef::GroupName(name) => directory
                .groups_by_name
                .get(&name.to_lowercase())
                .and_then(|groups| groups.first())
                .map(|(id, _)| id.clone()),
            PrincipalRef::GroupId(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let group_ids: Vec<&String> = assigned_groups.iter().collect();
    let requests: Vec<Request> = group_ids.iter().map(|id| reads::member_groups(id)).collect();
    for ((result, request), id) in client.batch(&requests).await.into_iter().zip(&requests).zip(&group_ids) {
        let nested: Vec<DirectoryObject> =
            page(client, request, result).await.map_err(failed(format!("the members of group {id}")))?;
        if !nested.is_empty() {
            directory.nested_groups.insert(
                (*id).clone(),
                nested.into_iter().map(|group| group.display_name.unwrap_or(group.id)).collect(),
            );
        }
    }

    // The live state, in our vocabulary.
    let label_of = |kind: PrincipalKind, id: &str, fallback: Option<&str>| -> String {
        let known = match kind {
            PrincipalKind::User => directory.users_by_id.get(id),
            PrincipalKind::Group => directory.groups_by_id.get(id),
        };
        known.cloned().or_else(|| fallback.map(str::to_owned)).unwrap_or_else(|| id.to_owned())
    };
    let mut apps = BTreeMap::new();
    for (name, owners, jobs, secrets, assignments) in raw_apps {
        let service_principal = &by_name[&name];
        let job = jobs.into_iter().next().map(|job| LiveJob {
            state: job
                .schedule
                .as_ref()
                .and_then(|schedule| schedule.state.clone())
                .unwrap_or_else(|| "Disabled".to_owned()),
            status_code: job.status.as_ref().and_then(|status| status.code.clone()),
            quarantine_reason: job
                .status
                .as_ref()
                .and_then(|status| status.quarantine.as_ref())
                .and_then(|quarantine| quarantine.reason.clone()),
            template_id: job.template_id,
            id: job.id,
        });
        let owners = owners
            .into_iter()
            .map(|owner| Principal {
                label: owner
                    .user_principal_name
                    .clone()
                    .or(owner.display_name.clone())
                    .unwrap_or_else(|| owner.id.clone()),
                id: owner.id,
                kind: PrincipalKind::User,
            })
            .collect();
        let assignments = assignments
            .into_iter()
            .filter(|assignment| matches!(assignment.principal_type.as_deref(), Some("User" | "Group")))
            .map(|assignment| {
                let kind = if assignment.principal_type.as_deref() == Some("Group") {
                    PrincipalKind::Group
                } else {
                    PrincipalKind::User
                };
                let label = label_of(kind, &assignment.principal_id, assignment.principal_display_name.as_deref());
                LiveAssignment {
                    id: assignment.id,
                    principal: Principal { id: assignment.principal_id, kind, label },
                    role_id: assignment.app_role_id,
                }
            })
            .collect();
        apps.insert(
            name,
            LiveApp {
                service_principal_id: service_principal.id.clone(),
                app_id: service_principal.app_id.clone(),
                display_name: service_principal.display_name.clone().unwrap_or_default(),
                template_id: service_principal.application_template_id.clone(),
                tags: service_principal.tags.clone(),
                roles: service_principal
                    .app_roles
                    .iter()
                    .filter(|role| role.allowed_member_types.iter().any(|kind| kind == "User"))
                    .map(|role| Role { id: role.id.clone(), name: role.display_name.clone().unwrap_or_default() })
                    .collect(),
                owners,
                job,
                secrets: secrets.into_iter().map(|pair| (pair.key, pair.value.unwrap_or_default())).collect(),
                assignments,
            },
        );
    }
    lookalikes.sort_by(|left, right| {
        (&left.name, &left.service_principal_id).cmp(&(&right.name, &right.service_principal_id))
    });
    lookalikes.dedup();
    Ok(Refreshed { live: Live { apps, lookalikes }, directory })
}

/// The items of a batched list, following its next link if it has one.
async fn page<T: DeserializeOwned>(
    client: &GraphClient,
    request: &Request,
    result: scimform_graph::BatchItem,
) -> Result<Vec<T>, scimform_graph::Error> {
    let response = result?;
    let body = response.body.clone().unwrap_or_default();
    let mut items: Vec<T> =
        parse(request, scimform_graph::Response { status: response.status, body: Some(body["value"].clone()) })?;
    if let Some(next) = body["@odata.nextLink"].as_str() {
        items.extend(client.list::<T>(next.to_owned()).await?);
    }
    Ok(items)
}

#[derive(Default)]
struct Wanted {
    upns: BTreeSet<String>,
    user_ids: BTreeSet<String>,
    group_names: BTreeSet<String>,
    group_ids: BTreeSet<String>,
}

impl Wanted {
    async fn fetch(self, client: &GraphClient) -> Result<Directory, RefreshError> {
        let in_filters = |property: &str, values: &BTreeSet<String>| -> Vec<String> {
            let values: Vec<&String> = values.iter().collect();
            values
                .chunks(IN_CLAUSE)
                .map(|chunk| {
                    format!(
                        "{property} in ({})",
                        chunk.iter().map(|value| literal(value)).collect::<Vec<_>>().join(",")
                    )
                })
                .collect()
        };
        let user_filters: Vec<String> =
            in_filters("userPrincipalName", &self.upns).into_iter().chain(in_filters("id", &self.user_ids)).collect();
        let group_filters: Vec<String> =
            in_filters("displayName", &self.group_names).into_iter().chain(in_filters("id", &self.group_ids)).collect();
        let mut requests: Vec<Request> = user_filters.iter().map(|filter| reads::users(Some(filter))).collect();
        requests.extend(group_filters.iter().map(|filter| reads::groups(Some(filter))));
        let mut directory = Directory::default();
        let results = client.batch(&requests).await;
        for (index, (result, request)) in results.into_iter().zip(&requests).enumerate() {
            if index < user_filters.len() {
                let users: Vec<User> = page(client, request, result).await.map_err(failed("users"))?;
                for user in users {
                    let upn = user.user_principal_name.unwrap_or_default();
                    directory.users_by_upn.insert(upn.to_lowercase(), (user.id.clone(), upn.clone()));
                    directory.users_by_id.insert(user.id, upn);
                }
            } else {
                let groups: Vec<Group> = page(client, request, result).await.map_err(failed("groups"))?;
                for group in groups {
                    let name = group.display_name.unwrap_or_default();
                    let entry = directory.groups_by_name.entry(name.to_lowercase()).or_default();
                    if !entry.iter().any(|(id, _)| id == &group.id) {
                        entry.push((group.id.clone(), name.clone()));
                    }
                    directory.groups_by_id.insert(group.id, name);
                }
            }
        }
        Ok(directory)
    }
}
