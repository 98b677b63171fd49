//! Test plumbing: a started emulator, a signed-in HTTP client, and the conformance check
//! that every response goes through.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use scimform_emulator::{Client, FederatedCredential, Options, Running, Seed};
use serde_json::{Value, json};

pub(crate) const FULL_CLIENT: &str = "11111111-1111-4111-8111-111111111111";
pub(crate) const FULL_SECRET: &str = "full-client-test-secret";
pub(crate) const CERT_CLIENT: &str = "22222222-2222-4222-8222-222222222222";
pub(crate) const FEDERATED_CLIENT: &str = "33333333-3333-4333-8333-333333333333";
pub(crate) const READER_CLIENT: &str = "44444444-4444-4444-8444-444444444444";
pub(crate) const READER_SECRET: &str = "reader-client-test-secret";
/// A client holding `Application.ReadWrite.OwnedBy` and no broader write permission.
pub(crate) const OWNER_CLIENT: &str = "55555555-5555-4555-8555-555555555555";
pub(crate) const OWNER_SECRET: &str = "owner-client-test-secret";
pub(crate) const FEDERATED_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const FEDERATED_SUBJECT: &str = "repo:contoso/identity:environment:production";

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn test_data(name: &str) -> String {
    std::fs::read_to_string(workspace_root().join("tests/data/keys").join(name)).unwrap()
}

/// The demo tenant plus API clients for every test: one with every permission, one that
/// signs in with a certificate, one with a federated credential, one that may only read.
pub(crate) fn test_seed() -> Seed {
    let mut seed = Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let all = [
        "Application.ReadWrite.All",
        "Synchronization.ReadWrite.All",
        "AppRoleAssignment.ReadWrite.All",
        "User.Read.All",
        "Group.Read.All",
        "AuditLog.Read.All",
    ];
    let permissions = |list: &[&str]| list.iter().map(|permission| (*permission).to_owned()).collect::<Vec<_>>();
    seed.clients.push(Client {
        client_id: FULL_CLIENT.to_owned(),
        display_name: "tests".to_owned(),
        secret: Some(FULL_SECRET.to_owned()),
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        permissions: permissions(&all),
    });
    seed.clients.push(Client {
        client_id: CERT_CLIENT.to_owned(),
        display_name: "certificate client".to_owned(),
        secret: None,
        certificates: vec![test_data("client-cert.pem")],
        federated_credentials: Vec::new(),
        permissions: permissions(&all),
    });
    seed.clients.push(Client {
        client_id: FEDERATED_CLIENT.to_owned(),
        display_name: "federated client".to_owned(),
        secret: None,
        certificates: Vec::new(),
        federated_credentials: vec![FederatedCredential {
            issuer: FEDERATED_ISSUER.to_owned(),
            subject: FEDERATED_SUBJECT.to_owned(),
            audience: "api://AzureADTokenExchange".to_owned(),
            public_key_pem: test_data("federated-issuer-public.pem"),
        }],
        permissions: permissions(&all),
    });
    seed.clients.push(Client {
        client_id: READER_CLIENT.to_owned(),
        display_name: "reader".to_owned(),
        secret: Some(READER_SECRET.to_owned()),
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        permissions: permissions(&["Application.Read.All", "User.Read.All", "Group.Read.All"]),
    });
    seed.clients.push(Client {
        client_id: OWNER_CLIENT.to_owned(),
        display_name: "owned-by client".to_owned(),
        secret: Some(OWNER_SECRET.to_owned()),
        certificates: Vec::new(),
        federated_credentials: Vec::new(),
        permissions: permissions(&["Application.ReadWrite.OwnedBy", "Application.Read.All", "User.Read.All"]),
    });
    seed
}

/// A response as tests look at it.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Option<Value>,
}

impl Response {
    pub(crate) fn json(&self) -> &Value {
        self.body.as_ref().unwrap_or_else(|| panic!("expected a body, got status {} without one", self.status))
    }

