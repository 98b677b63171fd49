//! `scimform-bench`: the scale benchmark (see README, "Benchmark").
//!
//! Sections, each measured in the same run:
//! - `plan`: a generated tenant of N apps × M assignments over K users, served by the
//!   emulator with injected latency; the release `scimform plan` against it (a plan with
//!   no changes, `--plan-runs` times: medians) and a naive per-object refresh of the same
//!   apps: HTTP requests, sequential round trips, wall, CPU, peak RSS.
//! - `diff`: the planner alone on one app of 100,000 assignments.
//! - `validate`: `scimform validate` of 100 spec files.
//! - `hostile`: `scimform validate` of spec trees built to exhaust it (`hostile.rs`).
//! - `load`: the emulator loading a tenant of 100,000 assignments.
//! - `apply`: 10,000 new assignments against Graph's write quota (time-scaled).
//! - `create`: 50 new apps from nothing (`create.rs`).
//!
//! Every section runs `--runs` times (default 5): the table gives medians with their
//! ranges, and the JSON every number's median, `runs`, and under `ranges` the least and
//! most of every number that varied. It prints a table with the targets and writes the
//! figures as JSON, with the commit and the machine.

// A measuring tool: printing its table and progress is its job (the product prints through
// its renderers only).
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod create;
mod diff;
mod hostile;
mod measure;
mod naive;
mod tenant;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Parser;
use serde_json::{Value, json};

use crate::measure::Usage;
use crate::tenant::Shape;

