//! `scimform status`: refresh (no token is read), judge each spec's app's health, render.

use std::collections::BTreeMap;

use scimform_graph::GraphClient;
use scimform_plan::Live;
use scimform_plan::health::{self, Execution, FailureLog, JobHealth, Subject};
use scimform_spec::Spec;
use scimform_spec::model::ProvisioningStatus;

use crate::ExitStatus;
use crate::cli::{Format, GlobalArgs, StatusArgs};
use crate::render;
use crate::render::status::AppHealth;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<ExitStatus> {
    let Some(loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let runtime = super::runtime()?;
    let apps = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Reading provisioning health from {}…", target.description));
        let refreshed = scimform_apply::refresh(&target.client, &loaded.spec).await;
        let apps = match refreshed {
            Ok(refreshed) => {
                let checks = Checks { test_connection: args.test_connection, logs: args.logs };
                assess(&target.client, &loaded.spec, &refreshed.live, &refreshed.health, checks).await
            }
            Err(error) => Err(error.into()),
        };
        target.close().await;
        apps
    })?;
    let quiet = global.quiet && global.format == Format::Human;
    print(global.format, &quieted(quiet, &apps))?;
    Ok(if apps.iter().all(|app| app.healthy) { ExitStatus::Success } else { ExitStatus::Unhealthy })
}

/// With `-q`, only what is wrong: unhealthy apps, their errors.
pub(super) fn quieted(quiet: bool, apps: &[AppHealth]) -> Vec<AppHealth> {
    if !quiet {
        return apps.to_vec();
    }
    apps.iter()
        .filter(|app| !app.healthy)
        .map(|app| {
            let mut app = app.clone();
            app.findings.retain(|finding| finding.level == health::Level::Error);
            app
        })
        .collect()
}

pub(super) fn print(format: Format, apps: &[AppHealth]) -> anyhow::Result<()> {
    let text = match format {
        Format::Human => render::status::human(apps),
        Format::Json => render::status::json(apps),
        Format::Markdown => render::status::markdown(apps),
        Format::Github => render::status::github(apps),
    };
    render::stdout(&text)
}

/// What to check besides the job's status.
#[derive(Debug, Clone, Copy)]
pub(super) struct Checks {
    /// Test Connection with the saved credentials.
    pub(super) test_connection: bool,
    /// How many provisioning-log rows to read per app.
    pub(super) logs: Option<usize>,
}

/// Judges every spec's app; with `test_connection`, first runs Test Connection with the
/// saved credentials of each managed app that has a job; with `logs`, reads its recent
/// provisioning activity.
pub(super) async fn assess(
    client: &GraphClient,
    spec: &Spec,
    live: &Live,
    health: &BTreeMap<String, JobHealth>,
    checks: Checks,
) -> anyhow::Result<Vec<AppHealth>> {
    let test_connection = checks.test_connection;
    let mut apps = Vec::new();
    for app in &spec.apps {
        let managed = live.apps.get(&app.name);
        let job = managed.and(health.get(&app.name));
        let connection = match (managed, job) {
            (Some(managed), Some(job)) if test_connection => Some(
                scimform_apply::inventory::test_saved_connection(client, &managed.service_principal_id, &job.job_id)
                    .await?,
            ),
            _ => None,
        };
        let activity = match (job, checks.logs) {
            (Some(job), Some(top)) => scimform_apply::inventory::recent_activity(client, &job.job_id, top).await?,
            _ => Vec::new(),
        };
        let failures = match job {
            Some(job) if job.last_execution.as_ref().is_some_and(Execution::failed_objects) => {
                let since = job.last_execution.as_ref().and_then(|last| last.began.as_deref());
                scimform_apply::inventory::recent_failures(client, &job.job_id, since).await?
            }
            _ => FailureLog::NotRead,
        };
        let wanted_on = app.provisioning.as_ref().map(|provisioning| provisioning.status == ProvisioningStatus::On);
        let subject = Subject {
            name: &app.name,
            managed: managed.is_some(),
            wanted_on,
            job,
            connection: connection.as_ref(),
            failures: &failures,
            scim_compliance: managed.and_then(|managed| managed.settings.scim_compliance),
        };
        let mut findings = health::assess(&subject);
        findings.sort_by_key(|finding| std::cmp::Reverse(finding.level));
        apps.push(AppHealth {
            name: app.name.clone(),
            file: app.origin.file.clone(),
            line: app.origin.span.line,
            display_name: managed.map(|managed| managed.display_name.clone()),
            service_principal_id: managed.map(|managed| managed.service_principal_id.clone()),
            healthy: !health::is_unhealthy(&findings),
            job: job.cloned(),
            connection,
            findings,
            activity,
        });
    }
    Ok(apps)
}