    pub(crate) fn error_code(&self) -> &str {
        self.json()["error"]["code"].as_str().unwrap_or_default()
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

pub(crate) struct Harness {
    pub(crate) emulator: Running,
    pub(crate) http: reqwest::Client,
    pub(crate) token: String,
    pub(crate) conformance: Arc<Conformance>,
}

impl Harness {
    pub(crate) async fn start() -> Harness {
        Harness::start_with(Options::for_tests(test_seed())).await
    }

    pub(crate) async fn start_with(options: Options) -> Harness {
        let emulator = scimform_emulator::start(options).await.unwrap();
        let http = reqwest::Client::builder().build().unwrap();
        let mut harness = Harness { emulator, http, token: String::new(), conformance: Conformance::shared() };
        harness.token = harness.token_with_secret(FULL_CLIENT, FULL_SECRET).await;
        harness
    }

    /// Signs in with a client secret and returns the access token.
    pub(crate) async fn token_with_secret(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ])
            .await;
        assert_eq!(response.0, 200, "{}", response.1);
        response.1["access_token"].as_str().unwrap().to_owned()
    }

    pub(crate) async fn token_request(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self.http.post(self.emulator.token_url()).form(form).send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    pub(crate) async fn get(&self, path: &str) -> Response {
        self.send("GET", path, None, &[]).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Response {
        self.send("POST", path, Some(body), &[]).await
    }

    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        self.send_as(&self.token, method, path, body, headers).await
    }

    /// Sends a Graph request (`path` below `/v1.0`, query included) and checks the reply
    /// against the reference.
    pub(crate) async fn send_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let url =
            if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", self.emulator.graph_url()) };
        let mut request = self.http.request(method.parse().unwrap(), &url).bearer_auth(token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let response = read(response).await;
        let relative = url.strip_prefix(&self.emulator.graph_url()).unwrap_or(&url).to_owned();
        self.conformance.check_response(method, &relative, &response);
        if relative == "/$batch" && response.status == 200 {
            self.conformance.check_batch(body.as_ref(), &response);
        }
        response
    }

    pub(crate) async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.http.request(method.parse().unwrap(), format!("{}{path}", self.emulator.admin_url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn set_faults(&self, config: Value) {
        let (status, body) = self.admin("PUT", "/faults", Some(config)).await;
        assert_eq!(status, 204, "{body}");
    }

    pub(crate) async fn requests(&self) -> Value {
        self.admin("GET", "/requests", None).await.1
    }

    pub(crate) async fn clear_requests(&self) {
        self.admin("DELETE", "/requests", None).await;
    }

    /// Instantiates the non-gallery template and waits until the service principal reads.
    pub(crate) async fn new_app(&self, display_name: &str) -> (String, String) {
        let created = self
            .post(
                &format!("/applicationTemplates/{}/instantiate", scimform_emulator::NON_GALLERY_TEMPLATE_ID),
                json!({ "displayName": display_name }),
            )
            .await;
        assert_eq!(created.status, 201, "{:?}", created.body);
        let body = created.json();
        (
            body["application"]["id"].as_str().unwrap().to_owned(),
            body["servicePrincipal"]["id"].as_str().unwrap().to_owned(),
        )
    }

    /// A user's or group's id by a `$filter`.
    pub(crate) async fn id_of(&self, collection: &str, filter: &str) -> String {
        let response = self.get(&format!("/{collection}?$filter={}", urlencode(filter))).await;
        assert_eq!(response.status, 200, "{:?}", response.body);
        response.json()["value"][0]["id"].as_str().unwrap_or_else(|| panic!("nothing matches {filter}")).to_owned()
    }
}

pub(crate) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

async fn read(response: reqwest::Response) -> Response {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let body =
        if bytes.is_empty() { None } else { Some(serde_json::from_slice(&bytes).expect("Graph bodies are JSON")) };
    Response { status, headers, body }
}

// --- Conformance --------------------------------------------------------------------------

struct Operation {
    method: String,
    segments: Vec<String>,
    success: u16,
    request: String,
    response: String,
}

/// The Graph reference: operations and component schemas.
pub(crate) struct Conformance {
    operations: Vec<Operation>,
    components: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
    /// How many bodies were checked, per schema name.
    pub(crate) checked: Mutex<HashMap<String, usize>>,
    /// Operations (`METHOD /template`) that answered with success.
    pub(crate) covered: Mutex<std::collections::BTreeSet<String>>,
}

impl Conformance {
    pub(crate) fn shared() -> Arc<Conformance> {
        static SHARED: std::sync::OnceLock<Arc<Conformance>> = std::sync::OnceLock::new();
        SHARED.get_or_init(|| Arc::new(Conformance::load())).clone()
    }

    fn load() -> Conformance {
        let root = workspace_root().join("reference/graph");
        let table = std::fs::read_to_string(root.join("operations.tsv")).unwrap();
        let operations = table
            .lines()
            .skip(1)
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                Operation {
                    method: fields[0].to_owned(),
                    segments: fields[1].split('/').filter(|segment| !segment.is_empty()).map(str::to_owned).collect(),
                    success: fields[5].parse().unwrap(),
                    request: fields[6].to_owned(),
                    response: fields[7].to_owned(),
                }
            })
            .collect();
        let mut components: Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("components.schema.json")).unwrap()).unwrap();
        // Flag enums travel as member names joined by commas ("Add, Update, Delete"); the
        // schema's `enum` lists single members only (reference README, "Flag enums").
        for name in ["objectFlowTypes", "synchronizationJobRestartScope", "directoryDefinitionDiscoverabilities"] {
            let definition = &mut components["$defs"][format!("microsoft.graph.{name}")];
            let members: Vec<String> = definition["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|member| member.as_str().unwrap().to_owned())
                .collect();
            let alternatives = members.join("|");
            definition.as_object_mut().unwrap().remove("enum");
            definition["pattern"] = json!(format!("^\\s*({alternatives})(\\s*,\\s*({alternatives}))*\\s*$"));
        }
        Conformance {
            operations,
            components,
            validators: Mutex::new(HashMap::new()),
            checked: Mutex::new(HashMap::new()),
            covered: Mutex::new(Default::default()),
        }
    }

    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or_default();
        // The long action names (`microsoft.graph.start`) are the same operations.
        let segments: Vec<String> = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| segment.replace("%24", "$"))
            .map(|segment| match segment.strip_prefix("microsoft.graph.") {
                Some(action)
                    if ["start", "pause", "restart", "validateCredentials", "provisionOnDemand", "instantiate"]
                        .contains(&action) =>
                {
                    action.to_owned()
                }
                _ => segment,
            })
            .collect();
        self.operations.iter().find(|operation| {
            operation.method == method
                && operation.segments.len() == segments.len()
                && operation.segments.iter().zip(&segments).all(|(template, actual)| {
                    if template.starts_with('{') {
                        true
                    } else if let Some((collection, _)) = template.split_once("(appId=") {
                        actual.starts_with(&format!("{collection}(appId="))
                    } else {
                        template == actual
                    }
                })
                // A literal in the request must not be taken for an id.
                && !(operation.segments.iter().zip(&segments).any(|(template, actual)| template.starts_with('{') && actual == "validateCredentials"))
        })
    }

    /// Schema errors of `value` against `#/$defs/{name}`.
    pub(crate) fn validate(&self, name: &str, value: &Value) -> Vec<String> {
        let validator = {
            let mut validators = self.validators.lock().unwrap();
            validators
                .entry(name.to_owned())
                .or_insert_with(|| {
                    let mut schema = self.components.clone();
                    schema["$ref"] = json!(format!("#/$defs/{name}"));
                    Arc::new(
                        jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("schema {name}: {error}")),
                    )
                })
                .clone()
        };
        *self.checked.lock().unwrap().entry(name.to_owned()).or_default() += 1;
        validator.iter_errors(value).map(|error| format!("{} at {}", error, error.instance_path())).collect()
    }

    /// Every operation of the reference, as `METHOD /template`.
    pub(crate) fn all_operations(&self) -> Vec<String> {
        self.operations
            .iter()
            .map(|operation| format!("{} /{}", operation.method, operation.segments.join("/")))
            .collect()
    }

    /// The request body schema an operation documents (`microsoft.graph.X` only).
    pub(crate) fn request_schema(&self, method: &str, path: &str) -> Option<String> {
        self.operation(method, path)
            .map(|operation| operation.request.clone())
            .filter(|name| name.starts_with("microsoft.graph."))
    }

    /// Checks each item of a `$batch` answer as the response of its own request.
    pub(crate) fn check_batch(&self, request: Option<&Value>, response: &Response) {
        let requests = request.and_then(|body| body["requests"].as_array()).cloned().unwrap_or_default();
        for item in response.json()["responses"].as_array().unwrap() {
            let sub = requests.iter().find(|sub| sub["id"] == item["id"]).expect("every response answers a request");
            let body = item.get("body").cloned().filter(|body| !body.is_null());
            let status = item["status"].as_u64().unwrap() as u16;
            // 424 is the batch's own answer to a failed dependency; it has the error shape.
            let as_response = Response { status, headers: reqwest::header::HeaderMap::new(), body };
            let url = sub["url"].as_str().unwrap();
            let path = if url.starts_with('/') { url.to_owned() } else { format!("/{url}") };
            self.check_response(sub["method"].as_str().unwrap(), &path, &as_response);
        }
    }

    pub(crate) fn check_response(&self, method: &str, path: &str, response: &Response) {
        let context = format!("{method} {path} → {}", response.status);
        if response.status >= 400 {
            let body = response.body.as_ref().unwrap_or_else(|| panic!("{context}: an error without a body"));
            let errors = self.validate("microsoft.graph.ODataErrors.ODataError", body);
            assert!(errors.is_empty(), "{context}: error body does not conform: {errors:?}\n{body}");
            assert!(body["error"]["innerError"]["request-id"].is_string(), "{context}: no request-id in innerError");
            assert!(body["error"]["innerError"]["date"].is_string(), "{context}: no date in innerError");
            return;
        }
        let path_only = path.split('?').next().unwrap_or_default();
        if path_only == "/$batch" {
            return;
        }
        if method == "GET" && path_only.ends_with("/synchronization/secrets") {
            // Not described in v1.0; Graph answers `{"value": [{key, value}]}`.
            for item in response.json()["value"].as_array().unwrap() {
                let errors = self.validate("microsoft.graph.synchronizationSecretKeyStringValuePair", item);
                assert!(errors.is_empty(), "{context}: {errors:?}");
            }
            return;
        }
        if path_only.contains("/members/microsoft.graph.") || path_only.contains("/transitiveMembers/microsoft.graph.")
        {
            let errors = self.validate("microsoft.graph.directoryObjectCollectionResponse", response.json());
            assert!(errors.is_empty(), "{context}: {errors:?}");
            return;
        }
        let operation =
            self.operation(method, path).unwrap_or_else(|| panic!("{context}: not an operation of the reference"));
        self.covered.lock().unwrap().insert(format!("{} /{}", operation.method, operation.segments.join("/")));
        assert_eq!(response.status, operation.success, "{context}: the reference documents {}", operation.success);
        match &response.body {
            None => assert!(
                operation.response == "(no body)" || response.status == 204,
                "{context}: the reference documents a {} body",
                operation.response
            ),
            Some(body) => {
                assert_ne!(response.status, 204, "{context}: a 204 must have no body");
                let name = operation.response.as_str();
                assert!(self.components["$defs"].get(name).is_some(), "{context}: unknown response schema {name}");
                let errors = self.validate(name, body);
                assert!(errors.is_empty(), "{context}: body does not conform to {name}: {errors:?}\n{body}");
            }
        }
    }
}