#[derive(Debug, Parser)]
#[command(about = "scimform's scale benchmark")]
struct Args {
    /// Managed apps in the generated tenant.
    #[arg(long, default_value_t = 200)]
    apps: usize,
    /// User assignments per app (each app also assigns 3 groups).
    #[arg(long, default_value_t = 200)]
    assignments: usize,
    /// Users in the tenant.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Latency the emulator adds to every HTTP request, in milliseconds.
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// Runs of every section; the table gives their medians and ranges (a shared 2-core
    /// machine's CPU speed varies by 10–20 % from one second to the next, so one run says
    /// little).
    #[arg(long, alias = "plan-runs", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Assignments of the diff-only section.
    #[arg(long, default_value_t = 100_000)]
    diff_assignments: usize,
    /// Assignments of the tenant the load section starts the emulator with.
    #[arg(long, default_value_t = 100_000)]
    load_assignments: usize,
    /// New assignments of the apply section.
    #[arg(long, default_value_t = 10_000)]
    apply_assignments: usize,
    /// How many times faster than real time the emulator's throttling quotas run in the
    /// apply section (apply's write rate is raised to match).
    #[arg(long, default_value_t = 10.0)]
    time_scale: f64,
    /// New apps of the create section.
    #[arg(long, default_value_t = 50)]
    create_apps: usize,
    /// Spec files of the validate section.
    #[arg(long, default_value_t = 100)]
    validate_files: usize,
    /// The scimform binary (default: next to this one, as `cargo build --release` puts it).
    #[arg(long)]
    scimform: Option<PathBuf>,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "target/bench.json")]
    json: PathBuf,
    /// The sections to run.
    #[arg(long, value_delimiter = ',', default_value = "plan,naive,diff,validate,hostile,load,apply,create")]
    sections: Vec<String>,
    /// Extra environment for the scimform child processes (`KEY=VALUE`, repeatable), to
    /// measure its settings (`SCIMFORM_WRITE_RATE`, allocator variables, …).
    #[arg(long, value_name = "KEY=VALUE")]
    child_env: Vec<String>,
    /// Instead of measuring: write the plan section's specs into DIR/specs, serve its
    /// tenant (with the latency) until interrupted, and print the environment that points
    /// scimform at it, for profiling scimform by hand.
    #[arg(long, value_name = "DIR")]
    serve: Option<PathBuf>,
    /// Internal: run the diff section in this process and print its figures.
    #[arg(long, hide = true)]
    child_diff: Option<usize>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    CHILD_ENV.set(args.child_env.clone()).expect("set once");
    if let Some(assignments) = args.child_diff {
        let usage = diff::run(assignments);
        println!("{}", serde_json::to_string(&usage)?);
        return Ok(());
    }
    if let Some(directory) = &args.serve {
        let shape = Shape { apps: args.apps, assignments: args.assignments, users: args.users };
        return serve(shape, args.latency_ms, directory);
    }
    let scimform = match &args.scimform {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("scimform"),
    };
    anyhow::ensure!(
        scimform.exists(),
        "no scimform binary at {}: build it first with `cargo build --release -p scimform -p scimform-bench`",
        scimform.display()
    );
    let shape = Shape { apps: args.apps, assignments: args.assignments, users: args.users };
    let work = tempfile::tempdir()?;
    let wanted = |section: &str| args.sections.iter().any(|wanted| wanted == section);
    let mut report = json!({ "shape": shape, "latencyMs": args.latency_ms, "commit": commit(), "machine": machine() });
    if wanted("plan") {
        eprintln!(
            "plan: {} apps × {} assignments over {} users, {} ms latency…",
            shape.apps, shape.assignments, shape.users, args.latency_ms
        );
        let runs = PlanRuns { count: args.runs, latency_ms: args.latency_ms, naive: wanted("naive") };
        report["plan"] = plan_section(&scimform, shape, runs, work.path())?;
    }
    let runs = args.runs;
    if wanted("diff") {
        eprintln!("diff: {} assignments…", args.diff_assignments);
        report["diff"] = repeated(runs, || diff_section(args.diff_assignments))?;
    }
    if wanted("validate") {
        eprintln!("validate: {} files…", args.validate_files);
        report["validate"] = repeated(runs, || validate_section(&scimform, args.validate_files, work.path()))?;
    }
    if wanted("hostile") {
        eprintln!("hostile: spec trees that fill the input budget…");
        report["hostile"] = repeated(runs, || hostile::section(&scimform, work.path()))?;
    }
    if wanted("load") {
        eprintln!("load: a tenant of {} assignments…", args.load_assignments);
        report["load"] = repeated(runs, || load_section(args.load_assignments))?;
    }
    if wanted("apply") {
        eprintln!("apply: {} new assignments, quotas at {}× time…", args.apply_assignments, args.time_scale);
        report["apply"] = repeated(runs, || {
            apply_section(&scimform, args.apply_assignments, args.latency_ms, args.time_scale, work.path())
        })?;
    }
    if wanted("create") {
        eprintln!("create: {} new apps, {} ms latency…", args.create_apps, args.latency_ms);
        report["create"] =
            repeated(runs, || create::section(&scimform, args.create_apps, args.latency_ms, work.path()))?;
    }
    print!("{}", table(&report));
    if let Some(parent) = args.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.json, serde_json::to_string_pretty(&report)? + "\n")?;
    eprintln!("wrote {}", args.json.display());
    Ok(())
}

/// `--child-env`, for every scimform child.
static CHILD_ENV: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// The environment a pipeline would give scimform, pointed at the emulator.
fn scimform_command(
    scimform: &Path,
    emulator: &scimform_emulator::Running,
    client: &scimform_emulator::Client,
) -> Command {
    let mut command = Command::new(scimform);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AZURE_TENANT_ID", emulator.tenant_id())
        .env("AZURE_CLIENT_ID", &client.client_id)
        .env("AZURE_CLIENT_SECRET", client.secret.clone().unwrap_or_default())
        .env("SCIMFORM_GRAPH_URL", emulator.graph_url())
        .env("SCIMFORM_AUTHORITY_URL", emulator.authority_url())
        .env("BENCH_SCIM_TOKEN", tenant::TOKEN);
    for pair in CHILD_ENV.get().into_iter().flatten() {
        if let Some((key, value)) = pair.split_once('=') {
            command.env(key, value);
        }
    }
    command
}

/// How the plan section runs.
struct PlanRuns {
    count: u32,
    latency_ms: u64,
    /// Whether the naive refresh runs too (it takes minutes).
    naive: bool,
}

