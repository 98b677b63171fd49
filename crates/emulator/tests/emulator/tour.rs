//! Every operation of the Graph reference, called once with success, each reply checked
//! against the reference. Other test modules check behaviour in depth; this one proves
//! that nothing in `operations.tsv` is missing from the emulator.

use serde_json::{Value, json};

use crate::support::{Harness, urlencode};

#[tokio::test]
async fn every_operation_of_the_reference_answers() {
    let harness = Harness::start().await;
    let ok = |response: crate::support::Response| {
        assert!(response.status < 300, "{:?}", response.body);
        response
    };
    let template = scimform_emulator::NON_GALLERY_TEMPLATE_ID;
    ok(harness.get("/applicationTemplates").await);
    ok(harness.get(&format!("/applicationTemplates/{template}")).await);
    let (application, sp) = harness.new_app("Tour").await;
    let app_id =
        ok(harness.get(&format!("/applications/{application}")).await).json()["appId"].as_str().unwrap().to_owned();
    ok(harness.get("/applications").await);
    ok(harness.get(&format!("/applications(appId='{app_id}')")).await);
    ok(harness
        .send("PATCH", &format!("/applications(appId='{app_id}')"), Some(json!({ "notes": "by app id" })), &[])
        .await);
    ok(harness
        .send("PATCH", &format!("/applications/{application}"), Some(json!({ "description": "tour" })), &[])
        .await);

    let owner = harness.id_of("users", "userPrincipalName eq 'ops-admin@contoso.com'").await;
    let reference = json!({ "@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{owner}") });
    for base in [format!("/applications/{application}"), format!("/servicePrincipals/{sp}")] {
        ok(harness.post(&format!("{base}/owners/$ref"), reference.clone()).await);
        ok(harness.get(&format!("{base}/owners")).await);
        ok(harness.get(&format!("{base}/owners/$ref")).await);
        ok(harness.send("DELETE", &format!("{base}/owners/{owner}/$ref"), None, &[]).await);
        ok(harness.post(&format!("{base}/owners/$ref"), reference.clone()).await);
        let by_query = format!(
            "{base}/owners/$ref?@id={}",
            urlencode(&format!("https://graph.microsoft.com/v1.0/directoryObjects/{owner}"))
        );
        ok(harness.send("DELETE", &by_query, None, &[]).await);
    }

    let group = harness.id_of("groups", "displayName eq 'Netskope Users'").await;
    ok(harness.get("/groups").await);
    ok(harness.get(&format!("/groups/{group}")).await);
    ok(harness.get(&format!("/groups/{group}/members")).await);
    ok(harness.get(&format!("/groups/{group}/transitiveMembers")).await);
    let user = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    ok(harness.get("/users").await);
    ok(harness.get(&format!("/users/{user}")).await);

    ok(harness.get("/servicePrincipals").await);
    ok(harness.get(&format!("/servicePrincipals/{sp}")).await);
    ok(harness.get(&format!("/servicePrincipals(appId='{app_id}')")).await);
    ok(harness.send("PATCH", &format!("/servicePrincipals/{sp}"), Some(json!({ "notes": "tour" })), &[]).await);
    ok(harness
        .send("PATCH", &format!("/servicePrincipals(appId='{app_id}')"), Some(json!({ "notes": "by app id" })), &[])
        .await);
    let role = harness.get(&format!("/servicePrincipals/{sp}")).await.json()["appRoles"][0]["id"].clone();
    let assignment = ok(harness
        .post(
            &format!("/servicePrincipals/{sp}/appRoleAssignedTo"),
            json!({ "principalId": user, "resourceId": sp, "appRoleId": role }),
        )
        .await);
    let assignment = assignment.json()["id"].as_str().unwrap().to_owned();
    ok(harness.get(&format!("/servicePrincipals/{sp}/appRoleAssignedTo")).await);
    ok(harness.get(&format!("/servicePrincipals/{sp}/appRoleAssignedTo/{assignment}")).await);
    ok(harness.send("DELETE", &format!("/servicePrincipals/{sp}/appRoleAssignedTo/{assignment}"), None, &[]).await);

    let sync = format!("/servicePrincipals/{sp}/synchronization");
    ok(harness.get(&sync).await);
    ok(harness.get(&format!("{sync}/templates")).await);
    ok(harness.get(&format!("{sync}/templates/scim")).await);
    ok(harness.get(&format!("{sync}/templates/scim/schema")).await);
    let credentials = json!([{ "key": "BaseAddress", "value": "https://scim.example.com" }, { "key": "SecretToken", "value": "tour-token" }]);
    ok(harness
        .post(
            &format!("{sync}/jobs/validateCredentials"),
            json!({ "templateId": "scim", "useSavedCredentials": false, "credentials": credentials }),
        )
        .await);
    let job = ok(harness.post(&format!("{sync}/jobs"), json!({ "templateId": "scim" })).await).json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let job_url = format!("{sync}/jobs/{job}");
    ok(harness.get(&format!("{sync}/jobs")).await);
    ok(harness.get(&job_url).await);
    ok(harness.get(&format!("{job_url}/bulkUpload")).await);
    ok(harness
        .post(
            &format!("{job_url}/validateCredentials"),
            json!({ "useSavedCredentials": false, "credentials": credentials }),
        )
        .await);
    ok(harness.send("PUT", &format!("{sync}/secrets"), Some(json!({ "value": credentials })), &[]).await);
    ok(harness.post(&format!("{job_url}/start"), Value::Null).await);
    ok(harness.post(&format!("{job_url}/pause"), Value::Null).await);
    ok(harness.post(&format!("{job_url}/restart"), json!({ "criteria": { "resetScope": "Full" } })).await);
    let schema = ok(harness.get(&format!("{job_url}/schema")).await).json().clone();
    let rule = schema["synchronizationRules"][0]["id"].clone();
    ok(harness
        .send(
            "PUT",
            &format!("{job_url}/schema"),
            Some(
                json!({ "synchronizationRules": schema["synchronizationRules"], "directories": schema["directories"] }),
            ),
            &[],
        )
        .await);
    ok(harness.send("PATCH", &format!("{job_url}/schema"), Some(json!({ "version": "tour" })), &[]).await);
    ok(harness
        .post(
            &format!("{job_url}/provisionOnDemand"),
            json!({ "parameters": [{ "ruleId": rule, "subjects": [{ "objectId": user, "objectTypeName": "User" }] }] }),
        )
        .await);
    ok(harness.send("DELETE", &job_url, None, &[]).await);

    // An app registration's own service principal, created and deleted by appId.
    ok(harness.send("DELETE", &format!("/servicePrincipals/{sp}"), None, &[]).await);
    ok(harness.post("/servicePrincipals", json!({ "appId": app_id })).await);
    ok(harness.send("DELETE", &format!("/servicePrincipals(appId='{app_id}')"), None, &[]).await);
    ok(harness.send("DELETE", &format!("/applications(appId='{app_id}')"), None, &[]).await);
    let (other_application, _) = harness.new_app("Tour Two").await;
    ok(harness.send("DELETE", &format!("/applications/{other_application}"), None, &[]).await);

    let covered = harness.conformance.covered.lock().unwrap().clone();
    let missing: Vec<String> =
        harness.conformance.all_operations().into_iter().filter(|operation| !covered.contains(operation)).collect();
    assert!(missing.is_empty(), "operations never answered with success: {missing:#?}");
    harness.emulator.shutdown().await;
}
