//! One provisioning cycle, in two halves: [`gather`] reads the tenant (under the world's
//! lock, no I/O) into a [`CycleInput`]: who is in scope and what each object's mapped
//! attributes are; [`execute`] then acts as Entra's SCIM client against the job's SCIM
//! endpoint (no lock held) and returns a [`CycleOutcome`] that `status.rs` writes back.
//!
//! The per-object algorithm follows `reference/scim/ENTRA-SCIM-CLIENT.md` §1.3–1.4 and §3:
//! match by the matching attribute's filter query (once; the target id is cached as the
//! link), create with every non-null mapped attribute, update with a PatchOp of the
//! changed attributes only (`Add` where the target has no value, `Replace` otherwise),
//! disable (`active` `"False"`, or `false` with `aadOptscim062020`) when a linked user
//! leaves scope unless out-of-scope deletions are skipped, DELETE when the user is deleted
//! in Entra, groups after users: created without members, then member PATCHes. A cycle
//! after start, restart or a schema change is *initial*: linked objects are read back from
//! the target and compared with it; later cycles compare with what was last exported.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::engine_state::{EngineState, Link};
use crate::mappings::{self, ObjectMapping};
use scimform_scim_dialect::{self as dialect, Change, Dialect, Request, Resource};

use crate::world::World;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Where an object stands this cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    InScope,
    /// Unassigned, left an assigned group, failed scoping, or disabled in Entra.
    OutOfScope,
    /// Soft-deleted in Entra (in the recycle bin): disabled like an object out of scope.
    SoftDeleted,
    /// Deleted in Entra for good (purged).
    Deleted,
}

/// A source object and what the mappings make of it.
#[derive(Debug, Clone)]
pub(crate) struct SourceObject {
    pub(crate) id: String,
    pub(crate) display: String,
    pub(crate) presence: Presence,
    /// Mapped target attributes with a value, by target path.
    pub(crate) attributes: Map<String, Value>,
    /// Default values for attributes without one (create only).
    pub(crate) defaults: Map<String, Value>,
    /// Target paths that flow on create only.
    pub(crate) add_only: Vec<String>,
    /// The matching attribute's path and value, in priority order.
    pub(crate) matching: Vec<(String, String)>,
    /// Groups: the source ids of their direct user members.
    pub(crate) members: Vec<String>,
}

/// Everything a cycle needs, read from the tenant.
#[derive(Debug, Clone)]
pub(crate) struct CycleInput {
    pub(crate) sp_id: String,
    pub(crate) sp_display_name: String,
    pub(crate) job_id: String,
    /// The SCIM root requests go to.
    pub(crate) root: String,
    /// Whether the root is the built-in provider, which knows tokens by their digests.
    pub(crate) played: bool,
    pub(crate) token: String,
    pub(crate) dialect: Dialect,
    pub(crate) initial: bool,
    pub(crate) skip_out_of_scope: bool,
    /// The accidental-deletion threshold, when the guard is on.
    pub(crate) threshold: Option<u64>,
    pub(crate) force_deletes: bool,
    pub(crate) users: Vec<SourceObject>,
    pub(crate) groups: Vec<SourceObject>,
    pub(crate) links: BTreeMap<String, Link>,
    /// Escrowed objects and their failures in a row, as the last cycle left them.
    pub(crate) escrows: BTreeMap<String, u32>,
    /// Escrowed objects whose back-off skips this cycle (§4.2).
    pub(crate) waiting: BTreeSet<String>,
    pub(crate) user_flows: String,
    pub(crate) group_flows: String,
}

/// Why a cycle stopped as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fatal {
    /// 401 or 403: the credentials are refused.
    Credentials(String),
    /// A query answered 404 where 200 was expected (SCIM compliance).
    Compliance(String),
    /// The endpoint could not be reached.
    Unreachable(String),
}

/// One object's outcome, for the provisioning logs.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) action: &'static str,
    pub(crate) source_id: String,
    pub(crate) source_display: String,
    pub(crate) group: bool,
    pub(crate) target_id: Option<String>,
    pub(crate) status: &'static str,
    pub(crate) error: Option<(String, String)>,
    pub(crate) modified: Vec<(String, Option<Value>, Option<Value>)>,
}

