//! The `create` section: N new apps from nothing (app, job, Test Connection, credentials,
//! 20 users and 3 groups each, started), applied at the emulator's latency with the
//! default settle time, and planned again to show they converged.

use std::path::Path;

use serde_json::{Value, json};

use crate::tenant::{self, Shape};
use crate::{Admin, measure, scimform_command};

/// User assignments of each new app (and three groups).
const USERS_PER_APP: usize = 20;

/// Applies `apps` new apps to an empty tenant: wall, CPU, requests, round trips.
pub(crate) fn section(scimform: &Path, apps: usize, latency_ms: u64, work: &Path) -> anyhow::Result<Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let shape = Shape { apps, assignments: USERS_PER_APP, users: 1000 };
    let mut seed = tenant::seed(Shape { apps: 0, ..shape }, &[])?;
    seed.scim_endpoints = (0..apps)
        .map(|app| scimform_emulator::ScimEndpoint {
            base_url: format!("https://{}.bench.example/scim", tenant::app_name(app)),
            token: Some(tenant::TOKEN.to_owned()),
            target: None,
            quirks: Vec::new(),
        })
        .collect();
    let client = seed.clients[0].clone();
    let specs = work.join("create-specs");
    tenant::write_specs(shape, &specs)?;
    let emulator = runtime.block_on(scimform_emulator::start(scimform_emulator::Options::for_tests(seed)))?;
    let admin = emulator.admin_url();
    let http = Admin(reqwest::Client::new());
    let latency = json!({ "rules": [{ "route": "*", "action": { "type": "latency", "ms": latency_ms } }] });
    runtime.block_on(http.put(&format!("{admin}/faults"), &latency))?;
    let mut command = scimform_command(scimform, &emulator, &client);
    command.args(["apply", "--auto-approve", "-q"]).arg(&specs);
    let (output, usage) = measure::run(command)?;
    anyhow::ensure!(output.status.success(), "apply failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let log = runtime.block_on(http.get(&format!("{admin}/requests")))?;
    let mut command = scimform_command(scimform, &emulator, &client);
    command.args(["plan", "--detailed-exitcode", "-q"]).arg(&specs);
    let (again, _) = measure::run(command)?;
    anyhow::ensure!(
        again.status.code() == Some(0),
        "the plan after creating {apps} apps is not empty:\n{}",
        String::from_utf8_lossy(&again.stdout)
    );
    runtime.block_on(emulator.shutdown());
    Ok(json!({
        "apps": apps,
        "usage": usage,
        "httpRequests": log["httpRequests"],
        "roundTrips": log["roundTrips"],
        "byRoute": log["byRoute"],
    }))
}
