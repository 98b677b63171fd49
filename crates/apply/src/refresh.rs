//! Refresh: read the live state of every app the specs name (and of every other managed
//! app), and everything needed to resolve the specs' names, in a few batched round trips.
//!
//! Phases, whatever the number of apps (each a set of `$batch`es of 20 run concurrently;
//! a phase waits only for what it needs):
//! 1. [`managed_apps`]: the managed service principals (`tags/any(t:t eq
//!    'scimform:managed')`, 999 a page). Fingerprint checks start here (see `prepare`).
//! 2. At once: [`app_reads`] (apps left by interrupted creates, look-alikes by display
//!    name, and per managed app only what its spec manages: owners, jobs and saved
//!    settings, assignments); [`adoption_reads`] (apps specs adopt); and
//!    [`Wanted::fetch`] of every name the specs use (users and groups by UPN, name or id,
//!    15 to a `$filter … in (…)`).
//! 3. At once: [`schema_reads`] (schemas of jobs whose mappings a spec manages),
//!    [`nested_groups`] (groups among the members of each assigned group), and the
//!    principals of live assignments no spec names (only when there are some: removals
//!    are shown by UPN).
//!
//! So a plan costs 3 waves (a wave is more than one round trip only past 20 batches in
//! flight) and about 3 + (apps × reads per app) / 20 requests, not
//! one per resource (`scimform-bench` measures it). The translation of what was read into
//! scimform's vocabulary is [`live_app`], with the provisioning encoding in `wire.rs`.

use std::collections::{BTreeMap, BTreeSet};

use scimform_graph::models::{
    AppRoleAssignment, DirectoryObject, Group, SecretReadBack, ServicePrincipal, SynchronizationJob, User,
};
use scimform_graph::{BatchItem, EXPANDED_OWNERS, GraphClient, Owned, Request, literal, parse, reads};
use scimform_plan::health::JobHealth;
use scimform_plan::state::{
    Adoption, Live, LiveApp, LiveAssignment, Lookalike, NameConflict, Principal, PrincipalKind, Role, Roles, Stray,
};
use scimform_plan::{
    DEFAULT_STACK, Directory, MANAGED_TAG, NAME_TAG_PREFIX, PENDING_PREFIX, STACK_TAG_PREFIX, pending_app_name,
};
use scimform_spec::model::{PrincipalRef, Spec, fold_name};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::wire;

/// Values in one `$filter … in (…)` clause (Graph's limit).
const IN_CLAUSE: usize = 15;

/// What refresh read.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The live state.
    pub live: Live,
    /// Name lookups for resolution.
    pub directory: Directory,
    /// The health of each managed app's job, by app name (apps without a job have none).
    /// Kept out of [`Live`]: a cycle ending must not make a saved plan stale.
    pub health: BTreeMap<String, JobHealth>,
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

pub(crate) fn failed(what: impl Into<String>) -> impl FnOnce(scimform_graph::Error) -> RefreshError {
    let what = what.into();
    move |source| RefreshError { what, source }
}

/// Reads the live state and the directory for `spec`.
pub async fn refresh(client: &GraphClient, spec: &Spec) -> Result<Refreshed, RefreshError> {
    refresh_with(client, spec, |_| {}).await
}

