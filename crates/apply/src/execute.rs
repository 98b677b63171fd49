//! Apply: execute a plan's steps, in order, against Graph.
//!
//! Apply decides nothing the plan did not: it looks up ids by app name (from the refreshed
//! live state, or from the step that created the app), resolves role names to ids on the
//! app, and reads tokens from their references. Every step is idempotent, so re-running
//! after any failure, crash or interrupt converges:
//!
//! - failures are handled by one policy (`retry.rs` on the Graph error's classification):
//!   a 404 on delete counts as done; a create whose outcome is unknown (its answer lost,
//!   or refused as a possible duplicate) is confirmed by reading: an assignment or owner
//!   that exists counts as done, a job that exists is adopted, an app that appeared with
//!   the same display name and template since the plan (not one of the plan's look-alikes)
//!   is adopted;
//! - tags are merged into the current tags, never written from a stale copy.
//!
//! One function per step kind; [`Executor::step`] is an exhaustive match over them.
//! Ctrl-C (the `cancel` flag) is honoured between steps: the step in flight finishes.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scimform_graph::models::{ApplicationPatch, NewAppRoleAssignment, ServicePrincipalPatch};
use scimform_graph::{GraphClient, Intent, MAX_BATCH, Owned, Request, Secret, literal, writes};
use scimform_plan::state::{BaseUrl, Live, ProvisioningSettings, Roles, TokenSource};
use scimform_plan::{Action, Change, Plan, ResetPart, Step, fingerprint};

use crate::lanes::{Relay, app_of_address};
use crate::retry::{Object, Outcome, Retrier};
use crate::tokens::{TokenEnvironment, TokenError, new_salt, read_token};
use crate::wire;
use crate::writes::SharedPacer;

/// How apply behaves.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Set to stop after the step in flight (Ctrl-C).
    pub cancel: Arc<AtomicBool>,
    /// How long one step may keep trying: waiting for a new app to replicate, or retrying
    /// transient failures.
    pub replication_timeout: Duration,
    /// How long to look for what another run (or a lost answer) may have made before
    /// concluding it is not there: a create whose outcome is unknown, an app or job a
    /// concurrent apply created at the same time. A little longer than Graph's usual
    /// replication lag.
    pub settle: Duration,
    /// Tells this run's creations from others' (in the pending display name of new apps).
    pub run_id: String,
    /// The stack planned for: named in the pending display name of new apps, so that
    /// another stack's run never takes them for its own strays.
    pub stack: String,
    /// Writes per second that runs of assignment changes are paced to (sent 20 to a
    /// `$batch`): Graph's write quota per app and tenant is 3,000 per 150 s, 20 a second.
    pub write_rate: f64,
}

impl ApplyOptions {
    /// Two minutes for replication, two seconds to settle, no cancellation, a fresh run id.
    pub fn standard() -> ApplyOptions {
        let run_id: String = crate::tokens::new_salt()[..4].iter().map(|byte| format!("{byte:02x}")).collect();
        ApplyOptions {
            cancel: Arc::new(AtomicBool::new(false)),
            replication_timeout: Duration::from_secs(120),
            settle: Duration::from_secs(2),
            run_id,
            stack: scimform_plan::DEFAULT_STACK.to_owned(),
            write_rate: crate::writes::GRAPH_WRITE_RATE,
        }
    }
}

/// Most times an operation whose outcome stayed unknown is tried again.
const UNCONFIRMED_ATTEMPTS: usize = 3;
/// Pause between looks while settling.
const SETTLE_POLL: Duration = Duration::from_millis(250);
/// How long removing an app this run created may wait for it to replicate.
const ROLLBACK_BUDGET: Duration = Duration::from_secs(30);

/// What apply reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A change begins.
    Started {
        /// Its address.
        address: String,
        /// Its action.
        action: Action,
    },
    /// Waiting for something (replication).
    Waiting {
        /// The change's address.
        address: String,
        /// What for.
        what: String,
    },
    /// A change of an app this run created failed; the app is being removed again.
    RollingBack {
        /// The app's address.
        address: String,
    },
    /// A change is done.
    Completed {
        /// Its address.
        address: String,
        /// Its action.
        action: Action,
        /// How long it took.
        elapsed: Duration,
    },
}

/// What apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes completed, in order.
    pub completed: Vec<(String, Action)>,
    /// Whether it stopped early because of Ctrl-C.
    pub interrupted: bool,
}

impl Applied {
    /// (added, changed, destroyed), counted like the plan's summary.
    pub fn summary(&self) -> (usize, usize, usize) {
        let count = |wanted: &[Action]| self.completed.iter().filter(|(_, action)| wanted.contains(action)).count();
        (count(&[Action::Create, Action::Replace]), count(&[Action::Update]), count(&[Action::Delete, Action::Replace]))
    }

    /// How many completed changes had this action.
    pub fn count(&self, action: Action) -> usize {
        self.completed.iter().filter(|(_, done)| *done == action).count()
    }
}

/// Why apply stopped.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// A Graph call failed.
    #[error("{address}: {what} failed")]
    Graph {
        /// The change.
        address: String,
        /// The step.
        what: String,
        /// The Graph error.
        #[source]
        source: scimform_graph::Error,
    },
    /// Test Connection refused the credentials: nothing was saved.
    #[error(
        "{address}: Test Connection failed, so the credentials were not saved; check the SCIM base URL and token (or set `testConnection: false`)"
    )]
    TestConnection {
        /// The change.
        address: String,
        /// Graph's answer.
        #[source]
        source: scimform_graph::Error,
    },
    /// A token cannot be read.
    #[error("{address}: cannot read the SCIM token")]
    Token {
        /// The change.
        address: String,
        /// Why.
        #[source]
        source: TokenError,
    },
    /// A new app did not become readable in time.
    #[error("{address}: the new app did not replicate within {timeout:?}; run apply again to continue")]
    Replication {
        /// The change.
        address: String,
        /// The wait.
        timeout: Duration,
    },
    /// Something the plan names does not exist in the tenant any more.
    #[error("{address}: {message}")]
    Missing {
        /// The change.
        address: String,
        /// What.
        message: String,
    },
    /// The app a change was completing was removed meanwhile: another apply of the same
    /// specs created it at the same time and kept its own copy (see `ensure_single`), or
    /// someone deleted it. The Graph error that revealed it (a 403 under
    /// `Application.ReadWrite.OwnedBy`, or a 404) is logged, not shown: it would blame a
    /// permission.
    #[error(
        "{address}: app `{app}` or its provisioning job was removed while this run was completing it (another apply created it at the same time and kept its own copy, or someone deleted it); nothing is wrong with permissions: run apply again to converge"
    )]
    LostRace {
        /// The change.
        address: String,
        /// The app.
        app: String,
    },
    /// A new app lacks a role the plan assigns.
    #[error("{address}: {message}")]
    Roles {
        /// The change.
        address: String,
        /// What, and what to do.
        message: String,
    },
    /// A repair restarted the job, but Graph still shows it quarantined.
    #[error(
        "{address}: the job was restarted but is still quarantined ({reason}); it was not repaired: check the SCIM app and `scimform status`, then apply again"
    )]
    StillQuarantined {
        /// The change.
        address: String,
        /// The quarantine, in words.
        reason: String,
    },
    /// Changes of several new apps failed (their chains run at once, see `lanes.rs`);
    /// each says what became of its app.
    #[error("changes of {} apps failed:{}", .0.len(), listed(.0))]
    Several(Vec<ApplyError>),
    /// Problems found before the first write: nothing was changed.
    #[error("nothing was changed; {} problem(s) found before the first write:{}", .0.len(), listed(.0))]
    Preflight(Vec<ApplyError>),
    /// A change of an app this run created failed, and the app was removed again.
    #[error(
        "app `{app}` could not be completed, so apply removed it again: the tenant is as it was before for this app (changes to other apps above were made); fix the cause and apply again"
    )]
    RolledBack {
        /// App name.
        app: String,
        /// What failed.
        #[source]
        cause: Box<ApplyError>,
    },
    /// A change of an app this run created failed, and removing the app failed too.
    #[error(
        "app `{app}` could not be completed, and removing it again failed too ({rollback}); the next plan shows what is left of it, and apply completes it"
    )]
    RollbackFailed {
        /// App name.
        app: String,
        /// Why the removal failed, in words.
        rollback: String,
        /// What failed first.
        #[source]
        cause: Box<ApplyError>,
    },
}

