//! Fault injection seen from a client: dropped connections, latency, 5xx, replication lag.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn a_dropped_connection_gets_no_response() {
    let harness = Harness::start().await;
    harness.set_faults(json!({ "rules": [{ "route": "GET /users", "first": 1, "action": { "type": "drop" } }] })).await;
    let url = format!("{}/users", harness.emulator.graph_url());
    let dropped = harness.http.get(&url).bearer_auth(&harness.token).send().await;
    let error = dropped.expect_err("a dropped connection is an error, not a response");
    assert!(!error.is_status());
    let retried = harness.get("/users").await;
    assert_eq!(retried.status, 200);
    let requests = harness.requests().await;
    assert_eq!(requests["entries"][0]["fault"], "drop");
    assert_eq!(requests["entries"][0]["status"], 0);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn a_lost_response_is_processed_but_never_answered() {
    let harness = Harness::start().await;
    let (_, sp) = harness.new_app("Lost Response").await;
    let route = "PATCH /servicePrincipals/{id}";
    harness
        .set_faults(json!({ "rules": [{ "route": route, "first": 1, "action": { "type": "lostResponse" } }] }))
        .await;
    let url = format!("{}/servicePrincipals/{sp}", harness.emulator.graph_url());
    let sent = harness.http.patch(&url).bearer_auth(&harness.token).json(&json!({ "notes": "made it" })).send().await;
    assert!(sent.is_err(), "the answer is lost");
    let read = harness.get(&format!("/servicePrincipals/{sp}?$select=notes")).await;
    assert_eq!(read.json()["notes"], "made it", "yet the change was made");
    let requests = harness.requests().await;
    let entry = requests["entries"].as_array().unwrap().iter().find(|entry| entry["route"] == route).unwrap().clone();
    assert_eq!(entry["fault"], "lostResponse");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn latency_and_server_errors() {
    let harness = Harness::start().await;
    harness
        .set_faults(json!({ "rules": [
            { "route": "GET /groups", "action": { "type": "latency", "ms": 120 } },
            { "route": "GET /users", "every": 2, "action": { "type": "status", "status": 503 } },
        ]}))
        .await;
    let started = Instant::now();
    assert_eq!(harness.get("/groups").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(120));
    let statuses: Vec<u16> = futures_statuses(&harness, 4).await;
    assert_eq!(statuses, [200, 503, 200, 503]);
    let unavailable = harness.get("/users").await;
    let unavailable = if unavailable.status == 503 { unavailable } else { harness.get("/users").await };
    assert_eq!(unavailable.header("retry-after"), Some("1"));
    assert_eq!(unavailable.error_code(), "ServiceUnavailable");
    harness.emulator.shutdown().await;
}

async fn futures_statuses(harness: &Harness, count: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..count {
        statuses.push(harness.get("/users").await.status);
    }
    statuses
}

#[tokio::test]
async fn replication_lag_hides_new_objects_for_a_while() {
    let harness = Harness::start().await;
    harness.set_faults(json!({ "replicationLagMs": 300 })).await;
    let (application, sp) = harness.new_app("Lagging").await;
    assert_eq!(harness.get(&format!("/servicePrincipals/{sp}")).await.status, 404);
    assert_eq!(harness.get(&format!("/applications/{application}")).await.status, 404);
    assert_eq!(harness.get(&format!("/servicePrincipals/{sp}/synchronization/templates")).await.status, 404);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(harness.get(&format!("/servicePrincipals/{sp}")).await.status, 200);
    let job =
        harness.post(&format!("/servicePrincipals/{sp}/synchronization/jobs"), json!({ "templateId": "scim" })).await;
    let job_id = job.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(harness.get(&format!("/servicePrincipals/{sp}/synchronization/jobs/{job_id}")).await.status, 404);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn the_same_rules_fire_on_the_same_requests_every_run() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let harness = Harness::start().await;
        harness
            .set_faults(json!({ "seed": 99, "rules": [
                { "probability": 0.4, "action": { "type": "throttle", "retryAfterSeconds": 1 } },
                { "action": { "type": "latency", "ms": 0, "jitterMs": 3 } },
            ]}))
            .await;
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(harness.get("/groups?$top=1").await.status);
        }
        runs.push(statuses);
        harness.emulator.shutdown().await;
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&429) && runs[0].contains(&200));
}
