//! `--metrics-file` of `drift` and `status`: the run's findings in Prometheus' text
//! exposition format (version 0.0.4), for node_exporter's textfile collector or any scraper
//! of files. One sample per app and metric, labelled `app` and `stack`; the run's own
//! figures unlabelled. Timestamps are exported as such (`…_timestamp_seconds`), so that
//! alerts compute ages with `time() - …` however old the file; the age at the run is there
//! too, for dashboards. The file is written whole or not at all (a temporary file in the
//! same directory, renamed), so a collector never reads half a run.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use scimform_plan::{Action, Plan};

use super::status::AppHealth;

/// What one run found, for the metrics.
pub(crate) struct Run<'a> {
    /// The stack the specs belong to.
    pub(crate) stack: &'a str,
    /// The plan, for `drift` (configuration drift per app); `None` for `status`.
    pub(crate) plan: Option<&'a Plan>,
    /// Every app's health (not only the unhealthy ones `-q` shows).
    pub(crate) apps: &'a [AppHealth],
    /// How long the run took.
    pub(crate) duration: Duration,
    /// When it ended.
    pub(crate) now: SystemTime,
}

/// The exposition text of `run`.
pub(crate) fn text(run: &Run<'_>) -> String {
    let now = run.now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let mut out = String::new();
    let labels = |app: &str| format!("app=\"{}\",stack=\"{}\"", escape(app), escape(run.stack));
    let mut family = |name: &str, help: &str, samples: Vec<(String, f64)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    };
    if let Some(plan) = run.plan {
        let drifted = |app: &str| {
            plan.changes.iter().any(|change| change.action != Action::Repair && app_of(&change.address) == Some(app))
        };
        let samples = run.apps.iter().map(|app| (labels(&app.name), flag(drifted(&app.name)))).collect();
        family("scimform_app_drift", "1 when the app's live configuration differs from its spec.", samples);
    }
    let each = |value: &dyn Fn(&AppHealth) -> Option<f64>| -> Vec<(String, f64)> {
        run.apps.iter().filter_map(|app| Some((labels(&app.name), value(app)?))).collect()
    };
    family("scimform_app_healthy", "1 when the app's provisioning is healthy.", each(&|app| Some(flag(app.healthy))));
    let quarantined = |app: &AppHealth| app.job.as_ref().map(|job| flag(job.quarantine.is_some()));
    family("scimform_app_quarantined", "1 when the app's provisioning job is quarantined.", each(&quarantined));
    let failed = |app: &AppHealth| app.job.as_ref()?.last_execution.as_ref().map(|last| last.escrowed as f64);
    family("scimform_app_failed_objects", "Objects the last provisioning cycle failed (escrowed).", each(&failed));
    let success =
        |app: &AppHealth| unix_seconds(app.job.as_ref()?.last_successful_execution.as_ref()?.ended.as_deref()?);
    family(
        "scimform_app_last_successful_cycle_timestamp_seconds",
        "When the app's last provisioning cycle without errors ended (Unix time).",
        each(&|app| success(app).map(|at| at as f64)),
    );
    family(
        "scimform_app_last_successful_cycle_age_seconds",
        "Seconds from the app's last cycle without errors to this run (alert on time() minus the timestamp instead).",
        each(&|app| success(app).map(|at| (now - at as f64).max(0.0))),
    );
    let run_samples = |value: f64| vec![(format!("stack=\"{}\"", escape(run.stack)), value)];
    family("scimform_run_duration_seconds", "How long the scimform run took.", run_samples(run.duration.as_secs_f64()));
    family("scimform_run_timestamp_seconds", "When the scimform run ended (Unix time).", run_samples(now));
    out
}

/// Writes `text` to `path` whole: a temporary file beside it, then a rename.
pub(crate) fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)
        .with_context(|| format!("cannot write the metrics file next to `{}`", path.display()))?;
    std::fs::rename(&temporary, path).with_context(|| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot move the metrics into `{}`", path.display())
    })
}

fn flag(value: bool) -> f64 {
    if value { 1.0 } else { 0.0 }
}

/// `app.NAME` of a change's address (`app.NAME.provisioning`, `app.NAME.assignment[…]`).
fn app_of(address: &str) -> Option<&str> {
    address.strip_prefix("app.")?.split(['.', '[']).next()
}

/// A label value as the exposition format escapes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Seconds since the Unix epoch of an RFC 3339 UTC time as Graph writes them
/// (`2026-11-30T01:00:00Z`, with or without fractions); `None` for anything else.
fn unix_seconds(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|part| part.parse::<i64>().ok());
    let (year, month, day) = (date.next()??, date.next()??, date.next()??);
    let time = time.split('.').next()?;
    let mut time = time.splitn(3, ':').map(|part| part.parse::<i64>().ok());
    let (hour, minute, second) = (time.next()??, time.next()??, time.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_times_convert_to_unix_seconds() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_seconds("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(unix_seconds("2026-11-30T01:00:00.1234567Z"), Some(1_796_000_400));
        assert_eq!(unix_seconds("2026-11-30T01:00:00+01:00"), None);
        assert_eq!(unix_seconds("yesterday"), None);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