fn listed(errors: &[ApplyError]) -> String {
    errors.iter().map(|error| format!("\n  - {}", crate::error_chain(error))).collect()
}

impl ApplyError {
    /// The address of the change that failed (`None` for [`ApplyError::Preflight`]).
    pub fn address(&self) -> Option<&str> {
        match self {
            ApplyError::Graph { address, .. }
            | ApplyError::TestConnection { address, .. }
            | ApplyError::Token { address, .. }
            | ApplyError::Replication { address, .. }
            | ApplyError::Missing { address, .. }
            | ApplyError::LostRace { address, .. }
            | ApplyError::Roles { address, .. }
            | ApplyError::StillQuarantined { address, .. } => Some(address),
            ApplyError::RolledBack { cause, .. } | ApplyError::RollbackFailed { cause, .. } => cause.address(),
            ApplyError::Preflight(_) | ApplyError::Several(_) => None,
        }
    }

    /// Whether a failure of a change to an app this run created calls for removing the
    /// app: yes when running again would fail the same way (Test Connection refused, a
    /// permission, a bad request, a role, a token, retries spent). Not when the failure
    /// says another run is at work on the same app (a 404 or 409 on what this run made,
    /// an app or job gone): two applies that create one app at once share it, and
    /// removing it would undo the other's work; running again converges instead. An
    /// object that never showed up (replication) is such a sign too: a concurrent run
    /// may have removed it.
    fn warrants_rollback(&self) -> bool {
        match self {
            ApplyError::Graph { source, .. } | ApplyError::TestConnection { source, .. } => {
                !matches!(source.status(), Some(404 | 409))
            }
            ApplyError::Token { .. } | ApplyError::Roles { .. } | ApplyError::StillQuarantined { .. } => true,
            ApplyError::Replication { .. }
            | ApplyError::Missing { .. }
            | ApplyError::LostRace { .. }
            | ApplyError::Preflight(_)
            | ApplyError::Several(_)
            | ApplyError::RolledBack { .. }
            | ApplyError::RollbackFailed { .. } => false,
        }
    }
}

/// Ids of an app, known from refresh or learnt while applying.
#[derive(Debug, Clone, Default)]
pub(crate) struct AppIds {
    pub(crate) service_principal_id: String,
    app_id: String,
    job_id: Option<String>,
    pub(crate) roles: Roles,
}

/// Executes `plan` against the tenant whose refreshed state is `live`.
pub async fn apply(
    client: &GraphClient,
    plan: &Plan,
    live: &Live,
    environment: &TokenEnvironment,
    options: &ApplyOptions,
    on_event: &mut (dyn FnMut(&Event) + Send),
) -> Result<Applied, ApplyError> {
    let mut executor = Executor {
        client,
        environment,
        retrier: Retrier { budget: options.replication_timeout, limit: None },
        settle: options.settle,
        run_id: options.run_id.clone(),
        stack: options.stack.clone(),
        apps: live
            .apps
            .iter()
            .map(|(name, app)| {
                let ids = AppIds {
                    service_principal_id: app.service_principal_id.clone(),
                    app_id: app.app_id.clone(),
                    job_id: app.job.as_ref().map(|job| job.id.clone()),
                    roles: app.roles.clone(),
                };
                (name.clone(), ids)
            })
            .collect(),
        tokens: HashMap::new(),
        deleted_jobs: Vec::new(),
        created: BTreeSet::new(),
        replicated: BTreeSet::new(),
    };
    let mut problems = executor.preflight(plan);
    if problems.is_empty() {
        problems = executor.preflight_connections(plan).await;
    }
    if !problems.is_empty() {
        return Err(ApplyError::Preflight(problems));
    }
    let mut applied = Applied::default();
    match executor.run_changes(plan, options, on_event, &mut applied).await {
        Ok(()) => Ok(applied),
        Err(Failed::Here(error)) => Err(executor.roll_back(error, on_event).await),
        Err(Failed::Handled(error)) => Err(error),
    }
}

/// How running the changes failed.
enum Failed {
    /// In the sequence: the caller rolls back.
    Here(ApplyError),
    /// In lanes, each of which rolled its own app back.
    Handled(ApplyError),
}

/// Reports a change done and counts it.
pub(crate) fn completed(change: &Change, started: Instant, on_event: OnEvent<'_>, applied: &mut Applied) {
    on_event(&Event::Completed { address: change.address.clone(), action: change.action, elapsed: started.elapsed() });
    applied.completed.push((change.address.clone(), change.action));
}

pub(crate) type OnEvent<'e> = &'e mut (dyn FnMut(&Event) + Send);

pub(crate) struct Executor<'a> {
    pub(crate) client: &'a GraphClient,
    environment: &'a TokenEnvironment,
    retrier: Retrier,
    settle: Duration,
    run_id: String,
    stack: String,
    apps: HashMap<String, AppIds>,
    /// The SCIM tokens, read once before the first write: Test Connection, the saved
    /// settings and the recorded fingerprint all use the same token.
    tokens: HashMap<String, Secret>,
    /// Jobs this run deleted (a job being recreated): a listing that still shows one
    /// (replication) must not make the new job step adopt it.
    deleted_jobs: Vec<String>,
    /// Apps this run created (and kept, when a concurrent run made the same app): a
    /// failed change of one of them removes it again.
    created: BTreeSet<String>,
    /// Apps this run created and has seen replicated.
    replicated: BTreeSet<String>,
}

