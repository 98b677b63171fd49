//! The operations of a check, in the order Entra's provisioning service performs them:
//! the credential probe, discovery, the matching queries; with `write`, per dialect a
//! test user's life (create, each mapped attribute added then replaced, several at once,
//! deactivate, reactivate, delete) and a test group's (create, member add and remove,
//! delete), each write read back; then the cleanup of whatever is left.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};

use scimform_scim_dialect::{self as dialect, Change, Dialect, Request, Resource, paths};
use serde_json::{Map, Value, json};
use tokio::time::{Duration, Instant};

use crate::client::{Answer, Client, NoAnswer};
use crate::report::{Check, Cleanup, DialectName, Outcome, Report, ShownRequest, Verdict};
use crate::{Options, Target};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// What the cleanup may take beyond the time limit.
const CLEANUP_TIME: Duration = Duration::from_secs(30);
/// Attributes a test user is created with (when mapped); the others are checked as
/// updates, one at a time, so that each failure names its attribute.
const CREATED_WITH: [&str; 4] = ["userName", "active", "externalId", "displayName"];

pub(crate) async fn run(target: &Target, options: &Options, interrupt: impl Future<Output = ()>) -> Report {
    let deadline = Instant::now() + options.time_limit;
    let client = Client::new(&target.base_url, target.token.clone(), options.pace, deadline);
    let mut checker = Checker {
        client,
        target,
        options,
        report: empty_report(target, options),
        made: Vec::new(),
        names: Vec::new(),
        suffix: suffix(),
    };
    let stopped = tokio::select! {
        () = checker.checks() => None,
        () = interrupt => Some("interrupted".to_owned()),
    };
    if stopped.is_some() {
        checker.report.stopped = stopped;
    }
    checker.cleanup().await;
    checker.finish()
}

fn empty_report(target: &Target, options: &Options) -> Report {
    Report {
        base_url: target.base_url.clone(),
        selected: name_of(target.dialect),
        write: options.write,
        checks: Vec::new(),
        schema: Vec::new(),
        schema_read: false,
        verdicts: Vec::new(),
        cleanup: Cleanup::default(),
        stopped: None,
        ok: false,
    }
}

pub(crate) fn name_of(dialect: Dialect) -> DialectName {
    match dialect {
        Dialect::Default => DialectName::Default,
        Dialect::Compliant => DialectName::Compliant,
    }
}

/// Eight random hex digits (the standard library's per-process random keys), so that
/// test objects never collide with real ones or with another run's.
fn suffix() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher
        .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("{:08x}", hasher.finish() as u32)
}

struct Checker<'t> {
    client: Client,
    target: &'t Target,
    options: &'t Options,
    report: Report,
    /// Test objects made and not yet deleted: (resource, id).
    made: Vec<(Resource, String)>,
    /// Names of test objects that may exist (to find them again when an answer was lost).
    names: Vec<(Resource, String, String)>,
    suffix: String,
}

/// What a row says: the operation, its dialect (none: the same in both), whether
/// required.
struct Row<'o> {
    operation: &'o str,
    dialect: Option<Dialect>,
    required: bool,
}

