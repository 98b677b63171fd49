//! Retries under injected faults: what is retried, how often, and what is not.

use std::time::{Duration, Instant};

use scimform_graph::models::NewAppRoleAssignment;
use scimform_graph::{Config, Delivery, Error, Failure, Intent};
use serde_json::json;

use crate::support::{Bed, fast_config};

#[tokio::test]
async fn throttling_is_retried_after_retry_after() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [{ "route": "GET /users", "first": 2, "action": { "type": "throttle", "retryAfterSeconds": 1 } }] })).await;
    let client = bed.client();
    let started = Instant::now();
    assert_eq!(client.list_users(None).await.unwrap().len(), 7);
    // Retry-After (1 s) was honoured twice, though the backoff alone would be milliseconds.
    assert!(started.elapsed() >= Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(client.request_count(), 3);
    let statuses: Vec<u64> = bed.log().await.iter().map(|(_, status, _)| *status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn server_errors_and_dropped_connections_are_retried_for_reads() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [
        { "route": "GET /groups", "nth": [1], "action": { "type": "status", "status": 503 } },
        { "route": "GET /groups", "nth": [2], "action": { "type": "status", "status": 504 } },
        { "route": "GET /groups", "nth": [3], "action": { "type": "drop" } },
    ]}))
    .await;
    let client = bed.client();
    assert_eq!(client.list_groups(None).await.unwrap().len(), 7);
    assert_eq!(client.request_count(), 4);
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried() {
    let bed = Bed::start().await;
    bed.faults(
        json!({ "rules": [{ "route": "GET /users", "first": 1, "action": { "type": "latency", "ms": 1500 } }] }),
    )
    .await;
    let config = Config { timeout: Duration::from_millis(300), ..fast_config() };
    let client = bed.client_with(bed.secret_credential(crate::support::CLIENT, crate::support::CLIENT_SECRET), config);
    assert_eq!(client.list_users(None).await.unwrap().len(), 7);
    assert_eq!(client.request_count(), 2);
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn creates_are_not_repeated_after_an_ambiguous_failure() {
    let bed = Bed::start().await;
    let client = bed.client();
    let created = client.instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Ambiguous").await.unwrap();
    let sp = created.service_principal;
    let user = client.get_user("bob@contoso.com").await.unwrap();
    let role = sp.app_roles[0].id.clone();
    let assignment = NewAppRoleAssignment { principal_id: user.id, resource_id: sp.id.clone(), app_role_id: role };
    // A 503 after a create may or may not have been processed: not retried.
    bed.faults(json!({ "rules": [{ "route": "POST /servicePrincipals/{id}/appRoleAssignedTo", "first": 1, "action": { "type": "status", "status": 503 } }] })).await;
    let before = client.request_count();
    let error = client.create_assignment(&assignment).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.failure(Intent::Create), Failure::Unknown, "the caller re-checks by reading");
    assert_eq!(client.request_count() - before, 1);
    // A dropped connection after sending is ambiguous too.
    bed.faults(json!({ "rules": [{ "route": "POST /servicePrincipals/{id}/appRoleAssignedTo", "first": 1, "action": { "type": "drop" } }] })).await;
    let error = client.create_assignment(&assignment).await.unwrap_err();
    assert!(matches!(error, Error::Transport { delivery: Delivery::Unknown, .. }), "{error:?}");
    // A 429 is never processed: retried.
    bed.faults(json!({ "rules": [{ "route": "POST /servicePrincipals/{id}/appRoleAssignedTo", "first": 1, "action": { "type": "throttle", "retryAfterSeconds": 0 } }] })).await;
    client.create_assignment(&assignment).await.unwrap();
    assert_eq!(client.list_assignments(&sp.id).await.unwrap().len(), 1);
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn waiting_is_bounded() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [{ "route": "GET /users", "action": { "type": "status", "status": 503 } }] })).await;
    let config = Config { max_attempts: 4, ..fast_config() };
    let client = bed.client_with(bed.secret_credential(crate::support::CLIENT, crate::support::CLIENT_SECRET), config);
    let error = client.list_users(None).await.unwrap_err();
    assert!(matches!(&error, Error::RetriesExhausted { attempts: 4, .. }), "{error:?}");
    assert_eq!(client.request_count(), 4);
    assert_eq!(error.status(), Some(503));
    assert!(error.to_string().contains("gave up after 4 attempts"), "{error}");
    // Retry-After longer than the total allowance is not waited out.
    bed.faults(
        json!({ "rules": [{ "route": "GET /groups", "action": { "type": "throttle", "retryAfterSeconds": 60 } }] }),
    )
    .await;
    assert_eq!(client.list_groups(None).await.unwrap_err().status(), Some(429));
    assert_eq!(client.request_count(), 5, "a wait past the allowance is not begun: one attempt");
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [{ "route": "GET /users/{id}", "action": { "type": "latency", "ms": 100 } }] })).await;
    let config = Config { concurrency: 2, ..fast_config() };
    let client = bed.client_with(bed.secret_credential(crate::support::CLIENT, crate::support::CLIENT_SECRET), config);
    let started = Instant::now();
    let names = ["alice", "bob", "carol", "dave", "erin", "it-lead"];
    let reads = names.iter().map(|name| {
        let client = client.clone();
        async move { client.get_user(&format!("{name}@contoso.com")).await.unwrap() }
    });
    futures::future::join_all(reads).await;
    // Six 100 ms reads, two at a time: at least three rounds.
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    bed.emulator.shutdown().await;
}