/// The ids of an app as Graph describes it.
fn app_ids(service_principal: scimform_graph::models::ServicePrincipal, job_id: Option<String>) -> AppIds {
    let roles = service_principal
        .app_roles
        .into_iter()
        .map(|role| scimform_plan::state::Role { id: role.id, name: role.display_name.unwrap_or_default() })
        .collect();
    AppIds { service_principal_id: service_principal.id, app_id: service_principal.app_id, job_id, roles: Roles(roles) }
}

/// A failed Graph call as an apply error.
fn failed(address: &str, what: &str) -> impl FnOnce(scimform_graph::Error) -> ApplyError {
    let (address, what) = (address.to_owned(), what.to_owned());
    move |source| ApplyError::Graph { address, what, source }
}

impl<'a> Executor<'a> {
    /// Runs the plan's changes: the sequence, then the lanes of new apps (`lanes.rs`).
    async fn run_changes(
        &mut self,
        plan: &Plan,
        options: &ApplyOptions,
        on_event: OnEvent<'_>,
        applied: &mut Applied,
    ) -> Result<(), Failed> {
        let pacer = SharedPacer::new(options.write_rate);
        let split = crate::lanes::split(&plan.changes);
        self.run_sequence(&split.sequence, &pacer, &options.cancel, on_event, applied).await.map_err(Failed::Here)?;
        if applied.interrupted || split.lanes.is_empty() {
            return Ok(());
        }
        self.run_lanes(split.lanes, &pacer, &options.cancel, on_event, applied).await
    }

    /// Runs changes one after another, runs of assignment changes in paced batches.
    async fn run_sequence(
        &mut self,
        changes: &[&Change],
        pacer: &SharedPacer,
        cancel: &AtomicBool,
        on_event: OnEvent<'_>,
        applied: &mut Applied,
    ) -> Result<(), ApplyError> {
        let mut index = 0;
        while index < changes.len() {
            if cancel.load(Ordering::SeqCst) {
                applied.interrupted = true;
                break;
            }
            let run = crate::writes::batchable_run(&changes[index..]);
            if run.len() > 1 {
                self.write_run(run, pacer, cancel, on_event, applied).await?;
                index += run.len();
                continue;
            }
            let change = changes[index];
            index += 1;
            on_event(&Event::Started { address: change.address.clone(), action: change.action });
            let started = Instant::now();
            for step in &change.steps {
                self.step(&change.address, step, on_event).await?;
            }
            completed(change, started, on_event, applied);
        }
        Ok(())
    }

    /// Runs the lanes of new apps, [`crate::lanes::APPS_IN_FLIGHT`] at once, each on an
    /// executor of its own. A lane that fails rolls its app back itself; lanes in flight
    /// then finish, and no other lane starts.
    async fn run_lanes(
        &self,
        lanes: Vec<Vec<&Change>>,
        pacer: &SharedPacer,
        cancel: &AtomicBool,
        on_event: OnEvent<'_>,
        applied: &mut Applied,
    ) -> Result<(), Failed> {
        use futures::StreamExt;
        let relay = Relay::new(on_event, lanes.len());
        let failed = AtomicBool::new(false);
        let (relay, failed) = (&relay, &failed);
        let mut outcomes: Vec<(usize, Applied, Result<(), ApplyError>)> =
            futures::stream::iter(lanes.into_iter().enumerate())
                .map(|(index, lane)| {
                    let mut executor = self.fork(&lane);
                    async move {
                        let mut lane_applied = Applied::default();
                        let mut sink = |event: &Event| relay.event(index, event);
                        let mut result = Ok(());
                        if cancel.load(Ordering::SeqCst) {
                            lane_applied.interrupted = true;
                        } else if !failed.load(Ordering::SeqCst) {
                            result = executor.run_sequence(&lane, pacer, cancel, &mut sink, &mut lane_applied).await;
                        }
                        if let Err(error) = result {
                            failed.store(true, Ordering::SeqCst);
                            result = Err(executor.roll_back(error, &mut sink).await);
                        }
                        relay.finish(index);
                        (index, lane_applied, result)
                    }
                })
                .buffer_unordered(crate::lanes::APPS_IN_FLIGHT)
                .collect()
                .await;
        outcomes.sort_by_key(|(index, _, _)| *index);
        let mut errors = Vec::new();
        for (_, lane_applied, result) in outcomes {
            applied.completed.extend(lane_applied.completed);
            applied.interrupted |= lane_applied.interrupted;
            errors.extend(result.err());
        }
        match errors.len() {
            0 => Ok(()),
            1 => Err(Failed::Handled(errors.remove(0))),
            _ => Err(Failed::Handled(ApplyError::Several(errors))),
        }
    }