impl Checker<'_> {
    async fn checks(&mut self) {
        if !self.read_only_checks().await {
            return;
        }
        if !self.options.write {
            let note = "read-only run: `--write` creates a test user and group to check the writes";
            for operation in ["create user", "update attributes", "deactivate user", "reactivate user", "delete user"] {
                self.skip(&Row { operation, dialect: None, required: true }, note);
            }
            return;
        }
        for dialect in [Dialect::Default, Dialect::Compliant] {
            if self.report.stopped.is_some() {
                return;
            }
            self.user_life(dialect).await;
        }
    }

    /// The credential probe, discovery and the matching queries: false when the app
    /// refused the credentials (nothing else can pass then).
    async fn read_only_checks(&mut self) -> bool {
        let probe = dialect::filter_query(Resource::Users, "userName", &format!("scimform-probe-{}", self.suffix));
        let credentials = Row { operation: "credentials (Test Connection's query)", dialect: None, required: true };
        match self.send(&credentials, &probe).await {
            Some(_) => {}
            None => {
                let refused = self.report.checks.last().is_some_and(|check| matches!(check.status, Some(401 | 403)));
                if refused || self.report.stopped.is_some() {
                    return false;
                }
            }
        }
        for (operation, path) in [
            ("discovery /ServiceProviderConfig", "/ServiceProviderConfig"),
            ("discovery /ResourceTypes", "/ResourceTypes"),
            ("discovery /Schemas", "/Schemas"),
        ] {
            let request = Request { method: "GET", path: path.to_owned(), body: None };
            let answer = self.send_optional(operation, &request).await;
            if path == "/Schemas"
                && let Some(served) = answer.and_then(|answer| answer.body)
            {
                self.compare_schemas(&served);
            }
        }
        let matching = self.matching_attribute();
        let query = dialect::filter_query(Resource::Users, &matching, &self.user_name(Dialect::Default));
        self.send(&Row { operation: "match users (filter query)", dialect: None, required: true }, &query).await;
        if self.target.groups {
            let query = dialect::filter_query(Resource::Groups, "displayName", &self.group_name(Dialect::Default));
            self.send(&Row { operation: "match groups (filter query)", dialect: None, required: true }, &query).await;
        }
        true
    }

    fn compare_schemas(&mut self, served: &Value) {
        self.report.schema_read = true;
        let targets: Vec<String> = self.target.users.iter().map(|mapping| mapping.target.clone()).collect();
        self.report.schema = crate::schemas::missing(served, USER_SCHEMA, &targets);
        if self.target.groups {
            let group_targets = ["displayName".to_owned(), "members".to_owned()];
            self.report.schema.extend(crate::schemas::missing(served, GROUP_SCHEMA, &group_targets));
        }
    }

    /// The attribute users are matched by: the mapping with matching precedence 1.
    fn matching_attribute(&self) -> String {
        let mut matching: Vec<&scimform_mapping::AttributeMapping> =
            self.target.users.iter().filter(|mapping| mapping.matching.is_some()).collect();
        matching.sort_by_key(|mapping| mapping.matching);
        matching.first().map_or_else(|| "userName".to_owned(), |mapping| mapping.target.clone())
    }

    fn user_name(&self, dialect: Dialect) -> String {
        format!("scimform-check-{}-{}@example.invalid", self.suffix, name_of(dialect).as_str())
    }

    fn group_name(&self, dialect: Dialect) -> String {
        format!("scimform-check-{}-{}", self.suffix, name_of(dialect).as_str())
    }

    fn mapped(&self, target: &str) -> bool {
        self.target.users.iter().any(|mapping| mapping.target.eq_ignore_ascii_case(target))
    }
}

/// Sending and recording.
impl Checker<'_> {
    /// Sends a request and records the row: the answer when it succeeded.
    async fn send(&mut self, row: &Row<'_>, request: &Request) -> Option<Answer> {
        if self.report.stopped.is_some() {
            self.skip(row, "stopped before it ran");
            return None;
        }
        let sent = self.client.send(request).await;
        let (outcome, status, answer, note) = match &sent {
            Ok(answer) if answer.succeeded() => (Outcome::Passed, Some(answer.status), None, None),
            Ok(answer) => (Outcome::Failed, Some(answer.status), Some(answer.text.clone()), None),
            Err(NoAnswer::TimeLimit) => {
                self.report.stopped = Some("time limit".to_owned());
                (Outcome::Skipped, None, None, Some("the time limit passed before it ran".to_owned()))
            }
            Err(NoAnswer::Transport(message)) => (Outcome::Failed, None, Some(message.clone()), None),
        };
        self.report.checks.push(Check {
            operation: row.operation.to_owned(),
            dialect: row.dialect.map(name_of),
            required: row.required,
            outcome,
            request: Some(shown(request)),
            status,
            answer,
            note,
        });
        sent.ok().filter(Answer::succeeded)
    }

    /// A discovery request: an app that does not serve it answers 404 or 501.
    async fn send_optional(&mut self, operation: &str, request: &Request) -> Option<Answer> {
        let answer = self.send(&Row { operation, dialect: None, required: false }, request).await;
        if let Some(check) = self.report.checks.last_mut()
            && matches!(check.status, Some(404 | 501))
        {
            check.outcome = Outcome::NotOffered;
        }
        answer
    }

    fn skip(&mut self, row: &Row<'_>, note: &str) {
        self.report.checks.push(Check {
            operation: row.operation.to_owned(),
            dialect: row.dialect.map(name_of),
            required: row.required,
            outcome: Outcome::Skipped,
            request: None,
            status: None,
            answer: None,
            note: Some(note.to_owned()),
        });
    }

    /// Marks the last row failed: the app said success but a read-back disagrees.
    fn contradicted(&mut self, note: String) {
        if let Some(check) = self.report.checks.last_mut() {
            check.outcome = Outcome::Failed;
            check.note = Some(note);
        }
    }

    /// The resource as the app now has it (not a row of its own).
    async fn read_back(&mut self, resource: Resource, id: &str) -> Option<Value> {
        let request = Request { method: "GET", path: format!("{}/{id}", resource.endpoint()), body: None };
        self.client.send(&request).await.ok().filter(Answer::succeeded).and_then(|answer| answer.body)
    }
}

