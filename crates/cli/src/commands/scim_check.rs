//! `scimform scim-check`: will Entra's provisioning work with this SCIM app? For each
//! spec with provisioning (its base URL, token, mappings and dialect), or for
//! `--base-url`, runs `scimform_scim_check::check` and renders the reports. Ctrl-C stops
//! the checks; the test objects made so far are removed before the command ends.
//!
//! A complete `--write` check of a spec's app is saved (verdicts only: no request, no
//! answer, no token) in `.scimform/scim-check/<app>.json`, and `plan` warns while the saved
//! verdict says the spec's dialect fails for the app at the same base URL
//! ([`plan_warnings`]).

use std::time::Duration;

use anyhow::Context;
use scimform_apply::TokenEnvironment;
use scimform_mapping::{AttributeMapping, Object, reference};
use scimform_scim_check::{Options, Target};
use scimform_scim_dialect::Dialect;
use scimform_spec::model::{App, TokenSource};

use crate::ExitStatus;
use crate::cli::{GlobalArgs, ScimCheckArgs};
use crate::render;
use crate::render::scim_check::Checked;

pub(crate) fn run(global: &GlobalArgs, args: &ScimCheckArgs) -> anyhow::Result<ExitStatus> {
    let targets = match &args.base_url {
        Some(base_url) => vec![given_target(base_url, args.token_env.as_deref().unwrap_or_default())?],
        None => {
            let Some(loaded) = super::load_specs(global, &args.paths, args.stack.as_deref())? else {
                return Ok(ExitStatus::Failure);
            };
            let environment = super::token_environment(&loaded);
            let mut targets = Vec::new();
            for app in loaded.spec.apps.iter().filter(|app| app.provisioning.is_some()) {
                targets.push(spec_target(app, &loaded.sources, &environment)?);
            }
            targets
        }
    };
    if targets.is_empty() {
        render::note(global, "No spec has provisioning: nothing to check.");
        return Ok(ExitStatus::Success);
    }
    let options = Options {
        write: args.write,
        time_limit: Duration::from_secs(args.time_limit),
        pace: Duration::from_millis(args.pace_ms),
    };
    let runtime = super::runtime()?;
    let mut checked = Vec::new();
    for (target, place) in targets {
        render::note(
            global,
            &format!("Checking {}{}…", target.base_url, if options.write { " (with test objects)" } else { "" }),
        );
        let interrupt = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let report = runtime.block_on(scimform_scim_check::check(&target, &options, interrupt));
        let interrupted = report.stopped.as_deref() == Some("interrupted");
        if let Some((app, _, _)) = &place
            && report.write
            && report.stopped.is_none()
        {
            save(app, &report)?;
        }
        checked.push(Checked { place, report });
        if interrupted {
            break;
        }
    }
    render::stdout(&render::scim_check::text(global.format, &checked))?;
    Ok(if checked.iter().all(|checked| checked.report.ok) { ExitStatus::Success } else { ExitStatus::Failure })
}

/// Where a spec's app is written: (app name, file, line of its `baseUrl`).
pub(crate) type Place = Option<(String, String, u32)>;

/// `--base-url` with `--token-env`: the `scim` template's default mappings, groups as the
/// template has them, the dialect the URL's flag selects.
fn given_target(base_url: &str, variable: &str) -> anyhow::Result<(Target, Place)> {
    let url = url::Url::parse(base_url).with_context(|| format!("--base-url `{base_url}` is not a URL"))?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        anyhow::bail!(
            "--base-url must be https (plain http only for a loopback host), so that the token is not sent in clear"
        );
    }
    let token = scimform_apply::read_token(
        &TokenSource::Env { variable: variable.to_owned() },
        &TokenEnvironment::from_process(),
    )
    .with_context(|| "--token-env names the variable holding the SCIM token")?;
    let groups = reference::object(Object::Groups).defaults.enabled;
    let target = Target {
        base_url: without_query(base_url),
        token,
        dialect: Dialect::of_base_url(base_url),
        users: reference::object(Object::Users).defaults.attributes.clone(),
        groups,
    };
    Ok((target, None))
}

