//! Every operation marked requested in the Graph reference, called through the client's
//! typed methods; the emulator's request log proves each one was answered with success.

use scimform_graph::models::{ApplicationPatch, NewAppRoleAssignment, SecretPair, ServicePrincipalPatch};
use scimform_graph::{Owned, Secret, literal};
use serde_json::json;

use crate::support::{Bed, workspace_root};

fn requested_operations() -> Vec<String> {
    let table = std::fs::read_to_string(workspace_root().join("reference/graph/operations.tsv")).unwrap();
    table
        .lines()
        .skip(1)
        .filter(|line| line.ends_with("\trequested"))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let path: Vec<String> = fields[1]
                .split('/')
                .map(|segment| {
                    if let Some((collection, _)) = segment.split_once("(appId=") {
                        format!("{collection}(appId={{appId}})")
                    } else if segment.starts_with('{') {
                        "{id}".to_owned()
                    } else {
                        segment.to_owned()
                    }
                })
                .collect();
            format!("{} {}", fields[0], path.join("/"))
        })
        .collect()
}

#[tokio::test]
async fn every_requested_operation_through_the_client() {
    let bed = Bed::start().await;
    let client = bed.client();
    let template = scimform_emulator::NON_GALLERY_TEMPLATE_ID;

    client.get_application_template(template).await.unwrap();
    client.list_application_templates(Some("displayName eq 'HR Portal'")).await.unwrap();
    let created = client.instantiate(template, "Client Tour").await.unwrap();
    let (application, sp) = (created.application, created.service_principal);
    client.list_applications(Some(&format!("appId eq {}", literal(&application.app_id)))).await.unwrap();
    client.get_application(&application.id).await.unwrap();
    client.get_application_by_app_id(&application.app_id).await.unwrap();
    client
        .patch_application(&application.id, &ApplicationPatch { notes: Some("tour".into()), ..Default::default() })
        .await
        .unwrap();

    let owner = client.get_user("ops-admin@contoso.com").await.unwrap();
    client.add_owner(Owned::Application(&application.id), &owner.id).await.unwrap();
    // The creating client's service principal is an owner too.
    assert!(client.list_owners(Owned::Application(&application.id)).await.unwrap().iter().any(|o| o.id == owner.id));
    assert!(client.list_owner_ids(Owned::Application(&application.id)).await.unwrap().contains(&owner.id));
    client.remove_owner(Owned::Application(&application.id), &owner.id).await.unwrap();
    client.add_owner(Owned::ServicePrincipal(&sp.id), &owner.id).await.unwrap();
    assert_eq!(client.list_owners(Owned::ServicePrincipal(&sp.id)).await.unwrap().len(), 2);
    assert!(client.list_owner_ids(Owned::ServicePrincipal(&sp.id)).await.unwrap().contains(&owner.id));
    client.remove_owner(Owned::ServicePrincipal(&sp.id), &owner.id).await.unwrap();

    let users = client.list_users(Some("startsWith(userPrincipalName,'a')")).await.unwrap();
    let alice = &users[0];
    let groups = client.list_groups(Some("displayName eq 'Netskope Users'")).await.unwrap();
    let group = client.get_group(&groups[0].id).await.unwrap();
    let nested = client.list_group_member_groups(&group.id).await.unwrap();
    assert_eq!(nested.len(), 1, "Netskope Users holds a group");
    assert_eq!(client.list_group_members(&group.id).await.unwrap().len(), 2);
    assert_eq!(client.list_transitive_members(&group.id).await.unwrap().len(), 3);

    let tagged = ServicePrincipalPatch {
        tags: Some(vec!["scimform:name=tour".into()]),
        notes: Some("managed".into()),
        ..Default::default()
    };
    client.patch_service_principal(&sp.id, &tagged).await.unwrap();
    let found = client.list_service_principals(Some("tags/any(t:t eq 'scimform:name=tour')")).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(client.get_service_principal(&sp.id).await.unwrap().notes.as_deref(), Some("managed"));
    client.get_service_principal_by_app_id(&sp.app_id).await.unwrap();

    let role = sp.app_roles.iter().find(|role| role.display_name.as_deref() == Some("User")).unwrap().id.clone();
    for principal in [&alice.id, &group.id] {
        client
            .create_assignment(&NewAppRoleAssignment {
                principal_id: principal.clone(),
                resource_id: sp.id.clone(),
                app_role_id: role.clone(),
            })
            .await
            .unwrap();
    }
    let assignments = client.list_assignments(&sp.id).await.unwrap();
    assert_eq!(assignments.len(), 2);
    client.delete_assignment(&sp.id, &assignments[0].id).await.unwrap();

    client.get_synchronization(&sp.id).await.unwrap();
    let templates = client.list_synchronization_templates(&sp.id).await.unwrap();
    assert!(templates.iter().any(|template| template.id == "scim" && template.default));
    client.get_synchronization_template(&sp.id, "scim").await.unwrap();
    client.get_synchronization_template_schema(&sp.id, "scim").await.unwrap();
    let credentials = vec![
        SecretPair { key: "BaseAddress".into(), value: Secret::new("https://contoso.goskope.com/api/v2/scim") },
        SecretPair { key: "SecretToken".into(), value: Secret::new("client-tour-token") },
    ];
    client.validate_credentials(&sp.id, None, Some("scim"), &credentials).await.unwrap();
    let job = client.create_job(&sp.id, "scim").await.unwrap();
    assert_eq!(job.schedule.as_ref().unwrap().state.as_deref(), Some("Disabled"));
    client.validate_credentials(&sp.id, Some(&job.id), None, &credentials).await.unwrap();
    client.put_secrets(&sp.id, &credentials).await.unwrap();
    let read_back = client.get_secrets(&sp.id).await.unwrap();
    assert!(read_back.iter().any(|pair| pair.key == "SecretToken" && pair.value.as_deref() == Some("*")));
    client.validate_saved_credentials(&sp.id, &job.id).await.unwrap();
    client.start_job(&sp.id, &job.id).await.unwrap();
    let running = client.get_job(&sp.id, &job.id).await.unwrap();
    assert_eq!(running.status.unwrap().code.as_deref(), Some("NotRun"), "configured, first cycle not run yet");
    client.pause_job(&sp.id, &job.id).await.unwrap();
    client.restart_job(&sp.id, &job.id, "Watermark, Escrows, QuarantineState").await.unwrap();
    assert_eq!(client.list_jobs(&sp.id).await.unwrap().len(), 1);
    client.get_bulk_upload(&sp.id, &job.id).await.unwrap();
    let schema = client.get_job_schema(&sp.id, &job.id).await.unwrap();
    let rule = schema["synchronizationRules"][0]["id"].as_str().unwrap().to_owned();
    client
        .put_job_schema(
            &sp.id,
            &job.id,
            &json!({ "synchronizationRules": schema["synchronizationRules"], "directories": schema["directories"] }),
        )
        .await
        .unwrap();
    client.patch_job_schema(&sp.id, &job.id, &json!({ "version": "client-tour" })).await.unwrap();
    client.provision_on_demand(&sp.id, &job.id, &rule, &alice.id, "User").await.unwrap();
    client.delete_job(&sp.id, &job.id).await.unwrap();
    client.delete_service_principal(&sp.id).await.unwrap();
    client.delete_application(&application.id).await.unwrap();

    let log = bed.admin("GET", "/requests", None).await;
    let answered: std::collections::BTreeSet<String> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["status"].as_u64().is_some_and(|status| status < 300))
        .map(|entry| entry["route"].as_str().unwrap().to_owned())
        .collect();
    let missing: Vec<String> =
        requested_operations().into_iter().filter(|operation| !answered.contains(operation)).collect();
    // The reference lists PATCH/DELETE by appId and `owners/$ref` DELETE by `@id` as extras;
    // everything requested must have been answered.
    assert!(missing.is_empty(), "requested operations the client never completed: {missing:#?}");
    bed.emulator.shutdown().await;
}