/// [`refresh`], calling `on_managed` with every managed app's tags (by app name) as soon
/// as phase 1 has them, so that work that needs only those (fingerprint checks) overlaps
/// the remaining reads.
pub(crate) async fn refresh_with(
    client: &GraphClient,
    spec: &Spec,
    on_managed: impl FnOnce(BTreeMap<&str, &[String]>),
) -> Result<Refreshed, RefreshError> {
    let Managed { by_name: managed, conflicts: name_conflicts } = managed_apps(client).await?;
    tracing::debug!(managed = managed.len(), conflicts = name_conflicts.len(), "refresh: managed apps");
    on_managed(managed.iter().map(|(name, sp)| (name.as_str(), sp.tags.as_slice())).collect());
    // Phase 2: everything that needs only the managed list and the specs, at once.
    let (AppReads { lookalikes, strays, mut apps }, mut adoptees, mut directory) = futures::try_join!(
        app_reads(client, spec, &managed),
        adoption_reads(client, spec, &managed),
        Wanted::from_specs(spec).fetch(client),
    )?;
    tracing::debug!(lookalikes = lookalikes.len(), "refresh: per-app reads");
    // Phase 3: what needs phase 2, at once: the schemas of jobs whose mappings a spec
    // manages, the groups nested in assigned groups, and the live assignments' principals
    // that no spec names (to show their removals by UPN).
    let unknown = Wanted::unknown_principals(
        apps.iter().chain(adoptees.iter().filter_map(|(_, _, found)| found.as_ref().map(|(_, reads)| reads))),
        &directory,
    );
    let schemas_wanted: BTreeSet<&str> = spec
        .apps
        .iter()
        .filter(|app| app.provisioning.as_ref().is_some_and(|p| p.mappings.is_some() || p.scoping.is_some()))
        .map(|app| app.name.as_str())
        .collect();
    let schema_targets = apps
        .iter_mut()
        .chain(adoptees.iter_mut().filter_map(|(_, _, found)| found.as_mut().map(|(_, reads)| reads)))
        .filter(|reads| schemas_wanted.contains(reads.name.as_str()))
        .collect();
    let ((), nested, known) = futures::try_join!(
        schema_reads(client, schema_targets),
        nested_groups(client, spec, &directory),
        unknown.fetch(client),
    )?;
    directory.nested_groups = nested;
    directory.merge(known);
    let mut health = BTreeMap::new();
    let apps = apps
        .into_iter()
        .map(|reads| {
            let service_principal = &managed[&reads.name];
            if let Some(job) = reads.jobs.first() {
                health.insert(reads.name.clone(), wire::decode_health(job));
            }
            (reads.name.clone(), live_app(service_principal, reads, &directory))
        })
        .collect();
    let adoptions = adoptees
        .into_iter()
        .map(|(name, id, found)| {
            let found = found.map(|(service_principal, reads)| live_app(&service_principal, reads, &directory));
            (name, Adoption { service_principal_id: id, found })
        })
        .collect();
    Ok(Refreshed { live: Live { apps, lookalikes, strays, name_conflicts, adoptions }, directory, health })
}

/// What phase 1 read.
struct Managed {
    /// The managed service principal of each name (the smallest id, when several claim it).
    by_name: BTreeMap<String, ServicePrincipal>,
    /// Names that several managed apps claim.
    conflicts: Vec<NameConflict>,
}

/// Phase 1: the managed service principals, by app name.
async fn managed_apps(client: &GraphClient) -> Result<Managed, RefreshError> {
    let managed = client
        .list_service_principals_with_owners(Some(&format!("tags/any(t:t eq {})", literal(MANAGED_TAG))))
        .await
        .map_err(failed("the managed apps"))?;
    let mut claims: BTreeMap<String, Vec<ServicePrincipal>> = BTreeMap::new();
    for service_principal in managed {
        if let Some(name) = service_principal.tags.iter().find_map(|tag| tag.strip_prefix(NAME_TAG_PREFIX)) {
            claims.entry(name.to_owned()).or_default().push(service_principal);
        }
    }
    let mut by_name = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (name, mut claimants) in claims {
        claimants.sort_by(|left, right| left.id.cmp(&right.id));
        if claimants.len() > 1 {
            let service_principal_ids = claimants.iter().map(|sp| sp.id.clone()).collect();
            conflicts.push(NameConflict { name: name.clone(), service_principal_ids });
        }
        by_name.insert(name, claimants.swap_remove(0));
    }
    Ok(Managed { by_name, conflicts })
}

/// What phase 2 read.
struct AppReads {
    lookalikes: Vec<Lookalike>,
    strays: Vec<Stray>,
    apps: Vec<ManagedReads>,
}

/// The per-app reads of one managed app, as Graph answered them.
struct ManagedReads {
    name: String,
    service_principal_id: String,
    owners: Vec<DirectoryObject>,
    jobs: Vec<SynchronizationJob>,
    settings: Vec<SecretReadBack>,
    assignments: Vec<AppRoleAssignment>,
    /// The job's schema, when phase 3 read it.
    schema: Option<Value>,
}