fn plan_section(scimform: &Path, shape: Shape, runs: PlanRuns, work: &Path) -> anyhow::Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let tags = fingerprint_tags(shape.apps);
    let seed = tenant::seed(shape, &tags)?;
    let client = seed.clients[0].clone();
    let specs = work.join("plan-specs");
    tenant::write_specs(shape, &specs)?;
    let emulator = runtime.block_on(scimform_emulator::start(scimform_emulator::Options::for_tests(seed)))?;
    let admin = emulator.admin_url();
    let http = Admin(reqwest::Client::new());
    let graph = runtime.block_on(naive::Graph::sign_in(
        &emulator.token_url(),
        &emulator.graph_url(),
        &client.client_id,
        client.secret.as_deref().unwrap_or_default(),
    ))?;
    let state = runtime.block_on(naive::state(&graph))?;
    let latency = json!({ "rules": [{ "route": "*", "action": { "type": "latency", "ms": runs.latency_ms } }] });
    runtime.block_on(http.put(&format!("{admin}/faults"), &latency))?;
    let mut measured = Vec::new();
    for _ in 0..runs.count {
        runtime.block_on(http.delete(&format!("{admin}/requests")))?;
        let mut command = scimform_command(scimform, &emulator, &client);
        command.args(["plan", "--detailed-exitcode", "-q"]).arg(&specs);
        let emulator_cpu = measure::own().0;
        let (output, usage) = measure::run(command)?;
        // This process serves the emulator: its CPU meanwhile is the emulator's.
        let emulator_cpu = measure::own().0 - emulator_cpu;
        anyhow::ensure!(
            output.status.code() == Some(0),
            "scimform plan did not find the generated tenant as its specs say (exit {:?}):\n{}{}",
            output.status.code(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let requests = runtime.block_on(http.get(&format!("{admin}/requests")))?;
        measured.push(json!({
            "httpRequests": requests["httpRequests"],
            "batchedItems": requests["total"].as_u64().unwrap_or(0) - requests["httpRequests"].as_u64().unwrap_or(0),
            "roundTrips": requests["roundTrips"],
            "usage": usage,
            "emulatorCpuS": emulator_cpu,
        }));
    }
    runtime.block_on(http.delete(&format!("{admin}/requests")))?;
    let median = |pointer: &str| median(measured.iter().filter_map(|run| run.pointer(pointer)?.as_f64()));
    let most = |pointer: &str| measured.iter().filter_map(|run| run.pointer(pointer)?.as_f64()).fold(0.0, f64::max);
    let wall_s = median("/usage/wallS");
    let mut report = json!({
        "scimform": {
            "httpRequests": most("/httpRequests"),
            "batchedItems": most("/batchedItems"),
            "roundTrips": most("/roundTrips"),
            "usage": Usage { wall_s, cpu_s: median("/usage/cpuS"), peak_rss_mib: most("/usage/peakRssMib") },
            "wallRangeS": [
                measured.iter().filter_map(|run| run["usage"]["wallS"].as_f64()).fold(f64::INFINITY, f64::min),
                most("/usage/wallS"),
            ],
            "runs": measured,
        },
        "emulatorCpuS": median("/emulatorCpuS"),
    });
    if runs.naive {
        let listed_state = naive::listed(&state);
        for (key, baseline) in [("naive", &state), ("listed", &listed_state)] {
            report[key] = repeated(runs.count, || {
                runtime.block_on(http.delete(&format!("{admin}/requests")))?;
                let refreshed = runtime.block_on(naive::refresh(&graph, baseline))?;
                let log = runtime.block_on(http.get(&format!("{admin}/requests")))?;
                Ok(
                    json!({ "httpRequests": refreshed.requests, "roundTrips": log["roundTrips"], "wallS": refreshed.wall_s }),
                )
            })?;
        }
        report["speedup"] = json!(report["naive"]["wallS"].as_f64().unwrap_or(0.0) / wall_s.max(f64::EPSILON));
        report["speedupOverListed"] =
            json!(report["listed"]["wallS"].as_f64().unwrap_or(0.0) / wall_s.max(f64::EPSILON));
    }
    runtime.block_on(emulator.shutdown());
    Ok(report)
}

/// The commit measured (`git rev-parse HEAD`; none outside a checkout).
fn commit() -> Option<String> {
    let output = Command::new("git").args(["rev-parse", "HEAD"]).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// What the figures were measured on.
fn machine() -> Value {
    json!({
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "cpus": std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get),
    })
}

/// Runs a section `runs` times: every number of its figures as the median of the runs,
/// `runs`, and under `ranges` (JSON pointer → [least, most]) every number that varied.
fn repeated(runs: u32, mut once: impl FnMut() -> anyhow::Result<Value>) -> anyhow::Result<Value> {
    let mut all = Vec::new();
    for run in 1..=runs {
        eprintln!("  run {run} of {runs}");
        all.push(once()?);
    }
    let mut ranges = serde_json::Map::new();
    let mut summary = summarize("", &all, &mut ranges);
    summary["runs"] = json!(all.len());
    summary["ranges"] = Value::Object(ranges);
    Ok(summary)
}

/// The medians of runs' figures (objects key by key; other values as the first run has
/// them), noting the ranges of numbers that varied.
fn summarize(pointer: &str, values: &[Value], ranges: &mut serde_json::Map<String, Value>) -> Value {
    match &values[0] {
        Value::Object(first) => Value::Object(
            first
                .keys()
                .map(|key| {
                    let children: Vec<Value> = values.iter().map(|value| value[key].clone()).collect();
                    (key.clone(), summarize(&format!("{pointer}/{key}"), &children, ranges))
                })
                .collect(),
        ),
        Value::Number(_) => {
            let numbers: Vec<f64> = values.iter().filter_map(Value::as_f64).collect();
            let least = numbers.iter().copied().fold(f64::INFINITY, f64::min);
            let most = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if least < most {
                ranges.insert(pointer.to_owned(), json!([least, most]));
            }
            json!(median(numbers.into_iter()))
        }
        other => other.clone(),
    }
}

/// The median of some figures (the mean of the middle two for an even count).
fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// `--serve`: the plan section's tenant and specs, served until interrupted.
fn serve(shape: Shape, latency_ms: u64, directory: &Path) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let seed = tenant::seed(shape, &fingerprint_tags(shape.apps))?;
    let client = seed.clients[0].clone();
    tenant::write_specs(shape, &directory.join("specs"))?;
    let emulator = runtime.block_on(scimform_emulator::start(scimform_emulator::Options::for_tests(seed)))?;
    let latency = json!({ "rules": [{ "route": "*", "action": { "type": "latency", "ms": latency_ms } }] });
    runtime.block_on(Admin(reqwest::Client::new()).put(&format!("{}/faults", emulator.admin_url()), &latency))?;
    let command = scimform_command(Path::new("scimform"), &emulator, &client);
    for (key, value) in command.get_envs() {
        if let (Some(value), false) = (value, key == "PATH") {
            println!("export {}={}", key.to_string_lossy(), value.to_string_lossy());
        }
    }
    println!("# serving; interrupt to stop");
    runtime.block_on(async { tokio::signal::ctrl_c().await })?;
    runtime.block_on(emulator.shutdown());
    Ok(())
}