/// What a cycle did.
#[derive(Debug, Clone, Default)]
pub(crate) struct CycleOutcome {
    pub(crate) links: BTreeMap<String, Link>,
    /// Escrowed objects and their failures in a row (kept for those this cycle skipped).
    pub(crate) escrows: BTreeMap<String, u32>,
    /// Objects that failed this cycle (their back-off starts again).
    pub(crate) failed: BTreeSet<String>,
    pub(crate) rows: Vec<Row>,
    pub(crate) fatal: Option<Fatal>,
    pub(crate) entitled: u64,
    pub(crate) imported: u64,
    pub(crate) exported: u64,
    pub(crate) escrowed: u64,
    pub(crate) held: u64,
    pub(crate) released: bool,
}

fn secret<'a>(secrets: &'a [(String, String)], key: &str) -> Option<&'a str> {
    secrets.iter().rev().find(|(name, _)| name == key).map(|(_, value)| value.as_str())
}

/// Reads what a cycle of `job_id` needs; `None` when the job has no usable credentials
/// or no user mapping. `only` limits the cycle to those source objects (on demand).
pub(crate) fn gather(world: &World, sp_id: &str, job_id: &str, only: Option<&[String]>) -> Option<CycleInput> {
    let tenant = &world.tenant;
    let sync = tenant.synchronization.get(sp_id)?;
    let job = sync.jobs.get(job_id)?;
    let base = secret(&sync.secrets, "BaseAddress").filter(|base| !base.is_empty())?;
    let token = secret(&sync.secrets, "SecretToken").filter(|token| !token.is_empty())?;
    let mappings = mappings::of_schema(&job.schema);
    let users_mapping = mappings.users.filter(|mapping| mapping.enabled)?;
    let groups_mapping = mappings.groups.filter(|mapping| mapping.enabled);
    let sync_all = secret(&sync.secrets, "SyncAll").is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let notifications: Value = secret(&sync.secrets, "SyncNotificationSettings")
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let guard = notifications["DeleteThresholdEnabled"].as_bool().unwrap_or(false)
        || notifications["DeleteThresholdEnabled"].as_str().is_some_and(|value| value.eq_ignore_ascii_case("true"));
    let threshold = notifications["DeleteThresholdValue"]
        .as_u64()
        .or_else(|| notifications["DeleteThresholdValue"].as_str().and_then(|value| value.parse().ok()))
        .filter(|_| guard);
    let engine: &EngineState = &job.engine;
    let (user_scope, group_scope) = scope(world, sp_id, sync_all);
    let wanted = |id: &String| only.is_none_or(|only| only.contains(id));
    let mut users = Vec::new();
    let ids: BTreeSet<&String> = tenant
        .users
        .keys()
        .filter(|id| user_scope.contains(*id))
        .chain(engine.links.iter().filter(|(_, link)| !link.group).map(|(id, _)| id))
        .filter(|id| wanted(id))
        .collect();
    for id in ids {
        users.push(source_user(world, id, user_scope.contains(id), &users_mapping));
    }
    let mut groups = Vec::new();
    if let Some(groups_mapping) = &groups_mapping {
        let ids: BTreeSet<&String> = tenant
            .groups
            .keys()
            .filter(|id| group_scope.contains(*id))
            .chain(engine.links.iter().filter(|(_, link)| link.group).map(|(id, _)| id))
            .filter(|id| wanted(id))
            .collect();
        for id in ids {
            groups.push(source_group(world, id, group_scope.contains(id), groups_mapping));
        }
    }
    Some(CycleInput {
        sp_id: sp_id.to_owned(),
        sp_display_name: tenant
            .service_principals
            .get(sp_id)
            .and_then(|sp| sp["displayName"].as_str())
            .unwrap_or_default()
            .to_owned(),
        job_id: job_id.to_owned(),
        root: world.scim_root(base),
        played: world.scim_root(base).starts_with(&format!("{}/scim/", world.base_url)),
        token: token.to_owned(),
        dialect: Dialect::of_base_url(base),
        initial: engine.initial,
        skip_out_of_scope: secret(&sync.secrets, "SkipOutOfScopeDeletions")
            .is_some_and(|value| value.eq_ignore_ascii_case("true")),
        threshold,
        force_deletes: engine.force_deletes,
        users,
        groups,
        links: engine.links.clone(),
        escrows: engine.escrows.clone(),
        waiting: engine.escrow_waits.iter().filter(|(_, wait)| **wait > 0).map(|(id, _)| id.clone()).collect(),
        user_flows: users_mapping.flow_types.clone(),
        group_flows: groups_mapping.map(|mapping| mapping.flow_types).unwrap_or_default(),
    })
}

