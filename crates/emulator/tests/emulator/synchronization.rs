//! Provisioning: job lifecycle, secrets, Test Connection (with a real probe of a SCIM
//! endpoint), schema, provision on demand; and assignments and owners.

use serde_json::{Value, json};

use crate::support::{Harness, urlencode};

struct App {
    sp: String,
    jobs: String,
    job: String,
}

async fn app_with_job(harness: &Harness, name: &str) -> App {
    let (_, sp) = harness.new_app(name).await;
    let jobs = format!("/servicePrincipals/{sp}/synchronization/jobs");
    let job = harness.post(&jobs, json!({ "templateId": "scim" })).await;
    assert_eq!(job.status, 201);
    let job = job.json()["id"].as_str().unwrap().to_owned();
    App { sp, jobs, job }
}

async fn save_secrets(harness: &Harness, sp: &str, token: &str, base: &str) {
    let body = json!({ "value": [
        { "key": "BaseAddress", "value": base },
        { "key": "SecretToken", "value": token },
        { "key": "SyncAll", "value": "false" },
    ]});
    assert_eq!(
        harness.send("PUT", &format!("/servicePrincipals/{sp}/synchronization/secrets"), Some(body), &[]).await.status,
        204
    );
}

#[tokio::test]
async fn job_lifecycle_and_status_codes() {
    let harness = Harness::start().await;
    let app = app_with_job(&harness, "Lifecycle").await;
    let job_url = format!("{}/{}", app.jobs, app.job);
    let state = |response: &crate::support::Response| {
        (
            response.json()["schedule"]["state"].as_str().unwrap().to_owned(),
            response.json()["status"]["code"].as_str().unwrap().to_owned(),
        )
    };
    // Start without credentials: the job runs into quarantine.
    assert_eq!(harness.post(&format!("{job_url}/start"), Value::Null).await.status, 204);
    let job = harness.get(&job_url).await;
    assert_eq!(state(&job), ("Active".to_owned(), "Quarantine".to_owned()));
    assert_eq!(job.json()["status"]["quarantine"]["reason"], "EncounteredQuarantineException");
    // Credentials saved, restart clearing the quarantine.
    save_secrets(&harness, &app.sp, "lifecycle-token", "https://scim.example.com/v2").await;
    let restart = harness
        .post(
            &format!("{job_url}/restart"),
            json!({ "criteria": { "resetScope": "Watermark, Escrows, QuarantineState" } }),
        )
        .await;
    assert_eq!(restart.status, 204);
    assert_eq!(state(&harness.get(&job_url).await), ("Active".to_owned(), "NotRun".to_owned()), "no cycle ended yet");
    // Pause and resume.
    assert_eq!(harness.post(&format!("{job_url}/pause"), Value::Null).await.status, 204);
    assert_eq!(state(&harness.get(&job_url).await), ("Paused".to_owned(), "Paused".to_owned()));
    assert_eq!(
        harness.post(&format!("{job_url}/microsoft.graph.start"), Value::Null).await.status,
        204,
        "the long action name works too"
    );
    assert_eq!(state(&harness.get(&job_url).await), ("Active".to_owned(), "NotRun".to_owned()));
    // Bad restart scope, unknown template.
    assert_eq!(
        harness.post(&format!("{job_url}/restart"), json!({ "criteria": { "resetScope": "Everything" } })).await.status,
        400
    );
    assert_eq!(harness.post(&app.jobs, json!({ "templateId": "customappsso" })).await.status, 400);
    // Delete; a second delete is 404.
    assert_eq!(harness.send("DELETE", &job_url, None, &[]).await.status, 204);
    assert_eq!(harness.send("DELETE", &job_url, None, &[]).await.status, 404);
    assert_eq!(harness.get(&app.jobs).await.json()["value"].as_array().unwrap().len(), 0);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn secrets_are_replaced_whole_and_masked_on_read() {
    let harness = Harness::start().await;
    let app = app_with_job(&harness, "Secrets").await;
    save_secrets(&harness, &app.sp, "first-token-value", "https://scim.example.com/v2").await;
    let read = harness.get(&format!("/servicePrincipals/{}/synchronization/secrets", app.sp)).await;
    let values: Vec<(String, String)> = read.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair["key"].as_str().unwrap().to_owned(), pair["value"].as_str().unwrap().to_owned()))
        .collect();
    assert!(values.contains(&("SecretToken".to_owned(), "*".to_owned())));
    assert!(values.contains(&("BaseAddress".to_owned(), "https://scim.example.com/v2".to_owned())));
    assert!(!read.json().to_string().contains("first-token-value"));
    // A PUT replaces the whole set.
    let only_base = json!({ "value": [{ "key": "BaseAddress", "value": "https://other.example.com" }] });
    harness.send("PUT", &format!("/servicePrincipals/{}/synchronization/secrets", app.sp), Some(only_base), &[]).await;
    let read = harness.get(&format!("/servicePrincipals/{}/synchronization", app.sp)).await;
    assert_eq!(read.json()["secrets"].as_array().unwrap().len(), 1);
    // Unknown keys are refused.
    let unknown = json!({ "value": [{ "key": "ScimToken", "value": "x" }] });
    let refused = harness
        .send("PUT", &format!("/servicePrincipals/{}/synchronization/secrets", app.sp), Some(unknown), &[])
        .await;
    assert_eq!(refused.status, 400);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn test_connection_checks_what_it_can_offline() {
    let harness = Harness::start().await;
    let app = app_with_job(&harness, "Validate").await;
    let url = format!("{}/{}/validateCredentials", app.jobs, app.job);
    let check = |credentials: Value| {
        let harness = &harness;
        let url = url.clone();
        async move { harness.post(&url, json!({ "useSavedCredentials": false, "credentials": credentials })).await }
    };
    assert_eq!(check(json!([{ "key": "BaseAddress", "value": "https://scim.example.com" }, { "key": "SecretToken", "value": "t" }])).await.status, 204);
    let no_token = check(
        json!([{ "key": "BaseAddress", "value": "https://scim.example.com" }, { "key": "SecretToken", "value": "" }]),
    )
    .await;
    assert_eq!(
        (no_token.status, no_token.error_code()),
        (400, "SystemForCrossDomainIdentityManagementCredentialValidationFailure")
    );
    let bad_url =
        check(json!([{ "key": "BaseAddress", "value": "scim.example.com" }, { "key": "SecretToken", "value": "t" }]))
            .await;
    assert_eq!(bad_url.status, 400);
    // Saved credentials: none yet, then some.
    let saved = harness.post(&url, json!({ "useSavedCredentials": true })).await;
    assert_eq!(saved.status, 400);
    save_secrets(&harness, &app.sp, "saved-token", "https://scim.example.com/v2").await;
    assert_eq!(harness.post(&url, json!({ "useSavedCredentials": true })).await.status, 204);
    // The collection-bound form works before any job.
    let collection = format!("{}/validateCredentials", app.jobs);
    let before_job = harness
        .post(&collection, json!({ "templateId": "scim", "useSavedCredentials": false, "credentials": [{ "key": "BaseAddress", "value": "https://a.example.com" }, { "key": "SecretToken", "value": "t" }] }))
        .await;
    assert_eq!(before_job.status, 204);
    harness.emulator.shutdown().await;
}