/// One fingerprint tag per app, each with its own salt (as apply makes them), computed
/// on every core.
fn fingerprint_tags(apps: usize) -> Vec<String> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let tags = std::sync::Mutex::new(vec![String::new(); apps]);
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    std::thread::scope(|scope| {
        for _ in 0..cores {
            scope.spawn(|| {
                loop {
                    let app = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if app >= apps {
                        break;
                    }
                    let mut salt = [7u8; 16];
                    salt[..8].copy_from_slice(&(app as u64).to_le_bytes());
                    let fingerprint = scimform_plan::fingerprint::fingerprint(tenant::TOKEN, &salt);
                    tags.lock().expect("no worker panics")[app] =
                        format!("{}{fingerprint}", scimform_plan::fingerprint::TAG_PREFIX);
                }
            });
        }
    });
    tags.into_inner().expect("no worker panics")
}

/// The emulator's admin API.
struct Admin(reqwest::Client);

impl Admin {
    async fn put(&self, url: &str, body: &Value) -> anyhow::Result<()> {
        self.0.put(url).json(body).send().await?.error_for_status()?;
        Ok(())
    }

    async fn get(&self, url: &str) -> anyhow::Result<Value> {
        Ok(self.0.get(url).send().await?.error_for_status()?.json().await?)
    }

