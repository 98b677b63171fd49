//! Every sign-in flow, end to end: the emulator checks secrets and assertions.

use std::io::Write;

use scimform_graph::{AuthError, Credential, Environment, Error, Secret};
use serde_json::json;

use crate::support::{self, Bed, CERT_CLIENT, FEDERATED_CLIENT, ISSUER, SUBJECT, fast_config};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A federated token as an external issuer (GitHub) would sign it.
fn external_token(subject: &str) -> String {
    let key =
        jsonwebtoken::EncodingKey::from_rsa_pem(support::key_file("federated-issuer-key.pem").as_bytes()).unwrap();
    let claims =
        json!({ "iss": ISSUER, "sub": subject, "aud": "api://AzureADTokenExchange", "iat": now(), "exp": now() + 300 });
    jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256), &claims, &key).unwrap()
}

async fn reads_users(bed: &Bed, credential: Credential) -> Result<usize, Error> {
    let client = bed.client_with(credential, fast_config());
    client.list_users(None).await.map(|users| users.len())
}

#[tokio::test]
async fn client_secret_from_the_environment() {
    let bed = Bed::start().await;
    let tenant = bed.tenant();
    let environment = Environment::from_pairs([
        ("AZURE_TENANT_ID", tenant.as_str()),
        ("AZURE_CLIENT_ID", support::CLIENT),
        ("AZURE_CLIENT_SECRET", support::CLIENT_SECRET),
    ]);
    let credential = Credential::from_environment(&environment).unwrap();
    assert_eq!(reads_users(&bed, credential).await.unwrap(), 7);
    let wrong = bed.secret_credential(support::CLIENT, "wrong-secret");
    let error = reads_users(&bed, wrong).await.unwrap_err();
    let text = format!("{error} {:?}", std::error::Error::source(&error));
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("wrong-secret"));
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn client_certificate_signs_an_assertion() {
    let bed = Bed::start().await;
    let mut pem = tempfile::NamedTempFile::new().unwrap();
    write!(pem, "{}{}", support::key_file("client-key.pem"), support::key_file("client-cert.pem")).unwrap();
    let tenant = bed.tenant();
    let path = pem.path().to_str().unwrap().to_owned();
    let environment = Environment::from_pairs([
        ("AZURE_TENANT_ID", tenant.as_str()),
        ("AZURE_CLIENT_ID", CERT_CLIENT),
        ("AZURE_CLIENT_CERTIFICATE_PATH", path.as_str()),
    ]);
    let credential = Credential::from_environment(&environment).unwrap();
    assert!(matches!(credential, Credential::ClientCertificate { .. }));
    assert_eq!(reads_users(&bed, credential).await.unwrap(), 7);
    // A certificate the app does not have.
    let mut stranger = tempfile::NamedTempFile::new().unwrap();
    write!(stranger, "{}{}", support::key_file("other-key.pem"), support::key_file("other-cert.pem")).unwrap();
    let credential = Credential::ClientCertificate {
        tenant_id: tenant.clone(),
        client_id: CERT_CLIENT.to_owned(),
        path: stranger.path().to_owned(),
    };
    let error = reads_users(&bed, credential).await.unwrap_err();
    assert!(matches!(&error, Error::Auth(AuthError::Refused { status: 401, .. })), "{error:?}");
    // A file without a key.
    let mut no_key = tempfile::NamedTempFile::new().unwrap();
    write!(no_key, "{}", support::key_file("client-cert.pem")).unwrap();
    let credential = Credential::ClientCertificate {
        tenant_id: tenant,
        client_id: CERT_CLIENT.to_owned(),
        path: no_key.path().to_owned(),
    };
    let error = reads_users(&bed, credential).await.unwrap_err();
    assert!(matches!(&error, Error::Auth(AuthError::Certificate { .. })), "{error:?}");
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn federated_token_file_is_read_at_each_sign_in() {
    let bed = Bed::start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), external_token(SUBJECT)).unwrap();
    let tenant = bed.tenant();
    let path = file.path().to_str().unwrap().to_owned();
    let environment = Environment::from_pairs([
        ("AZURE_TENANT_ID", tenant.as_str()),
        ("AZURE_CLIENT_ID", FEDERATED_CLIENT),
        ("AZURE_FEDERATED_TOKEN_FILE", path.as_str()),
    ]);
    assert_eq!(reads_users(&bed, Credential::from_environment(&environment).unwrap()).await.unwrap(), 7);
    std::fs::write(file.path(), external_token("repo:someone/else:ref:refs/heads/main")).unwrap();
    let error = reads_users(&bed, Credential::from_environment(&environment).unwrap()).await.unwrap_err();
    assert!(format!("{:?}", error).contains("AADSTS70021"), "{error:?}");
    bed.emulator.shutdown().await;
}