/// A hanging Graph: the attempt is cut at the time limit, and the error says so (not
/// "gave up after N attempts" with minutes more of retries).
#[tokio::test]
async fn the_time_limit_cuts_a_hanging_request() {
    let bed = Bed::start().await;
    bed.faults(json!({ "rules": [{ "route": "GET /users", "action": { "type": "latency", "ms": 5000 } }] })).await;
    let client = bed.client();
    client.set_time_limit(Some(Duration::from_millis(800)));
    // Had the attempt not been cut, it would have succeeded after 5 s.
    let error = client.list_users(None).await.unwrap_err();
    assert!(matches!(error, Error::Deadline { .. }), "{error:?}");
    assert!(error.to_string().contains("time limit"), "{error}");
    bed.emulator.shutdown().await;
}

/// A `Retry-After` longer than the time left is not begun: the request fails at once,
/// saying why; one that ends in time is waited out, beyond `max_total_wait`.
#[tokio::test]
async fn a_retry_after_is_waited_out_only_within_the_time_limit() {
    let bed = Bed::start().await;
    let throttle = json!({ "rules": [{ "route": "GET /users", "first": 1, "action": { "type": "throttle", "retryAfterSeconds": 30 } }] });
    bed.faults(throttle).await;
    let client = bed.client();
    client.set_time_limit(Some(Duration::from_secs(5)));
    // Had the 30 s been waited out, the second attempt would have succeeded.
    let error = client.list_users(None).await.unwrap_err();
    assert!(matches!(error, Error::Deadline { .. }), "{error:?}");
    assert_eq!(client.request_count(), 1);
    bed.faults(json!({ "rules": [{ "route": "GET /users", "first": 1, "action": { "type": "throttle", "retryAfterSeconds": 2 } }] })).await;
    let config = Config { max_total_wait: Duration::from_millis(100), ..crate::support::fast_config() };
    let client = bed.client_with(bed.secret_credential(crate::support::CLIENT, crate::support::CLIENT_SECRET), config);
    client.set_time_limit(Some(Duration::from_secs(30)));
    assert_eq!(client.list_users(None).await.unwrap().len(), 7, "a wait that ends in time is honoured");
    bed.emulator.shutdown().await;
}