/// A SCIM endpoint on loopback that answers Azure's Test Connection query when the bearer
/// token is right.
async fn scim_endpoint(expected_token: &'static str) -> (String, tokio::task::JoinHandle<()>) {
    use axum::http::{HeaderMap, StatusCode};
    let router = axum::Router::new().route(
        "/scim/v2/Users",
        axum::routing::get(move |headers: HeaderMap| async move {
            let authorized = headers.get("authorization").and_then(|value| value.to_str().ok()) == Some(&format!("Bearer {expected_token}"));
            if authorized {
                (StatusCode::OK, axum::Json(json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": [] })))
            } else {
                (StatusCode::UNAUTHORIZED, axum::Json(json!({ "detail": "bad token" })))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/scim/v2", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (url, task)
}

#[tokio::test]
async fn test_connection_probes_the_scim_endpoint_when_asked() {
    let mut options = scimform_emulator::Options::for_tests(crate::support::test_seed());
    options.probe_scim = true;
    let harness = Harness::start_with(options).await;
    let (base, server) = scim_endpoint("probe-token").await;
    let app = app_with_job(&harness, "Probe").await;
    let url = format!("{}/{}/validateCredentials", app.jobs, app.job);
    let check = |token: &str| json!({ "useSavedCredentials": false, "credentials": [{ "key": "BaseAddress", "value": base }, { "key": "SecretToken", "value": token }] });
    assert_eq!(harness.post(&url, check("probe-token")).await.status, 204);
    let wrong = harness.post(&url, check("wrong-token")).await;
    assert_eq!(
        (wrong.status, wrong.error_code()),
        (400, "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable")
    );
    assert!(!wrong.json().to_string().contains("wrong-token"));
    server.abort();
    harness.emulator.shutdown().await;
}

/// A SCIM application the emulator plays accepts one token: Test Connection fails with
/// another (what a running job's cycles do then is in `provisioning.rs`).
#[tokio::test]
async fn played_scim_endpoints_refuse_other_tokens() {
    let harness = Harness::start().await;
    let base = "https://played.example.com/scim";
    let (status, _) =
        harness.admin("PUT", "/scimEndpoints", Some(json!([{ "baseUrl": base, "token": "right-token" }]))).await;
    assert_eq!(status, 204);
    let app = app_with_job(&harness, "Played").await;
    let job_url = format!("{}/{}", app.jobs, app.job);
    let validate = format!("{job_url}/validateCredentials");
    let test = |token: &str| json!({ "credentials": [{ "key": "BaseAddress", "value": base }, { "key": "SecretToken", "value": token }] });
    let refused = harness.post(&validate, test("wrong-token")).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["error"]["code"],
        "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable"
    );
    assert!(refused.json()["error"]["message"].as_str().unwrap().contains("401 Unauthorized"));
    assert_eq!(harness.post(&validate, test("right-token")).await.status, 204);
    // Saved with the wrong token: Test Connection with the saved credentials fails too.
    save_secrets(&harness, &app.sp, "wrong-token", base).await;
    assert_eq!(harness.post(&validate, json!({ "useSavedCredentials": true })).await.status, 400);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn schema_and_provision_on_demand() {
    let harness = Harness::start().await;
    let app = app_with_job(&harness, "Schema").await;
    let schema_url = format!("{}/{}/schema", app.jobs, app.job);
    let schema = harness.get(&schema_url).await;
    let rule = schema.json()["synchronizationRules"][0]["id"].as_str().unwrap().to_owned();
    let mut changed = schema.json().clone();
    changed.as_object_mut().unwrap().remove("@odata.context");
    changed["synchronizationRules"][0]["objectMappings"][0]["enabled"] = json!(false);
    assert_eq!(harness.send("PUT", &schema_url, Some(changed), &[]).await.status, 204);
    assert_eq!(harness.get(&schema_url).await.json()["synchronizationRules"][0]["objectMappings"][0]["enabled"], false);
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    let on_demand = format!("{}/{}/provisionOnDemand", app.jobs, app.job);
    let body =
        json!({ "parameters": [{ "ruleId": rule, "subjects": [{ "objectId": alice, "objectTypeName": "User" }] }] });
    let missing = harness.post(&on_demand, body.clone()).await;
    assert_eq!((missing.status, missing.error_code()), (400, "CredentialsMissing"));
    save_secrets(&harness, &app.sp, "on-demand-token", "https://scim.example.com/v2").await;
    let provisioned = harness.post(&on_demand, body.clone()).await;
    assert_eq!(provisioned.status, 200);
    assert!(serde_json::from_str::<Value>(provisioned.json()["key"].as_str().unwrap()).is_ok());
    // Rate limit: 5 calls per 10 seconds (two were made).
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(harness.post(&on_demand, body.clone()).await.status);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn assignments_duplicates_roles_and_owners() {
    let harness = Harness::start().await;
    let (application, sp) = harness.new_app("Assignments").await;
    let roles = harness.get(&format!("/servicePrincipals/{sp}?$select=appRoles")).await.json()["appRoles"].clone();
    let names: Vec<&str> = roles.as_array().unwrap().iter().map(|role| role["displayName"].as_str().unwrap()).collect();
    assert_eq!(names, ["User", "msiam_access"]);
    // Role ids are fresh per app.
    let (_, other) = harness.new_app("Assignments Two").await;
    let other_roles =
        harness.get(&format!("/servicePrincipals/{other}?$select=appRoles")).await.json()["appRoles"].clone();
    assert_ne!(roles[0]["id"], other_roles[0]["id"]);
    let user_role = roles[0]["id"].as_str().unwrap();
    let bob = harness.id_of("users", "userPrincipalName eq 'bob@contoso.com'").await;
    let assign = json!({ "principalId": bob, "resourceId": sp, "appRoleId": user_role });
    let url = format!("/servicePrincipals/{sp}/appRoleAssignedTo");
    let first = harness.post(&url, assign.clone()).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.json()["principalType"], "User");
    let duplicate = harness.post(&url, assign.clone()).await;
    assert_eq!((duplicate.status, duplicate.error_code()), (400, "Request_BadRequest"));
    assert_eq!(duplicate.json()["error"]["details"][0]["code"], "InvalidUpdate");
    // Default access is refused on an app that has roles; a role of another app too.
    let default_access =
        json!({ "principalId": bob, "resourceId": sp, "appRoleId": "00000000-0000-0000-0000-000000000000" });
    assert_eq!(harness.post(&url, default_access).await.status, 400);
    let foreign = json!({ "principalId": bob, "resourceId": sp, "appRoleId": other_roles[0]["id"] });
    assert_eq!(harness.post(&url, foreign).await.status, 400);
    let not_a_guid = json!({ "principalId": "bob", "resourceId": sp, "appRoleId": user_role });
    assert_eq!(harness.post(&url, not_a_guid).await.status, 400);
    // Filter by principal display name.
    let filtered = harness.get(&format!("{url}?$filter={}", urlencode("principalDisplayName eq 'Bob Example'"))).await;
    assert_eq!(filtered.json()["value"].as_array().unwrap().len(), 1);
    let unsupported = harness.get(&format!("{url}?$filter={}", urlencode(&format!("principalId eq '{bob}'")))).await;
    assert_eq!(unsupported.status, 400);
    // Owners on the application and the service principal.
    let owner = harness.id_of("users", "userPrincipalName eq 'ops-admin@contoso.com'").await;
    let reference = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{owner}") });
    for path in [format!("/applications/{application}/owners/$ref"), format!("/servicePrincipals/{sp}/owners/$ref")] {
        assert_eq!(harness.post(&path, reference.clone()).await.status, 204);
        assert_eq!(harness.post(&path, reference.clone()).await.status, 400, "adding an owner twice");
        let references = harness.get(&path).await;
        let references = references.json()["value"].as_array().unwrap().clone();
        assert!(references.iter().any(|reference| reference.as_str().unwrap().ends_with(&owner)), "{references:?}");
    }
    // The creating client's service principal owns what it created, besides the user.
    let owners = harness.get(&format!("/servicePrincipals/{sp}/owners?$select=id,userPrincipalName")).await;
    let owners = owners.json()["value"].as_array().unwrap().clone();
    assert_eq!(owners.len(), 2, "{owners:?}");
    assert!(owners.iter().any(|owner| owner["userPrincipalName"] == "ops-admin@contoso.com"), "{owners:?}");
    assert_eq!(
        harness.send("DELETE", &format!("/servicePrincipals/{sp}/owners/{owner}/$ref"), None, &[]).await.status,
        204
    );
    assert_eq!(
        harness.send("DELETE", &format!("/servicePrincipals/{sp}/owners/{owner}/$ref"), None, &[]).await.status,
        404
    );
    let by_query = format!(
        "/applications/{application}/owners/$ref?$id={}",
        urlencode(&format!("https://graph.microsoft.com/v1.0/directoryObjects/{owner}"))
    );
    assert_eq!(harness.send("DELETE", &by_query, None, &[]).await.status, 204);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn service_principals_by_tag_and_alternate_key() {
    let harness = Harness::start().await;
    let (_, sp) = harness.new_app("Tagged").await;
    let tags = json!({ "tags": ["WindowsAzureActiveDirectoryIntegratedApp", "team:identity"], "notes": "managed" });
    assert_eq!(harness.send("PATCH", &format!("/servicePrincipals/{sp}"), Some(tags), &[]).await.status, 204);
    let found = harness
        .get(&format!(
            "/servicePrincipals?$filter={}&$select=id,tags,notes",
            urlencode("tags/any(t:t eq 'team:identity')")
        ))
        .await;
    assert_eq!(found.json()["value"].as_array().unwrap().len(), 1);
    assert_eq!(found.json()["value"][0]["notes"], "managed");
    let app_id = harness.get(&format!("/servicePrincipals/{sp}")).await.json()["appId"].as_str().unwrap().to_owned();
    let by_app_id = harness.get(&format!("/servicePrincipals(appId='{app_id}')")).await;
    assert_eq!(by_app_id.json()["id"], sp.as_str());
    // Read-only and unknown properties are refused.
    for body in [json!({ "appId": "x" }), json!({ "colour": "blue" }), json!({ "tags": "not-a-list" })] {
        assert_eq!(harness.send("PATCH", &format!("/servicePrincipals/{sp}"), Some(body), &[]).await.status, 400);
    }
    harness.emulator.shutdown().await;
}