/// The users and groups in scope: with SyncAll every enabled user and every security
/// group; otherwise assigned users, the *direct* user members of assigned groups (nested
/// groups are not expanded), and the assigned groups.
fn scope(world: &World, sp_id: &str, sync_all: bool) -> (BTreeSet<String>, BTreeSet<String>) {
    let tenant = &world.tenant;
    let enabled = |id: &str| tenant.users.get(id).is_some_and(|user| user["accountEnabled"].as_bool() != Some(false));
    if sync_all {
        let users = tenant.users.keys().filter(|id| enabled(id)).cloned().collect();
        let groups = tenant
            .groups
            .iter()
            .filter(|(_, group)| group["securityEnabled"] != false)
            .map(|(id, _)| id.clone())
            .collect();
        return (users, groups);
    }
    let mut users = BTreeSet::new();
    let mut groups = BTreeSet::new();
    for assignment in tenant.assignments_of(sp_id) {
        let principal = assignment["principalId"].as_str().unwrap_or_default().to_owned();
        match assignment["principalType"].as_str() {
            Some("User") => {
                users.insert(principal);
            }
            Some("Group") => {
                for member in tenant.members.get(&principal).into_iter().flatten() {
                    if tenant.users.contains_key(member) {
                        users.insert(member.clone());
                    }
                }
                groups.insert(principal);
            }
            _ => {}
        }
    }
    users.retain(|id| enabled(id));
    (users, groups)
}