    /// An executor for one lane: the ids and tokens of its apps, nothing learnt yet.
    fn fork<'s>(&'s self, lane: &[&Change]) -> Executor<'a> {
        let apps: BTreeSet<&str> = lane.iter().filter_map(|change| app_of_address(&change.address)).collect();
        let mine = |name: &String| apps.contains(name.as_str());
        Executor {
            client: self.client,
            environment: self.environment,
            retrier: self.retrier,
            settle: self.settle,
            run_id: self.run_id.clone(),
            stack: self.stack.clone(),
            apps: self.apps.iter().filter(|(name, _)| mine(name)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            tokens: self.tokens.iter().filter(|(name, _)| mine(name)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            deleted_jobs: Vec::new(),
            created: BTreeSet::new(),
            replicated: BTreeSet::new(),
        }
    }

    /// What can be checked before the first write without a request: every token the plan
    /// uses can be read (and is kept, so that every step uses the same one). Every
    /// problem is returned, none is written. (That a saved plan's tokens are still the
    /// ones it was made with is checked by planning again: a token changed since then
    /// changes the plan.)
    fn preflight(&mut self, plan: &Plan) -> Vec<ApplyError> {
        let mut problems = Vec::new();
        for (change, step) in plan.changes.iter().flat_map(|change| change.steps.iter().map(move |step| (change, step)))
        {
            let (Step::TestConnection { app, token, .. }
            | Step::SaveSettings { app, token, .. }
            | Step::RecordToken { app, token }) = step
            else {
                continue;
            };
            if self.tokens.contains_key(app) {
                continue;
            }
            match read_token(token, self.environment) {
                Ok(secret) => {
                    self.tokens.insert(app.clone(), secret);
                }
                Err(source) => problems.push(ApplyError::Token { address: change.address.clone(), source }),
            }
        }
        problems
    }

    /// After a failed change: when it belongs to an app this run created, the app is
    /// deleted again (its job and assignments go with it), so that a failed create
    /// leaves nothing behind.
    async fn roll_back(&mut self, error: ApplyError, on_event: OnEvent<'_>) -> ApplyError {
        let Some(app) = error.address().and_then(app_of_address).map(str::to_owned) else { return error };
        // A run stopped by its time limit still cleans up after itself.
        self.client.extend_time_limit(ROLLBACK_BUDGET);
        if let Some(lost) = self.lost_race(&app, &error).await {
            return lost;
        }
        if !self.created.contains(&app) || !error.warrants_rollback() {
            return error;
        }
        let address = format!("app.{app}");
        on_event(&Event::RollingBack { address: address.clone() });
        match self.remove_created(&address, &app).await {
            Ok(()) => ApplyError::RolledBack { app, cause: Box::new(error) },
            Err(rollback) => {
                ApplyError::RollbackFailed { app, rollback: crate::error_chain(&rollback), cause: Box::new(error) }
            }
        }
    }

    /// When a change failed because its app is gone (a 404; a 403, which is how Graph
    /// answers a write to a deleted object under `Application.ReadWrite.OwnedBy`; an app
    /// that never showed up) and another app now claims its name, the failure is the race
    /// it is, not a permission. An app this run made that is gone with no claimant is
    /// still replicating: that is not a race (the caller removes it again).
    async fn lost_race(&self, app: &str, error: &ApplyError) -> Option<ApplyError> {
        let suspicious = match error {
            ApplyError::Graph { source, .. } | ApplyError::TestConnection { source, .. } => {
                matches!(source.status(), Some(403 | 404))
            }
            ApplyError::Missing { .. } | ApplyError::Replication { .. } => true,
            _ => false,
        };
        if !suspicious {
            return None;
        }
        let ids = self.apps.get(app)?;
        let own = &ids.service_principal_id;
        match self.client.get_service_principal(own).await {
            Err(gone) if gone.status() == Some(404) => {}
            // The app is there: its job may be what another run removed, keeping its own.
            Ok(_) => return self.lost_job_race(app, ids, error).await,
            Err(_) => return None,
        }
        let filter = format!("tags/any(t:t eq {})", literal(&scimform_plan::name_tag(app)));
        let claimed = self
            .client
            .list_service_principals(Some(&filter))
            .await
            .is_ok_and(|found| found.iter().any(|service_principal| &service_principal.id != own));
        let settled = !self.created.contains(app) || self.replicated.contains(app);
        if !claimed && !settled {
            return None;
        }
        tracing::debug!(app, error = %crate::error_chain(error), "the app is gone: a concurrent run");
        Some(ApplyError::LostRace { address: error.address()?.to_owned(), app: app.to_owned() })
    }

    /// [`Executor::lost_race`] for a job: the job this run was completing is gone and
    /// another job of the app is there.
    async fn lost_job_race(&self, app: &str, ids: &AppIds, error: &ApplyError) -> Option<ApplyError> {
        let job = ids.job_id.as_ref()?;
        let jobs = self.client.list_jobs(&ids.service_principal_id).await.ok()?;
        let replaced = !jobs.iter().any(|listed| &listed.id == job) && !jobs.is_empty();
        replaced.then(|| ApplyError::LostRace {
            address: error.address().unwrap_or_default().to_owned(),
            app: app.to_owned(),
        })
    }

    pub(crate) async fn step(&mut self, address: &str, step: &Step, on_event: OnEvent<'_>) -> Result<(), ApplyError> {
        tracing::debug!(address, step = step.op(), "applying");
        match step {
            Step::Instantiate { app, template_id, display_name } => {
                self.instantiate(address, app, template_id, display_name).await
            }
            Step::WaitForReplication { app } => self.wait_for_replication(address, app, on_event).await,
            Step::SetTags { app, add, remove_prefixes } => self.set_tags(address, app, add, remove_prefixes).await,
            Step::RecordToken { app, token } => self.record_token(address, app, token).await,
            Step::Adopt { app, service_principal_id, add } => self.adopt(address, app, service_principal_id, add).await,
            Step::EnsureSingle { app } => self.ensure_single(address, app).await,
            Step::DeleteStray { app_id } => self.delete_stray(address, app_id).await,
            Step::SetDisplayName { app, display_name } => self.set_display_name(address, app, display_name).await,
            Step::AddOwner { app, user_id } => self.add_owner(address, app, user_id).await,
            Step::RemoveOwner { app, user_id } => self.remove_owner(address, app, user_id).await,
            Step::CreateJob { app, template_id } => {
                self.create_job(address, app, template_id.as_deref(), on_event).await
            }
            Step::TestConnection { app, base_url, scim_compliance, token } => {
                self.test_connection(address, app, base_url, *scim_compliance, token).await
            }
            Step::SaveSettings { app, settings, token } => self.save_settings(address, app, settings, token).await,
            Step::StartJob { app } => self.start_job(address, app).await,
            Step::PauseJob { app } => self.pause_job(address, app).await,
            Step::RestartJob { app, reset } => self.restart_job(address, app, reset).await,
            Step::ConfirmRecovered { app } => self.confirm_recovered(address, app).await,
            Step::CheckRoles { app, roles } => self.check_roles(address, app, roles),
            Step::SetSchema { app, parts } => self.set_schema(address, app, parts).await,
            Step::DeleteJob { app } => self.delete_job(address, app).await,
            Step::Assign { app, principal_id, role } => self.assign(address, app, principal_id, role.as_deref()).await,
            Step::Unassign { app, assignment_id } => self.unassign(address, app, assignment_id).await,
            Step::DeleteApp { app } => self.delete_app(address, app).await,
        }
    }

    // --- Helpers ------------------------------------------------------------------------

    /// The retrier, bounded by the client's time limit as it is now (a clean-up moves it).
    fn retrier(&self) -> Retrier {
        Retrier { limit: self.client.time_limit().map(tokio::time::Instant::from_std), ..self.retrier }
    }

    pub(crate) fn ids(&self, address: &str, app: &str) -> Result<&AppIds, ApplyError> {
        self.apps.get(app).ok_or_else(|| ApplyError::Missing {
            address: address.to_owned(),
            message: format!("app `{app}` does not exist in the tenant"),
        })
    }

    fn service_principal(&self, address: &str, app: &str) -> Result<String, ApplyError> {
        Ok(self.ids(address, app)?.service_principal_id.clone())
    }

    /// The app's service principal and job ids, or an error when it has no job.
    fn job(&self, address: &str, app: &str) -> Result<(String, String), ApplyError> {
        let ids = self.ids(address, app)?;
        let job_id = ids.job_id.clone().ok_or_else(|| ApplyError::Missing {
            address: address.to_owned(),
            message: format!("app `{app}` has no provisioning job"),
        })?;
        Ok((ids.service_principal_id.clone(), job_id))
    }

    /// Test Connection, before the first write, for every app whose job exists (and is
    /// kept) and whose credentials the plan tests: a token the SCIM app refuses (the
    /// pipeline holds another token than the one reviewed, or a wrong one) stops the run
    /// with nothing changed, rather than after the changes before it. (A job made by the
    /// plan can be tested only once it exists; for a new app a refusal then removes it
    /// again.) The step runs again in its place, which costs one request and keeps each
    /// change whole on its own.
    async fn preflight_connections(&self, plan: &Plan) -> Vec<ApplyError> {
        let steps = || plan.changes.iter().flat_map(|change| change.steps.iter().map(move |step| (change, step)));
        let recreated: BTreeSet<&str> = steps()
            .filter_map(|(_, step)| match step {
                Step::DeleteJob { app } => Some(app.as_str()),
                _ => None,
            })
            .collect();
        let mut problems = Vec::new();
        for (change, step) in steps() {
            if let Step::TestConnection { app, base_url, scim_compliance, token } = step
                && self.apps.get(app).is_some_and(|ids| ids.job_id.is_some())
                && !recreated.contains(app.as_str())
                && let Err(error) = self.test_connection(&change.address, app, base_url, *scim_compliance, token).await
            {
                problems.push(error);
            }
        }
        problems
    }

    /// The token preflight read for `app` (read now if preflight did not).
    fn token(&self, address: &str, app: &str, source: &TokenSource) -> Result<Secret, ApplyError> {
        match self.tokens.get(app) {
            Some(token) => Ok(token.clone()),
            None => read_token(source, self.environment)
                .map_err(|source| ApplyError::Token { address: address.to_owned(), source }),
        }
    }

    /// Runs an operation under the failure policy; "already done" counts as done, and an
    /// unconfirmed create is confirmed with `confirm` (true: it happened).
    async fn run<T, F, Fut>(
        &self,
        address: &str,
        what: &str,
        intent: Intent,
        object: Object,
        operation: F,
    ) -> Result<Outcome<T>, ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, scimform_graph::Error>>,
    {
        self.retrier().run(intent, object, |_| {}, operation).await.map_err(failed(address, what))
    }

    /// Like [`Executor::run`] for an operation whose answer is not needed. When its
    /// outcome is unknown, `confirm` (true: it happened) is asked until the settle time is
    /// over; if it still did not happen, the operation is tried again.
    async fn ensure<F, Fut, C, CFut>(
        &self,
        address: &str,
        what: &str,
        intent: Intent,
        operation: F,
        confirm: C,
    ) -> Result<(), ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), scimform_graph::Error>>,
        C: Fn() -> CFut,
        CFut: std::future::Future<Output = Result<bool, scimform_graph::Error>>,
    {
        let find = || async { Ok(confirm().await?.then_some(())) };
        self.create_confirmed(address, what, intent, operation, find).await.map(|_| ())
    }

    /// The one create-and-confirm: runs `create` under the failure policy; when its
    /// outcome is unknown (its answer lost, or its connection dropped before it was
    /// processed), asks `find` until the settle time is over, and when nothing appeared,
    /// creates again, at most `UNCONFIRMED_ATTEMPTS` times. `None`: the retry layer found
    /// it already done (a duplicate owner or assignment; never a create of a new object).
    async fn create_confirmed<T, F, Fut, C, CFut>(
        &self,
        address: &str,
        what: &str,
        intent: Intent,
        create: F,
        find: C,
    ) -> Result<Option<T>, ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, scimform_graph::Error>>,
        C: Fn() -> CFut,
        CFut: std::future::Future<Output = Result<Option<T>, scimform_graph::Error>>,
    {
        for attempt in 1..=UNCONFIRMED_ATTEMPTS {
            let error = match self.run(address, what, intent, Object::Settled, &create).await? {
                Outcome::Done(value) => return Ok(Some(value)),
                Outcome::AlreadyDone => return Ok(None),
                Outcome::Unconfirmed(error) => error,
            };
            if let Some(found) = self.settled(address, &format!("confirming {what}"), &find).await? {
                return Ok(Some(found));
            }
            if attempt == UNCONFIRMED_ATTEMPTS {
                return Err(failed(address, what)(error));
            }
            tracing::debug!(address, what, attempt, "not done after an unknown outcome: trying again");
        }
        unreachable!("the last attempt returns")
    }

    /// Asks `look` until it finds something or the settle time is over: at once, then
    /// after pauses that double from [`SETTLE_POLL`], and once more at the end (what
    /// another run made usually shows within a moment; when nothing is there, which is
    /// the usual case, five looks in two seconds say so as well as eight).
    async fn settled<T, F, Fut>(&self, address: &str, what: &str, look: F) -> Result<Option<T>, ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>, scimform_graph::Error>>,
    {
        let deadline = Instant::now() + self.settle;
        let mut pause = SETTLE_POLL;
        loop {
            if let Some(found) = self.read(address, what, Object::Settled, &look).await? {
                return Ok(Some(found));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            pause *= 2;
        }
    }

    /// A read under the failure policy.
    async fn read<T, F, Fut>(&self, address: &str, what: &str, object: Object, read: F) -> Result<T, ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, scimform_graph::Error>>,
    {
        match self.run(address, what, Intent::Read, object, read).await? {
            Outcome::Done(value) => Ok(value),
            Outcome::AlreadyDone | Outcome::Unconfirmed(_) => {
                unreachable!("reads are never already done or unconfirmed")
            }
        }
    }

    /// Polls `read` until the object it reads has replicated, announcing the wait once.
    async fn await_replication<T, F, Fut>(
        &self,
        address: &str,
        what: &str,
        on_event: OnEvent<'_>,
        read: F,
    ) -> Result<T, ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, scimform_graph::Error>>,
    {
        let announce = |_: &scimform_graph::Error| {
            on_event(&Event::Waiting { address: address.to_owned(), what: what.to_owned() });
        };
        match self.retrier().run(Intent::Read, Object::Fresh, announce, read).await {
            Ok(Outcome::Done(value)) => Ok(value),
            Ok(Outcome::AlreadyDone | Outcome::Unconfirmed(_)) => unreachable!("reads are neither"),
            Err(error) if error.is_not_found() => {
                Err(ApplyError::Replication { address: address.to_owned(), timeout: self.retrier.budget })
            }
            Err(error) => Err(failed(address, &format!("waiting for {what}"))(error)),
        }
    }

    // --- Steps ----------------------------------------------------------------------------

    /// Creates the app under a pending display name only this run writes, so that an
    /// interrupted create leaves an app recognisably scimform's, and a create whose answer
    /// was lost is found again by that name.
    async fn instantiate(
        &mut self,
        address: &str,
        app: &str,
        template_id: &str,
        display_name: &str,
    ) -> Result<(), ApplyError> {
        if self.apps.contains_key(app) {
            return Ok(());
        }
        let client = self.client;
        let pending = scimform_plan::pending_display_name(&self.stack, app, &self.run_id, display_name);
        let filter = format!("displayName eq {}", literal(&pending));
        let create =
            || async { client.instantiate(template_id, &pending).await.map(|created| created.service_principal) };
        // Found again by its pending name, which only this run writes.
        let find = || async {
            Ok(client.list_service_principals(Some(&filter)).await?.into_iter().min_by(|a, b| a.id.cmp(&b.id)))
        };
        let made = self.create_confirmed(address, "creating the app", Intent::Create, create, find).await?;
        let service_principal = made.expect("creates are never already done");
        self.apps.insert(app.to_owned(), app_ids(service_principal, None));
        self.created.insert(app.to_owned());
        Ok(())
    }

    /// After marking a new app: when other managed apps claim its name (an apply running
    /// at the same time), keep the one with the smallest service principal id, delete the
    /// others, and go on with the one kept. Every racer makes the same choice. Others'
    /// marks may take a moment to show, so it looks for the settle time.
    async fn ensure_single(&mut self, address: &str, app: &str) -> Result<(), ApplyError> {
        let own = self.service_principal(address, app)?;
        let client = self.client;
        let filter = format!("tags/any(t:t eq {})", literal(&scimform_plan::name_tag(app)));
        let claimants = self
            .settled(address, "looking for other apps of the same name", || async {
                let mut found = client.list_service_principals(Some(&filter)).await?;
                found.sort_by(|left, right| left.id.cmp(&right.id));
                Ok((found.len() > 1).then_some(found))
            })
            .await?;
        let Some(mut claimants) = claimants else { return Ok(()) };
        let survivor = claimants.remove(0);
        tracing::debug!(address, survivor = %survivor.id, others = claimants.len(), "another apply created this app too");
        for loser in &claimants {
            self.run(address, "deleting a duplicate app", Intent::Delete, Object::Settled, || {
                client.delete_application_by_app_id(&loser.app_id)
            })
            .await?;
        }
        if survivor.id != own {
            // Another run's app is kept: it is not this run's to remove on failure.
            self.created.remove(app);
            let jobs = self
                .read(address, "reading the kept app's jobs", Object::Settled, || client.list_jobs(&survivor.id))
                .await?;
            let job_id = jobs.into_iter().map(|job| job.id).min();
            self.apps.insert(app.to_owned(), app_ids(survivor, job_id));
        }
        Ok(())
    }

    /// Takes over an existing app: learns its ids, then writes the marker tags.
    async fn adopt(&mut self, address: &str, app: &str, id: &str, add: &[String]) -> Result<(), ApplyError> {
        let client = self.client;
        let service_principal = self
            .read(address, "reading the app to adopt", Object::Settled, || client.get_service_principal(id))
            .await?;
        let jobs =
            self.read(address, "reading the adopted app's jobs", Object::Settled, || client.list_jobs(id)).await?;
        let job_id = jobs.into_iter().map(|job| job.id).min();
        self.apps.insert(app.to_owned(), app_ids(service_principal, job_id));
        match self.set_tags(address, app, add, &[]).await {
            Err(ApplyError::Graph { address, source, .. }) if source.status() == Some(403) => {
                return Err(ApplyError::Graph {
                    address,
                    what: "writing the marker tags on the app to adopt (under Application.ReadWrite.OwnedBy a pipeline can change only the apps it owns: have an administrator add the pipeline's service principal to the app's owners, then apply again)".to_owned(),
                    source,
                });
            }
            result => result?,
        }
        // Tags alone do not make an app scimform's (see `ownership`): the identity that
        // adopts it becomes an owner (under OwnedBy it already is one).
        let me = client.identity().await.ok().and_then(|identity| identity.object_id);
        match me {
            Some(me) => self.add_owner(address, app, &me).await,
            None => Ok(()),
        }
    }

    async fn delete_stray(&self, address: &str, app_id: &str) -> Result<(), ApplyError> {
        let client = self.client;
        self.run(address, "deleting the stray app", Intent::Delete, Object::Settled, || {
            client.delete_application_by_app_id(app_id)
        })
        .await?;
        Ok(())
    }

    async fn wait_for_replication(
        &mut self,
        address: &str,
        app: &str,
        on_event: OnEvent<'_>,
    ) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let client = self.client;
        self.await_replication(address, "the new app to replicate", on_event, || client.get_service_principal(&id))
            .await?;
        self.replicated.insert(app.to_owned());
        Ok(())
    }

    /// Tags the app with the fingerprint of the token saved (a fresh salt each time).
    async fn record_token(&self, address: &str, app: &str, source: &TokenSource) -> Result<(), ApplyError> {
        let token = self.token(address, app, source)?;
        let print = tokio::task::spawn_blocking(move || fingerprint::fingerprint(token.expose(), &new_salt()))
            .await
            .expect("fingerprinting does not panic");
        let tag = format!("{}{print}", fingerprint::TAG_PREFIX);
        self.set_tags(address, app, &[tag], &[fingerprint::TAG_PREFIX.to_owned()]).await
    }

    async fn set_tags(
        &self,
        address: &str,
        app: &str,
        add: &[String],
        remove_prefixes: &[String],
    ) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let client = self.client;
        // Right after a create this closes the window in which the app exists but is not
        // yet marked as ours: the app may still be replicating.
        self.run(address, "writing the tags", Intent::Update, Object::Fresh, || async {
            let current = client.get_service_principal(&id).await?.tags;
            let mut tags: Vec<String> = current
                .iter()
                .filter(|tag| !remove_prefixes.iter().any(|prefix| tag.starts_with(prefix)))
                .cloned()
                .collect();
            for tag in add {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
            }
            if tags == current {
                return Ok(());
            }
            let patch = ServicePrincipalPatch { tags: Some(tags), ..Default::default() };
            client.patch_service_principal(&id, &patch).await
        })
        .await?;
        Ok(())
    }

    /// Renames the service principal and its application registration (which otherwise
    /// keeps the name it was created with, the pending one for a new app).
    async fn set_display_name(&self, address: &str, app: &str, display_name: &str) -> Result<(), ApplyError> {
        let ids = self.ids(address, app)?;
        let (id, app_id) = (ids.service_principal_id.clone(), ids.app_id.clone());
        let patch = ServicePrincipalPatch { display_name: Some(display_name.to_owned()), ..Default::default() };
        let client = self.client;
        self.run(address, "renaming the app", Intent::Update, Object::Settled, || {
            client.patch_service_principal(&id, &patch)
        })
        .await?;
        let patch = ApplicationPatch { display_name: Some(display_name.to_owned()), ..Default::default() };
        self.run(address, "renaming the app registration", Intent::Update, Object::Settled, || {
            client.patch_application_by_app_id(&app_id, &patch)
        })
        .await?;
        Ok(())
    }

    async fn add_owner(&self, address: &str, app: &str, user_id: &str) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let (client, of) = (self.client, Owned::ServicePrincipal(&id));
        self.ensure(
            address,
            "adding the owner",
            Intent::Create,
            || client.add_owner(of, user_id),
            || async { Ok(client.list_owner_ids(of).await?.iter().any(|owner| owner == user_id)) },
        )
        .await
    }

    async fn remove_owner(&self, address: &str, app: &str, user_id: &str) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let client = self.client;
        self.run(address, "removing the owner", Intent::Delete, Object::Settled, || {
            client.remove_owner(Owned::ServicePrincipal(&id), user_id)
        })
        .await?;
        Ok(())
    }

    async fn create_job(
        &mut self,
        address: &str,
        app: &str,
        template_id: Option<&str>,
        on_event: OnEvent<'_>,
    ) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let client = self.client;
        // A job made by an earlier, interrupted run is adopted. The app has replicated (a
        // new one was awaited), so a 404 means it is gone (a concurrent run removed its
        // twin): fail at once rather than wait for it.
        let existing =
            self.read(address, "reading the provisioning jobs", Object::Settled, || client.list_jobs(&id)).await?;
        let job_id = match existing.into_iter().find(|job| !self.deleted_jobs.contains(&job.id)) {
            Some(job) => job.id,
            None => self.new_job(address, &id, template_id).await?,
        };
        // A new job replicates like a new app: later steps need it readable, and a re-run
        // that listed jobs before it replicated would make a second one. A concurrent run
        // that made a job for the same app at the same time may have deleted this one,
        // keeping its own (`single_job`): that one is taken as soon as it shows.
        let deleted = &self.deleted_jobs;
        let job_id = self
            .await_replication(address, "the new provisioning job to replicate", on_event, || async {
                match client.get_job(&id, &job_id).await {
                    Ok(_) => Ok(job_id.clone()),
                    Err(error) if error.is_not_found() => client
                        .list_jobs(&id)
                        .await?
                        .into_iter()
                        .map(|job| job.id)
                        .filter(|other| other != &job_id && !deleted.contains(other))
                        .min()
                        .ok_or(error),
                    Err(error) => Err(error),
                }
            })
            .await?;
        let job_id = self.single_job(address, &id, job_id).await?;
        if let Some(ids) = self.apps.get_mut(app) {
            ids.job_id = Some(job_id);
        }
        Ok(())
    }

    /// Like [`Executor::ensure_single`] for jobs: when a concurrent apply made a second job
    /// for the same app, every racer keeps the smallest id and deletes the others.
    async fn single_job(&self, address: &str, id: &str, own: String) -> Result<String, ApplyError> {
        let client = self.client;
        let jobs = self
            .settled(address, "looking for other provisioning jobs", || async {
                let mut jobs: Vec<String> = client.list_jobs(id).await?.into_iter().map(|job| job.id).collect();
                jobs.sort();
                Ok((jobs.len() > 1).then_some(jobs))
            })
            .await?;
        let Some(mut jobs) = jobs else { return Ok(own) };
        let kept = jobs.remove(0);
        for job in &jobs {
            self.run(address, "deleting a duplicate provisioning job", Intent::Delete, Object::Settled, || {
                client.delete_job(id, job)
            })
            .await?;
        }
        Ok(kept)
    }

    async fn new_job(&self, address: &str, id: &str, template_id: Option<&str>) -> Result<String, ApplyError> {
        let client = self.client;
        let template = match template_id {
            Some(template) => template.to_owned(),
            None => self.default_job_template(address, id).await?,
        };
        let create = || async { client.create_job(id, &template).await.map(|job| job.id) };
        let find = || async { Ok(client.list_jobs(id).await?.into_iter().next().map(|job| job.id)) };
        let made =
            self.create_confirmed(address, "creating the provisioning job", Intent::Create, create, find).await?;
        Ok(made.expect("creates are never already done"))
    }

    async fn default_job_template(&self, address: &str, id: &str) -> Result<String, ApplyError> {
        let client = self.client;
        let templates = self
            .read(address, "reading the provisioning templates", Object::Settled, || {
                client.list_synchronization_templates(id)
            })
            .await?;
        templates.into_iter().find(|template| template.default).map(|template| template.id).ok_or_else(|| {
            ApplyError::Missing {
                address: address.to_owned(),
                message:
                    "the app offers no default provisioning template; is it a gallery app with automatic provisioning?"
                        .to_owned(),
            }
        })
    }

    async fn test_connection(
        &self,
        address: &str,
        app: &str,
        base_url: &BaseUrl,
        scim_compliance: bool,
        token: &TokenSource,
    ) -> Result<(), ApplyError> {
        let ids = self.ids(address, app)?;
        let credentials = wire::encode_credentials(base_url, scim_compliance, self.token(address, app, token)?);
        let client = self.client;
        let result = self
            .retrier()
            .run(
                Intent::Update,
                Object::Settled,
                |_| {},
                || client.validate_credentials(&ids.service_principal_id, ids.job_id.as_deref(), None, &credentials),
            )
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if error.status() == Some(400) => {
                Err(ApplyError::TestConnection { address: address.to_owned(), source: error })
            }
            Err(error) => Err(failed(address, "testing the connection")(error)),
        }
    }

    async fn save_settings(
        &self,
        address: &str,
        app: &str,
        settings: &ProvisioningSettings,
        token: &TokenSource,
    ) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let pairs = wire::encode_settings(settings, self.token(address, app, token)?);
        let client = self.client;
        self.run(address, "saving the provisioning credentials", Intent::Update, Object::Settled, || {
            client.put_secrets(&id, &pairs)
        })
        .await?;
        Ok(())
    }

    async fn start_job(&self, address: &str, app: &str) -> Result<(), ApplyError> {
        let (sp, job) = self.job(address, app)?;
        let client = self.client;
        // `start` is not repeated blindly: when its outcome is unknown, the job's schedule says.
        self.ensure(
            address,
            "starting provisioning",
            Intent::Create,
            || client.start_job(&sp, &job),
            || async { Ok(wire::decode_job(client.get_job(&sp, &job).await?).is_running()) },
        )
        .await
    }

    async fn pause_job(&self, address: &str, app: &str) -> Result<(), ApplyError> {
        let (sp, job) = self.job(address, app)?;
        let client = self.client;
        self.run(address, "pausing provisioning", Intent::Update, Object::Settled, || client.pause_job(&sp, &job))
            .await?;
        Ok(())
    }

    async fn restart_job(&self, address: &str, app: &str, reset: &[ResetPart]) -> Result<(), ApplyError> {
        let (sp, job) = self.job(address, app)?;
        let (client, scope) = (self.client, wire::encode_reset(reset));
        self.run(address, "restarting provisioning", Intent::Update, Object::Settled, || {
            client.restart_job(&sp, &job, &scope)
        })
        .await?;
        Ok(())
    }

    /// Reads the job until Graph shows it out of quarantine, for a little longer than the
    /// settle time (five times it: a restart is processed before the job reads back).
    async fn confirm_recovered(&self, address: &str, app: &str) -> Result<(), ApplyError> {
        let (sp, job) = self.job(address, app)?;
        let client = self.client;
        let deadline = Instant::now() + self.settle * 5;
        loop {
            let read = self
                .read(address, "reading the job after the restart", Object::Settled, || client.get_job(&sp, &job))
                .await?;
            let live = wire::decode_job(read);
            if !live.is_quarantined() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let reason = live.quarantine.map_or_else(|| "no details reported".to_owned(), |q| q.describe());
                return Err(ApplyError::StillQuarantined { address: address.to_owned(), reason });
            }
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    /// A new app's roles, as its template made them, include every role the plan assigns
    /// (the plan cannot know a gallery template's roles before the app exists).
    fn check_roles(&self, address: &str, app: &str, roles: &[String]) -> Result<(), ApplyError> {
        let ids = self.ids(address, app)?;
        let missing: Vec<&str> = roles.iter().filter(|role| !ids.roles.contains(role)).map(String::as_str).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let known = ids.roles.names();
        Err(ApplyError::Roles {
            address: address.to_owned(),
            message: format!(
                "the new app has no role {}; its template gives it {}; name one of those in the spec",
                missing.iter().map(|role| format!("`{role}`")).collect::<Vec<_>>().join(", "),
                known.iter().map(|role| format!("`{role}`")).collect::<Vec<_>>().join(", ")
            ),
        })
    }

    /// Reads the schema, replaces the parts the step names, writes it back whole. The
    /// read is fresh (not refresh's) so that nothing changed since is lost; the PUT is
    /// idempotent, so a retry after an unknown outcome is safe.
    async fn set_schema(
        &self,
        address: &str,
        app: &str,
        parts: &[scimform_plan::SchemaPart],
    ) -> Result<(), ApplyError> {
        let (sp, job) = self.job(address, app)?;
        let client = self.client;
        let mut schema = self
            .read(address, "reading the provisioning schema", Object::Settled, || client.get_job_schema(&sp, &job))
            .await?;
        crate::schema_wire::encode_schema(&mut schema, parts)
            .map_err(|message| ApplyError::Missing { address: address.to_owned(), message })?;
        if let Some(object) = schema.as_object_mut() {
            // Graph's read carries these; the PUT body is the resource's properties.
            object.remove("@odata.context");
        }
        self.run(address, "saving the provisioning schema", Intent::Update, Object::Settled, || {
            client.put_job_schema(&sp, &job, &schema)
        })
        .await?;
        Ok(())
    }

    async fn delete_job(&mut self, address: &str, app: &str) -> Result<(), ApplyError> {
        let Some(ids) = self.apps.get(app) else { return Ok(()) };
        let Some(job) = ids.job_id.clone() else { return Ok(()) };
        let (client, sp) = (self.client, ids.service_principal_id.clone());
        self.run(address, "deleting the provisioning job", Intent::Delete, Object::Settled, || {
            client.delete_job(&sp, &job)
        })
        .await?;
        if let Some(ids) = self.apps.get_mut(app) {
            ids.job_id = None;
        }
        self.deleted_jobs.push(job);
        Ok(())
    }

    async fn assign(&self, address: &str, app: &str, principal_id: &str, role: Option<&str>) -> Result<(), ApplyError> {
        let ids = self.ids(address, app)?;
        let app_role_id = ids.roles.id_of(role).ok_or_else(|| ApplyError::Missing {
            address: address.to_owned(),
            message: format!("app `{app}` has no role `{}`", role.unwrap_or_default()),
        })?;
        let assignment = NewAppRoleAssignment {
            principal_id: principal_id.to_owned(),
            resource_id: ids.service_principal_id.clone(),
            app_role_id,
        };
        let client = self.client;
        let create = || async { client.create_assignment(&assignment).await.map(|_| ()) };
        self.ensure(address, "assigning", Intent::Create, create, || async {
            let current = client.list_assignments(&assignment.resource_id).await?;
            Ok(current.iter().any(|existing| {
                existing.principal_id == assignment.principal_id && existing.app_role_id == assignment.app_role_id
            }))
        })
        .await
    }

    async fn unassign(&self, address: &str, app: &str, assignment_id: &str) -> Result<(), ApplyError> {
        let id = self.service_principal(address, app)?;
        let client = self.client;
        self.run(address, "removing the assignment", Intent::Delete, Object::Settled, || {
            client.delete_assignment(&id, assignment_id)
        })
        .await?;
        Ok(())
    }

    /// Deletes an app this run created. Before the app was seen to replicate, a 404 means
    /// "not replicated yet", so the delete is repeated until it finds the app or the
    /// rollback budget is spent (an app that replicates later still carries its pending
    /// name, and the next plan deletes it as a stray); after, a 404 means it is gone.
    async fn remove_created(&mut self, address: &str, app: &str) -> Result<(), ApplyError> {
        let Some(ids) = self.apps.get(app).cloned() else { return Ok(()) };
        let client = self.client;
        let budget = if self.replicated.contains(app) { Duration::ZERO } else { ROLLBACK_BUDGET };
        let deadline = Instant::now() + budget.min(self.retrier.budget);
        loop {
            let outcome = self
                .run(address, "removing the app this run created", Intent::Delete, Object::Settled, || {
                    client.delete_application_by_app_id(&ids.app_id)
                })
                .await?;
            if matches!(outcome, Outcome::Done(())) || Instant::now() >= deadline {
                self.apps.remove(app);
                return Ok(());
            }
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    async fn delete_app(&mut self, address: &str, app: &str) -> Result<(), ApplyError> {
        let Some(ids) = self.apps.get(app).cloned() else { return Ok(()) };
        let client = self.client;
        self.run(address, "deleting the app", Intent::Delete, Object::Settled, || {
            client.delete_application_by_app_id(&ids.app_id)
        })
        .await?;
        self.apps.remove(app);
        Ok(())
    }
}

impl Executor<'_> {
    /// Executes a run of assignment changes in paced batches, reporting each change.
    pub(crate) async fn write_run(
        &mut self,
        run: &[&Change],
        pacer: &SharedPacer,
        cancel: &AtomicBool,
        on_event: OnEvent<'_>,
        applied: &mut Applied,
    ) -> Result<(), ApplyError> {
        for chunk in run.chunks(MAX_BATCH * crate::writes::BATCHES_IN_FLIGHT) {
            if cancel.load(Ordering::SeqCst) {
                applied.interrupted = true;
                return Ok(());
            }
            let requests: Vec<Option<Request>> = chunk.iter().map(|change| self.write_request(change)).collect();
            pacer.take(requests.iter().flatten().count()).await;
            let started = Instant::now();
            let throttled = self.client.throttled_count();
            let outcomes = crate::writes::send_chunk(self.client, chunk, &requests).await;
            if self.client.throttled_count() > throttled {
                pacer.throttled();
            }
            for (&change, done) in chunk.iter().zip(outcomes) {
                on_event(&Event::Started { address: change.address.clone(), action: change.action });
                if !done {
                    // The single-write path: its failure policy and its errors.
                    self.step(&change.address, &change.steps[0], on_event).await?;
                }
                completed(change, started, on_event, applied);
            }
        }
        Ok(())
    }

    /// The request of a one-step assignment change; `None` when it cannot be built (an
    /// unknown app or role: the single-write path reports it).
    fn write_request(&self, change: &Change) -> Option<Request> {
        match &change.steps[0] {
            Step::Assign { app, principal_id, role } => {
                let ids = self.ids(&change.address, app).ok()?;
                Some(writes::create_assignment(&NewAppRoleAssignment {
                    principal_id: principal_id.clone(),
                    resource_id: ids.service_principal_id.clone(),
                    app_role_id: ids.roles.id_of(role.as_deref())?,
                }))
            }
            Step::Unassign { app, assignment_id } => {
                let ids = self.ids(&change.address, app).ok()?;
                Some(writes::delete_assignment(&ids.service_principal_id, assignment_id))
            }
            _ => None,
        }
    }
}