/// A spec's app that no managed app answers to: (name, display name).
type Unmanaged<'a> = Vec<(&'a str, &'a str)>;

/// Phase 2: look-alikes of the specs' unmanaged apps, and the per-app reads of every
/// managed app, in one set of batches.
async fn app_reads(
    client: &GraphClient,
    spec: &Spec,
    managed: &BTreeMap<String, ServicePrincipal>,
) -> Result<AppReads, RefreshError> {
    let unmanaged: Unmanaged<'_> = spec
        .apps
        .iter()
        .filter(|app| !managed.contains_key(&app.name))
        .map(|app| (app.name.as_str(), app.display_name.as_str()))
        .collect();
    let lookalike_requests: Vec<Request> = unmanaged
        .chunks(IN_CLAUSE)
        .map(|chunk| {
            let names: Vec<String> = chunk.iter().map(|(_, display)| literal(display)).collect();
            reads::service_principals(Some(&format!("displayName in ({})", names.join(","))))
        })
        .collect();
    let strays_request =
        reads::service_principals(Some(&format!("startswith(displayName,{})", literal(PENDING_PREFIX))));
    let mut requests = vec![strays_request];
    requests.extend(lookalike_requests.iter().cloned());
    for (name, service_principal) in managed {
        requests.extend(per_app_requests(service_principal, Wants::of(spec, name)));
    }
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    let pending: Vec<ServicePrincipal> = results.next("apps left by interrupted creates").await?;
    let strays = strays_among(client, pending).await?;
    let mut lookalikes = Vec::new();
    for _ in &lookalike_requests {
        let found: Vec<ServicePrincipal> = results.next("apps by display name").await?;
        lookalikes.extend(lookalikes_among(&found, &unmanaged));
    }
    lookalikes.sort_by(|left, right| {
        (&left.name, &left.service_principal_id).cmp(&(&right.name, &right.service_principal_id))
    });
    lookalikes.dedup();
    let mut apps = Vec::new();
    for (name, service_principal) in managed {
        apps.push(results.app(name, service_principal, Wants::of(spec, name)).await?);
    }
    Ok(AppReads { lookalikes, strays, apps })
}

/// The unmarked apps among those with the pending marker, each with whether the identity
/// running scimform owns it (creators own what they make; the planner deletes only those,
/// and only of its own stack). Owners are read only when there is such an app, which is
/// rare: an interrupted create, or someone else's app with a look-alike name.
async fn strays_among(client: &GraphClient, pending: Vec<ServicePrincipal>) -> Result<Vec<Stray>, RefreshError> {
    let unmarked: Vec<ServicePrincipal> =
        pending.into_iter().filter(|sp| !sp.tags.iter().any(|tag| tag == MANAGED_TAG)).collect();
    if unmarked.is_empty() {
        return Ok(Vec::new());
    }
    // Without a known identity (a token without `oid`) nothing counts as owned.
    let me = client.identity().await.ok().and_then(|identity| identity.object_id);
    let mut strays = Vec::new();
    for sp in unmarked {
        let Some((stack, name)) = sp.display_name.as_deref().and_then(pending_app_name) else { continue };
        let (stack, name) = (stack.map(str::to_owned), name.to_owned());
        let owned = match &me {
            Some(me) => client
                .list_owner_ids(scimform_graph::Owned::ServicePrincipal(&sp.id))
                .await
                .map_err(failed("the owners of an app left by an interrupted create"))?
                .contains(me),
            None => false,
        };
        strays.push(Stray { name, stack, owned, service_principal_id: sp.id, app_id: sp.app_id });
    }
    Ok(strays)
}

/// Which per-app reads an app needs.
#[derive(Debug, Clone, Copy)]
struct Wants {
    owners: bool,
    /// Jobs and saved settings.
    provisioning: bool,
    assignments: bool,
}

impl Wants {
    /// Everything (import, which writes specs for all of it).
    const ALL: Wants = Wants { owners: true, provisioning: true, assignments: true };

