//! The `scimform` binary, run as users run it: arguments in, output and exit code out.
//!
//! Output is compared with insta snapshots; paths are relative to the workspace root so
//! that snapshots do not depend on where the checkout lives.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `scimform` with the given arguments, run from the workspace root, without colour.
fn scimform(args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("scimform").unwrap();
    command.current_dir(workspace_root()).env("NO_COLOR", "1").args(args);
    command
}

/// Runs and renders exit code, stdout and stderr for a snapshot.
fn run(args: &[&str]) -> String {
    let output = scimform(args).output().unwrap();
    format!(
        "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Snapshots with the workspace's own path replaced by `[ROOT]`, so that they hold
/// wherever the repository is checked out.
fn snapshot(name: &str, text: &str) {
    let root = workspace_root().display().to_string();
    let text = text.replace(&root, "[ROOT]").replace(&root.replace(':', "%3A").replace(',', "%2C"), "[ROOT]");
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!(name, text);
    });
}

const SPEC_ERRORS: &str = "crates/spec/tests/data/err";

#[test]
fn validate_examples_is_valid() {
    snapshot("validate_examples", &run(&["validate", "examples/"]));
}

#[test]
fn validate_without_paths_reads_the_current_directory() {
    let output = scimform(&["validate"]).current_dir(workspace_root().join("examples")).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "valid: 6 apps in 4 files\n");
}

#[test]
fn validate_reports_every_problem_with_source_snippets() {
    snapshot("validate_many_problems_human", &run(&["validate", &format!("{SPEC_ERRORS}/many-problems.yaml")]));
}

#[test]
fn validate_json_format() {
    snapshot(
        "validate_json",
        &run(&[
            "validate",
            "--format",
            "json",
            &format!("{SPEC_ERRORS}/user-duplicate.yaml"),
            "examples/netskope.yaml",
        ]),
    );
}

#[test]
fn validate_github_format() {
    snapshot(
        "validate_github",
        &run(&["validate", "--format=github", &format!("{SPEC_ERRORS}/unknown-nested-field.yaml")]),
    );
}

#[test]
fn validate_warnings_keep_exit_zero_and_quiet_hides_them() {
    let path = "crates/spec/tests/data/ok/warnings.yaml";
    snapshot("validate_warnings", &run(&["validate", path]));
    let quiet = scimform(&["validate", "-q", path]).output().unwrap();
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stdout.is_empty(), "{}", String::from_utf8_lossy(&quiet.stdout));
}

#[test]
fn every_bad_case_exits_one_and_names_file_line_col() {
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(workspace_root().join(SPEC_ERRORS)).unwrap().map(|entry| entry.unwrap().path()).collect();
    cases.sort();
    for case in cases {
        let relative = case.strip_prefix(workspace_root()).unwrap().to_string_lossy().into_owned();
        let output = scimform(&["validate", &relative]).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(1), "{relative}:\n{stdout}");
        // A location such as `--> crates/spec/tests/data/err/x.yaml:5:1`.
        let located = stdout.lines().any(|line| {
            line.trim_start().strip_prefix("--> ").is_some_and(|place| {
                let mut parts = place.rsplitn(3, ':');
                let (column, line_number, file) = (parts.next(), parts.next(), parts.next());
                column.is_some_and(|c| c.parse::<u32>().is_ok())
                    && line_number.is_some_and(|l| l.parse::<u32>().is_ok())
                    && file.is_some_and(|f| f.starts_with(&relative))
            })
        });
        assert!(located, "{relative} names no file:line:col:\n{stdout}");
    }
}

#[test]
fn validate_never_prints_an_inline_token() {
    for format in ["human", "json", "github"] {
        for case in ["token-inline", "token-inline-value-key", "base-url-with-credentials"] {
            let output =
                scimform(&["validate", "--format", format, &format!("{SPEC_ERRORS}/{case}.yaml")]).output().unwrap();
            let printed =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            assert_eq!(output.status.code(), Some(1));
            assert!(printed.contains("inline-secret"), "{case} ({format}) does not report the secret:\n{printed}");
            assert!(!printed.contains("inline-token-must-never-be-echoed-7f3a"), "{case} ({format}) prints the token");
            assert!(!printed.contains("hunter2-base-url-secret"), "{case} ({format}) prints the password");
        }
    }
}

#[test]
fn validate_missing_path_and_empty_directory() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "not a spec").unwrap();
    let output = scimform(&["validate", "does/not/exist.yaml", empty.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout).replace(empty.path().to_str().unwrap(), "[EMPTY]");
    snapshot("validate_missing_and_empty", &stdout);
}