fn shown(request: &Request) -> ShownRequest {
    ShownRequest { method: request.method.to_owned(), path: request.path.clone(), body: request.body.clone() }
}

/// A test user's and group's life, in one dialect.
impl Checker<'_> {
    /// A user created with every mapped attribute (as Entra creates one who has them all),
    /// each attribute replaced, several at once, deactivated and reactivated, put in a
    /// group and taken out; then a user created with the fewest attributes, each added
    /// (as Entra adds a value a user gains later); both deleted.
    async fn user_life(&mut self, dialect: Dialect) {
        let paths = self.updatable_paths();
        let name = self.user_name(dialect);
        let mut values = self.created_values(&name);
        for path in &paths {
            values.insert(path.clone(), test_value(path, 1, &self.suffix));
        }
        let row = Row { operation: "create user", dialect: Some(dialect), required: true };
        let Some(id) = self.create_user(&row, &name, &values).await else {
            return;
        };
        self.replacements(dialect, &id, &paths).await;
        self.activation(dialect, &id, false).await;
        self.activation(dialect, &id, true).await;
        if self.target.groups {
            self.group_life(dialect, &id).await;
        }
        self.additions(dialect, &paths).await;
        let row = Row { operation: "delete user", dialect: Some(dialect), required: true };
        self.delete(&row, Resource::Users, &id).await;
    }

    /// The mapped attributes checked as updates: all but those a user is created with
    /// and references (`manager`: Entra writes it once the referenced user exists).
    fn updatable_paths(&self) -> Vec<String> {
        self.target
            .users
            .iter()
            .map(|mapping| mapping.target.clone())
            .filter(|target| !CREATED_WITH.iter().any(|created| created.eq_ignore_ascii_case(target)))
            .filter(|target| !target.to_ascii_lowercase().ends_with(":manager"))
            .collect()
    }

    /// What every test user is created with: `userName`, `active`, and `externalId` and
    /// `displayName` where mapped.
    fn created_values(&self, name: &str) -> Map<String, Value> {
        let mut values = Map::new();
        values.insert("userName".to_owned(), json!(name));
        values.insert("active".to_owned(), json!("True"));
        // Unique per test user: an app may hold externalId unique, as Entra's matching does.
        if self.mapped("externalId") {
            values.insert("externalId".to_owned(), json!(name.split('@').next().unwrap_or(name)));
        }
        if self.mapped("displayName") {
            values.insert("displayName".to_owned(), json!(format!("scimform check {}", self.suffix)));
        }
        values
    }

    async fn create_user(&mut self, row: &Row<'_>, name: &str, values: &Map<String, Value>) -> Option<String> {
        self.names.push((Resource::Users, "userName".to_owned(), name.to_owned()));
        self.create(row, Resource::Users, &dialect::create(Resource::Users, values)).await
    }

    /// A create: the new resource's id, kept for the cleanup.
    async fn create(&mut self, row: &Row<'_>, resource: Resource, request: &Request) -> Option<String> {
        let answer = self.send(row, request).await?;
        let id = answer.body.as_ref().and_then(|body| body["id"].as_str()).map(str::to_owned);
        match id {
            Some(id) => {
                self.made.push((resource, id.clone()));
                Some(id)
            }
            None => {
                self.contradicted(format!("the answer has no `id`: {}", answer.text));
                None
            }
        }
    }

    /// Each attribute replaced (`replace`: a value was exported before), then, where two
    /// or more can, replaced together (the compliance flag merges them into one pathless
    /// `replace`).
    async fn replacements(&mut self, dialect: Dialect, id: &str, paths: &[String]) {
        let mut replaced = Vec::new();
        for path in paths {
            let change = Change {
                path: path.clone(),
                before: Some(test_value(path, 1, &self.suffix)),
                value: test_value(path, 2, &self.suffix),
            };
            let operation = format!("update {path}");
            if self.update(&Row { operation: &operation, dialect: Some(dialect), required: true }, id, change).await
                && !path.contains('[')
            {
                replaced.push(path.clone());
            }
        }
        let rename = Change {
            path: "userName".to_owned(),
            before: Some(json!(self.user_name(dialect))),
            value: json!(format!(
                "scimform-check-{}-{}-renamed@example.invalid",
                self.suffix,
                name_of(dialect).as_str()
            )),
        };
        self.update(&Row { operation: "update userName (rename)", dialect: Some(dialect), required: true }, id, rename)
            .await;
        if replaced.len() >= 2 {
            let changes: Vec<Change> = replaced
                .iter()
                .map(|path| Change {
                    path: path.clone(),
                    before: Some(test_value(path, 2, &self.suffix)),
                    value: test_value(path, 3, &self.suffix),
                })
                .collect();
            let row = Row { operation: "update several attributes at once", dialect: Some(dialect), required: true };
            self.update_all(&row, id, &changes).await;
        }
    }

    /// A user created without the optional attributes, each then added (`add`: nothing
    /// was exported before), as when a user gains a phone number; then deleted.
    async fn additions(&mut self, dialect: Dialect, paths: &[String]) {
        let name = format!("scimform-check-{}-{}-sparse@example.invalid", self.suffix, name_of(dialect).as_str());
        let values = self.created_values(&name);
        let row = Row { operation: "create user (fewest attributes)", dialect: Some(dialect), required: true };
        let Some(id) = self.create_user(&row, &name, &values).await else {
            return;
        };
        for path in paths {
            let change = Change { path: path.clone(), before: None, value: test_value(path, 1, &self.suffix) };
            let operation = format!("update {path} (add, none before)");
            self.update(&Row { operation: &operation, dialect: Some(dialect), required: true }, &id, change).await;
        }
        let row = Row { operation: "delete user (fewest attributes)", dialect: Some(dialect), required: true };
        self.delete(&row, Resource::Users, &id).await;
    }

    async fn update(&mut self, row: &Row<'_>, id: &str, change: Change) -> bool {
        if change.path.eq_ignore_ascii_case("userName")
            && let Some(name) = change.value.as_str()
        {
            self.names.push((Resource::Users, "userName".to_owned(), name.to_owned()));
        }
        self.update_all(row, id, std::slice::from_ref(&change)).await
    }

    /// One PATCH of several changes, read back.
    async fn update_all(&mut self, row: &Row<'_>, id: &str, changes: &[Change]) -> bool {
        let dialect = row.dialect.unwrap_or(Dialect::Default);
        let request = dialect.update(Resource::Users, id, changes);
        if self.send(row, &request).await.is_none() {
            return false;
        }
        let resource = self.read_back(Resource::Users, id).await.unwrap_or(Value::Null);
        for change in changes {
            let found = paths::get(&resource, &change.path);
            if !same(found, &change.value) {
                let shown = found.map_or_else(|| "nothing".to_owned(), Value::to_string);
                self.contradicted(format!(
                    "the app answered success, but reading the user back shows {shown} at `{}`",
                    change.path
                ));
                return false;
            }
        }
        true
    }

    /// Deactivation (`active` to false) or reactivation, read back.
    async fn activation(&mut self, dialect: Dialect, id: &str, active: bool) {
        let (operation, request) = if active {
            let change = Change { path: "active".to_owned(), before: Some(json!("False")), value: json!("True") };
            ("reactivate user", dialect.update(Resource::Users, id, &[change]))
        } else {
            ("deactivate user", dialect.deactivate(Resource::Users, id))
        };
        if self.send(&Row { operation, dialect: Some(dialect), required: true }, &request).await.is_none() {
            return;
        }
        let resource = self.read_back(Resource::Users, id).await.unwrap_or(Value::Null);
        if resource["active"] != json!(active) {
            self.contradicted(format!(
                "the app answered success, but reading the user back shows active {}",
                resource["active"]
            ));
        }
    }

    async fn group_life(&mut self, dialect: Dialect, user: &str) {
        let name = self.group_name(dialect);
        self.names.push((Resource::Groups, "displayName".to_owned(), name.clone()));
        let mut values = Map::new();
        values.insert("displayName".to_owned(), json!(name));
        let request = dialect::create(Resource::Groups, &values);
        let row = Row { operation: "create group", dialect: Some(dialect), required: true };
        let Some(group) = self.create(&row, Resource::Groups, &request).await else {
            return;
        };
        for (operation, add) in [("add member", true), ("remove member", false)] {
            let (adding, removing): (&[&str], &[&str]) = if add { (&[user], &[]) } else { (&[], &[user]) };
            let Some(request) = dialect.members(&group, adding, removing).into_iter().next() else { continue };
            if self.send(&Row { operation, dialect: Some(dialect), required: true }, &request).await.is_none() {
                continue;
            }
            let resource = self.read_back(Resource::Groups, &group).await.unwrap_or(Value::Null);
            let member =
                resource["members"].as_array().is_some_and(|members| members.iter().any(|m| m["value"] == user));
            if member != add {
                let shown = if member { "still lists the user" } else { "does not list the user" };
                self.contradicted(format!("the app answered success, but reading the group back, it {shown}"));
            }
        }
        let row = Row { operation: "delete group", dialect: Some(dialect), required: true };
        self.delete(&row, Resource::Groups, &group).await;
    }

    /// A delete, confirmed by a read that finds nothing.
    async fn delete(&mut self, row: &Row<'_>, resource: Resource, id: &str) {
        if self.send(row, &dialect::delete(resource, id)).await.is_none() {
            return;
        }
        self.made.retain(|(kind, made)| !(*kind == resource && made == id));
        if self.read_back(resource, id).await.is_some() {
            self.contradicted("the app answered success, but the resource can still be read".to_owned());
            self.made.push((resource, id.to_owned()));
        }
    }
}

