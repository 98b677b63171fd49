//! `scimform status`: refresh (no token is read), judge each spec's app's health, render.

use std::collections::BTreeMap;

use scimform_apply::health::{Checks, HealthReads};
use scimform_graph::GraphClient;
use scimform_plan::Live;
use scimform_plan::health::{self, FailureLog, JobHealth, Subject};
use scimform_spec::Spec;
use scimform_spec::model::ProvisioningStatus;

use crate::ExitStatus;
use crate::cli::{Format, GlobalArgs, StatusArgs};
use crate::render;
use crate::render::status::AppHealth;
use crate::target;

pub(crate) fn run(global: &GlobalArgs, args: &StatusArgs) -> anyhow::Result<ExitStatus> {
    let started = std::time::Instant::now();
    let Some(mut loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
        return Ok(ExitStatus::Failure);
    };
    let choices = super::Choices { prune: false, replace: &[], allow_deletes: &[], only: &args.only, destroy: false };
    let options = super::plan_options(&loaded, &choices)?;
    super::limit_to_targets(&mut loaded, &options);
    let runtime = super::runtime()?;
    let apps = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Reading provisioning health from {}…", target.description));
        let refreshed = scimform_apply::refresh(&target.client, &loaded.spec).await;
        let apps = match refreshed {
            Ok(refreshed) => {
                let specified = |name: &str| loaded.spec.apps.iter().any(|app| app.name == name);
                match super::check_only_in(&options, specified, &refreshed.live) {
                    Ok(()) => {
                        let checks = Checks { test_connection: args.test_connection, logs: args.logs };
                        assess(&target.client, &loaded.spec, &refreshed.live, &refreshed.health, checks).await
                    }
                    Err(error) => Err(error),
                }
            }
            Err(error) => Err(error.into()),
        };
        target.close().await;
        apps
    })?;
    if let Some(path) = &args.metrics_file {
        let run = render::metrics::Run {
            stack: &loaded.project.stack,
            plan: None,
            apps: &apps,
            duration: started.elapsed(),
            now: std::time::SystemTime::now(),
        };
        render::metrics::write(path, &render::metrics::text(&run))?;
    }
    let quiet = global.quiet && global.format == Format::Human;
    let shown = quieted(quiet, &apps);
    // `-q` prints problems only: nothing when every app is healthy.
    if !(quiet && shown.is_empty() && !apps.is_empty()) {
        print(global.format, &shown)?;
    }
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

/// Judges every spec's app from refresh's job health and the health reads `checks` ask
/// for (made in `scimform_apply::health`, batched); this only assembles and judges.
pub(super) async fn assess(
    client: &GraphClient,
    spec: &Spec,
    live: &Live,
    health: &BTreeMap<String, JobHealth>,
    checks: Checks,
) -> anyhow::Result<Vec<AppHealth>> {
    let names: Vec<&str> = spec.apps.iter().map(|app| app.name.as_str()).collect();
    let mut reads = scimform_apply::health::read(client, live, health, &names, checks).await?;
    let mut apps = Vec::new();
    for app in &spec.apps {
        let managed = live.apps.get(&app.name);
        let job = managed.and(health.get(&app.name));
        let HealthReads { connection, activity, failures } = reads.remove(&app.name).unwrap_or(HealthReads {
            connection: None,
            activity: Vec::new(),
            failures: FailureLog::NotRead,
        });
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