    /// What the spec of app `name` manages. An app without a spec (an orphan, which
    /// `--prune` deletes) needs its job and assignments.
    fn of(spec: &Spec, name: &str) -> Wants {
        match spec.apps.iter().find(|app| app.name == name) {
            Some(app) => Wants {
                owners: app.owners.is_some(),
                provisioning: app.provisioning.is_some(),
                assignments: app.assignments.is_some(),
            },
            None => Wants { owners: false, provisioning: true, assignments: true },
        }
    }
}

/// The owners a list of service principals expanded, when they are all there (Graph
/// expands at most [`EXPANDED_OWNERS`]: a list that long may have been cut short).
fn expanded_owners(service_principal: &ServicePrincipal) -> Option<&Vec<DirectoryObject>> {
    service_principal.owners.as_ref().filter(|owners| owners.len() < EXPANDED_OWNERS)
}

/// The reads of one app that `wants` asks for: owners (unless its listing expanded them
/// all), jobs, saved settings, assignments.
fn per_app_requests(service_principal: &ServicePrincipal, wants: Wants) -> Vec<Request> {
    let service_principal_id = service_principal.id.as_str();
    let mut requests = Vec::new();
    if wants.owners && expanded_owners(service_principal).is_none() {
        requests.push(reads::owners(Owned::ServicePrincipal(service_principal_id)));
    }
    if wants.provisioning {
        requests.push(reads::jobs(service_principal_id));
        requests.push(reads::secrets(service_principal_id));
    }
    if wants.assignments {
        requests.push(reads::assignments(service_principal_id));
    }
    requests
}

/// Everything a spec can state about these service principals (for `import`): their
/// per-app reads in batches, then the directory look-ups that label their owners and
/// assigned principals.
pub(crate) async fn read_apps(
    client: &GraphClient,
    service_principals: Vec<ServicePrincipal>,
) -> Result<Vec<LiveApp>, RefreshError> {
    let requests: Vec<Request> = service_principals.iter().flat_map(|sp| per_app_requests(sp, Wants::ALL)).collect();
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    let mut reads = Vec::new();
    for service_principal in &service_principals {
        let name = service_principal.display_name.clone().unwrap_or_else(|| service_principal.id.clone());
        reads.push(results.app(&name, service_principal, Wants::ALL).await?);
    }
    schema_reads(client, reads.iter_mut().collect()).await?;
    let directory = Wanted::unknown_principals(reads.iter(), &Directory::default()).fetch(client).await?;
    Ok(service_principals.iter().zip(reads).map(|(sp, reads)| live_app(sp, reads, &directory)).collect())
}

/// Phase 2, only when specs adopt apps (`adopt.id`) that no managed app answers for yet:
/// those service principals (15 to a filter), then their per-app reads, in batches.
async fn adoption_reads(
    client: &GraphClient,
    spec: &Spec,
    managed: &BTreeMap<String, ServicePrincipal>,
) -> Result<Vec<(String, String, Option<(ServicePrincipal, ManagedReads)>)>, RefreshError> {
    let wanted: Vec<(&str, &str)> = spec
        .apps
        .iter()
        .filter(|app| !managed.contains_key(&app.name))
        .filter_map(|app| Some((app.name.as_str(), app.adopt.as_ref()?.id.as_str())))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let ids: BTreeSet<String> = wanted.iter().map(|(_, id)| (*id).to_owned()).collect();
    let filters = in_filters("id", &ids);
    let requests: Vec<Request> = filters.iter().map(|filter| reads::service_principals(Some(filter))).collect();
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    let mut found: BTreeMap<String, ServicePrincipal> = BTreeMap::new();
    for _ in &filters {
        let page: Vec<ServicePrincipal> = results.next("the apps to adopt").await?;
        found.extend(page.into_iter().map(|sp| (sp.id.to_lowercase(), sp)));
    }
    let present: Vec<(&str, &ServicePrincipal)> =
        wanted.iter().filter_map(|(name, id)| Some((*name, found.get(*id)?))).collect();
    let requests: Vec<Request> =
        present.iter().flat_map(|(name, sp)| per_app_requests(sp, Wants::of(spec, name))).collect();
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    let mut reads = BTreeMap::new();
    for (name, service_principal) in present {
        let found = results.app(name, service_principal, Wants::of(spec, name)).await?;
        reads.insert(name.to_owned(), (service_principal.clone(), found));
    }
    Ok(wanted.into_iter().map(|(name, id)| (name.to_owned(), id.to_owned(), reads.remove(name))).collect())
}

