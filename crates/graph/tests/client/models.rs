//! The wire models against the Graph reference: sample payloads that conform to the
//! subset's schemas deserialize, and the bodies we send validate against them.

use scimform_graph::models::{
    AppRoleAssignment, ApplicationPatch, ApplicationServicePrincipal, DirectoryObject, Group, NewAppRoleAssignment,
    SecretReadBack, ServicePrincipal, ServicePrincipalPatch, SynchronizationJob, SynchronizationTemplate, User,
};
use serde_json::{Value, json};

use crate::support::workspace_root;

fn validate(name: &str, value: &Value) -> Vec<String> {
    static COMPONENTS: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let components = COMPONENTS.get_or_init(|| {
        let text = std::fs::read_to_string(workspace_root().join("reference/graph/components.schema.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    });
    let mut schema = components.clone();
    schema["$ref"] = json!(format!("#/$defs/{name}"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(value).map(|error| format!("{error} at {}", error.instance_path())).collect()
}

fn sample<T: serde::de::DeserializeOwned>(schema: &str, value: Value) -> T {
    let errors = validate(schema, &value);
    assert!(errors.is_empty(), "the {schema} sample does not conform: {errors:?}");
    serde_json::from_value(value).unwrap_or_else(|error| panic!("{schema}: {error}"))
}

#[test]
fn samples_from_the_reference_deserialize() {
    let role = json!({ "id": "18d14569-c3bd-439b-9a66-3a2aee01d14f", "displayName": "User", "isEnabled": true, "allowedMemberTypes": ["User"], "origin": "Application", "value": null, "description": "User" });
    let sp: ServicePrincipal = sample(
        "microsoft.graph.servicePrincipal",
        json!({
            "id": "a1b2c3d4-0000-4000-8000-000000000001",
            "appId": "a1b2c3d4-0000-4000-8000-000000000002",
            "displayName": "Netskope SCIM",
            "applicationTemplateId": "8adf8e6e-67b2-4cf2-a259-e3dc5476c621",
            "tags": ["WindowsAzureActiveDirectoryIntegratedApp", "scimform:name=netskope"],
            "notes": null,
            "appRoleAssignmentRequired": true,
            "appRoles": [role],
            "servicePrincipalType": "Application",
            "someFuturePropertyGraphAdds": 42,
        }),
    );
    assert_eq!(sp.app_roles[0].display_name.as_deref(), Some("User"));
    let _: ApplicationServicePrincipal = sample(
        "microsoft.graph.applicationServicePrincipal",
        json!({
            "application": { "id": "a1b2c3d4-0000-4000-8000-000000000003", "appId": "a1b2c3d4-0000-4000-8000-000000000002", "displayName": "Netskope SCIM" },
            "servicePrincipal": { "id": "a1b2c3d4-0000-4000-8000-000000000001", "appId": "a1b2c3d4-0000-4000-8000-000000000002", "appRoles": [] },
        }),
    );
    let job: SynchronizationJob = sample(
        "microsoft.graph.synchronizationJob",
        json!({
            "id": "scim.5a4b3c2d1e0f.a1b2c3d4-0000-4000-8000-000000000004",
            "templateId": "scim",
            "schedule": { "expiration": null, "interval": "P10675199DT2H48M5.4775807S", "state": "Disabled" },
            "status": {
                "code": "Quarantine",
                "countSuccessiveCompleteFailures": 3,
                "escrowsPruned": false,
                "quarantine": { "currentBegan": "2026-11-30T10:00:00Z", "nextAttempt": "2026-11-30T16:00:00Z", "reason": "EncounteredQuarantineException", "seriesBegan": "2026-11-30T10:00:00Z", "seriesCount": 1, "error": null },
                "steadyStateFirstAchievedTime": "0001-01-01T00:00:00Z",
                "steadyStateLastAchievedTime": "0001-01-01T00:00:00Z",
                "synchronizedEntryCountByType": [],
                "troubleshootingUrl": null,
            },
            "synchronizationJobSettings": [{ "name": "QuarantineTooManyDeletesThreshold", "value": "500" }],
        }),
    );
    assert_eq!(job.status.unwrap().quarantine.unwrap().reason.as_deref(), Some("EncounteredQuarantineException"));
    let assignment: AppRoleAssignment = sample(
        "microsoft.graph.appRoleAssignment",
        json!({
            "id": "41W1zT6z1U-kJxf62svfp1HFE8pMZhxDun-ThPczmJE",
            "appRoleId": "18d14569-c3bd-439b-9a66-3a2aee01d14f",
            "principalId": "a1b2c3d4-0000-4000-8000-000000000005",
            "principalType": "Group",
            "principalDisplayName": "Netskope Users",
            "resourceId": "a1b2c3d4-0000-4000-8000-000000000001",
            "resourceDisplayName": "Netskope SCIM",
            "createdDateTime": "2026-11-30T10:00:00Z",
        }),
    );
    assert_eq!(assignment.principal_type.as_deref(), Some("Group"));
    let _: User = sample(
        "microsoft.graph.user",
        json!({ "id": "a1b2c3d4-0000-4000-8000-000000000006", "userPrincipalName": "alice@contoso.com", "displayName": "Alice", "accountEnabled": true }),
    );
    let _: Group = sample(
        "microsoft.graph.group",
        json!({ "id": "a1b2c3d4-0000-4000-8000-000000000005", "displayName": "Netskope Users", "securityEnabled": true }),
    );
    let member: DirectoryObject = sample(
        "microsoft.graph.directoryObject",
        json!({ "@odata.type": "#microsoft.graph.group", "id": "a1b2c3d4-0000-4000-8000-000000000007", "displayName": "Nested" }),
    );
    assert!(member.is_group());
    let _: SynchronizationTemplate = sample(
        "microsoft.graph.synchronizationTemplate",
        json!({ "id": "scim", "default": true, "discoverable": true, "factoryTag": "scim", "metadata": [] }),
    );
    let _: SecretReadBack = sample(
        "microsoft.graph.synchronizationSecretKeyStringValuePair",
        json!({ "key": "SecretToken", "value": "*" }),
    );
}

#[test]
fn bodies_we_send_validate() {
    let assignment = NewAppRoleAssignment {
        principal_id: "a1b2c3d4-0000-4000-8000-000000000005".into(),
        resource_id: "a1b2c3d4-0000-4000-8000-000000000001".into(),
        app_role_id: "18d14569-c3bd-439b-9a66-3a2aee01d14f".into(),
    };
    let bodies = [
        ("microsoft.graph.appRoleAssignment", serde_json::to_value(&assignment).unwrap()),
        (
            "microsoft.graph.servicePrincipal",
            serde_json::to_value(ServicePrincipalPatch {
                tags: Some(vec!["scimform:name=x".into()]),
                notes: Some("n".into()),
                display_name: Some("X".into()),
            })
            .unwrap(),
        ),
        (
            "microsoft.graph.application",
            serde_json::to_value(ApplicationPatch { display_name: Some("X".into()), notes: None }).unwrap(),
        ),
        ("microsoft.graph.synchronizationJob", json!({ "templateId": "scim" })),
        ("microsoft.graph.synchronizationJobRestartCriteria", json!({ "resetScope": "Full" })),
        (
            "microsoft.graph.synchronizationSecretKeyStringValuePair",
            json!({ "key": "SyncNotificationSettings", "value": "{\"Enabled\":true}" }),
        ),
    ];
    for (schema, body) in bodies {
        let errors = validate(schema, &body);
        assert!(errors.is_empty(), "{schema}: {errors:?}\n{body}");
    }
    // The checker can fail: a non-GUID principal is refused by the reference.
    assert!(!validate("microsoft.graph.appRoleAssignment", &json!({ "principalId": "alice" })).is_empty());
    // Patches send only what they set.
    assert_eq!(
        serde_json::to_value(ServicePrincipalPatch { notes: Some("n".into()), ..Default::default() }).unwrap(),
        json!({ "notes": "n" })
    );
}
