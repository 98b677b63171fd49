//! Requests the Graph reference calls invalid are refused as Graph refuses them, and the
//! bodies our tests send as valid are valid by the reference.

use serde_json::json;

use crate::support::Harness;

#[tokio::test]
async fn invalid_requests_by_the_reference_are_refused() {
    let harness = Harness::start().await;
    let (_, sp) = harness.new_app("Conformance").await;
    let job =
        harness.post(&format!("/servicePrincipals/{sp}/synchronization/jobs"), json!({ "templateId": "scim" })).await;
    let job_id = job.json()["id"].as_str().unwrap().to_owned();
    let role =
        harness.get(&format!("/servicePrincipals/{sp}")).await.json()["appRoles"][0]["id"].as_str().unwrap().to_owned();
    let alice = harness.id_of("users", "userPrincipalName eq 'alice@contoso.com'").await;
    let conformance = &harness.conformance;

    // appRoleAssignment with a principalId that is not a GUID: invalid by the schema.
    let bad_assignment = json!({ "principalId": "alice", "resourceId": sp, "appRoleId": role });
    assert!(!conformance.validate("microsoft.graph.appRoleAssignment", &bad_assignment).is_empty());
    assert_eq!(harness.post(&format!("/servicePrincipals/{sp}/appRoleAssignedTo"), bad_assignment).await.status, 400);
    let good_assignment = json!({ "principalId": alice, "resourceId": sp, "appRoleId": role });
    assert!(conformance.validate("microsoft.graph.appRoleAssignment", &good_assignment).is_empty());
    assert_eq!(
        conformance.request_schema("POST", &format!("/servicePrincipals/{sp}/appRoleAssignedTo")).as_deref(),
        Some("microsoft.graph.appRoleAssignment")
    );

    // A secret key outside the synchronizationSecret enum.
    let bad_secret = json!({ "key": "ScimBearer", "value": "x" });
    assert!(!conformance.validate("microsoft.graph.synchronizationSecretKeyStringValuePair", &bad_secret).is_empty());
    let response = harness
        .send(
            "PUT",
            &format!("/servicePrincipals/{sp}/synchronization/secrets"),
            Some(json!({ "value": [bad_secret] })),
            &[],
        )
        .await;
    assert_eq!(response.status, 400);

    // A restart scope outside synchronizationJobRestartScope.
    let bad_criteria = json!({ "resetScope": "Everything" });
    assert!(!conformance.validate("microsoft.graph.synchronizationJobRestartCriteria", &bad_criteria).is_empty());
    let response = harness
        .post(
            &format!("/servicePrincipals/{sp}/synchronization/jobs/{job_id}/restart"),
            json!({ "criteria": bad_criteria }),
        )
        .await;
    assert_eq!(response.status, 400);

    // A job without a template, a malformed JSON body, an instantiate without a name.
    assert_eq!(harness.post(&format!("/servicePrincipals/{sp}/synchronization/jobs"), json!({})).await.status, 400);
    let malformed = harness
        .http
        .post(format!("{}/servicePrincipals/{sp}/synchronization/jobs", harness.emulator.graph_url()))
        .bearer_auth(&harness.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status().as_u16(), 400);
    let response = harness
        .post(&format!("/applicationTemplates/{}/instantiate", scimform_emulator::NON_GALLERY_TEMPLATE_ID), json!({}))
        .await;
    assert_eq!(response.status, 400);

    // Unknown routes and methods.
    assert_eq!(harness.get("/devices").await.status, 400);
    assert_eq!(harness.send("PUT", "/users", None, &[]).await.status, 405);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn gallery_templates_have_their_own_roles_and_provisioning_template() {
    let harness = Harness::start().await;
    let templates = harness.get("/applicationTemplates?$filter=displayName%20eq%20'HR%20Portal'").await;
    let id = templates.json()["value"][0]["id"].as_str().unwrap().to_owned();
    let created =
        harness.post(&format!("/applicationTemplates/{id}/instantiate"), json!({ "displayName": "HR Portal" })).await;
    assert_eq!(created.status, 201);
    let sp = created.json()["servicePrincipal"]["id"].as_str().unwrap().to_owned();
    let roles: Vec<&str> = created.json()["servicePrincipal"]["appRoles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["User", "Administrator", "msiam_access"]);
    let templates = harness.get(&format!("/servicePrincipals/{sp}/synchronization/templates")).await;
    assert_eq!(templates.json()["value"][0]["id"], "hrPortal");
    assert_eq!(templates.json()["value"][0]["default"], true);
    let template = harness.get(&format!("/applicationTemplates/{id}")).await;
    assert_eq!(template.json()["displayName"], "HR Portal");
    assert_eq!(harness.get("/applicationTemplates/00000000-0000-4000-8000-000000000000").await.status, 404);
    harness.emulator.shutdown().await;
}