/// Phase 3, only for apps whose spec manages mappings or scoping (and for import): the
/// schema of each one's job, in batches.
async fn schema_reads(client: &GraphClient, apps: Vec<&mut ManagedReads>) -> Result<(), RefreshError> {
    let mut apps: Vec<&mut ManagedReads> = apps.into_iter().filter(|reads| !reads.jobs.is_empty()).collect();
    let requests: Vec<Request> =
        apps.iter().map(|reads| reads::job_schema(&reads.service_principal_id, &reads.jobs[0].id)).collect();
    if requests.is_empty() {
        return Ok(());
    }
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    for reads in &mut apps {
        let what = format!("the provisioning schema of app `{}`", reads.name);
        reads.schema = Some(results.single(&what).await?);
    }
    Ok(())
}

/// The unmanaged service principals among `found` whose display name is a spec's.
fn lookalikes_among(found: &[ServicePrincipal], unmanaged: &Unmanaged<'_>) -> Vec<Lookalike> {
    let mut lookalikes = Vec::new();
    for service_principal in found.iter().filter(|sp| !sp.tags.iter().any(|tag| tag == MANAGED_TAG)) {
        let same_name = |display: &str| {
            service_principal.display_name.as_deref().is_some_and(|found| found.eq_ignore_ascii_case(display))
        };
        for (name, display_name) in unmanaged.iter().filter(|(_, display)| same_name(display)) {
            lookalikes.push(Lookalike {
                name: (*name).to_owned(),
                display_name: (*display_name).to_owned(),
                service_principal_id: service_principal.id.clone(),
            });
        }
    }
    lookalikes
}

/// Batched results, taken in the order of their requests, each followed to its last page.
pub(crate) struct Results<'c, I> {
    client: &'c GraphClient,
    items: I,
}

impl<'c, I: Iterator<Item = (BatchItem, Request)>> Results<'c, I> {
    pub(crate) fn new(client: &'c GraphClient, items: I) -> Self {
        Results { client, items }
    }

    pub(crate) async fn next<T: DeserializeOwned>(&mut self, what: &str) -> Result<Vec<T>, RefreshError> {
        let (result, request) = self.items.next().expect("one result per request");
        page(self.client, &request, result).await.map_err(failed(what))
    }

    /// One resource (not a list).
    async fn single(&mut self, what: &str) -> Result<Value, RefreshError> {
        let (result, request) = self.items.next().expect("one result per request");
        let response = result.map_err(failed(what))?;
        parse(&request, response).map_err(failed(what))
    }

    /// The results of [`per_app_requests`] for app `name` (service principal `id`); what
    /// was not read is empty.
    async fn app(
        &mut self,
        name: &str,
        service_principal: &ServicePrincipal,
        wants: Wants,
    ) -> Result<ManagedReads, RefreshError> {
        let what = |part: &str| format!("the {part} of app `{name}`");
        let mut reads = ManagedReads {
            name: name.to_owned(),
            service_principal_id: service_principal.id.clone(),
            schema: None,
            owners: Vec::new(),
            jobs: Vec::new(),
            settings: Vec::new(),
            assignments: Vec::new(),
        };
        if wants.owners {
            reads.owners = match expanded_owners(service_principal) {
                Some(owners) => owners.clone(),
                None => self.next(&what("owners")).await?,
            };
        }
        if wants.provisioning {
            reads.jobs = self.next(&what("provisioning jobs")).await?;
            reads.settings = self.next(&what("provisioning settings")).await?;
        }
        if wants.assignments {
            reads.assignments = self.next(&what("assignments")).await?;
        }
        Ok(reads)
    }
}

/// The items of a batched list, following its next link if it has one.
async fn page<T: DeserializeOwned>(
    client: &GraphClient,
    request: &Request,
    result: BatchItem,
) -> Result<Vec<T>, scimform_graph::Error> {
    /// One page of a list, decoded straight from its JSON text.
    #[derive(serde::Deserialize)]
    struct Page<T> {
        value: Vec<T>,
        #[serde(rename = "@odata.nextLink", default)]
        next: Option<String>,
    }
    let page: Page<T> = parse(request, result?)?;
    let mut items = page.value;
    if let Some(next) = page.next {
        items.extend(client.list::<T>(next).await?);
    }
    Ok(items)
}

