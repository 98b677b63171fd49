//! Apply: execute a plan's steps, in order, against Graph.
//!
//! Apply decides nothing the plan did not: it looks up ids by app name (from the refreshed
//! live state, or from the step that created the app), resolves role names to ids on the
//! app, and reads tokens from their references. Every step is idempotent, so re-running
//! after any failure, crash or interrupt converges:
//!
//! - a duplicate assignment or owner counts as done; a 404 on delete counts as done;
//! - a create that may have succeeded (timeout, 5xx) is re-checked by reading before it is
//!   repeated: a job that exists is adopted; an app that appeared with the same display
//!   name and template since the plan (it is not one of the plan's look-alikes) is adopted;
//! - tags are merged into the current tags, never written from a stale copy.
//!
//! Ctrl-C (the `cancel` flag) is honoured between steps: the step in flight finishes.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use scimform_graph::models::{NewAppRoleAssignment, SecretPair, ServicePrincipalPatch};
use scimform_graph::{GraphClient, Secret, literal};
use scimform_plan::state::{Live, TokenReference};
use scimform_plan::{Action, DEFAULT_ACCESS, Plan, SecretValue, Step, fingerprint};

use crate::tokens::{TokenEnvironment, TokenError, read_token};

/// How apply behaves.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Set to stop after the step in flight (Ctrl-C).
    pub cancel: Arc<AtomicBool>,
    /// How long to wait for a new app to replicate.
    pub replication_timeout: Duration,
}

impl ApplyOptions {
    /// Two minutes for replication, no cancellation.
    pub fn standard() -> ApplyOptions {
        ApplyOptions { cancel: Arc::new(AtomicBool::new(false)), replication_timeout: Duration::from_secs(120) }
    }
}

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
    /// The token is not the one the plan was made with.
    #[error("{address}: the SCIM token changed since the plan was made; make a new plan")]
    TokenChanged {
        /// The change.
        address: String,
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
}

/// Ids of an app, known from refresh or learnt while applying.
#[derive(Debug, Clone, Default)]
struct AppIds {
    service_principal_id: String,
    app_id: String,
    job_id: Option<String>,
    roles: Vec<(String, String)>,
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
        options,
        apps: live
            .apps
            .iter()
            .map(|(name, app)| {
                let ids = AppIds {
                    service_principal_id: app.service_principal_id.clone(),
                    app_id: app.app_id.clone(),
                    job_id: app.job.as_ref().map(|job| job.id.clone()),
                    roles: app.roles.iter().map(|role| (role.name.clone(), role.id.clone())).collect(),
                };
                (name.clone(), ids)
            })
            .collect(),
        lookalikes: live.lookalikes.iter().map(|lookalike| lookalike.service_principal_id.clone()).collect(),
        fingerprints: plan
            .changes
            .iter()
            .flat_map(|change| &change.steps)
            .filter_map(|step| match step {
                Step::SetTags { app, add, .. } => add
                    .iter()
                    .find_map(|tag| tag.strip_prefix(fingerprint::TAG_PREFIX))
                    .map(|print| (app.clone(), print.to_owned())),
                _ => None,
            })
            .collect(),
    };
    let mut applied = Applied::default();
    for change in &plan.changes {
        if options.cancel.load(Ordering::SeqCst) {
            applied.interrupted = true;
            break;
        }
        on_event(&Event::Started { address: change.address.clone(), action: change.action });
        let started = Instant::now();
        for step in &change.steps {
            executor.step(&change.address, step, on_event).await?;
        }
        on_event(&Event::Completed {
            address: change.address.clone(),
            action: change.action,
            elapsed: started.elapsed(),
        });
        applied.completed.push((change.address.clone(), change.action));
    }
    Ok(applied)
}

struct Executor<'a> {
    client: &'a GraphClient,
    environment: &'a TokenEnvironment,
    options: &'a ApplyOptions,
    apps: HashMap<String, AppIds>,
    lookalikes: Vec<String>,
    /// Token fingerprints the plan will write, by app: the token read now must match.
    fingerprints: HashMap<String, String>,
}