/// A source attribute of a directory object, as a string (`None`: null or absent).
fn attribute(object: &Map<String, Value>, name: &str) -> Option<String> {
    let key = if name == "objectId" { "id" } else { name };
    match object.get(key)? {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Bool(flag) => Some(if *flag { "True" } else { "False" }.to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn mapped(mapping: &ObjectMapping, lookup: &dyn Fn(&str) -> Option<String>) -> SourceObject {
    let mut object = SourceObject {
        id: String::new(),
        display: String::new(),
        presence: Presence::InScope,
        attributes: Map::new(),
        defaults: Map::new(),
        add_only: Vec::new(),
        matching: Vec::new(),
        members: Vec::new(),
    };
    for attribute in mapping.attributes.iter().filter(|attribute| attribute.target != "members") {
        let value = attribute.source.as_ref().and_then(|source| scimform_mapping::evaluate::evaluate(source, lookup));
        match (value, &attribute.default_value) {
            (Some(value), _) => {
                object.attributes.insert(attribute.target.clone(), json!(value));
            }
            (None, Some(default)) => {
                object.defaults.insert(attribute.target.clone(), json!(default));
            }
            (None, None) => {}
        }
        if attribute.add_only {
            object.add_only.push(attribute.target.clone());
        }
    }
    for matching in mapping.matching() {
        if let Some(value) = object.attributes.get(&matching.target).and_then(Value::as_str) {
            object.matching.push((matching.target.clone(), value.to_owned()));
        }
    }
    object
}

fn source_user(world: &World, id: &str, in_scope: bool, mapping: &ObjectMapping) -> SourceObject {
    let soft_deleted = world.tenant.deleted_users.get(id).map(|deleted| &deleted.object);
    let Some(user) = world.tenant.users.get(id).or(soft_deleted) else {
        return SourceObject { id: id.to_owned(), presence: Presence::Deleted, ..mapped(mapping, &|_| None) };
    };
    let in_scope = in_scope && soft_deleted.is_none();
    // Assignment scope, then the scoping filter: an object that fails it is out of scope
    // (and deprovisioned, as for `scope.groups`).
    let in_scope = in_scope && mapping.in_scope(&|name: &str| attribute(user, name));
    let is_soft_deleted = if in_scope { "False" } else { "True" };
    let lookup = |name: &str| match name {
        "IsSoftDeleted" => Some(is_soft_deleted.to_owned()),
        // References need the referenced user's target id: not provisioned by the
        // emulator (documented in the README).
        "manager" => None,
        _ => attribute(user, name),
    };
    let mut object = mapped(mapping, &lookup);
    object.id = id.to_owned();
    object.display = attribute(user, "userPrincipalName").unwrap_or_else(|| id.to_owned());
    object.presence = match (in_scope, soft_deleted) {
        (_, Some(_)) => Presence::SoftDeleted,
        (true, None) => Presence::InScope,
        (false, None) => Presence::OutOfScope,
    };
    object
}

fn source_group(world: &World, id: &str, in_scope: bool, mapping: &ObjectMapping) -> SourceObject {
    let Some(group) = world.tenant.groups.get(id) else {
        return SourceObject { id: id.to_owned(), presence: Presence::Deleted, ..mapped(mapping, &|_| None) };
    };
    let in_scope = in_scope && mapping.in_scope(&|name: &str| attribute(group, name));
    let lookup = |name: &str| if name == "IsSoftDeleted" { Some("False".to_owned()) } else { attribute(group, name) };
    let mut object = mapped(mapping, &lookup);
    object.id = id.to_owned();
    object.display = attribute(group, "displayName").unwrap_or_else(|| id.to_owned());
    object.presence = if in_scope { Presence::InScope } else { Presence::OutOfScope };
    object.members = world.tenant.members.get(id).cloned().unwrap_or_default();
    object
}

/// A SCIM client for one cycle.
struct Client<'a> {
    http: &'a reqwest::Client,
    root: &'a str,
    token: &'a str,
}

/// A request's answer, or why the cycle must stop.
type Sent = Result<(u16, Option<Value>), Fatal>;

impl Client<'_> {
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Sent {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.root))
            .bearer_auth(self.token)
            .header("accept", "application/scim+json")
            .timeout(REQUEST_TIMEOUT);
        if let Some(body) = body {
            request = request.header("content-type", "application/scim+json").body(body.to_string());
        }
        let response = request.send().await.map_err(|error| {
            Fatal::Unreachable(format!("the SCIM endpoint could not be reached ({})", error.without_url()))
        })?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(Fatal::Credentials(format!(
                "the SCIM endpoint answered {status} to {method} {path}: the credentials are not valid"
            )));
        }
        let body = response.bytes().await.ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        Ok((status, body))
    }

    async fn send_request(&self, request: &Request) -> Sent {
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).expect("the dialect's methods are HTTP methods");
        self.send(method, &request.path, request.body.as_ref()).await
    }

    /// A filter query; 404 is a compliance failure (the service quarantines for it), other
    /// failures are the object's (`Err((status, body))`, escrowed).
    async fn query(
        &self,
        kind: &str,
        path: &str,
        value: &str,
    ) -> Result<Result<Vec<Value>, (u16, Option<Value>)>, Fatal> {
        let resource = if kind == "Groups" { Resource::Groups } else { Resource::Users };
        let (status, body) = self.send_request(&dialect::filter_query(resource, path, value)).await?;
        if status == 404 {
            return Err(Fatal::Compliance(format!("the SCIM endpoint answered 404 to a filter query on /{kind}")));
        }
        if !(200..300).contains(&status) {
            return Ok(Err((status, body)));
        }
        Ok(Ok(body.and_then(|body| body["Resources"].as_array().cloned()).unwrap_or_default()))
    }
}

/// The resource type of a group or a user.
fn resource_of(group: bool) -> Resource {
    if group { Resource::Groups } else { Resource::Users }
}

/// What matching found.
enum Matched {
    Found(String, Map<String, Value>),
    NotFound,
    /// Several target objects match: the object cannot be matched uniquely.
    Ambiguous,
    Failed(u16, Option<Value>),
}