#[test]
fn validate_walks_directories_recursively_in_sorted_order() {
    let root = tempfile::tempdir().unwrap();
    let app =
        |name: &str| format!("apiVersion: scimform/v1\nkind: ProvisioningApp\nname: {name}\ndisplayName: {name}\n");
    std::fs::create_dir_all(root.path().join("team-b/nested")).unwrap();
    std::fs::create_dir_all(root.path().join(".hidden")).unwrap();
    std::fs::write(root.path().join("team-b/nested/z.yml"), app("zulu")).unwrap();
    std::fs::write(root.path().join("a.yaml"), app("alpha")).unwrap();
    std::fs::write(root.path().join("team-b/b.yaml"), app("bravo")).unwrap();
    std::fs::write(root.path().join("README.md"), "# not a spec").unwrap();
    // Hidden directories (such as .git) are skipped: this would be a duplicate name.
    std::fs::write(root.path().join(".hidden/a.yaml"), app("alpha")).unwrap();
    let output = scimform(&["validate", "--format", "json", root.path().to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file.as_str().unwrap().replace(root.path().to_str().unwrap(), ""))
        .collect();
    assert_eq!(files, ["/a.yaml", "/team-b/b.yaml", "/team-b/nested/z.yml"]);
    assert_eq!(report["apps"], serde_json::json!(["alpha", "bravo", "zulu"]));
}

#[test]
fn schema_prints_the_committed_schema() {
    for (arguments, file) in [
        (&["schema"][..], "scimform.schema.json"),
        (&["schema", "assignments"][..], "scimform-assignments.schema.json"),
    ] {
        let output = scimform(arguments).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        let committed = std::fs::read_to_string(workspace_root().join("schemas").join(file)).unwrap();
        assert!(output.stdout == committed.as_bytes(), "`scimform {arguments:?}` differs from schemas/{file}");
    }
}

/// Bad arguments come in the format the arguments ask for.
#[test]
fn usage_errors_in_the_format_asked_for() {
    let output = scimform(&["validate", "--format", "json", "--no-such-flag"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["errors"][0]["code"], "usage", "{document}");
    assert!(document["errors"][0]["message"].as_str().unwrap().contains("--no-such-flag"), "{document}");
    let output = scimform(&["validate", "--format=github", "--no-such-flag"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("::error title=scimform usage::"));
    let output = scimform(&["validate", "--no-such-flag"]).output().unwrap();
    assert!(output.stdout.is_empty() && String::from_utf8_lossy(&output.stderr).contains("--no-such-flag"));
}

#[test]
fn usage_errors_exit_one_not_two() {
    // Exit code 2 is reserved for `plan --detailed-exitcode` ("changes present").
    let output = scimform(&["validate", "--format", "yaml"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = scimform(&["frobnicate"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let output = scimform(&["--help"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
}

/// `scimform emulator` serves Graph on the port it prints, says how to sign in to it, and
/// stops when killed.
#[test]
fn emulator_command_serves_the_demo_tenant() {
    use std::io::{BufRead, BufReader, Read, Write};
    let binary = assert_cmd::cargo::cargo_bin("scimform");
    let mut child = std::process::Command::new(binary)
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.strip_prefix("scimform emulator listening on ").expect(&first).to_owned();
    // It says how to sign in to it, as the demo tenant's API client.
    let told: Vec<String> =
        lines.by_ref().map(Result::unwrap).take_while(|line| !line.contains("SCIMFORM_GRAPH_URL")).collect();
    let told = told.join("\n");
    assert!(
        told.contains("export AZURE_TENANT_ID=6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f AZURE_CLIENT_ID=0a1b2c3d-"),
        "{told}"
    );
    assert!(told.contains("AZURE_CLIENT_SECRET=demo-client-secret-not-for-production"), "{told}");
    let address = base.strip_prefix("http://").unwrap().to_owned();
    let body = "grant_type=client_credentials&client_id=0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d\
                &client_secret=demo-client-secret-not-for-production&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "POST /6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f/oauth2/v2.0/token HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"access_token\""), "{response}");
}

#[test]
fn emulator_command_explains_a_bad_tenant_file() {
    let directory = tempfile::tempdir().unwrap();
    let seed = directory.path().join("tenant.json");
    std::fs::write(&seed, "{ \"tenantId\": 5 }").unwrap();
    let output = scimform(&["emulator", "--listen", "127.0.0.1:0", "--seed", seed.to_str().unwrap()]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a tenant file"), "{stderr}");
    assert!(stderr.contains("caused by"), "{stderr}");
}

// --- plan and show against the embedded emulator -------------------------------------------

const TOKEN: &str = "plan-test-token-7d1e";

/// `scimform` in a fresh working directory (so the embedded emulator starts from the demo
/// tenant), with the example specs' tokens in the environment.
fn in_tenant(directory: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut command = Command::cargo_bin("scimform").unwrap();
    command
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("NETSKOPE_SCIM_TOKEN", TOKEN)
        .env("WIKI_SCIM_TOKEN", TOKEN)
        .env("HR_PORTAL_SCIM_TOKEN", TOKEN)
        .args(args);
    command.output().unwrap()
}

fn example(name: &str) -> String {
    workspace_root().join("examples").join(name).display().to_string()
}

fn stdout_of(output: &std::process::Output) -> String {
    assert!(!String::from_utf8_lossy(&output.stdout).contains(TOKEN), "the token was printed");
    assert!(!String::from_utf8_lossy(&output.stderr).contains(TOKEN), "the token was printed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn redact_fingerprint(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("\"liveFingerprint\": \"") {
            Some(index) => format!("{}\"liveFingerprint\": \"[sha256]\",", &line[..index]),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn plan_renders_in_every_format() {
    let directory = tempfile::tempdir().unwrap();
    let netskope = example("netskope.yaml");
    let human = in_tenant(directory.path(), &["plan", &netskope, "--emulator"]);
    assert_eq!(human.status.code(), Some(0), "{}", String::from_utf8_lossy(&human.stderr));
    snapshot("plan_human", &stdout_of(&human));
    let json = in_tenant(directory.path(), &["plan", &netskope, "--emulator", "--format", "json"]);
    let json_text = stdout_of(&json);
    let value: serde_json::Value = serde_json::from_str(&json_text).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workspace_root().join("schemas/plan.schema.json")).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&value).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "plan JSON does not match schemas/plan.schema.json: {errors:?}");
    snapshot("plan_json", &redact_fingerprint(&json_text));
    let markdown = in_tenant(directory.path(), &["plan", &netskope, "--emulator", "--format", "markdown"]);
    snapshot("plan_markdown", &stdout_of(&markdown));
    let github = in_tenant(directory.path(), &["plan", &netskope, "--emulator", "--format", "github"]);
    snapshot("plan_github", &stdout_of(&github));
}

#[test]
fn plan_saves_and_show_renders_without_secrets() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("netskope.plan.json");
    let saved = in_tenant(
        directory.path(),
        &["plan", &example("netskope.yaml"), "--emulator", "--out", out.to_str().unwrap(), "--detailed-exitcode"],
    );
    assert_eq!(saved.status.code(), Some(2), "changes present: {}", String::from_utf8_lossy(&saved.stderr));
    let file = std::fs::read_to_string(&out).unwrap();
    assert!(!file.contains(TOKEN), "the plan file holds the token");
    assert!(file.contains("NETSKOPE_SCIM_TOKEN"), "the plan file names where the token comes from");
    let plan_human = stdout_of(&in_tenant(directory.path(), &["plan", &example("netskope.yaml"), "--emulator"]));
    let shown = in_tenant(directory.path(), &["show", out.to_str().unwrap()]);
    assert_eq!(shown.status.code(), Some(0));
    assert_eq!(stdout_of(&shown), plan_human, "show renders the saved plan as plan did");
    let shown_markdown = in_tenant(directory.path(), &["show", "--format", "markdown", out.to_str().unwrap()]);
    assert!(stdout_of(&shown_markdown).starts_with("### scimform plan: 6 to add"));
    let broken = directory.path().join("broken.json");
    std::fs::write(&broken, "{\"format\": 99}").unwrap();
    let refused = in_tenant(directory.path(), &["show", broken.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
}

#[test]
fn plan_of_every_example_and_its_warnings() {
    let directory = tempfile::tempdir().unwrap();
    let examples = directory.path().join("examples");
    std::fs::create_dir_all(&examples).unwrap();
    for entry in std::fs::read_dir(workspace_root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, examples.join(path.file_name().unwrap())).unwrap();
        }
    }
    // As copied: the ticketing token file does not exist yet; the plan says it did not
    // check it (apply needs it).
    let output = in_tenant(directory.path(), &["plan", "examples", "--emulator", "--detailed-exitcode"]);
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    let text = stdout_of(&output);
    assert!(text.contains("Plan: "), "{text}");
    // The examples take nothing the demo tenant has by hand for their own (scenario 08
    // shows a look-alike reported).
    assert!(!text.contains("an unmanaged app named"), "{text}");
    snapshot("plan_all_examples", &text);
}

#[test]
fn plan_errors_name_the_place_and_touch_nothing() {
    let directory = tempfile::tempdir().unwrap();
    // A token that is not in the environment: the plan says it did not check it (at the
    // spec's `token:` line); with --require-tokens, as apply, it is refused there.
    let plan_without_token = |extra: &[&str]| {
        Command::cargo_bin("scimform")
            .unwrap()
            .current_dir(directory.path())
            .env("NO_COLOR", "1")
            .env_remove("NETSKOPE_SCIM_TOKEN")
            .args(["plan", &example("netskope.yaml"), "--emulator"])
            .args(extra)
            .output()
            .unwrap()
    };
    let output = plan_without_token(&[]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = stdout_of(&output);
    assert!(stdout.contains("(sensitive, to be set at apply: NETSKOPE_SCIM_TOKEN is not set)"), "{stdout}");
    assert!(stdout.contains("netskope.yaml:18): the SCIM token was not checked"), "{stdout}");
    assert!(stdout.contains("1 token(s) not checked"), "{stdout}");
    let output = plan_without_token(&["--require-tokens"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("NETSKOPE_SCIM_TOKEN") && stderr.contains("netskope.yaml:18:5"), "{stderr}");
    // Names that do not resolve, all at once.
    let spec = directory.path().join("unknown.yaml");
    std::fs::write(&spec, "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: unknown\ndisplayName: Unknown\nassignments:\n  users: [ghost@contoso.com]\n  groups: [No Such Group]\n").unwrap();
    let output = in_tenant(directory.path(), &["plan", spec.to_str().unwrap(), "--emulator"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown.yaml:6:11: no user has the UPN `ghost@contoso.com`"), "{stderr}");
    assert!(stderr.contains("unknown.yaml:7:12: no group is named `No Such Group`"), "{stderr}");
    // An invalid spec is reported before anything talks to Graph.
    let fresh = tempfile::tempdir().unwrap();
    let bad = fresh.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: Bad Name\ndisplayName: x\n").unwrap();
    let output = in_tenant(fresh.path(), &["plan", bad.to_str().unwrap(), "--emulator"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("invalid-name"));
    assert!(!fresh.path().join(".scimform").exists(), "no emulator was started for an invalid spec");
}

/// README's first command, then a second plan: the embedded emulator keeps the tenant.
#[test]
fn readme_main_command_with_the_embedded_emulator() {
    let directory = tempfile::tempdir().unwrap();
    let netskope = example("netskope.yaml");
    let applied = in_tenant(directory.path(), &["apply", &netskope, "--emulator", "--auto-approve"]);
    let text = stdout_of(&applied);
    assert_eq!(applied.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&applied.stderr));
    assert!(text.contains("Apply complete! Resources: 6 added, 0 changed, 0 destroyed."), "{text}");
    let again = in_tenant(directory.path(), &["plan", &netskope, "--emulator", "--detailed-exitcode"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout_of(&again));
    assert!(stdout_of(&again).contains("No changes. Live state matches the specs."));
    let state = std::fs::read_to_string(directory.path().join(".scimform/emulator-state.json")).unwrap();
    assert!(state.contains("scimform:name=netskope"));
    // Nothing secret on disk: no file under the working directory holds the SCIM token or
    // the emulator client's secret; the state is private and ignored by git.
    let seed = scimform_emulator::Seed::from_json(scimform_emulator::DEMO_TENANT).unwrap();
    let client_secrets: Vec<String> = seed.clients.iter().filter_map(|client| client.secret.clone()).collect();
    let mut pending = vec![directory.path().to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            pending.extend(std::fs::read_dir(&path).unwrap().map(|entry| entry.unwrap().path()));
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(!text.contains(TOKEN), "{} holds the SCIM token", path.display());
        for secret in &client_secrets {
            assert!(!text.contains(secret.as_str()), "{} holds the client secret", path.display());
        }
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(directory.path().join(".scimform/emulator-state.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let ignore = std::fs::read_to_string(directory.path().join(".scimform/.gitignore")).unwrap();
    assert!(ignore.lines().any(|line| line == "*"), "{ignore}");
}

#[test]
fn apply_json_is_an_event_stream() {
    let directory = tempfile::tempdir().unwrap();
    let output = in_tenant(
        directory.path(),
        &["apply", &example("netskope.yaml"), "--emulator", "--auto-approve", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let events: Vec<serde_json::Value> =
        stdout_of(&output).lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(events[0]["type"], "plan");
    assert_eq!(events[0]["add"], 6);
    assert_eq!(events.iter().filter(|event| event["type"] == "completed").count(), 6);
    assert_eq!(events.last().unwrap()["type"], "complete");
    assert_eq!(events.last().unwrap()["added"], 6);
    assert_eq!(
        (events.last().unwrap()["adopted"].as_u64(), events.last().unwrap()["repaired"].as_u64()),
        (Some(0), Some(0))
    );
    let validator = schema_validator("apply-events.schema.json");
    for event in &events {
        let errors: Vec<String> = validator.iter_errors(event).map(|error| error.to_string()).collect();
        assert!(errors.is_empty(), "{event} does not match schemas/apply-events.schema.json: {errors:?}");
    }
}

fn schema_validator(file: &str) -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workspace_root().join("schemas").join(file)).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
fn output_schemas_are_committed_and_current() {
    let outputs = [
        ("plan", "plan.schema.json"),
        ("apply-events", "apply-events.schema.json"),
        ("error", "error.schema.json"),
        ("status", "status.schema.json"),
        ("drift", "drift.schema.json"),
        ("inventory", "inventory.schema.json"),
        ("scim-check", "scim-check.schema.json"),
    ];
    for (kind, file) in outputs {
        let output = scimform(&["schema", kind]).output().unwrap();
        let path = workspace_root().join("schemas").join(file);
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &output.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            output.stdout == committed,
            "schemas/{file} is stale: run `UPDATE_EXPECT=1 cargo test -p scimform --test cli output_schemas` and commit it"
        );
    }
}

/// `import --list`, `status` and `drift` print JSON that matches their committed schemas,
/// and exit with their documented codes.
#[test]
fn day_two_outputs_match_their_schemas() {
    let directory = tempfile::tempdir().unwrap();
    let check = |args: &[&str], schema: &str, code: i32| {
        let output = in_tenant(directory.path(), args);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        let document: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
        let errors: Vec<String> =
            schema_validator(schema).iter_errors(&document).map(|error| error.to_string()).collect();
        assert!(errors.is_empty(), "{document} does not match schemas/{schema}: {errors:?}");
        document
    };
    let inventory = check(&["import", "--list", "--emulator", "--format", "json"], "inventory.schema.json", 0);
    assert_eq!(inventory["apps"].as_array().unwrap().len(), 2, "{inventory}");
    let spec = example("netskope.yaml");
    let spec = spec.as_str();
    let drift = check(&["drift", spec, "--emulator", "--format", "json"], "drift.schema.json", 2);
    assert_eq!((drift["drifted"].as_bool(), drift["exitCode"].as_u64()), (Some(true), Some(2)));
    assert_eq!(in_tenant(directory.path(), &["apply", spec, "--emulator", "--auto-approve"]).status.code(), Some(0));
    let status =
        check(&["status", spec, "--emulator", "--format", "json", "--test-connection"], "status.schema.json", 0);
    assert_eq!(status["apps"][0]["connection"]["result"], "passed", "{status}");
    let drift = check(&["drift", spec, "--emulator", "--format", "json"], "drift.schema.json", 0);
    assert_eq!(drift["health"]["healthy"], true);
}

/// Every error reaches the user in the format asked for: one JSON error document on
/// stdout, GitHub annotations at the spec's file and line, a Markdown section.
#[test]
fn errors_in_every_format() {
    let directory = tempfile::tempdir().unwrap();
    let spec = directory.path().join("unknown.yaml");
    std::fs::write(&spec, "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: unknown\ndisplayName: Unknown\nassignments:\n  users: [ghost@contoso.com]\n  groups: [No Such Group]\n").unwrap();
    let spec = spec.to_str().unwrap();
    let json = in_tenant(directory.path(), &["plan", spec, "--emulator", "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let text = stdout_of(&json);
    assert_eq!(text.lines().count(), 1, "one error document: {text}");
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let errors: Vec<String> =
        schema_validator("error.schema.json").iter_errors(&document).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "{document} does not match schemas/error.schema.json: {errors:?}");
    assert_eq!(document["type"], "error");
    assert_eq!(document["errors"][0]["code"], "unresolved-name");
    assert_eq!((document["errors"][0]["line"].as_u64(), document["errors"][0]["column"].as_u64()), (Some(6), Some(11)));
    let github = in_tenant(directory.path(), &["plan", spec, "--emulator", "--format", "github"]);
    let text = stdout_of(&github);
    assert!(text.contains(&format!("::error file={},line=6,col=11,", spec.replace(':', "%3A"))), "{text}");
    assert!(text.contains("line=7,col=12,title=scimform unresolved-name::no group is named `No Such Group`"), "{text}");
    let markdown = in_tenant(directory.path(), &["plan", spec, "--emulator", "--format", "markdown"]);
    assert!(stdout_of(&markdown).starts_with("### scimform failed"), "{}", stdout_of(&markdown));
    // An invalid spec, an unset token variable and a Graph-side failure too.
    let bad = directory.path().join("bad.yaml");
    std::fs::write(&bad, "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: Bad Name\ndisplayName: x\n").unwrap();
    let output = in_tenant(directory.path(), &["plan", bad.to_str().unwrap(), "--emulator", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(document["errors"][0]["line"], 3, "{document}");
    let output = Command::cargo_bin("scimform")
        .unwrap()
        .current_dir(directory.path())
        .env_remove("NETSKOPE_SCIM_TOKEN")
        .args(["plan", &example("netskope.yaml"), "--emulator", "--format", "github", "--require-tokens"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("::error file=") && text.contains("title=scimform unreadable-token::"), "{text}");
    // At the `token:` key itself, line and column, where the annotation shows on the diff.
    let netskope = std::fs::read_to_string(example("netskope.yaml")).unwrap();
    let (index, line) = netskope.lines().enumerate().find(|(_, line)| line.trim_start().starts_with("token:")).unwrap();
    let column = line.len() - line.trim_start().len() + 1;
    assert!(text.contains(&format!(",line={},col={column},", index + 1)), "{text}");
    assert!(text.contains("NETSKOPE_SCIM_TOKEN"), "{text}");
    let output = in_tenant(directory.path(), &["show", "no-such-plan.json", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_str(&stdout_of(&output)).unwrap();
    assert_eq!(document["errors"][0]["code"], "failed");
    assert!(!document["errors"][0]["causes"].as_array().unwrap().is_empty(), "{document}");
}

#[test]
fn apply_refuses_formats_it_does_not_speak() {
    let directory = tempfile::tempdir().unwrap();
    for format in ["github", "markdown"] {
        let output = in_tenant(
            directory.path(),
            &["apply", &example("netskope.yaml"), "--emulator", "--auto-approve", "--format", format],
        );
        assert_eq!(output.status.code(), Some(1));
        assert!(stdout_of(&output).contains("`apply` prints `--format human` or `--format json`"));
        assert!(!directory.path().join(".scimform").exists(), "nothing was started");
    }
}

/// Spec paths are untrusted: a huge file, a named pipe, a device and a symlink loop each
/// get a clear error, quickly, without reading more than the size limit.
#[test]
fn hostile_spec_paths_are_refused() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let huge = root.join("huge.yaml");
    std::fs::write(&huge, format!("# {}\n", "x".repeat(1_500_000))).unwrap();
    let pipe = root.join("pipe.yaml");
    assert!(std::process::Command::new("mkfifo").arg(&pipe).status().unwrap().success(), "mkfifo is needed");
    let looped = root.join("specs");
    std::fs::create_dir_all(looped.join("inner")).unwrap();
    std::os::unix::fs::symlink(&looped, looped.join("inner/back")).unwrap();
    std::fs::write(
        looped.join("app.yaml"),
        "apiVersion: scimform/v1\nkind: ProvisioningApp\nname: app\ndisplayName: App\n",
    )
    .unwrap();
    // Each case refuses without reading its content (a read of /dev/zero or a FIFO would
    // never end: the run would hang, not pass).
    let cases: [(&str, &str); 4] = [
        (huge.to_str().unwrap(), "too-large"),
        (pipe.to_str().unwrap(), "is not a regular file"),
        ("/dev/zero", "is not a regular file"),
        (looped.to_str().unwrap(), "symlink-loop"),
    ];
    for (path, expected) in cases {
        let output = scimform(&["validate", path, "--format", "json"]).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{path}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(expected), "{path}: {text}");
    }
}

/// A pull request cannot make a report print what lies outside its spec tree: a symlink
/// to a file (the runner's environment, here a stand-in holding a secret) or to a
/// directory elsewhere is refused unread in every format and by `plan`; a file in the tree
/// that is not a spec of ours is located but never quoted; quoted lines have control
/// characters escaped and are cut to a readable width.
#[test]
fn spec_reports_never_print_what_is_outside_the_tree() {
    const SECRET: &str = "RUNNER_SECRET=hunter2-not-for-pull-requests";
    let directory = tempfile::tempdir().unwrap();
    let outside = directory.path().join("runner");
    std::fs::create_dir_all(outside.join("deep")).unwrap();
    std::fs::write(outside.join("environ"), format!("PATH=/bin\0{SECRET}\0")).unwrap();
    std::fs::write(outside.join("deep/leak.yaml"), format!("apiVersion: scimform/v1\nname: {SECRET}\n")).unwrap();
    let specs = directory.path().join("repo/specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::copy(workspace_root().join("examples/netskope.yaml"), specs.join("netskope.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.join("environ"), specs.join("env.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, specs.join("elsewhere")).unwrap();
    std::fs::write(specs.join("notes.yml"), format!("{SECRET}: [unclosed\n")).unwrap();
    let fifo = specs.join("pipe.yaml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success(), "mkfifo is needed");
    let repo = directory.path().join("repo");
    for args in [
        &["validate", "specs"][..],
        &["validate", "specs", "--format", "markdown"],
        &["validate", "specs", "--format", "json"],
        &["validate", "specs", "--format", "github"],
        &["validate", "specs/env.yaml"],
        &["plan", "specs", "--emulator"],
    ] {
        let output = in_tenant(&repo, args);
        let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.status.code(), Some(1), "{args:?}: {all}");
        assert!(!all.contains("hunter2"), "{args:?} printed what lies outside the tree or a file not ours: {all}");
        assert!(all.contains("outside-tree") || all.contains("outside the spec tree"), "{args:?}: {all}");
    }
    // A pipe in the tree is skipped with a warning, never opened (it would block).
    let output = in_tenant(&repo, &["validate", "specs", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> =
        report["diagnostics"].as_array().unwrap().iter().filter_map(|diagnostic| diagnostic["code"].as_str()).collect();
    assert!(codes.contains(&"not-a-file"), "{codes:?}");
    // A directory symlink that leaves the tree is not walked; the PATH itself may not
    // lead out either.
    std::os::unix::fs::symlink("/", repo.join("root")).unwrap();
    let output = in_tenant(&repo, &["validate", "root", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["files"], serde_json::json!([]), "nothing outside the tree was read");
    assert_eq!(report["diagnostics"][0]["code"], "outside-tree");

    let quoted = directory.path().join("quoted");
    std::fs::create_dir_all(&quoted).unwrap();
    let long = "x".repeat(5_000);
    std::fs::write(
        quoted.join("app.yaml"),
        format!("apiVersion: scimform/v1\nkind: ProvisioningApp\nname: app\ndisplayName: \"a\\u001b[31mb\"\nunknown: {long}\n"),
    )
    .unwrap();
    let output = in_tenant(&quoted, &["validate", "."]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("unknown-field"), "{text}");
    assert!(!text.contains('\u{1b}'), "a control character reached the terminal: {text}");
    assert!(text.lines().all(|line| line.chars().count() < 400), "a quoted line was not cut: {text}");
}

/// Work is bounded however many files a pull request adds: at most 200 diagnostics are
/// described (the rest counted), and files past the run's total input budget are refused
/// unread. (Time and memory on the same inputs: the README's "Hostile inputs" bench.)
#[test]
fn reports_and_reading_are_bounded() {
    let directory = tempfile::tempdir().unwrap();
    let specs = directory.path().join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let mut keys = String::from("apiVersion: scimform/v1\nkind: ProvisioningApp\nname: app\ntemplate: non-gallery\n");
    for index in 0..50_000 {
        keys.push_str(&format!("k{index}: 1\n"));
    }
    std::fs::write(specs.join("a-keys.yaml"), &keys).unwrap();
    let padding = format!("# {}\n", "p".repeat(1_000));
    let filler = padding.repeat(1_000);
    assert!(filler.len() < 1024 * 1024);
    for index in 0..40 {
        std::fs::write(specs.join(format!("b-{index:02}.yaml")), &filler).unwrap();
    }
    let output = in_tenant(directory.path(), &["validate", "specs", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 200);
    assert!(report["errors"].as_u64().unwrap() > 50_000, "every problem is counted");
    assert!(report["omitted"].as_u64().unwrap() > 49_000);
    let files = report["files"].as_array().unwrap().len();
    assert!(files < 36, "files past the budget are not read ({files} were)");
    assert!(output.stdout.len() < 200_000, "{} bytes of report", output.stdout.len());
    let human = in_tenant(directory.path(), &["validate", "specs"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("more problems not shown"), "{}", &text[text.len().saturating_sub(500)..]);
    assert!(text.contains("one run reads"), "the refused files are named");
}

/// The error document's code names the cause: a pipeline without credentials gets
/// `sign-in`, a missing file `failed`.
#[test]
fn error_codes_name_the_cause() {
    let directory = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("scimform")
        .unwrap()
        .current_dir(directory.path())
        .env_clear()
        .env("PATH", "")
        .args(["plan", &example("netskope.yaml"), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["errors"][0]["code"], "sign-in", "{document}");
    let errors: Vec<String> =
        schema_validator("error.schema.json").iter_errors(&document).map(|error| error.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// Logs written to a file carry no colour codes; `-vv` says more than `-v`.
#[test]
fn logs_in_a_file_have_no_colour_and_verbosity_counts() {
    let directory = tempfile::tempdir().unwrap();
    let netskope = example("netskope.yaml");
    let run = |flag: &str| {
        let mut command = Command::cargo_bin("scimform").unwrap();
        command.current_dir(directory.path()).env("NETSKOPE_SCIM_TOKEN", TOKEN).env_remove("NO_COLOR");
        let output = command.args(["plan", &netskope, "--emulator", flag]).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let (verbose, very) = (run("-v"), run("-vv"));
    assert!(verbose.contains("graph"), "{verbose}");
    assert!(!verbose.contains('\u{1b}') && !very.contains('\u{1b}'), "escape codes in a log file:\n{verbose}");
    assert!(very.contains("batch item") && !verbose.contains("batch item"), "-vv shows each batch item");
    assert!(!very.contains(TOKEN) && !verbose.contains(TOKEN));
}

/// `install/install-scimform.sh` (what `action.yml` runs) installs a release's binary only
/// when its SHA-256 matches the release's SHA256SUMS: a tampered or unlisted archive is
/// refused and nothing is installed.
#[test]
fn the_install_script_verifies_checksums() {
    use sha2::Digest;
    let uname = |flag: &str| {
        let output = std::process::Command::new("uname").arg(flag).output().unwrap();
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let target = match (uname("-s").as_str(), uname("-m").as_str()) {
        ("Linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("Linux", "aarch64" | "arm64") => "aarch64-unknown-linux-musl",
        (system, machine) => panic!("this test knows Linux hosts only, not {system} {machine}"),
    };
    let work = tempfile::tempdir().unwrap();
    let release = work.path().join("releases/v9.9.9");
    let staging = work.path().join("staging");
    std::fs::create_dir_all(&release).unwrap();
    std::fs::create_dir_all(&staging).unwrap();
    let archive = format!("scimform-9.9.9-{target}.tar.gz");
    let pack = |content: &str| {
        std::fs::write(staging.join("scimform"), content).unwrap();
        let status = std::process::Command::new("tar")
            .args(["-czf", release.join(&archive).to_str().unwrap(), "-C", staging.to_str().unwrap(), "scimform"])
            .status()
            .unwrap();
        assert!(status.success());
    };
    pack("#!/bin/sh\necho scimform 9.9.9\n");
    let digest: String = sha2::Sha256::digest(std::fs::read(release.join(&archive)).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    std::fs::write(release.join("SHA256SUMS"), format!("{digest}  {archive}\n")).unwrap();
    let install = |destination: &std::path::Path| {
        std::process::Command::new("bash")
            .arg(workspace_root().join("install/install-scimform.sh"))
            .args(["9.9.9", destination.to_str().unwrap()])
            .env("SCIMFORM_RELEASES_URL", format!("file://{}", work.path().join("releases").display()))
            .output()
            .unwrap()
    };
    let good = work.path().join("good");
    let output = install(&good);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let ran = std::process::Command::new(good.join("scimform")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "scimform 9.9.9\n");
    // Another archive under the same name: refused, nothing installed.
    pack("#!/bin/sh\necho not scimform\n");
    let tampered = work.path().join("tampered");
    let output = install(&tampered);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not match its SHA-256"));
    assert!(!tampered.join("scimform").exists());
    // An archive the checksums do not list: refused too.
    std::fs::write(release.join("SHA256SUMS"), "0000  scimform-9.9.9-other.tar.gz\n").unwrap();
    let unlisted = work.path().join("unlisted");
    assert!(!install(&unlisted).status.success());
    assert!(!unlisted.join("scimform").exists());
}

/// The release workflow builds every target the install script downloads, and the
/// repository's address is the crates' `repository` wherever it is written.
#[test]
fn releases_cover_the_install_script_and_name_one_repository() {
    let script = std::fs::read_to_string(workspace_root().join("install/install-scimform.sh")).unwrap();
    let release = std::fs::read_to_string(workspace_root().join("ci-examples/github/release.yml")).unwrap();
    let mut downloaded: Vec<&str> =
        script.lines().filter_map(|line| line.split("target=").nth(1)?.split([' ', ';']).next()).collect();
    let mut built: Vec<&str> =
        release.lines().filter_map(|line| line.split("target: ").nth(1)?.split([',', ' ', '}']).next()).collect();
    downloaded.sort();
    built.sort();
    assert_eq!(downloaded.len(), 5, "{downloaded:?}");
    assert_eq!(downloaded, built, "install/install-scimform.sh and ci-examples/github/release.yml disagree");
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let repository = manifest.lines().find_map(|line| line.strip_prefix("repository = ")).unwrap().trim_matches('"');
    let slug = repository.strip_prefix("https://github.com/").unwrap();
    for file in ["action.yml", "ci-examples/azure-devops/scimform-steps.yml", "ci-examples/github/plan.yml"] {
        let text = std::fs::read_to_string(workspace_root().join(file)).unwrap();
        for (index, line) in text.lines().enumerate().filter(|(_, line)| line.contains("github.com/")) {
            assert!(
                line.contains(repository) || line.contains("${{"),
                "{file}:{}: another repository: {line}",
                index + 1
            );
        }
        for (index, line) in
            text.lines().enumerate().filter(|(_, line)| line.contains("uses: ") && line.contains("/scimform@"))
        {
            assert!(line.contains(&format!("{slug}@")), "{file}:{}: another repository: {line}", index + 1);
        }
        if file == "ci-examples/azure-devops/scimform-steps.yml" {
            assert!(text.contains(&format!("default: {slug}")), "{file}: the default repository is not {slug}");
        }
    }
}

/// The Kubernetes example is a manifest Kubernetes 1.31 accepts, checked strictly (unknown
/// fields are errors) against its JSON schemas by kubernetes-validate (PyPI, in `.venv/`),
/// and runs only commands and flags that exist.
#[test]
fn the_kubernetes_cronjob_is_a_valid_manifest() {
    let validate = workspace_root().join(".venv/bin/kubernetes-validate");
    let manifest = workspace_root().join("ci-examples/kubernetes/drift-cronjob.yaml");
    let output = std::process::Command::new(&validate)
        .args(["--strict", "--kubernetes-version", "1.31.0"])
        .arg(&manifest)
        .output()
        .unwrap_or_else(|error| panic!("{}: {error}; run tests/run, which installs it", validate.display()));
    let report = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("passed for resource cronjob/scimform-drift"), "{report}");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains("scimform drift /specs --format json --metrics-file /textfile/scimform.prom"));
}