impl Executor<'_> {
    /// Runs an idempotent operation until it succeeds, repeating it after 404s (replication)
    /// and server or transport failures, within the replication timeout.
    async fn persist<F, Fut>(&self, address: &str, what: &str, operation: F) -> Result<(), ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<(), scimform_graph::Error>>,
    {
        let deadline = Instant::now() + self.options.replication_timeout;
        let mut delay = Duration::from_millis(100);
        loop {
            match operation().await {
                Ok(()) => return Ok(()),
                Err(error)
                    if Instant::now() < deadline
                        && (error.is_not_found() || error.status().is_none_or(|status| status >= 500)) => {}
                Err(source) => {
                    return Err(ApplyError::Graph { address: address.to_owned(), what: what.to_owned(), source });
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Polls `read` with growing pauses until it stops answering 404 (replication lag),
    /// within the replication timeout.
    async fn wait_until_readable<T, F, Fut>(
        &self,
        address: &str,
        on_event: &mut (dyn FnMut(&Event) + Send),
        what: &str,
        read: F,
    ) -> Result<(), ApplyError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, scimform_graph::Error>>,
    {
        let deadline = Instant::now() + self.options.replication_timeout;
        let mut delay = Duration::from_millis(100);
        let mut announced = false;
        loop {
            match read().await {
                Ok(_) => return Ok(()),
                // Not there yet, or the service stumbled: keep polling. Giving up here would
                // leave a created but unmarked app behind for the next run to duplicate.
                Err(error) if error.is_not_found() || error.status().is_none_or(|status| status >= 500) => {}
                Err(source) => {
                    return Err(ApplyError::Graph {
                        address: address.to_owned(),
                        what: format!("waiting for {what}"),
                        source,
                    });
                }
            }
            if Instant::now() >= deadline {
                return Err(ApplyError::Replication {
                    address: address.to_owned(),
                    timeout: self.options.replication_timeout,
                });
            }
            if !announced {
                on_event(&Event::Waiting { address: address.to_owned(), what: what.to_owned() });
                announced = true;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    fn ids(&self, address: &str, app: &str) -> Result<&AppIds, ApplyError> {
        self.apps.get(app).ok_or_else(|| ApplyError::Missing {
            address: address.to_owned(),
            message: format!("app `{app}` does not exist in the tenant"),
        })
    }

    fn token(&self, address: &str, app: &str, reference: &TokenReference) -> Result<Secret, ApplyError> {
        let token = read_token(reference, self.environment)
            .map_err(|source| ApplyError::Token { address: address.to_owned(), source })?;
        if let Some(expected) = self.fingerprints.get(app)
            && !fingerprint::matches(token.expose(), expected)
        {
            return Err(ApplyError::TokenChanged { address: address.to_owned() });
        }
        Ok(token)
    }

    async fn step(
        &mut self,
        address: &str,
        step: &Step,
        on_event: &mut (dyn FnMut(&Event) + Send),
    ) -> Result<(), ApplyError> {
        let client = self.client;
        let graph = |what: &str| {
            let address = address.to_owned();
            let what = what.to_owned();
            move |source| ApplyError::Graph { address, what, source }
        };
        match step {
            Step::Instantiate { app, template_id, display_name } => {
                if self.apps.contains_key(app) {
                    return Ok(());
                }
                let created = match client.instantiate(template_id, display_name).await {
                    Ok(created) => (
                        created.service_principal.id,
                        created.service_principal.app_id,
                        created.service_principal.app_roles,
                    ),
                    Err(error) if error.is_retryable() => {
                        // It may have been created: look for an app that was not there at plan time.
                        let filter = format!(
                            "displayName eq {} and applicationTemplateId eq {}",
                            literal(display_name),
                            literal(template_id)
                        );
                        let found = client
                            .list_service_principals(Some(&filter))
                            .await
                            .map_err(graph("looking for the app after a failed create"))?;
                        let fresh: Vec<_> = found
                            .into_iter()
                            .filter(|sp| {
                                !self.lookalikes.contains(&sp.id)
                                    && !sp.tags.iter().any(|tag| tag == scimform_plan::MANAGED_TAG)
                            })
                            .collect();
                        match <[_; 1]>::try_from(fresh) {
                            Ok([sp]) => (sp.id, sp.app_id, sp.app_roles),
                            Err(_) => return Err(graph("creating the app")(error)),
                        }
                    }
                    Err(error) => return Err(graph("creating the app")(error)),
                };
                let (service_principal_id, app_id, roles) = created;
                let roles = roles.into_iter().map(|role| (role.display_name.unwrap_or_default(), role.id)).collect();
                self.apps.insert(app.clone(), AppIds { service_principal_id, app_id, job_id: None, roles });
            }
            Step::WaitForReplication { app } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                self.wait_until_readable(address, on_event, "the new app to replicate", || {
                    client.get_service_principal(&id)
                })
                .await?;
            }
            Step::SetTags { app, add, remove_prefixes } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                // Right after a create this closes the window in which the app exists but is
                // not yet marked as ours; transient failures must not end it early.
                self.persist(address, "writing the tags", || async {
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
                    if tags != current {
                        client
                            .patch_service_principal(
                                &id,
                                &ServicePrincipalPatch { tags: Some(tags), ..Default::default() },
                            )
                            .await?;
                    }
                    Ok(())
                })
                .await?;
            }
            Step::SetDisplayName { app, display_name } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                let patch = ServicePrincipalPatch { display_name: Some(display_name.clone()), ..Default::default() };
                client.patch_service_principal(&id, &patch).await.map_err(graph("renaming the app"))?;
            }
            Step::AddOwner { app, user_id } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                match client.add_service_principal_owner(&id, user_id).await {
                    Ok(()) => {}
                    Err(error) if error.status() == Some(400) && error.to_string().contains("already exist") => {}
                    Err(error) => return Err(graph("adding the owner")(error)),
                }
            }
            Step::RemoveOwner { app, user_id } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                match client.remove_service_principal_owner(&id, user_id).await {
                    Ok(()) => {}
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(graph("removing the owner")(error)),
                }
            }
            Step::CreateJob { app, template_id } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                // A job made by an earlier, interrupted run is adopted.
                let existing = client.list_jobs(&id).await.map_err(graph("reading the provisioning jobs"))?;
                let job_id = match existing.into_iter().next() {
                    Some(job) => job.id,
                    None => {
                        let template = match template_id {
                            Some(template) => template.clone(),
                            None => {
                                let templates = client
                                    .list_synchronization_templates(&id)
                                    .await
                                    .map_err(graph("reading the provisioning templates"))?;
                                templates.into_iter().find(|template| template.default).map(|template| template.id).ok_or_else(|| ApplyError::Missing {
                                    address: address.to_owned(),
                                    message: "the app offers no default provisioning template; is it a gallery app with automatic provisioning?".to_owned(),
                                })?
                            }
                        };
                        match client.create_job(&id, &template).await {
                            Ok(job) => job.id,
                            Err(error) if error.is_retryable() => {
                                let jobs =
                                    client.list_jobs(&id).await.map_err(graph("re-reading the provisioning jobs"))?;
                                jobs.into_iter()
                                    .next()
                                    .map(|job| job.id)
                                    .ok_or_else(|| graph("creating the provisioning job")(error))?
                            }
                            Err(error) => return Err(graph("creating the provisioning job")(error)),
                        }
                    }
                };
                // A new job replicates like a new app: later steps need it readable, and a
                // re-run that listed jobs before it replicated would make a second one.
                self.wait_until_readable(address, on_event, "the new provisioning job to replicate", || {
                    client.get_job(&id, &job_id)
                })
                .await?;
                if let Some(ids) = self.apps.get_mut(app) {
                    ids.job_id = Some(job_id);
                }
            }
            Step::TestConnection { app, base_url, token } => {
                let ids = self.ids(address, app)?.clone();
                let token = self.token(address, app, token)?;
                let credentials = vec![
                    SecretPair { key: "BaseAddress".into(), value: Secret::new(base_url.clone()) },
                    SecretPair { key: "SecretToken".into(), value: token },
                ];
                let result = client
                    .validate_credentials(&ids.service_principal_id, ids.job_id.as_deref(), None, &credentials)
                    .await;
                match result {
                    Ok(()) => {}
                    Err(error) if error.status() == Some(400) => {
                        return Err(ApplyError::TestConnection { address: address.to_owned(), source: error });
                    }
                    Err(error) => return Err(graph("testing the connection")(error)),
                }
            }
            Step::SaveSecrets { app, secrets } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                let mut pairs = Vec::new();
                for setting in secrets {
                    let value = match &setting.value {
                        SecretValue::Plain(value) => Secret::new(value.clone()),
                        SecretValue::Token(reference) => self.token(address, app, reference)?,
                    };
                    pairs.push(SecretPair { key: setting.key.clone(), value });
                }
                client.put_secrets(&id, &pairs).await.map_err(graph("saving the provisioning credentials"))?;
            }
            Step::StartJob { app }
            | Step::PauseJob { app }
            | Step::RestartJob { app, .. }
            | Step::DeleteJob { app } => {
                let ids = self.ids(address, app)?.clone();
                let Some(job_id) = ids.job_id.clone() else {
                    if matches!(step, Step::DeleteJob { .. }) {
                        return Ok(());
                    }
                    return Err(ApplyError::Missing {
                        address: address.to_owned(),
                        message: format!("app `{app}` has no provisioning job"),
                    });
                };
                let sp = &ids.service_principal_id;
                let result = match step {
                    Step::StartJob { .. } => {
                        client.start_job(sp, &job_id).await.map_err(graph("starting provisioning"))
                    }
                    Step::PauseJob { .. } => client.pause_job(sp, &job_id).await.map_err(graph("pausing provisioning")),
                    Step::RestartJob { reset_scope, .. } => {
                        client.restart_job(sp, &job_id, reset_scope).await.map_err(graph("restarting provisioning"))
                    }
                    _ => match client.delete_job(sp, &job_id).await {
                        Err(error) if error.is_not_found() => Ok(()),
                        other => other.map_err(graph("deleting the provisioning job")),
                    },
                };
                result?;
            }
            Step::Assign { app, principal_id, role } => {
                let ids = self.ids(address, app)?.clone();
                let app_role_id = match role {
                    None => DEFAULT_ACCESS.to_owned(),
                    Some(role) => {
                        ids.roles.iter().find(|(name, _)| name == role).map(|(_, id)| id.clone()).ok_or_else(|| {
                            ApplyError::Missing {
                                address: address.to_owned(),
                                message: format!("app `{app}` has no role `{role}`"),
                            }
                        })?
                    }
                };
                let assignment = NewAppRoleAssignment {
                    principal_id: principal_id.clone(),
                    resource_id: ids.service_principal_id.clone(),
                    app_role_id,
                };
                match client.create_assignment(&assignment).await {
                    Ok(_) => {}
                    Err(error) if error.is_duplicate_assignment() => {}
                    Err(error) if error.is_retryable() => {
                        // It may have been made: look before trying again.
                        let current = client
                            .list_assignments(&ids.service_principal_id)
                            .await
                            .map_err(graph("re-reading the assignments"))?;
                        if !current.iter().any(|existing| {
                            existing.principal_id == assignment.principal_id
                                && existing.app_role_id == assignment.app_role_id
                        }) {
                            return Err(graph("assigning")(error));
                        }
                    }
                    Err(error) => return Err(graph("assigning")(error)),
                }
            }
            Step::Unassign { app, assignment_id } => {
                let id = self.ids(address, app)?.service_principal_id.clone();
                match client.delete_assignment(&id, assignment_id).await {
                    Ok(()) => {}
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(graph("removing the assignment")(error)),
                }
            }
            Step::DeleteApp { app } => {
                let Some(ids) = self.apps.get(app).cloned() else { return Ok(()) };
                match client.delete_application_by_app_id(&ids.app_id).await {
                    Ok(()) => {}
                    Err(error) if error.is_not_found() => {}
                    Err(error) => return Err(graph("deleting the app")(error)),
                }
                self.apps.remove(app);
            }
        }
        Ok(())
    }
}