/// Phase 2's questions: every name the specs use; phase 3's: the principals of live
/// assignments no spec names.
#[derive(Default)]
struct Wanted {
    upns: BTreeSet<String>,
    user_ids: BTreeSet<String>,
    group_names: BTreeSet<String>,
    group_ids: BTreeSet<String>,
}

impl Wanted {
    /// Every name the specs use (owners, assignments, `verify` subjects).
    fn from_specs(spec: &Spec) -> Wanted {
        let mut wanted = Wanted::default();
        for app in &spec.apps {
            if let Some(verify) = app.provisioning.as_ref().and_then(|provisioning| provisioning.verify.as_ref()) {
                wanted.upns.extend(verify.users.iter().map(|upn| fold_name(upn)));
                wanted.group_names.extend(verify.groups.iter().cloned());
            }
            let principals = app
                .owners
                .iter()
                .flatten()
                .chain(app.assignments.iter().flat_map(|assignments| &assignments.principals));
            for principal in principals {
                match &principal.reference {
                    PrincipalRef::UserUpn(upn) => wanted.upns.insert(fold_name(upn)),
                    PrincipalRef::UserId(id) => wanted.user_ids.insert(id.clone()),
                    PrincipalRef::GroupName(name) => wanted.group_names.insert(name.clone()),
                    PrincipalRef::GroupId(id) => wanted.group_ids.insert(id.clone()),
                };
            }
        }
        wanted
    }

    /// The principals of live assignments that `known` does not hold (none in a tenant
    /// that matches its specs, so a plan without changes asks for nothing here).
    fn unknown_principals<'r>(apps: impl Iterator<Item = &'r ManagedReads>, known: &Directory) -> Wanted {
        let mut wanted = Wanted::default();
        for assignment in apps.flat_map(|app| &app.assignments) {
            let id = &assignment.principal_id;
            match principal_kind(assignment) {
                Some(PrincipalKind::User) if !known.users_by_id.contains_key(id) => wanted.user_ids.insert(id.clone()),
                Some(PrincipalKind::Group) if !known.groups_by_id.contains_key(id) => {
                    wanted.group_ids.insert(id.clone())
                }
                _ => false,
            };
        }
        wanted
    }

    async fn fetch(self, client: &GraphClient) -> Result<Directory, RefreshError> {
        let user_filters: Vec<String> =
            in_filters("userPrincipalName", &self.upns).into_iter().chain(in_filters("id", &self.user_ids)).collect();
        let group_filters: Vec<String> =
            in_filters("displayName", &self.group_names).into_iter().chain(in_filters("id", &self.group_ids)).collect();
        let mut requests: Vec<Request> = user_filters.iter().map(|filter| reads::users(Some(filter))).collect();
        requests.extend(group_filters.iter().map(|filter| reads::groups(Some(filter))));
        let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
        let mut directory = Directory::default();
        for _ in &user_filters {
            let users: Vec<User> = results.next("users").await?;
            for user in users {
                directory.add_user(&user.id, user.user_principal_name.as_deref().unwrap_or_default());
            }
        }
        for _ in &group_filters {
            let groups: Vec<Group> = results.next("groups").await?;
            for group in groups {
                directory.add_group(&group.id, group.display_name.as_deref().unwrap_or_default());
            }
        }
        Ok(directory)
    }
}

/// `property in ('a','b',…)` filters of at most [`IN_CLAUSE`] values each.
fn in_filters(property: &str, values: &BTreeSet<String>) -> Vec<String> {
    let values: Vec<&String> = values.iter().collect();
    values
        .chunks(IN_CLAUSE)
        .map(|chunk| {
            let literals: Vec<String> = chunk.iter().map(|value| literal(value)).collect();
            format!("{property} in ({})", literals.join(","))
        })
        .collect()
}

