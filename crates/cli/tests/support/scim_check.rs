//! `scimform scim-check` against scim2-server (PyPI), a SCIM server nobody here wrote:
//! the report names exactly the operations that fail in each dialect with the failing
//! request, matches its committed JSON schema, never shows the token, and `--write`
//! leaves the server as it found it.

use serde_json::{Value, json};

use super::{PROVISIONED_TOKEN, Scim2Server};

/// What scim2-server 0.8.3 refuses of Entra's requests: in both dialects, a value added in
/// a value-filtered path when the user has none (`noTarget`); in the default dialect also
/// the legacy member removal. (It takes `active: "False"`: pydantic reads the string.)
const FAILS_IN_BOTH: [&str; 10] = [
    "update addresses[type eq \"work\"].country (add, none before)",
    "update addresses[type eq \"work\"].formatted (add, none before)",
    "update addresses[type eq \"work\"].locality (add, none before)",
    "update addresses[type eq \"work\"].postalCode (add, none before)",
    "update addresses[type eq \"work\"].region (add, none before)",
    "update addresses[type eq \"work\"].streetAddress (add, none before)",
    "update emails[type eq \"work\"].value (add, none before)",
    "update phoneNumbers[type eq \"fax\"].value (add, none before)",
    "update phoneNumbers[type eq \"mobile\"].value (add, none before)",
    "update phoneNumbers[type eq \"work\"].value (add, none before)",
];

/// A list of scim2-server's resources of a kind, as the test's own SCIM client reads it.
fn listed(server: &Scim2Server, kind: &str) -> Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{}/{kind}", server.root))
            .bearer_auth(PROVISIONED_TOKEN)
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    })
}

pub(crate) fn scim_check_against_scim2_server() {
    let server = Scim2Server::start();
    let state =
        || json!({ "Users": listed(&server, "Users")["Resources"], "Groups": listed(&server, "Groups")["Resources"] });
    let before = state();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scimform"))
        .args(["scim-check", "--base-url", &server.root, "--token-env", "SCIM_CHECK_TOKEN", "--write"])
        .args(["--pace-ms", "0", "--format", "json"])
        .env("SCIM_CHECK_TOKEN", PROVISIONED_TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "the default dialect fails: {stderr}");
    assert!(!stdout.contains(PROVISIONED_TOKEN) && !stderr.contains(PROVISIONED_TOKEN), "the token is never printed");
    assert_eq!(state(), before, "--write leaves scim2-server as it found it");
    let document: Value = serde_json::from_str(&stdout).unwrap();
    let schema_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/scim-check.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&document).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let report = &document["apps"][0]["report"];
    let failed = |dialect: &str| -> Vec<String> {
        let verdict =
            report["verdicts"].as_array().unwrap().iter().find(|verdict| verdict["dialect"] == dialect).unwrap();
        let mut failed: Vec<String> =
            verdict["failed"].as_array().unwrap().iter().map(|name| name.as_str().unwrap().to_owned()).collect();
        failed.sort();
        failed
    };
    let mut default: Vec<String> = FAILS_IN_BOTH.map(str::to_owned).to_vec();
    default.push("remove member".to_owned());
    default.sort();
    assert_eq!(failed("default"), default);
    assert_eq!(failed("compliant"), FAILS_IN_BOTH.map(str::to_owned).to_vec());
    let removal = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["operation"] == "remove member" && check["dialect"] == "default")
        .unwrap();
    assert_eq!(removal["request"]["body"]["Operations"][0]["op"], "Remove", "the failing request is shown: {removal}");
    assert_eq!(removal["status"], 400);
    assert!(report["cleanup"]["left"].as_array().unwrap().is_empty());
}

/// Ctrl-C in the middle of a `--write` check: the command stops, deletes the test objects
/// it made, says so, exits 1, and scim2-server is as it was.
pub(crate) fn an_interrupted_scim_check_removes_its_test_objects() {
    let server = Scim2Server::start();
    let count = || listed(&server, "Users")["totalResults"].as_u64().unwrap();
    assert_eq!(count(), 0);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_scimform"))
        .args(["scim-check", "--base-url", &server.root, "--token-env", "SCIM_CHECK_TOKEN", "--write"])
        .args(["--pace-ms", "150"])
        .env("SCIM_CHECK_TOKEN", PROVISIONED_TOKEN)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first test user exists, then interrupt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while count() == 0 {
        assert!(std::time::Instant::now() < deadline, "the check made no test user within 30 s");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let signalled = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(signalled.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("Stopped early (interrupted)"), "{stdout}");
    assert!(stdout.contains("Test objects removed after the run: Users/"), "{stdout}");
    assert_eq!(count(), 0, "the test user is gone");
}