    async fn delete(&self, url: &str) -> anyhow::Result<()> {
        self.0.delete(url).send().await?.error_for_status()?;
        Ok(())
    }
}

/// Starting the emulator on a tenant of N assignments (500 apps of N / 500): the time to
/// build it from its seed, which must grow linearly.
fn load_section(assignments: usize) -> anyhow::Result<Value> {
    let apps = 500.min(assignments.max(1));
    let shape = Shape { apps, assignments: assignments / apps, users: (assignments / apps).max(1000) };
    let tags = vec![String::from("scimform:token=none"); apps];
    let seed = tenant::seed(shape, &tags)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let started = std::time::Instant::now();
    let emulator = runtime.block_on(scimform_emulator::start(scimform_emulator::Options::for_tests(seed)))?;
    let load_s = started.elapsed().as_secs_f64();
    runtime.block_on(emulator.shutdown());
    Ok(json!({ "assignments": apps * shape.assignments + apps * tenant::GROUPS_PER_APP, "loadS": load_s }))
}

/// Apply of N new assignments against Graph's write quota (modelled, time-scaled): the
/// rate reached as a share of the quota, and the share of writes throttled.
fn apply_section(
    scimform: &Path,
    assignments: usize,
    latency_ms: u64,
    scale: f64,
    work: &Path,
) -> anyhow::Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let tag = fingerprint_tags(1).remove(0);
    let seed = tenant::apply_seed(assignments, &tag)?;
    let client = seed.clients[0].clone();
    let specs = work.join("apply-specs");
    tenant::write_apply_spec(assignments, &specs)?;
    let emulator = runtime.block_on(scimform_emulator::start(scimform_emulator::Options::for_tests(seed)))?;
    let admin = emulator.admin_url();
    let http = Admin(reqwest::Client::new());
    let faults = json!({
        "rules": [{ "route": "*", "action": { "type": "latency", "ms": latency_ms } }],
        "throttling": { "timeScale": scale },
    });
    runtime.block_on(http.put(&format!("{admin}/faults"), &faults))?;
    // The reads alone, to tell the write phase's time from the apply's.
    let mut command = scimform_command(scimform, &emulator, &client);
    command.args(["plan", "-q"]).arg(&specs);
    let (_, planning) = measure::run(command)?;
    runtime.block_on(http.delete(&format!("{admin}/requests")))?;
    let rate = scimform_apply::GRAPH_WRITE_RATE * scale;
    let mut command = scimform_command(scimform, &emulator, &client);
    command.env("SCIMFORM_WRITE_RATE", rate.to_string()).args(["apply", "--auto-approve", "-q"]).arg(&specs);
    let (output, usage) = measure::run(command)?;
    anyhow::ensure!(output.status.success(), "apply failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let log = runtime.block_on(http.get(&format!("{admin}/requests")))?;
    runtime.block_on(emulator.shutdown());
    let entries = log["entries"].as_array().cloned().unwrap_or_default();
    let writes = entries.iter().filter(|entry| entry["route"] == "POST /servicePrincipals/{id}/appRoleAssignedTo");
    let (mut sent, mut throttled) = (0u64, 0u64);
    for entry in writes {
        sent += 1;
        throttled += u64::from(entry["status"] == 429);
    }
    let write_s = (usage.wall_s - planning.wall_s).max(f64::EPSILON);
    let achieved = assignments as f64 / write_s;
    // The least time the quota allows: the burst goes at once, the rest at the refill rate.
    let floor_s = (assignments as f64 - scimform_apply::GRAPH_WRITE_BURST).max(0.0) / rate;
    Ok(json!({
        "assignments": assignments,
        "timeScale": scale,
        "usage": usage,
        "planningS": planning.wall_s,
        "writeS": write_s,
        "writesPerSecond": achieved,
        "quotaPerSecond": rate,
        "quotaBurst": scimform_apply::GRAPH_WRITE_BURST,
        "quotaFloorS": floor_s,
        "overFloor": if floor_s > 0.0 { write_s / floor_s - 1.0 } else { 0.0 },
        "writeRequests": sent,
        "throttled": throttled,
        "throttledShare": throttled as f64 / sent.max(1) as f64,
        "httpRequests": log["httpRequests"],
    }))
}