/// Phase 3: the groups nested in each group the specs assign. A name that matches several
/// groups is left out here: resolution reports it, with the candidates.
async fn nested_groups(
    client: &GraphClient,
    spec: &Spec,
    directory: &Directory,
) -> Result<BTreeMap<String, Vec<String>>, RefreshError> {
    let assigned: BTreeSet<String> = spec
        .apps
        .iter()
        .flat_map(|app| app.assignments.iter().flat_map(|assignments| &assignments.principals))
        .filter_map(|principal| match &principal.reference {
            PrincipalRef::GroupName(name) => match directory.groups_named(name) {
                [(id, _)] => Some(id.clone()),
                _ => None,
            },
            PrincipalRef::GroupId(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let requests: Vec<Request> = assigned.iter().map(|id| reads::member_groups(id)).collect();
    let mut results = Results { client, items: client.batch(&requests).await.into_iter().zip(requests) };
    let mut nested_groups = BTreeMap::new();
    for id in &assigned {
        let nested: Vec<DirectoryObject> = results.next(&format!("the members of group {id}")).await?;
        if !nested.is_empty() {
            let names = nested.into_iter().map(|group| group.display_name.unwrap_or(group.id)).collect();
            nested_groups.insert(id.clone(), names);
        }
    }
    Ok(nested_groups)
}

/// A managed app in scimform's vocabulary.
fn live_app(service_principal: &ServicePrincipal, reads: ManagedReads, directory: &Directory) -> LiveApp {
    // Specs name owners by UPN: only users are managed. Other owners (the pipeline's own
    // service principal, which creating an app makes an owner) are left alone.
    let owners = reads
        .owners
        .into_iter()
        .filter(|owner| {
            owner.odata_type.as_deref().map_or(owner.user_principal_name.is_some(), |kind| kind.ends_with(".user"))
        })
        .map(|owner| Principal {
            label: owner.user_principal_name.clone().or(owner.display_name.clone()).unwrap_or_else(|| owner.id.clone()),
            id: owner.id,
            kind: PrincipalKind::User,
        })
        .collect();
    let assignments = reads
        .assignments
        .into_iter()
        .filter_map(|assignment| {
            let kind = principal_kind(&assignment)?;
            let known = match kind {
                PrincipalKind::User => directory.users_by_id.get(&assignment.principal_id),
                PrincipalKind::Group => directory.groups_by_id.get(&assignment.principal_id),
            };
            let label =
                known.cloned().or(assignment.principal_display_name).unwrap_or_else(|| assignment.principal_id.clone());
            Some(LiveAssignment {
                id: assignment.id,
                principal: Principal { id: assignment.principal_id, kind, label },
                role_id: assignment.app_role_id,
            })
        })
        .collect();
    let job = reads.jobs.into_iter().next().map(wire::decode_job);
    let schema = reads.schema.as_ref().map(crate::schema_wire::decode_schema);
    let settings = if job.is_some() { wire::decode_settings(reads.settings) } else { Default::default() };
    LiveApp {
        service_principal_id: service_principal.id.clone(),
        app_id: service_principal.app_id.clone(),
        display_name: service_principal.display_name.clone().unwrap_or_default(),
        template_id: service_principal.application_template_id.clone(),
        tags: service_principal.tags.clone(),
        stack: service_principal
            .tags
            .iter()
            .find_map(|tag| tag.strip_prefix(STACK_TAG_PREFIX))
            .unwrap_or(DEFAULT_STACK)
            .to_owned(),
        roles: Roles(
            service_principal
                .app_roles
                .iter()
                .filter(|role| role.allowed_member_types.iter().any(|kind| kind == "User"))
                .map(|role| Role { id: role.id.clone(), name: role.display_name.clone().unwrap_or_default() })
                .collect(),
        ),
        owners,
        job,
        settings,
        assignments,
        schema,
    }
}

/// Users and groups; other principals (service principals) are not scimform's business.
fn principal_kind(assignment: &AppRoleAssignment) -> Option<PrincipalKind> {
    match assignment.principal_type.as_deref() {
        Some("User") => Some(PrincipalKind::User),
        Some("Group") => Some(PrincipalKind::Group),
        _ => None,
    }
}
