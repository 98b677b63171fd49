//! A started emulator with API clients, and Graph clients signed in to it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use scimform_emulator::{Client, FederatedCredential, Options, Running, Seed};
use scimform_graph::{Cloud, Config, Credential, Endpoints, GraphClient};
use serde_json::Value;

pub(crate) const CLIENT: &str = "11111111-1111-4111-8111-111111111111";
pub(crate) const CLIENT_SECRET: &str = "graph-client-test-secret";
pub(crate) const CERT_CLIENT: &str = "22222222-2222-4222-8222-222222222222";
pub(crate) const FEDERATED_CLIENT: &str = "33333333-3333-4333-8333-333333333333";
pub(crate) const READER_CLIENT: &str = "44444444-4444-4444-8444-444444444444";
pub(crate) const READER_SECRET: &str = "reader-test-secret";
pub(crate) const ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const SUBJECT: &str = "repo:contoso/identity:environment:production";

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn key_file(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join("tests/data/keys").join(name)).unwrap()
}

pub(crate) fn seed() -> Seed {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let all: Vec<String> = [
        "Application.ReadWrite.All",
        "Synchronization.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
        "User.Read.All",
        "Group.Read.All",
    ]
    .iter()
    .map(|permission| (*permission).to_owned())
    .collect();
    let client = |id: &str, secret: Option<&str>, permissions: Vec<String>| Client {
        client_id: id.to_owned(),
        display_name: id.to_owned(),
        secret: secret.map(str::to_owned),
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        permissions,
    };
    seed.clients.push(client(CLIENT, Some(CLIENT_SECRET), all.clone()));
    let mut certificate = client(CERT_CLIENT, None, all.clone());
    certificate.certificates.push(key_file("client-cert.pem"));
    seed.clients.push(certificate);
    let mut federated = client(FEDERATED_CLIENT, None, all.clone());
    federated.federated_credentials.push(FederatedCredential {
        issuer: ISSUER.to_owned(),
        subject: SUBJECT.to_owned(),
        audience: "api://AzureADTokenExchange".to_owned(),
        public_key_pem: key_file("federated-issuer-public.pem"),
    });
    seed.clients.push(federated);
    seed.clients.push(client(
        READER_CLIENT,
        Some(READER_SECRET),
        vec!["Application.Read.All".to_owned(), "User.Read.All".to_owned()],
    ));
    seed
}

pub(crate) struct Bed {
    pub(crate) emulator: Running,
    pub(crate) http: reqwest::Client,
}

impl Bed {
    pub(crate) async fn start() -> Bed {
        Bed::start_with(seed()).await
    }

    pub(crate) async fn start_with(seed: Seed) -> Bed {
        let emulator = scimform_emulator::start(Options::for_tests(seed)).await.unwrap();
        Bed { emulator, http: reqwest::Client::new() }
    }

    pub(crate) fn endpoints(&self) -> Endpoints {
        Endpoints::new(Cloud::Global, Some(&self.emulator.graph_url()), Some(self.emulator.authority_url())).unwrap()
    }

    pub(crate) fn tenant(&self) -> String {
        self.emulator.tenant_id().to_owned()
    }

    /// A client signed in with the full-permission client secret, and fast retries.
    pub(crate) fn client(&self) -> GraphClient {
        self.client_with(self.secret_credential(CLIENT, CLIENT_SECRET), fast_config())
    }

    pub(crate) fn client_with(&self, credential: Credential, config: Config) -> GraphClient {
        GraphClient::new(self.endpoints(), credential, config)
    }

    pub(crate) fn secret_credential(&self, client_id: &str, secret: &str) -> Credential {
        Credential::ClientSecret {
            tenant_id: self.tenant(),
            client_id: client_id.to_owned(),
            secret: scimform_graph::Secret::new(secret),
        }
    }

    pub(crate) async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method.parse().unwrap(), format!("{}{path}", self.emulator.admin_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success(), "admin {method} {path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    pub(crate) async fn faults(&self, config: Value) {
        self.admin("PUT", "/faults", Some(config)).await;
    }

    /// The emulator's request log: (route, status, fault) per request.
    pub(crate) async fn log(&self) -> Vec<(String, u64, Option<String>)> {
        let log = self.admin("GET", "/requests", None).await;
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| {
                (
                    entry["route"].as_str().unwrap().to_owned(),
                    entry["status"].as_u64().unwrap(),
                    entry["fault"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }
}

/// Retries that do not make tests slow.
pub(crate) fn fast_config() -> Config {
    Config {
        concurrency: 4,
        timeout: Duration::from_secs(10),
        max_attempts: 6,
        max_total_wait: Duration::from_secs(10),
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
    }
}
