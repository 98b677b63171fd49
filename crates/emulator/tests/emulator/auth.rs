//! The token endpoint and permissions: each sign-in flow, and Graph's answers to callers
//! without a token or without a permission.

use serde_json::json;

use crate::support::{
    self, CERT_CLIENT, FEDERATED_CLIENT, FEDERATED_ISSUER, FEDERATED_SUBJECT, Harness, OWNER_CLIENT, OWNER_SECRET,
    READER_CLIENT, READER_SECRET,
};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const SCOPE: &str = "https://graph.microsoft.com/.default";

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A client assertion signed with `key`, naming `certificate` by its `x5t#S256`.
fn client_assertion(audience: &str, key: &str, certificate: &str) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t_s256 = scimform_emulator::certificate_thumbprint(certificate);
    let claims = json!({
        "aud": audience,
        "iss": CERT_CLIENT,
        "sub": CERT_CLIENT,
        "jti": "a7c3b1e2-assertion",
        "nbf": now() - 5,
        "exp": now() + 600,
    });
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_rsa_pem(key.as_bytes()).unwrap()).unwrap()
}

async fn graph_works(harness: &Harness, token: &str) {
    let response = harness.send_as(token, "GET", "/users?$top=1", None, &[]).await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn client_secret_flow() {
    let harness = Harness::start().await;
    graph_works(&harness, &harness.token).await;
    let (status, body) = harness
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("client_id", support::FULL_CLIENT),
            ("client_secret", "wrong"),
            ("scope", SCOPE),
        ])
        .await;
    assert_eq!(status, 401);
    assert_eq!(body["error"], "invalid_client");
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS7000215"));
    assert!(!body.to_string().contains("wrong"), "the error echoes the secret");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn certificate_client_assertion_flow() {
    let harness = Harness::start().await;
    let key = support::test_data("client-key.pem");
    let certificate = support::test_data("client-cert.pem");
    let assertion = client_assertion(&harness.emulator.token_url(), &key, &certificate);
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CERT_CLIENT),
        ("client_assertion_type", JWT_BEARER),
        ("client_assertion", assertion.as_str()),
        ("scope", SCOPE),
    ];
    let (status, body) = harness.token_request(&form).await;
    assert_eq!(status, 200, "{body}");
    graph_works(&harness, body["access_token"].as_str().unwrap()).await;

    // Signed by a key whose certificate is not registered.
    let stranger = client_assertion(
        &harness.emulator.token_url(),
        &support::test_data("other-key.pem"),
        &support::test_data("other-cert.pem"),
    );
    let (status, body) =
        harness.token_request(&[form[0], form[1], form[2], ("client_assertion", stranger.as_str()), form[4]]).await;
    assert_eq!(status, 401);
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS700027"), "{body}");

    // Signed by the right key but for another audience.
    let misdirected = client_assertion("https://login.example.com/other/oauth2/v2.0/token", &key, &certificate);
    let (status, _) =
        harness.token_request(&[form[0], form[1], form[2], ("client_assertion", misdirected.as_str()), form[4]]).await;
    assert_eq!(status, 401);

    // A thumbprint that matches but a signature by another key.
    let forged = client_assertion(&harness.emulator.token_url(), &support::test_data("other-key.pem"), &certificate);
    let (status, _) =
        harness.token_request(&[form[0], form[1], form[2], ("client_assertion", forged.as_str()), form[4]]).await;
    assert_eq!(status, 401);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn federated_credential_flow() {
    let harness = Harness::start().await;
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(support::test_data("federated-issuer-key.pem").as_bytes()).unwrap();
    let token_for = |subject: &str| {
        let claims = json!({ "iss": FEDERATED_ISSUER, "sub": subject, "aud": "api://AzureADTokenExchange", "exp": now() + 300, "iat": now() });
        jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &claims, &key).unwrap()
    };
    let good = token_for(FEDERATED_SUBJECT);
    let form = |assertion: &str| {
        vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", FEDERATED_CLIENT.to_owned()),
            ("client_assertion_type", JWT_BEARER.to_owned()),
            ("client_assertion", assertion.to_owned()),
            ("scope", SCOPE.to_owned()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let harness = &harness;
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(name, value)| (*name, value.as_str())).collect();
            harness.token_request(&pairs).await
        }
    };
    let (status, body) = send(form(&good)).await;
    assert_eq!(status, 200, "{body}");
    graph_works(&harness, body["access_token"].as_str().unwrap()).await;
    let (status, body) = send(form(&token_for("repo:contoso/identity:ref:refs/heads/feature"))).await;
    assert_eq!(status, 400);
    assert!(body["error_description"].as_str().unwrap().starts_with("AADSTS70021"), "{body}");
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn token_requests_that_are_wrong_get_aadsts_errors() {
    let harness = Harness::start().await;
    type Form<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Form, u16, &str); 4] = [
        (
            &[
                ("grant_type", "password"),
                ("client_id", support::FULL_CLIENT),
                ("client_secret", support::FULL_SECRET),
                ("scope", SCOPE),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", support::FULL_CLIENT),
                ("client_secret", support::FULL_SECRET),
                ("scope", "User.Read"),
            ],
            400,
            "invalid_scope",
        ),
        (
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "99999999-9999-4999-8999-999999999999"),
                ("client_secret", "x"),
                ("scope", SCOPE),
            ],
            400,
            "unauthorized_client",
        ),
        (
            &[("grant_type", "client_credentials"), ("client_id", support::FULL_CLIENT), ("scope", SCOPE)],
            401,
            "invalid_client",
        ),
    ];
    for (form, status, error) in cases {
        let (got, body) = harness.token_request(form).await;
        assert_eq!((got, body["error"].as_str().unwrap()), (status, error), "{body}");
    }
    let response = harness
        .http
        .post(format!("{}/not-our-tenant/oauth2/v2.0/token", harness.emulator.base_url()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn graph_needs_a_valid_token() {
    let harness = Harness::start().await;
    for token in ["", "not-a-token"] {
        let response = harness.send_as(token, "GET", "/users", None, &[]).await;
        assert_eq!(response.status, 401);
        assert_eq!(response.error_code(), "InvalidAuthenticationToken");
    }
    harness.emulator.shutdown().await;
}

#[tokio::test]
async fn missing_permissions_get_graphs_real_errors() {
    let harness = Harness::start().await;
    let reader = harness.token_with_secret(READER_CLIENT, READER_SECRET).await;
    let (_, sp_id) = harness.new_app("Permission Test").await;
    // Directory writes: 403 Authorization_RequestDenied.
    let response = harness
        .send_as(&reader, "PATCH", &format!("/servicePrincipals/{sp_id}"), Some(json!({ "notes": "x" })), &[])
        .await;
    assert_eq!(response.status, 403);
    assert_eq!(response.error_code(), "Authorization_RequestDenied");
    // Synchronization: 401 UnknownError with an empty message (Graph's quirk).
    let response =
        harness.send_as(&reader, "GET", &format!("/servicePrincipals/{sp_id}/synchronization/jobs"), None, &[]).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.error_code(), "UnknownError");
    assert_eq!(response.json()["error"]["message"], "");
    // Reads it holds permissions for work.
    let response = harness.send_as(&reader, "GET", &format!("/servicePrincipals/{sp_id}"), None, &[]).await;
    assert_eq!(response.status, 200);
    // Assigning needs AppRoleAssignment.ReadWrite.All.
    let body =
        json!({ "principalId": sp_id, "resourceId": sp_id, "appRoleId": "00000000-0000-0000-0000-000000000000" });
    let response = harness
        .send_as(&reader, "POST", &format!("/servicePrincipals/{sp_id}/appRoleAssignedTo"), Some(body), &[])
        .await;
    assert_eq!(response.status, 403);
    harness.emulator.shutdown().await;
}

/// `Application.ReadWrite.OwnedBy` acts only on what the client owns; instantiating makes
/// it an owner. Other objects answer 403 (401 `UnknownError` on synchronization).
#[tokio::test]
async fn owned_by_reaches_only_what_the_client_owns() {
    let harness = Harness::start().await;
    let owner = harness.token_with_secret(OWNER_CLIENT, OWNER_SECRET).await;
    let (_, foreign) = harness.new_app("Someone Else's App").await;
    let patch = Some(json!({ "notes": "x" }));
    let response = harness.send_as(&owner, "PATCH", &format!("/servicePrincipals/{foreign}"), patch.clone(), &[]).await;
    assert_eq!((response.status, response.error_code()), (403, "Authorization_RequestDenied"));
    let secrets = json!({ "value": [{ "key": "BaseAddress", "value": "https://scim.example.com" }] });
    let path = format!("/servicePrincipals/{foreign}/synchronization/secrets");
    let response = harness.send_as(&owner, "PUT", &path, Some(secrets.clone()), &[]).await;
    assert_eq!((response.status, response.error_code()), (401, "UnknownError"));
    // What it instantiates, it owns, and may change.
    let body = json!({ "displayName": "Mine" });
    let path = format!("/applicationTemplates/{}/instantiate", scimform_emulator::NON_GALLERY_TEMPLATE_ID);
    let created = harness.send_as(&owner, "POST", &path, Some(body), &[]).await;
    assert_eq!(created.status, 201);
    let mine = created.json()["servicePrincipal"]["id"].as_str().unwrap().to_owned();
    let application = created.json()["application"]["id"].as_str().unwrap().to_owned();
    let response = harness.send_as(&owner, "PATCH", &format!("/servicePrincipals/{mine}"), patch.clone(), &[]).await;
    assert_eq!(response.status, 204);
    let response = harness.send_as(&owner, "PATCH", &format!("/applications/{application}"), patch, &[]).await;
    assert_eq!(response.status, 204);
    let path = format!("/servicePrincipals/{mine}/synchronization/secrets");
    assert_eq!(harness.send_as(&owner, "PUT", &path, Some(secrets), &[]).await.status, 204);
    assert_eq!(harness.send_as(&owner, "DELETE", &format!("/applications/{application}"), None, &[]).await.status, 204);
    harness.emulator.shutdown().await;
}