/// Runs the cycle `input` describes against its SCIM endpoint.
pub(crate) async fn execute(http: &reqwest::Client, input: CycleInput) -> CycleOutcome {
    let client = Client { http, root: &input.root, token: &input.token };
    let mut run = Run {
        input: &input,
        client,
        outcome: CycleOutcome { links: input.links.clone(), escrows: input.escrows.clone(), ..CycleOutcome::default() },
        exported: BTreeSet::new(),
    };
    run.outcome.imported = (input.users.len() + input.groups.len()) as u64;
    run.outcome.entitled =
        input.users.iter().chain(&input.groups).filter(|object| object.presence == Presence::InScope).count() as u64;
    if let Err(fatal) = run.all().await {
        run.outcome.fatal = Some(fatal);
    }
    run.outcome.exported = run.exported.len() as u64;
    // Escrows of objects the source no longer has are dropped with them.
    let known: BTreeSet<&str> = input.users.iter().chain(&input.groups).map(|object| object.id.as_str()).collect();
    run.outcome.escrows.retain(|id, _| known.contains(id.as_str()));
    run.outcome
}

struct Run<'a> {
    input: &'a CycleInput,
    client: Client<'a>,
    outcome: CycleOutcome,
    /// The objects written to the target (each counts once, however many requests).
    exported: BTreeSet<String>,
}

/// Deprovisioning this cycle would do: (source object, is a group, delete rather than disable).
type Deprovision<'a> = (&'a SourceObject, bool, bool);

impl Run<'_> {
    async fn all(&mut self) -> Result<(), Fatal> {
        let input = self.input;
        // A restarted emulator knows only a digest of the saved token (its state file
        // keeps no secret): it can still play the SCIM app itself, not send the token on.
        if input.token.starts_with(crate::util::DIGEST_PREFIX) && !input.played {
            return Err(Fatal::Credentials(format!(
                "the emulator was restarted from its state file, which keeps only a digest of this job's token, so it cannot send the token to {}; save the token again (scimform: `apply --replace app.NAME.provisioning.token`)",
                input.root
            )));
        }
        // Every cycle first reads a user that does not exist, as Test Connection does, to
        // check the endpoint and the credentials (§1.1 "random-object reads"): a token
        // revoked since the last cycle shows even when nothing changed.
        if let Err((status, _)) = self.client.query("Users", "userName", &self.probe_value()).await? {
            return Err(Fatal::Compliance(format!("the SCIM endpoint answered {status} to the probe query on /Users")));
        }
        for user in input.users.iter().filter(|user| user.presence == Presence::InScope) {
            self.upsert(user, false).await?;
        }
        for group in input.groups.iter().filter(|group| group.presence == Presence::InScope) {
            self.upsert(group, true).await?;
        }
        let deprovisions = deprovisions(input, &self.outcome.links);
        let over = input.threshold.is_some_and(|threshold| deprovisions.len() as u64 > threshold);
        if over && !input.force_deletes {
            self.outcome.held = deprovisions.len() as u64;
            for (object, group, _) in deprovisions {
                self.row("stagedDelete", object, group, "skipped", None, Vec::new());
            }
            return Ok(());
        }
        self.outcome.released = input.force_deletes;
        for (object, group, delete) in deprovisions {
            self.deprovision(object, group, delete).await?;
        }
        Ok(())
    }
}

impl Run<'_> {
    /// The value of the probe query: a random GUID, as the service sends (§1.2), drawn
    /// from the job and the clock so that no two cycles ask for the same user.
    fn probe_value(&self) -> String {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos());
        let hex = crate::util::digest(&format!("{}:{nanos}", self.input.job_id));
        let hex = hex.trim_start_matches(crate::util::DIGEST_PREFIX);
        format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
    }
}

/// The disables and deletes this cycle would do.
fn deprovisions<'a>(input: &'a CycleInput, links: &BTreeMap<String, Link>) -> Vec<Deprovision<'a>> {
    {
        let mut list = Vec::new();
        for (objects, group, flows) in
            [(&input.users, false, &input.user_flows), (&input.groups, true, &input.group_flows)]
        {
            for object in objects.iter().filter(|object| object.presence != Presence::InScope) {
                let Some(link) = links.get(&object.id) else { continue };
                let delete_flow = flows.split(',').any(|flow| flow.trim().eq_ignore_ascii_case("Delete"));
                match object.presence {
                    // A user disabled for leaving scope is no longer managed: no DELETE
                    // follows (§1.3.8); one disabled because she was soft-deleted is
                    // deleted when she is purged (§3.4).
                    Presence::Deleted if (link.active || link.soft_deleted) && delete_flow => {
                        list.push((object, group, true));
                    }
                    Presence::OutOfScope if group && delete_flow => list.push((object, group, true)),
                    Presence::OutOfScope | Presence::SoftDeleted
                        if !group && link.active && !input.skip_out_of_scope =>
                    {
                        list.push((object, group, false));
                    }
                    _ => {}
                }
            }
        }
        list
    }
}