fn diff_section(assignments: usize) -> anyhow::Result<Value> {
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--child-diff", &assignments.to_string()]);
    let (output, _) = measure::run(command)?;
    anyhow::ensure!(output.status.success(), "the diff section failed: {}", String::from_utf8_lossy(&output.stderr));
    let usage: diff::DiffUsage = serde_json::from_slice(&output.stdout)?;
    anyhow::ensure!(usage.changes == 0, "the diff section planned {} changes", usage.changes);
    Ok(serde_json::to_value(usage)?)
}

fn validate_section(scimform: &Path, files: usize, work: &Path) -> anyhow::Result<Value> {
    let specs = work.join("validate-specs");
    tenant::write_specs(Shape { apps: files, assignments: 200, users: 1000 }, &specs)?;
    let mut command = Command::new(scimform);
    command.env_clear().args(["validate", "-q"]).arg(&specs);
    let (output, usage) = measure::run(command)?;
    anyhow::ensure!(output.status.success(), "validate failed: {}", String::from_utf8_lossy(&output.stderr));
    Ok(json!({ "files": files, "usage": usage }))
}

/// The figures against the targets (README, "Benchmark"); sections that did not run
/// are left out.
fn table(report: &Value) -> String {
    let mut out = String::from("| measure | value | target | met |\n| --- | --- | --- | --- |\n");
    for (section, name, value, target, met) in rows(report) {
        if report.pointer(section).is_none() {
            continue;
        }
        let mark = match (target.is_empty(), met) {
            (true, _) => "",
            (false, true) => "yes",
            (false, false) => "NO",
        };
        out.push_str(&format!("| {name} | {value} | {target} | {mark} |\n"));
    }
    out
}

