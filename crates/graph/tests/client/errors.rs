//! Graph's errors as the client reports them.

use scimform_graph::models::NewAppRoleAssignment;
use scimform_graph::{Error, Failure, Intent, Secret};

use crate::support::{Bed, READER_CLIENT, READER_SECRET, fast_config};

#[tokio::test]
async fn errors_carry_status_code_message_and_request_id() {
    let bed = Bed::start().await;
    let client = bed.client();
    let error = client.get_user("nobody@contoso.com").await.unwrap_err();
    assert!(error.is_not_found());
    let Error::Api { status, code, request_id, route, .. } = &error else { panic!("{error:?}") };
    assert_eq!((*status, code.as_str(), route.as_str()), (404, "Request_ResourceNotFound", "/users/{id}"));
    assert_eq!(request_id.len(), 36);
    assert_eq!(error.failure(Intent::Read), Failure::NotFound);
    assert_eq!(error.failure(Intent::Delete), Failure::AlreadyDone, "a 404 on delete counts as done");
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn duplicate_assignments_are_to_be_confirmed_by_reading() {
    let bed = Bed::start().await;
    let client = bed.client();
    let created = client.instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Duplicates").await.unwrap();
    let user = client.get_user("alice@contoso.com").await.unwrap();
    let assignment = NewAppRoleAssignment {
        principal_id: user.id,
        resource_id: created.service_principal.id.clone(),
        app_role_id: created.service_principal.app_roles[0].id.clone(),
    };
    client.create_assignment(&assignment).await.unwrap();
    let error = client.create_assignment(&assignment).await.unwrap_err();
    // Graph tells a duplicate apart only in its message text; the policy says "confirm by
    // reading" instead of parsing words.
    assert_eq!(error.status(), Some(400), "{error:?}");
    assert_eq!(error.failure(Intent::Create), Failure::Unknown);
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn missing_permissions_are_named() {
    let bed = Bed::start().await;
    let client = bed.client_with(bed.secret_credential(READER_CLIENT, READER_SECRET), fast_config());
    let full = bed.client();
    let created = full.instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Permissions").await.unwrap();
    let sp = created.service_principal.id;
    let error = client.list_jobs(&sp).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert!(error.to_string().contains("Synchronization.Read.All"), "{error}");
    let error = client.list_groups(None).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(error.to_string().contains("Group.Read.All"), "{error}");
    let user = full.get_user("alice@contoso.com").await.unwrap();
    let assignment = NewAppRoleAssignment {
        principal_id: user.id,
        resource_id: sp.clone(),
        app_role_id: created.service_principal.app_roles[0].id.clone(),
    };
    let error = client.create_assignment(&assignment).await.unwrap_err();
    assert!(
        error.to_string().contains("AppRoleAssignment.ReadWrite.All together with Application.Read.All"),
        "{error}"
    );
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn no_secret_in_any_error_or_debug_output() {
    let bed = Bed::start().await;
    let client = bed.client();
    let created = client.instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Secrets").await.unwrap();
    let sp = created.service_principal.id;
    let job = client.create_job(&sp, "scim").await.unwrap();
    let token = "scim-token-that-must-not-leak";
    let pairs = vec![
        scimform_graph::models::SecretPair { key: "BaseAddress".into(), value: Secret::new("not-a-url") },
        scimform_graph::models::SecretPair { key: "SecretToken".into(), value: Secret::new(token) },
    ];
    let error = client.validate_credentials(&sp, Some(&job.id), None, &pairs).await.unwrap_err();
    let request = scimform_graph::Request::new(
        "PUT",
        "/x",
        Some(serde_json::json!({ "value": token })),
        scimform_graph::Retry::Idempotent,
    );
    let shown = format!("{error} {error:?} {pairs:?} {request:?}");
    assert!(!shown.contains(token), "{shown}");
    assert!(!shown.contains(crate::support::CLIENT_SECRET));
    bed.emulator.shutdown().await;
}

/// With `Application.ReadWrite.OwnedBy` only (as the demo pipeline client holds it), an
/// app the client does not own answers 403, and the error says ownership is the matter.
#[tokio::test]
async fn missing_ownership_is_named() {
    let bed = Bed::start().await;
    let demo = scimform_emulator::Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap().clients[0].clone();
    let owned_by = bed.client_with(bed.secret_credential(&demo.client_id, &demo.secret.unwrap()), fast_config());
    let patch = scimform_graph::models::ServicePrincipalPatch { notes: Some("x".into()), ..Default::default() };
    let theirs = bed.client().instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Not Yours").await.unwrap();
    let error = owned_by.patch_service_principal(&theirs.service_principal.id, &patch).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
    assert!(error.to_string().contains("must also own the app"), "{error}");
    let mine = owned_by.instantiate(scimform_emulator::NON_GALLERY_TEMPLATE_ID, "Yours").await.unwrap();
    owned_by.patch_service_principal(&mine.service_principal.id, &patch).await.unwrap();
    bed.emulator.shutdown().await;
}