impl Run<'_> {
    fn row(
        &mut self,
        action: &'static str,
        object: &SourceObject,
        group: bool,
        status: &'static str,
        error: Option<(String, String)>,
        modified: Vec<(String, Option<Value>, Option<Value>)>,
    ) {
        let target_id = self.outcome.links.get(&object.id).map(|link| link.target_id.clone());
        self.outcome.rows.push(Row {
            action,
            source_id: object.id.clone(),
            source_display: object.display.clone(),
            group,
            target_id,
            status,
            error,
            modified,
        });
    }

    fn escrow(&mut self, action: &'static str, object: &SourceObject, group: bool, status: u16, body: Option<Value>) {
        let detail = body.as_ref().and_then(|body| body["detail"].as_str()).unwrap_or("no detail").to_owned();
        let code = if status == 409 {
            "SystemForCrossDomainIdentityManagementEntryConflict"
        } else {
            "SystemForCrossDomainIdentityManagementServiceIncompatible"
        };
        *self.outcome.escrows.entry(object.id.clone()).or_default() += 1;
        self.outcome.failed.insert(object.id.clone());
        self.outcome.escrowed += 1;
        self.row(
            action,
            object,
            group,
            "failure",
            Some((code.to_owned(), format!("the SCIM endpoint answered {status}: {detail}"))),
            Vec::new(),
        );
    }

    async fn upsert(&mut self, object: &SourceObject, group: bool) -> Result<(), Fatal> {
        // An escrowed object waits out its back-off (§4.2); an initial cycle tries all.
        if self.input.waiting.contains(&object.id) && !self.input.initial {
            self.outcome.escrowed += 1;
            return Ok(());
        }
        let kind = if group { "Groups" } else { "Users" };
        let link = self.outcome.links.get(&object.id).cloned();
        let matched = match link {
            Some(link) if !self.input.initial => Matched::Found(link.target_id.clone(), link.exported.clone()),
            Some(link) => {
                let path =
                    format!("/{kind}/{}{}", link.target_id, if group { "?excludedAttributes=members" } else { "" });
                match self.client.send(reqwest::Method::GET, &path, None).await? {
                    (200, Some(resource)) => {
                        Matched::Found(link.target_id.clone(), exported_of(&resource, &object.attributes))
                    }
                    _ => self.matched(kind, object).await?,
                }
            }
            None => self.matched(kind, object).await?,
        };
        match matched {
            Matched::NotFound => self.create(object, group).await?,
            Matched::Found(target_id, exported) => self.update(object, group, target_id, exported).await?,
            Matched::Ambiguous => {
                self.outcome.escrowed += 1;
                *self.outcome.escrows.entry(object.id.clone()).or_default() += 1;
                self.outcome.failed.insert(object.id.clone());
                let error = (
                    "SystemForCrossDomainIdentityManagementMultipleEntriesFound".to_owned(),
                    "several objects in the SCIM app match this object".to_owned(),
                );
                self.row("other", object, group, "failure", Some(error), Vec::new());
            }
            Matched::Failed(status, body) => self.escrow("other", object, group, status, body),
        }
        if group && self.outcome.links.contains_key(&object.id) {
            self.members(object).await?;
        }
        Ok(())
    }

    /// The target object the matching attributes find.
    async fn matched(&mut self, kind: &str, object: &SourceObject) -> Result<Matched, Fatal> {
        for (path, value) in &object.matching {
            let found = match self.client.query(kind, path, value).await? {
                Ok(found) => found,
                Err((status, body)) => return Ok(Matched::Failed(status, body)),
            };
            match found.as_slice() {
                [] => continue,
                [resource] => {
                    let id = resource["id"].as_str().unwrap_or_default().to_owned();
                    return Ok(Matched::Found(id, exported_of(resource, &object.attributes)));
                }
                _ => return Ok(Matched::Ambiguous),
            }
        }
        Ok(Matched::NotFound)
    }

    async fn create(&mut self, object: &SourceObject, group: bool) -> Result<(), Fatal> {
        let flows = if group { &self.input.group_flows } else { &self.input.user_flows };
        if !flows.split(',').any(|flow| flow.trim().eq_ignore_ascii_case("Add")) {
            return Ok(());
        }
        if object.matching.is_empty() {
            self.row(
                "create",
                object,
                group,
                "failure",
                Some((
                    "MissingMatchingAttribute".to_owned(),
                    "the object has no value for the matching attribute".to_owned(),
                )),
                Vec::new(),
            );
            self.outcome.escrowed += 1;
            return Ok(());
        }
        let mut values = object.defaults.clone();
        values.extend(object.attributes.clone());
        match self.client.send_request(&dialect::create(resource_of(group), &values)).await? {
            (201 | 200, Some(resource)) => {
                let target_id = resource["id"].as_str().unwrap_or_default().to_owned();
                let modified = values.iter().map(|(path, value)| (path.clone(), None, Some(value.clone()))).collect();
                self.outcome.links.insert(
                    object.id.clone(),
                    Link { group, target_id, exported: values, active: true, ..Link::default() },
                );
                self.outcome.escrows.remove(&object.id);
                self.exported.insert(object.id.clone());
                self.row("create", object, group, "success", None, modified);
            }
            (status, body) => self.escrow("create", object, group, status, body),
        }
        Ok(())
    }

    async fn update(
        &mut self,
        object: &SourceObject,
        group: bool,
        target_id: String,
        exported: Map<String, Value>,
    ) -> Result<(), Fatal> {
        let changes: Vec<(String, Option<Value>, Value)> = object
            .attributes
            .iter()
            .filter(|(path, _)| !object.add_only.contains(path))
            .filter(|(path, value)| !same(exported.get(*path), value))
            .map(|(path, value)| (path.clone(), exported.get(path).cloned(), value.clone()))
            .collect();
        let mut link =
            Link { group, target_id: target_id.clone(), exported: exported.clone(), active: true, ..Link::default() };
        if let Some(previous) = self.outcome.links.get(&object.id) {
            link.members = previous.members.clone();
            link.dropped = previous.dropped.clone();
        }
        if changes.is_empty() {
            self.outcome.links.insert(object.id.clone(), link);
            return Ok(());
        }
        let wire: Vec<Change> = changes
            .iter()
            .map(|(path, before, value)| Change { path: path.clone(), before: before.clone(), value: value.clone() })
            .collect();
        let request = self.input.dialect.update(resource_of(group), &target_id, &wire);
        match self.client.send_request(&request).await? {
            (200 | 204, _) => {
                for (path, _, value) in &changes {
                    link.exported.insert(path.clone(), value.clone());
                }
                link.active = link.exported.get("active").is_none_or(|value| value.as_str() != Some("False"));
                link.soft_deleted &= !link.active;
                self.outcome.links.insert(object.id.clone(), link);
                self.outcome.escrows.remove(&object.id);
                self.exported.insert(object.id.clone());
                let modified = changes.into_iter().map(|(path, before, after)| (path, before, Some(after))).collect();
                self.row("update", object, group, "success", None, modified);
            }
            (status, body) => {
                self.outcome.links.insert(object.id.clone(), link);
                self.escrow("update", object, group, status, body);
            }
        }
        Ok(())
    }

    /// A group's members: the target ids of its direct members that are provisioned and in
    /// scope, added and removed in PATCHes.
    async fn members(&mut self, group: &SourceObject) -> Result<(), Fatal> {
        let Some(link) = self.outcome.links.get(&group.id).cloned() else { return Ok(()) };
        let in_scope: BTreeSet<&str> = self
            .input
            .users
            .iter()
            .filter(|user| user.presence == Presence::InScope)
            .map(|user| user.id.as_str())
            .collect();
        let target_of = |member: &String| self.outcome.links.get(member).map(|link| link.target_id.clone());
        // Every provisioned source member, active or not, and those in scope now.
        let source: Vec<String> = group.members.iter().filter_map(target_of).collect();
        let in_scope_now: Vec<String> =
            group.members.iter().filter(|member| in_scope.contains(member.as_str())).filter_map(target_of).collect();
        // Memberships removed while the member was inactive stay removed (§1.3.7) for as
        // long as the member stays in the group in Entra.
        let dropped: Vec<String> = link
            .dropped
            .iter()
            .chain(link.members.iter().filter(|id| source.contains(id) && !in_scope_now.contains(id)))
            .filter(|id| source.contains(id))
            .cloned()
            .collect::<BTreeSet<String>>()
            .into_iter()
            .collect();
        let wanted: Vec<String> = in_scope_now.into_iter().filter(|id| !dropped.contains(id)).collect();
        let add: Vec<&String> = wanted.iter().filter(|id| !link.members.contains(id)).collect();
        let remove: Vec<&String> = link.members.iter().filter(|id| !wanted.contains(id)).collect();
        let (add, remove): (Vec<&str>, Vec<&str>) =
            (add.iter().map(|id| id.as_str()).collect(), remove.iter().map(|id| id.as_str()).collect());
        let requests = self.input.dialect.members(&link.target_id, &add, &remove);
        if requests.is_empty() {
            if let Some(link) = self.outcome.links.get_mut(&group.id) {
                link.dropped = dropped;
            }
            return Ok(());
        }
        for request in requests {
            let (status, answer) = self.client.send_request(&request).await?;
            if !(200..300).contains(&status) {
                self.escrow("update", group, true, status, answer);
                return Ok(());
            }
        }
        if let Some(link) = self.outcome.links.get_mut(&group.id) {
            link.members = wanted.clone();
            link.dropped = dropped;
        }
        self.exported.insert(group.id.clone());
        let modified = vec![("members".to_owned(), Some(json!(link.members.len())), Some(json!(wanted.len())))];
        self.row("update", group, true, "success", None, modified);
        Ok(())
    }

    async fn deprovision(&mut self, object: &SourceObject, group: bool, delete: bool) -> Result<(), Fatal> {
        let Some(link) = self.outcome.links.get(&object.id).cloned() else { return Ok(()) };
        let resource = resource_of(group);
        let (action, request) = if delete {
            ("delete", dialect::delete(resource, &link.target_id))
        } else {
            ("disable", self.input.dialect.deactivate(resource, &link.target_id))
        };
        let sent = self.client.send_request(&request).await?;
        match sent {
            (status, _) if (200..300).contains(&status) || (delete && status == 404) => {
                self.exported.insert(object.id.clone());
                let modified = if delete {
                    Vec::new()
                } else {
                    vec![("active".to_owned(), Some(json!("True")), Some(json!("False")))]
                };
                self.row(action, object, group, "success", None, modified);
                if delete {
                    self.outcome.links.remove(&object.id);
                } else if let Some(link) = self.outcome.links.get_mut(&object.id) {
                    link.active = false;
                    link.soft_deleted = object.presence == Presence::SoftDeleted;
                    link.exported.insert("active".to_owned(), json!("False"));
                }
            }
            (status, body) => self.escrow(action, object, group, status, body),
        }
        Ok(())
    }
}

/// The values a target resource holds for the mapped paths, as strings (so that they
/// compare with mapped values, which are strings).
fn exported_of(resource: &Value, attributes: &Map<String, Value>) -> Map<String, Value> {
    attributes
        .keys()
        .filter_map(|path| {
            let value = dialect::paths::get(resource, path)?;
            let text = match value {
                Value::Bool(flag) => {
                    if *flag {
                        "True".to_owned()
                    } else {
                        "False".to_owned()
                    }
                }
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            Some((path.clone(), json!(text)))
        })
        .collect()
}

/// Whether an exported value equals a mapped one (booleans compare without case).
fn same(exported: Option<&Value>, wanted: &Value) -> bool {
    match (exported.and_then(Value::as_str), wanted.as_str()) {
        (Some(left), Some(right)) if left.eq_ignore_ascii_case("true") || left.eq_ignore_ascii_case("false") => {
            left.eq_ignore_ascii_case(right)
        }
        (Some(left), Some(right)) => left == right,
        _ => false,
    }
}
