//! The admin API: reset, seed, snapshot, request log, drift injection; and the state file.

use serde_json::json;

use crate::support::{Harness, test_seed};

#[tokio::test]
async fn drift_edits_reset_and_snapshot() {
    let harness = Harness::start().await;
    let (_, sp) = harness.new_app("Drifting").await;
    // Someone edits the app in the portal.
    let (status, _) = harness
        .admin("PATCH", &format!("/objects/{sp}"), Some(json!({ "notes": "changed by hand", "tags": [] })))
        .await;
    assert_eq!(status, 204);
    let read = harness.get(&format!("/servicePrincipals/{sp}?$select=notes,tags")).await;
    assert_eq!(read.json()["notes"], "changed by hand");
    // Someone assigns a user through the portal (a Graph call as the administrator).
    let dave = harness.id_of("users", "userPrincipalName eq 'dave@contoso.com'").await;
    let role = harness.get(&format!("/servicePrincipals/{sp}")).await.json()["appRoles"][0]["id"].clone();
    let (status, body) = harness
        .admin("POST", "/graph", Some(json!({ "method": "POST", "url": format!("/servicePrincipals/{sp}/appRoleAssignedTo"), "body": { "principalId": dave, "resourceId": sp, "appRoleId": role } })))
        .await;
    assert_eq!((status, body["status"].as_u64()), (200, Some(201)), "{body}");
    // Jobs and secrets can be changed behind the API's back too.
    let job =
        harness.post(&format!("/servicePrincipals/{sp}/synchronization/jobs"), json!({ "templateId": "scim" })).await;
    let job_id = job.json()["id"].as_str().unwrap().to_owned();
    let quarantine = json!({ "status": { "code": "Quarantine", "quarantine": { "reason": "EncounteredQuarantineException", "seriesCount": 3 } } });
    assert_eq!(
        harness.admin("PATCH", &format!("/servicePrincipals/{sp}/jobs/{job_id}"), Some(quarantine)).await.0,
        204
    );
    let read = harness.get(&format!("/servicePrincipals/{sp}/synchronization/jobs/{job_id}")).await;
    assert_eq!(read.json()["status"]["quarantine"]["reason"], "EncounteredQuarantineException");
    assert_eq!(read.json()["schedule"]["state"], "Disabled", "a deep merge keeps the rest");
    let secrets = json!({ "value": [{ "key": "SecretToken", "value": "rotated-in-portal" }] });
    assert_eq!(harness.admin("PUT", &format!("/servicePrincipals/{sp}/secrets"), Some(secrets)).await.0, 204);
    // Snapshot: secrets as digests only.
    let (_, snapshot) = harness.admin("GET", "/snapshot", None).await;
    assert!(!snapshot.to_string().contains("rotated-in-portal"));
    assert!(snapshot["synchronization"][&sp]["secrets"][0][1].as_str().unwrap().starts_with("sha256:"));
    assert!(!snapshot.to_string().contains(crate::support::FULL_SECRET), "client secrets are hidden too");
    // Reset: back to the seed.
    assert_eq!(harness.admin("POST", "/reset", None).await.0, 204);
    assert_eq!(harness.get(&format!("/servicePrincipals/{sp}")).await.status, 404);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn request_log_counts_per_route() {
    let harness = Harness::start().await;
    for _ in 0..3 {
        harness.get("/users?$top=1").await;
    }
    harness.get("/groups").await;
    let log = harness.requests().await;
    assert_eq!(log["byRoute"]["GET /users"], 3);
    assert_eq!(log["byRoute"]["GET /groups"], 1);
    assert_eq!(log["entries"][0]["client"], crate::support::FULL_CLIENT);
    harness.clear_requests().await;
    assert_eq!(harness.requests().await["total"], 0);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn a_new_seed_replaces_the_tenant() {
    let harness = Harness::start().await;
    let mut seed = serde_json::to_value(test_seed()).unwrap();
    seed["users"] = json!([{ "userPrincipalName": "solo@fabrikam.com" }]);
    seed["groups"] = json!([]);
    seed["apps"] = json!([]);
    let (status, body) = harness.admin("PUT", "/seed", Some(seed)).await;
    assert_eq!(status, 204, "{body}");
    let users = harness.get("/users").await;
    assert_eq!(users.json()["value"].as_array().unwrap().len(), 1);
    let (status, body) = harness
        .admin(
            "PUT",
            "/seed",
            Some(json!({ "tenantId": "x", "groups": [{ "displayName": "G", "members": ["ghost@nowhere.com"] }] })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("ghost@nowhere.com"), "{body}");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn the_state_file_keeps_the_tenant_across_runs() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("tenant.json");
    let mut options = scimform_emulator::Options::for_tests(test_seed());
    options.state_file = Some(state.clone());
    let harness = Harness::start_with(options.clone()).await;
    let (_, sp) = harness.new_app("Persistent").await;
    harness.emulator.shutdown().await;
    let harness = Harness::start_with(options).await;
    let read = harness.get(&format!("/servicePrincipals/{sp}")).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["displayName"], "Persistent");
    // New ids continue from the saved generator: no collisions with the first run's.
    let (_, second) = harness.new_app("Persistent Two").await;
    assert_ne!(second, sp);
    harness.emulator.shutdown().await;
}

/// No admin request answers success while changing nothing: bodies that cannot mean a
/// change are refused, and deleting a group takes its memberships and assignments along.
#[tokio::test]
async fn admin_requests_that_would_change_nothing_are_refused() {
    let harness = Harness::start().await;
    let (_, sp) = harness.new_app("Admin Checks").await;
    let job =
        harness.post(&format!("/servicePrincipals/{sp}/synchronization/jobs"), json!({ "templateId": "scim" })).await;
    let job_id = job.json()["id"].as_str().unwrap().to_owned();
    let refused = [
        ("PATCH", format!("/objects/{sp}"), json!(["notes"])),
        ("PATCH", format!("/objects/{sp}"), json!({ "id": "another" })),
        ("PATCH", format!("/servicePrincipals/{sp}/jobs/{job_id}"), json!("Quarantine")),
        ("PUT", format!("/servicePrincipals/{sp}/secrets"), json!({ "values": [] })),
        ("PUT", format!("/servicePrincipals/{sp}/secrets"), json!({ "value": [{ "key": "SecretToken" }] })),
        ("PUT", "/scimEndpoints".to_owned(), json!([{ "baseUrl": "https://x.example.com", "quirks": ["kind"] }])),
    ];
    for (method, path, body) in refused {
        let (status, answer) = harness.admin(method, &path, Some(body.clone())).await;
        assert_eq!(status, 400, "{method} {path} {body}: {answer}");
    }
    let read = harness.get(&format!("/servicePrincipals/{sp}/synchronization/jobs/{job_id}")).await;
    assert_eq!(read.json()["schedule"]["state"], "Disabled", "the job is untouched");
    // A deleted group leaves its parents and its assignments.
    let engineering = harness.id_of("groups", "displayName eq 'Engineering'").await;
    assert_eq!(harness.admin("DELETE", &format!("/objects/{engineering}"), None).await.0, 204);
    assert_eq!(harness.get(&format!("/groups/{engineering}")).await.status, 404);
    let (_, snapshot) = harness.admin("GET", "/snapshot", None).await;
    assert!(!snapshot["members"].to_string().contains(&engineering), "no group lists it: {}", snapshot["members"]);
    assert!(!snapshot["assignments"].to_string().contains(&engineering));
    assert_eq!(harness.admin("DELETE", &format!("/objects/{engineering}"), None).await.0, 404);
}
