//! New apps are created at once: the chains of six new apps (create, replicate, mark, look
//! for a twin, job, Test Connection, credentials, owners, assignments, start) overlap, so
//! the run's sequential round trips are about one chain's, not six; events still arrive
//! in the plan's order, every app is whole, and the next plan is empty. Counted by the
//! emulator from the requests' spans, not timed.

mod support;

use std::time::Duration;

use scimform_apply::{ApplyOptions, Event, TokenEnvironment, apply, prepare};
use scimform_emulator::{Options, Seed};
use scimform_graph::Config;

/// The specs of `count` new apps, each with a job, owners and assignments.
fn specs(count: usize) -> String {
    (0..count)
        .map(|index| {
            format!(
                "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: lane-{index}\ndisplayName: Lane {index}\n\
                 owners: [ops-admin@contoso.com]\nprovisioning:\n  status: on\n  credentials:\n    \
                 baseUrl: https://wiki.example.com/scim/v2\n    token: {{ fromEnv: LANES_SCIM_TOKEN }}\n\
                 assignments:\n  users: [alice@contoso.com]\n  groups: [Engineering]\n---\n"
            )
        })
        .collect()
}

/// Applies `count` new apps to a fresh demo tenant with 30 ms on every request: (sequential
/// round trips, addresses of the `Started` events, addresses of the plan's changes).
async fn create(count: usize) -> (u64, Vec<String>, Vec<String>) {
    let seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let client_seed = seed.clients[0].clone();
    let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
    let client = support::client(&emulator, &client_seed, Config { concurrency: 16, ..Config::standard() });
    let spec = support::spec(specs(count));
    let environment = TokenEnvironment::from_pairs([("LANES_SCIM_TOKEN", "lanes-test-token-0123456789")]);
    let prepared = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    let plan = scimform_plan::plan(&prepared.desired, &prepared.live, &scimform_plan::Options::standard());
    let admin = emulator.admin_url();
    let http = reqwest::Client::new();
    let latency = serde_json::json!({ "rules": [{ "action": { "type": "latency", "ms": 30 } }] });
    http.put(format!("{admin}/faults")).json(&latency).send().await.unwrap();
    http.delete(format!("{admin}/requests")).send().await.unwrap();
    let options = ApplyOptions { settle: Duration::from_millis(300), ..ApplyOptions::standard() };
    let mut started = Vec::new();
    let mut on_event = |event: &Event| {
        if let Event::Started { address, .. } = event {
            started.push(address.clone());
        }
    };
    let applied = apply(&client, &plan, &prepared.live, &environment, &options, &mut on_event).await.unwrap();
    assert_eq!(applied.completed.len(), plan.changes.len());
    let log: serde_json::Value = http.get(format!("{admin}/requests")).send().await.unwrap().json().await.unwrap();
    let again = prepare(&client, &spec, &environment, scimform_plan::DEFAULT_STACK).await.unwrap();
    assert_eq!(again.live.apps.len(), count, "every app exists once");
    assert!(again.live.apps.values().all(|app| app.job.as_ref().is_some_and(|job| job.is_running())));
    let next = scimform_plan::plan(&again.desired, &again.live, &scimform_plan::Options::standard());
    assert!(next.is_empty(), "{:?}", next.changes.iter().map(|change| &change.address).collect::<Vec<_>>());
    emulator.shutdown().await;
    let planned = plan.changes.iter().map(|change| change.address.clone()).collect();
    (log["roundTrips"].as_u64().unwrap(), started, planned)
}

#[tokio::test]
async fn new_apps_are_created_at_once() {
    let (one, _, _) = create(1).await;
    let (six, started, planned) = create(6).await;
    assert_eq!(started, planned, "events arrive in the plan's order");
    // One after another, six chains take six times one chain's round trips.
    assert!(six < 2 * one, "six new apps took {six} sequential round trips, one took {one}");
}