/// A spec's app: its base URL and token, its user mappings (the template's defaults with
/// the spec's changes), whether it provisions groups, and its dialect (`scimCompliance`).
fn spec_target(
    app: &App,
    sources: &[scimform_spec::Source],
    environment: &TokenEnvironment,
) -> anyhow::Result<(Target, Place)> {
    let provisioning = app.provisioning.as_ref().expect("filtered to apps with provisioning");
    let credentials = &provisioning.credentials;
    let token = scimform_apply::read_token(&credentials.token, environment)
        .with_context(|| format!("app `{}` ({}): cannot read its SCIM token", app.name, app.origin.file))?;
    let mappings = provisioning.mappings.as_ref();
    let users: Vec<AttributeMapping> = match mappings.and_then(|mappings| mappings.users.as_ref()) {
        Some(users) => users.attributes(Object::Users),
        None => reference::object(Object::Users).defaults.attributes.clone(),
    };
    let groups = match mappings.and_then(|mappings| mappings.groups.as_ref()) {
        Some(groups) => groups.enabled,
        None => reference::object(Object::Groups).defaults.enabled,
    };
    let dialect = if credentials.scim_compliance == Some(true) { Dialect::Compliant } else { Dialect::Default };
    let target = Target { base_url: without_query(credentials.base_url.as_str()), token, dialect, users, groups };
    let line = super::spec_line(sources, &app.origin, "baseUrl");
    Ok((target, Some((app.name.clone(), app.origin.file.clone(), line))))
}

fn without_query(base_url: &str) -> String {
    base_url.split('?').next().unwrap_or_default().trim_end_matches('/').to_owned()
}

/// Where a spec's app's last complete check is kept.
fn saved_path(app: &str) -> std::path::PathBuf {
    std::path::Path::new(".scimform/scim-check").join(format!("{app}.json"))
}

/// What is kept of a check: enough to judge a later plan, nothing from the wire.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedCheck {
    base_url: String,
    /// Per dialect (`default`, `compliant`): the required operations that failed.
    failed: std::collections::BTreeMap<String, Vec<String>>,
}

fn save(app: &str, report: &scimform_scim_check::Report) -> anyhow::Result<()> {
    let failed =
        report.verdicts.iter().map(|verdict| (verdict.dialect.as_str().to_owned(), verdict.failed.clone())).collect();
    let saved = SavedCheck { base_url: report.base_url.clone(), failed };
    let path = saved_path(app);
    crate::files::private_directory(path.parent().expect("a directory"))
        .and_then(|()| crate::files::write_private(&path, &serde_json::to_vec_pretty(&saved).unwrap_or_default()))
        .with_context(|| format!("cannot save the check in {}", path.display()))
}

/// Plan warnings for the apps whose last saved check found their spec's dialect failing
/// at the base URL the spec still names.
pub(crate) fn plan_warnings(spec: &scimform_spec::Spec) -> Vec<scimform_plan::Warning> {
    let mut warnings = Vec::new();
    for app in &spec.apps {
        let Some(credentials) = app.provisioning.as_ref().map(|provisioning| &provisioning.credentials) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(saved_path(&app.name)) else { continue };
        let Ok(saved) = serde_json::from_str::<SavedCheck>(&text) else { continue };
        if saved.base_url != without_query(credentials.base_url.as_str()) {
            continue;
        }
        let (selected, other) =
            if credentials.scim_compliance == Some(true) { ("compliant", "default") } else { ("default", "compliant") };
        let Some(failed) = saved.failed.get(selected).filter(|failed| !failed.is_empty()) else { continue };
        let other_works = saved.failed.get(other).is_some_and(Vec::is_empty);
        let mut message = format!(
            "the last `scimform scim-check --write` found the SCIM app refusing {} operation(s) in the dialect this spec selects ({selected}): {}",
            failed.len(),
            failed.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
        );
        if failed.len() > 3 {
            message.push_str(", …");
        }
        if other_works && selected == "default" {
            message.push_str(
                "; the compliance flag's dialect passed: write `scimCompliance: true` under `provisioning.credentials`",
            );
        }
        message.push_str("; run `scimform scim-check --write` again after changing the spec or the app");
        warnings.push(scimform_plan::Warning {
            address: format!("app.{}", app.name),
            code: "scim-check".to_owned(),
            message,
            location: Some(scimform_plan::SpecLocation::of(&app.origin)),
            acknowledged: false,
        });
    }
    warnings
}
