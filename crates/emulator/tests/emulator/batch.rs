//! `$batch`: grouping, per-item status, dependencies and per-item throttling.

use serde_json::{Value, json};

use crate::support::{Harness, urlencode};

async fn batch(harness: &Harness, requests: Value) -> crate::support::Response {
    harness.post("/$batch", json!({ "requests": requests })).await
}

fn by_id<'a>(response: &'a crate::support::Response, id: &str) -> &'a Value {
    response.json()["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == id)
        .unwrap_or_else(|| panic!("no response {id}"))
}

#[tokio::test]
async fn items_run_like_requests_of_their_own() {
    let harness = Harness::start().await;
    let response = batch(
        &harness,
        json!([
            { "id": "1", "method": "GET", "url": format!("/users?$filter={}", urlencode("userPrincipalName eq 'alice@contoso.com'")) },
            { "id": "2", "method": "GET", "url": "/users/nobody@contoso.com" },
            { "id": "3", "method": "GET", "url": "/groups?$top=2" },
        ]),
    )
    .await;
    assert_eq!(response.status, 200);
    let alice = by_id(&response, "1");
    assert_eq!(alice["status"], 200);
    assert_eq!(alice["body"]["value"][0]["displayName"], "Alice Example");
    harness
        .conformance
        .validate("microsoft.graph.userCollectionResponse", &alice["body"])
        .is_empty()
        .then_some(())
        .unwrap();
    let missing = by_id(&response, "2");
    assert_eq!(missing["status"], 404);
    assert!(harness.conformance.validate("microsoft.graph.ODataErrors.ODataError", &missing["body"]).is_empty());
    assert_eq!(by_id(&response, "3")["body"]["value"].as_array().unwrap().len(), 2);
    // Three items, one HTTP request: the log says so.
    let requests = harness.requests().await;
    assert_eq!(requests["httpRequests"], 1, "{requests}");
    assert_eq!(requests["total"], 4, "{requests}");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn dependencies_fail_with_424() {
    let harness = Harness::start().await;
    let response = batch(
        &harness,
        json!([
            { "id": "a", "method": "GET", "url": "/users/nobody@contoso.com" },
            { "id": "b", "method": "GET", "url": "/users/alice@contoso.com", "dependsOn": ["a"] },
            { "id": "c", "method": "GET", "url": "/users/bob@contoso.com" },
            { "id": "d", "method": "GET", "url": "/users/carol@contoso.com", "dependsOn": ["c"] },
        ]),
    )
    .await;
    assert_eq!(by_id(&response, "b")["status"], 424);
    assert_eq!(by_id(&response, "d")["status"], 200);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn malformed_batches_are_refused_whole() {
    let harness = Harness::start().await;
    let twenty_one: Vec<Value> =
        (0..21).map(|index| json!({ "id": index.to_string(), "method": "GET", "url": "/users" })).collect();
    for requests in [
        Value::Array(twenty_one),
        json!([{ "id": "1", "method": "GET", "url": "/users" }, { "id": "1", "method": "GET", "url": "/groups" }]),
        json!([{ "id": "1", "method": "POST", "url": "/servicePrincipals", "body": { "appId": "x" } }]),
        json!([{ "id": "1", "method": "GET", "url": "/users", "dependsOn": ["0"] }]),
    ] {
        let response = batch(&harness, requests).await;
        assert_eq!(response.status, 400, "{:?}", response.body);
    }
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn items_are_throttled_one_by_one() {
    let harness = Harness::start().await;
    harness.set_faults(json!({ "rules": [{ "route": "GET /users/{id}", "nth": [2, 3], "action": { "type": "throttle", "retryAfterSeconds": 3 } }] })).await;
    let requests: Vec<Value> = ["alice", "bob", "carol", "dave"]
        .iter()
        .enumerate()
        .map(|(index, name)| json!({ "id": index.to_string(), "method": "GET", "url": format!("/users/{name}@contoso.com") }))
        .collect();
    let response = batch(&harness, Value::Array(requests)).await;
    assert_eq!(response.status, 200);
    let statuses: Vec<u64> =
        (0..4).map(|index| by_id(&response, &index.to_string())["status"].as_u64().unwrap()).collect();
    assert_eq!(statuses, [200, 429, 429, 200]);
    assert_eq!(by_id(&response, "1")["headers"]["Retry-After"], "3");
    // Responses come back in an order of Graph's choosing, not the request's.
    let order: Vec<&str> =
        response.json()["responses"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect();
    assert_ne!(order, ["0", "1", "2", "3"]);
    harness.emulator.shutdown().await;
}

/// A batch costs its slowest item: latency injected on an item's route delays the batch
/// answer (items run side by side: two slow items cost one delay, not two). Only a lower
/// bound is asserted; an upper one would be a timing test.
#[tokio::test]
async fn a_batch_waits_for_its_slowest_item() {
    let harness = Harness::start().await;
    harness
        .set_faults(json!({ "rules": [{ "route": "GET /users", "action": { "type": "latency", "ms": 400 } }] }))
        .await;
    let started = std::time::Instant::now();
    let answer = batch(
        &harness,
        json!([
            { "id": "1", "method": "GET", "url": "/users?$top=1" },
            { "id": "2", "method": "GET", "url": "/users?$top=2" },
        ]),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(400), "the items' latency applies to the batch");
}