/// Whether a value read back is the one sent (Entra's values are strings; the app may
/// answer a boolean or a number).
fn same(found: Option<&Value>, sent: &Value) -> bool {
    match (found, sent) {
        (Some(Value::String(found)), Value::String(sent)) => found == sent,
        (Some(found), Value::String(sent)) => found.to_string().eq_ignore_ascii_case(sent),
        (Some(found), sent) => found == sent,
        (None, _) => false,
    }
}

/// A test value for a mapped attribute: an address for e-mails, a number for phones, a
/// language tag or country code where the app may check one, text otherwise.
fn test_value(path: &str, round: u32, suffix: &str) -> Value {
    let lower = path.to_ascii_lowercase();
    let text = if lower.starts_with("emails") || lower == "username" {
        format!("scimform-check-{suffix}-{round}@example.invalid")
    } else if lower.starts_with("phonenumbers") {
        format!("+1 555 01{round:02}")
    } else if lower == "preferredlanguage" || lower == "locale" {
        ["en-US", "de-DE", "fr-FR"][round as usize % 3].to_owned()
    } else if lower.ends_with(".country") {
        ["US", "DE", "FR"][round as usize % 3].to_owned()
    } else {
        format!("scimform check {round} {suffix}")
    };
    Value::String(text)
}