/// A stand-in for GitHub's ID-token endpoint: checks the request token and the audience.
async fn github_stand_in(request_token: &'static str, id_token: String) -> (String, tokio::task::JoinHandle<()>) {
    use axum::extract::Query;
    use axum::http::{HeaderMap, StatusCode};
    let router = axum::Router::new().route(
        "/token",
        axum::routing::get(
            move |headers: HeaderMap, Query(query): Query<std::collections::HashMap<String, String>>| {
                let id_token = id_token.clone();
                async move {
                    let authorized = headers.get("authorization").and_then(|value| value.to_str().ok())
                        == Some(&format!("bearer {request_token}"));
                    if !authorized || query.get("audience").map(String::as_str) != Some("api://AzureADTokenExchange") {
                        return (StatusCode::UNAUTHORIZED, axum::Json(json!({ "message": "no" })));
                    }
                    (StatusCode::OK, axum::Json(json!({ "value": id_token, "count": 1 })))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/token?api-version=2.0", listener.local_addr().unwrap());
    (url, tokio::spawn(async move { axum::serve(listener, router).await.unwrap() }))
}

#[tokio::test]
async fn github_actions_oidc_exchanges_the_id_token() {
    let bed = Bed::start().await;
    let (url, server) = github_stand_in("actions-request-token", external_token(SUBJECT)).await;
    let tenant = bed.tenant();
    let environment = Environment::from_pairs([
        ("AZURE_TENANT_ID", tenant.as_str()),
        ("AZURE_CLIENT_ID", FEDERATED_CLIENT),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", url.as_str()),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "actions-request-token"),
    ]);
    let credential = Credential::from_environment(&environment).unwrap();
    assert!(matches!(credential, Credential::GitHubActions { .. }));
    assert_eq!(reads_users(&bed, credential).await.unwrap(), 7);
    let refused = Credential::GitHubActions {
        tenant_id: tenant,
        client_id: FEDERATED_CLIENT.to_owned(),
        request_url: url,
        request_token: Secret::new("not-the-request-token"),
    };
    let error = reads_users(&bed, refused).await.unwrap_err();
    assert!(matches!(&error, Error::Auth(AuthError::GitHub { status: 401 })), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("not-the-request-token"));
    server.abort();
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn azure_cli_is_the_fallback() {
    let bed = Bed::start().await;
    // The fake `az` hands out a token the emulator issued to the full client.
    let token_response = bed
        .http
        .post(bed.emulator.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", support::CLIENT),
            ("client_secret", support::CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let token = token_response["access_token"].as_str().unwrap();
    let directory = tempfile::tempdir().unwrap();
    let az = directory.path().join("az");
    let expires = now() + 3000;
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\n[ \"$1 $2 $3 $4\" = \"account get-access-token --resource https://graph.microsoft.com\" ] || {{ echo \"ERROR: unexpected arguments $*\" >&2; exit 2; }}\n\
             echo '{{\"accessToken\": \"{token}\", \"expires_on\": {expires}, \"tokenType\": \"Bearer\"}}'\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&az, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = directory.path().to_str().unwrap().to_owned();
    let credential = Credential::from_environment(&Environment::from_pairs([("PATH", path.as_str())])).unwrap();
    assert!(matches!(credential, Credential::AzureCli { .. }));
    assert_eq!(reads_users(&bed, credential).await.unwrap(), 7);
    // Not signed in: the CLI's message comes through, with advice.
    std::fs::write(&az, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n").unwrap();
    let error = reads_users(&bed, Credential::AzureCli { program: az.clone() }).await.unwrap_err();
    let text = format!("{}", std::error::Error::source(&error).unwrap());
    assert!(text.contains("Please run 'az login'") && text.contains("run `az login`"), "{text}");
    bed.emulator.shutdown().await;
}

#[tokio::test]
async fn tokens_are_cached_and_static_ones_used_as_is() {
    let bed = Bed::start().await;
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), external_token(SUBJECT)).unwrap();
    let credential = Credential::FederatedTokenFile {
        tenant_id: bed.tenant(),
        client_id: FEDERATED_CLIENT.to_owned(),
        path: file.path().to_owned(),
    };
    let client = bed.client_with(credential, fast_config());
    client.list_users(None).await.unwrap();
    // The second call needs no sign-in: the token file may be gone.
    std::fs::remove_file(file.path()).unwrap();
    client.list_groups(None).await.unwrap();
    assert_eq!(client.request_count(), 2);
    let error = reads_users(&bed, Credential::Static(Secret::new("made-up"))).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    assert_eq!(error.code(), Some("InvalidAuthenticationToken"));
    bed.emulator.shutdown().await;
}