/// A row of the table: the JSON that must be present, the measure, its value, its
/// target, whether it is met.
pub(crate) type Row = (&'static str, &'static str, String, &'static str, bool);

/// The table's rows: the JSON that must be present, the measure, its value, its target,
/// whether it is met.
fn rows(report: &Value) -> Vec<Row> {
    let number = |pointer: &str| report.pointer(pointer).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let plan: Usage =
        serde_json::from_value(report.pointer("/plan/scimform/usage").cloned().unwrap_or_default()).unwrap_or_default();
    let runs = report.pointer("/plan/scimform/runs").and_then(Value::as_array).map_or(0, Vec::len);
    let wall_range = format!(
        "{:.2} s (median of {runs}; {:.2}–{:.2})",
        plan.wall_s,
        number("/plan/scimform/wallRangeS/0"),
        number("/plan/scimform/wallRangeS/1")
    );
    [
        (
            "/plan",
            "plan: HTTP requests",
            number("/plan/scimform/httpRequests").to_string(),
            "≤ 40",
            number("/plan/scimform/httpRequests") <= 40.0,
        ),
        (
            "/plan",
            "plan: sequential round trips",
            number("/plan/scimform/roundTrips").to_string(),
            "≤ 6",
            number("/plan/scimform/roundTrips") <= 6.0,
        ),
        ("/plan", "plan: wall", wall_range, "≤ 2 s", plan.wall_s <= 2.0),
        ("/plan", "plan: CPU (median)", format!("{:.2} s", plan.cpu_s), "", true),
        ("/plan", "plan: peak RSS", format!("{:.0} MiB", plan.peak_rss_mib), "≤ 100 MiB", plan.peak_rss_mib <= 100.0),
        (
            "/plan",
            "plan: the emulator's CPU meanwhile (median)",
            format!("{:.2} s", number("/plan/emulatorCpuS")),
            "",
            true,
        ),
        (
            "/diff",
            "diff of 100k: CPU",
            format!("{:.0} ms{}", number("/diff/cpuS") * 1000.0, range(report, "/diff/cpuS", 1000.0, 0)),
            "≤ 200 ms",
            number("/diff/cpuS") <= 0.2,
        ),
        (
            "/diff",
            "diff of 100k: peak RSS",
            format!("{:.0} MiB", number("/diff/peakRssMib")),
            "≤ 100 MiB",
            number("/diff/peakRssMib") <= 100.0,
        ),
        (
            "/apply",
            "apply of 10k: writes' time over the quota's floor",
            format!(
                "{:.1} s{} against {:.1} s ({:+.1} %)",
                number("/apply/writeS"),
                range(report, "/apply/writeS", 1.0, 1),
                number("/apply/quotaFloorS"),
                number("/apply/overFloor") * 100.0
            ),
            "≤ +10 %",
            number("/apply/overFloor") <= 0.1,
        ),
        (
            "/apply",
            "apply of 10k: writes throttled",
            format!("{:.2} %", number("/apply/throttledShare") * 100.0),
            "≤ 1 %",
            number("/apply/throttledShare") <= 0.01,
        ),
        ("/apply", "apply of 10k: wall", format!("{:.0} s", number("/apply/usage/wallS")), "", true),
        (
            "/load",
            "emulator: load 100k assignments",
            format!("{:.2} s{}", number("/load/loadS"), range(report, "/load/loadS", 1.0, 2)),
            "≤ 2 s",
            number("/load/loadS") <= 2.0,
        ),
        (
            "/validate",
            "validate of 100 files: wall",
            format!(
                "{:.0} ms{}",
                number("/validate/usage/wallS") * 1000.0,
                range(report, "/validate/usage/wallS", 1000.0, 0)
            ),
            "≤ 100 ms",
            number("/validate/usage/wallS") <= 0.1,
        ),
    ]
    .into_iter()
    .chain(create_rows(report))
    .chain(baseline_rows(report))
    .chain(hostile::rows(report))
    .collect()
}

/// ` (least–most)` of a figure that varied across runs (scaled, with `decimals`), else
/// nothing.
fn range(report: &Value, pointer: &str, scale: f64, decimals: usize) -> String {
    let mut parts = pointer.splitn(3, '/').skip(1);
    let (Some(section), Some(inner)) = (parts.next(), parts.next()) else { return String::new() };
    let Some([least, most]) = report[section]["ranges"][format!("/{inner}")].as_array().map(Vec::as_slice) else {
        return String::new();
    };
    let (least, most) = (least.as_f64().unwrap_or(f64::NAN) * scale, most.as_f64().unwrap_or(f64::NAN) * scale);
    format!(" ({least:.decimals$}–{most:.decimals$})")
}

/// The create section: new apps from nothing.
fn create_rows(report: &Value) -> Vec<Row> {
    let number = |pointer: &str| report.pointer(pointer).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let apps = number("/create/apps");
    vec![
        (
            "/create",
            "create 50 new apps: wall",
            format!(
                "{:.1} s{} for {apps} apps",
                number("/create/usage/wallS"),
                range(report, "/create/usage/wallS", 1.0, 1)
            ),
            "≤ 30 s",
            number("/create/usage/wallS") <= 30.0,
        ),
        ("/create", "create: HTTP requests", number("/create/httpRequests").to_string(), "", true),
        ("/create", "create: sequential round trips", number("/create/roundTrips").to_string(), "", true),
    ]
}

/// The plan section's baselines: a per-object refresh and a list-based one.
fn baseline_rows(report: &Value) -> Vec<Row> {
    let number = |pointer: &str| report.pointer(pointer).and_then(Value::as_f64).unwrap_or(f64::NAN);
    vec![
        ("/plan/naive", "naive: HTTP requests", number("/plan/naive/httpRequests").to_string(), "", true),
        ("/plan/naive", "naive: round trips", number("/plan/naive/roundTrips").to_string(), "", true),
        ("/plan/naive", "naive: wall", format!("{:.1} s", number("/plan/naive/wallS")), "", true),
        (
            "/plan/naive",
            "speed-up over naive",
            format!("{:.0}×", number("/plan/speedup")),
            "≥ 100×",
            number("/plan/speedup") >= 100.0,
        ),
        (
            "/plan/listed",
            "list-based (no $batch): HTTP requests",
            number("/plan/listed/httpRequests").to_string(),
            "",
            true,
        ),
        ("/plan/listed", "list-based: wall", format!("{:.1} s", number("/plan/listed/wallS")), "", true),
        ("/plan/listed", "speed-up over list-based", format!("{:.1}×", number("/plan/speedupOverListed")), "", true),
    ]
}