/// Cleanup and the verdicts.
impl Checker<'_> {
    /// Deletes every test object still there: those made, and any found by a test name
    /// (a create whose answer was lost). Touches nothing else.
    async fn cleanup(&mut self) {
        self.client.deadline = Instant::now().max(self.client.deadline) + CLEANUP_TIME;
        for (resource, attribute, name) in self.names.clone() {
            let query = dialect::filter_query(resource, &attribute, &name);
            let found = self.client.send(&query).await.ok().and_then(|answer| answer.body);
            for item in found.iter().flat_map(|body| body["Resources"].as_array().into_iter().flatten()) {
                let exact = item[attribute.as_str()].as_str().is_some_and(|value| value.eq_ignore_ascii_case(&name));
                if let (true, Some(id)) = (exact, item["id"].as_str())
                    && !self.made.iter().any(|(kind, made)| *kind == resource && made == id)
                {
                    self.made.push((resource, id.to_owned()));
                }
            }
        }
        // Groups first: a user may still be a member.
        self.made.sort_by_key(|(resource, _)| *resource != Resource::Groups);
        for (resource, id) in std::mem::take(&mut self.made) {
            let label = format!("{}/{id}", resource.endpoint().trim_start_matches('/'));
            let deleted = matches!(self.client.send(&dialect::delete(resource, &id)).await, Ok(answer) if answer.succeeded() || answer.status == 404);
            if deleted { self.report.cleanup.removed.push(label) } else { self.report.cleanup.left.push(label) }
        }
    }

    fn finish(mut self) -> Report {
        for dialect in [Dialect::Default, Dialect::Compliant] {
            let name = name_of(dialect);
            let failed: Vec<String> = self
                .report
                .checks
                .iter()
                .filter(|check| check.required && check.outcome == Outcome::Failed)
                .filter(|check| check.dialect.is_none_or(|of| of == name))
                .map(|check| check.operation.clone())
                .collect();
            let ran =
                self.report.checks.iter().any(|check| check.dialect == Some(name) && check.outcome != Outcome::Skipped);
            let works = failed.is_empty() && (ran || !self.options.write);
            self.report.verdicts.push(Verdict { dialect: name, works, failed });
        }
        let selected = self.report.verdict(self.report.selected).is_some_and(|verdict| verdict.works);
        self.report.ok = selected
            && self.report.schema.is_empty()
            && self.report.stopped.is_none()
            && self.report.cleanup.left.is_empty();
        self.report
    }
}
