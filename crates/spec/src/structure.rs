//! The structural check: does a document have the spec's shape?
//!
//! It walks a located YAML [`Node`] against the JSON Schema generated from `raw.rs`, so
//! the committed schema and this check are one definition. Unlike deserializing with
//! serde, which stops at the first problem, it reports every unknown field, missing field,
//! wrong type and unknown value in the document, each at the place it was written, with a
//! "did you mean" where a name is close to a known one.
//!
//! Only the schema keywords that schemars emits for `raw.rs` are understood: `$ref`,
//! `type`, `const`, `oneOf`/`anyOf`, `properties`, `required`, `additionalProperties`,
//! `items` and `minimum`. A schema test checks that no other keyword appears.

use serde_json::{Map, Value as Json};

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::suggest::closest;
use crate::yaml::{Node, Value};

/// What the structural check found.
pub(crate) struct Checked {
    /// Every structural problem.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The document as JSON with every problem cut out: unknown fields and wrong values
    /// dropped, required fields that were missing or wrong filled with neutral
    /// placeholders. Semantic checks run on it, so that one run reports the semantic
    /// problems of a document too, not only its first structural one. `None` when the
    /// document could not be repaired.
    pub(crate) repaired: Option<Json>,
    /// Problems found past [`crate::MAX_DIAGNOSTICS`], counted but not described (all
    /// structural problems are errors).
    pub(crate) omitted: usize,
}

/// Every structural problem in `document`, checked against `schema` (the root schema with
/// its `$defs`).
pub(crate) fn check(document: &Node, schema: &Json) -> Checked {
    let mut checker = Checker { root: schema, diagnostics: Vec::new(), omitted: 0 };
    if !matches!(document.value, Value::Mapping(_)) {
        checker.diagnostics.push(
            Diagnostic::error(
                Code::NotAMapping,
                document.span,
                format!("a spec document must be a mapping, found {}", document.kind_name()),
            )
            .with_help("start the document with `apiVersion: scimform/v1` and `kind: ProvisioningApp`"),
        );
        return Checked { diagnostics: checker.diagnostics, repaired: None, omitted: 0 };
    }
    let repaired = checker.check(document, schema, &Path::root());
    Checked { diagnostics: checker.diagnostics, repaired, omitted: checker.omitted }
}

/// Neutral stand-ins for required fields that are missing or wrong, chosen to pass every
/// semantic rule so that they never cause a diagnostic of their own. They exist only for
/// the semantic pass of a document that is already invalid; no spec is ever built on them.
fn placeholder(path: &str) -> Option<Json> {
    let value = match path {
        "apiVersion" => serde_json::json!("scimform/v1"),
        "kind" => serde_json::json!("ProvisioningApp"),
        "name" => serde_json::json!("placeholder"),
        "displayName" => serde_json::json!("placeholder"),
        "template.id" => serde_json::json!("00000000-0000-0000-0000-000000000000"),
        "provisioning.status" => serde_json::json!("off"),
        "provisioning.credentials" => serde_json::json!({
            "baseUrl": "https://placeholder.invalid",
            "token": { "fromEnv": "PLACEHOLDER_SCIM_TOKEN" },
        }),
        "provisioning.credentials.baseUrl" => serde_json::json!("https://placeholder.invalid"),
        "provisioning.credentials.token" => serde_json::json!({ "fromEnv": "PLACEHOLDER_SCIM_TOKEN" }),
        _ => return None,
    };
    Some(value)
}

/// Where a node sits in its document, for messages: `provisioning.credentials.baseUrl`,
/// `assignments.users[2]`.
#[derive(Clone)]
struct Path {
    text: String,
    /// The last mapping key on the way, which names the field in messages.
    field: Option<String>,
}

impl Path {
    fn root() -> Path {
        Path { text: String::new(), field: None }
    }

    fn key(&self, key: &str) -> Path {
        let text = if self.text.is_empty() { key.to_owned() } else { format!("{}.{key}", self.text) };
        Path { text, field: Some(key.to_owned()) }
    }

    fn index(&self, index: usize) -> Path {
        Path { text: format!("{}[{index}]", self.text), field: self.field.clone() }
    }

    fn describe(&self) -> String {
        if self.text.is_empty() { "the document".to_owned() } else { format!("`{}`", self.text) }
    }

    fn is_token(&self) -> bool {
        self.text.ends_with("credentials.token")
    }
}

struct Checker<'s> {
    root: &'s Json,
    diagnostics: Vec<Diagnostic>,
    omitted: usize,
}

impl<'s> Checker<'s> {
    /// Whether the report is full: past it, problems are counted, not described (a
    /// document of 100,000 unknown keys costs a count, not 100,000 suggestions).
    fn full(&self) -> bool {
        self.diagnostics.len() >= crate::MAX_DIAGNOSTICS
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        if self.full() {
            self.omitted += 1;
        } else {
            self.diagnostics.push(diagnostic);
        }
    }

    fn resolve(&self, mut schema: &'s Json) -> &'s Json {
        // schemars only emits local references of the form `#/$defs/Name`.
        while let Some(reference) = schema.get("$ref").and_then(Json::as_str) {
            let name = reference.trim_start_matches("#/$defs/");
            schema = &self.root["$defs"][name];
        }
        schema
    }

    /// Checks `node` and returns it as JSON, or `None` when it is wrong.
    fn check(&mut self, node: &Node, schema: &'s Json, path: &Path) -> Option<Json> {
        let schema = self.resolve(schema);
        if path.is_token() && !matches!(node.value, Value::Mapping(_) | Value::Null) {
            self.inline_secret(node.span);
            return None;
        }
        if let Some(branches) = schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Json::as_array) {
            return self.check_alternatives(node, branches, path);
        }
        if let Some(expected) = schema.get("const") {
            return self.check_choice(node, std::slice::from_ref(expected), path);
        }
        let types = self.types_of(schema);
        let node_type = json_type(node);
        if !types.is_empty() && !types.iter().any(|allowed| type_accepts(allowed, node_type)) {
            self.wrong_type(node, &types, path);
            return None;
        }
        match &node.value {
            Value::Mapping(entries) => Some(self.check_mapping(node, entries, schema, path)),
            Value::Sequence(items) => {
                let Some(item_schema) = schema.get("items") else { return Some(node.to_json()) };
                // Every item is checked; but a list with a wrong item is dropped whole, so
                // that later stages never see indices that differ from the source's.
                let items: Vec<Option<Json>> = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| self.check(item, item_schema, &path.index(index)))
                    .collect();
                items.into_iter().collect::<Option<Vec<Json>>>().map(Json::Array)
            }
            Value::Integer(value) => {
                if let Some(minimum) = schema.get("minimum").and_then(Json::as_i64)
                    && *value < i128::from(minimum)
                {
                    self.push(Diagnostic::error(
                        Code::OutOfRange,
                        node.span,
                        format!("{} must be at least {minimum}, found {value}", path.describe()),
                    ));
                    return None;
                }
                Some(node.to_json())
            }
            _ => Some(node.to_json()),
        }
    }

    fn check_mapping(
        &mut self,
        node: &Node,
        entries: &[(crate::yaml::Key, Node)],
        schema: &'s Json,
        path: &Path,
    ) -> Json {
        let mut repaired = Map::new();
        // Names offered as "did you mean" for unknown fields: their absence is already said.
        let mut suggested: Vec<&str> = Vec::new();
        static EMPTY: std::sync::OnceLock<Map<String, Json>> = std::sync::OnceLock::new();
        let properties =
            schema.get("properties").and_then(Json::as_object).unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        let closed = schema.get("additionalProperties") == Some(&Json::Bool(false));
        for (key, value) in entries {
            match properties.get(&key.name) {
                Some(property_schema) => {
                    if let Some(value) = self.check(value, property_schema, &path.key(&key.name)) {
                        repaired.insert(key.name.clone(), value);
                    }
                }
                None if schema.get("additionalProperties").is_some_and(Json::is_object) => {
                    // A map (`attributes: { displayName: … }`): every value has one schema.
                    let value_schema = &schema["additionalProperties"];
                    if let Some(value) = self.check(value, value_schema, &path.key(&key.name)) {
                        repaired.insert(key.name.clone(), value);
                    }
                }
                None if closed => {
                    if let Some(suggestion) = self.unknown_field(key, properties, path) {
                        suggested.push(suggestion);
                    }
                }
                None => {}
            }
        }
        for required in schema.get("required").and_then(Json::as_array).into_iter().flatten() {
            let Some(required) = required.as_str() else { continue };
            if !repaired.contains_key(required)
                && let Some(stand_in) = placeholder(&path.key(required).text)
            {
                repaired.insert(required.to_owned(), stand_in);
            }
            if node.get(required).is_none() && !suggested.contains(&required) {
                let inside = if path.text.is_empty() { String::new() } else { format!(" in {}", path.describe()) };
                self.push(
                    Diagnostic::error(Code::MissingField, node.span, format!("missing field `{required}`{inside}"))
                        .with_help_opt(missing_field_help(&path.key(required))),
                );
            }
        }
        Json::Object(repaired)
    }

    /// `oneOf`/`anyOf`: a closed set of values, or alternatives of different shapes
    /// (a string or a mapping), or an optional value (`T` or null).
    fn check_alternatives(&mut self, node: &Node, branches: &'s [Json], path: &Path) -> Option<Json> {
        let resolved: Vec<&Json> = branches.iter().map(|branch| self.resolve(branch)).collect();
        if let Some(choices) = resolved.iter().map(|branch| branch.get("const")).collect::<Option<Vec<_>>>() {
            let choices: Vec<Json> = choices.into_iter().cloned().collect();
            return self.check_choice(node, &choices, path);
        }
        let node_type = json_type(node);
        let candidates: Vec<&Json> = resolved
            .iter()
            .copied()
            .filter(|branch| self.types_of(branch).iter().any(|allowed| type_accepts(allowed, node_type)))
            .collect();
        match candidates.as_slice() {
            [] => {
                let mut expected = Vec::new();
                for branch in &resolved {
                    for kind in self.types_of(branch) {
                        if !expected.contains(&kind) {
                            expected.push(kind);
                        }
                    }
                }
                self.wrong_type(node, &expected, path);
                None
            }
            [only] => self.check(node, only, path),
            several => {
                // Try each shape quietly; report the first one's problems if none fits.
                let mut first_problems = None;
                for branch in several {
                    let mut trial = Checker { root: self.root, diagnostics: Vec::new(), omitted: 0 };
                    let value = trial.check(node, branch, path);
                    if trial.diagnostics.is_empty() {
                        return value;
                    }
                    first_problems.get_or_insert((trial.diagnostics, trial.omitted));
                }
                let (problems, omitted) = first_problems.unwrap_or_default();
                for problem in problems {
                    self.push(problem);
                }
                self.omitted += omitted;
                None
            }
        }
    }

    fn check_choice(&mut self, node: &Node, choices: &[Json], path: &Path) -> Option<Json> {
        let found = node.to_json();
        if choices.contains(&found) {
            return Some(found);
        }
        let names: Vec<&str> = choices.iter().filter_map(Json::as_str).collect();
        let expected = names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
        let field = path.field.as_deref().unwrap_or("value");
        let Value::String(text) = &node.value else {
            self.push(Diagnostic::error(
                Code::WrongType,
                node.span,
                format!("{} must be one of {expected}, found {}", path.describe(), node.kind_name()),
            ));
            return None;
        };
        let shown = format!("`{text}`");
        let (code, message, mut help) = match field {
            "apiVersion" => (
                Code::UnsupportedApiVersion,
                format!("unsupported apiVersion {shown}"),
                format!("this scimform understands apiVersion {expected}; a newer apiVersion needs a newer scimform"),
            ),
            "kind" => (
                Code::UnknownKind,
                format!("unknown kind {shown}"),
                format!(
                    "scimform reads documents of kind {expected} (an app) and `{}` (more of an app's assignments)",
                    crate::raw::ASSIGNMENTS_KIND
                ),
            ),
            // A template is a name or a mapping; the message should offer both.
            "template" => (
                Code::UnknownValue,
                format!("unknown template {shown}"),
                format!("expected {expected}, or `{{ id: <applicationTemplate GUID> }}` for a gallery app"),
            ),
            _ => (
                Code::UnknownValue,
                format!("unknown value {shown} for {}", path.describe()),
                format!("expected one of {expected}"),
            ),
        };
        if let Some(suggestion) = closest(text, names.iter().copied()) {
            help = format!("did you mean `{suggestion}`? ({help})");
        }
        self.push(Diagnostic::error(code, node.span, message).with_help(help));
        None
    }

    /// Reports an unknown field; returns the field it was probably meant to be.
    fn unknown_field(
        &mut self,
        key: &crate::yaml::Key,
        properties: &'s Map<String, Json>,
        path: &Path,
    ) -> Option<&'s str> {
        if self.full() && !path.is_token() {
            self.omitted += 1;
            return None;
        }
        let inside = if path.text.is_empty() { String::new() } else { format!(" in {}", path.describe()) };
        let message = format!("unknown field `{}`{inside}", key.name);
        if path.is_token() {
            // Whatever was written next to the unknown key may be the token itself.
            self.inline_secret(key.span);
            return None;
        }
        let known: Vec<&'s str> = properties.keys().map(String::as_str).collect();
        let suggestion = closest(&key.name, known.iter().copied());
        let help = match suggestion {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None => format!(
                "the fields here are {}",
                known.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ")
            ),
        };
        self.push(Diagnostic::error(Code::UnknownField, key.span, message).with_help(help));
        suggestion
    }

    fn inline_secret(&mut self, span: Span) {
        self.push(
            Diagnostic::error(
                Code::InlineSecret,
                span,
                "the SCIM token is written into the spec; scimform takes secrets only by reference",
            )
            .with_help(
                "put the token in an environment variable or a file and write \
                 `token: { fromEnv: VARIABLE }` or `token: { fromFile: path }`; \
                 then rotate the token, because it has been exposed",
            )
            .concealing_secret(),
        );
    }

    fn wrong_type(&mut self, node: &Node, expected: &[String], path: &Path) {
        if matches!(node.value, Value::Null) {
            // Reported once, as an explicit null (`strict.rs`).
            return;
        }
        let expected: Vec<&str> = expected.iter().filter(|kind| *kind != "null").map(|kind| type_words(kind)).collect();
        let expected = match expected.as_slice() {
            [] => "a value".to_owned(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        let mut diagnostic = Diagnostic::error(
            Code::WrongType,
            node.span,
            format!("{} must be {expected}, found {}", path.describe(), node.kind_name()),
        );
        if matches!(node.value, Value::String(_)) && expected.contains("boolean") {
            diagnostic = diagnostic
                .with_help("write `true` or `false` (YAML 1.1 spellings such as `yes` and `on` are strings here)");
        }
        self.push(diagnostic);
    }

    /// The JSON types a schema accepts: from `type`, `const`, or the union over its
    /// alternatives.
    fn types_of(&self, schema: &'s Json) -> Vec<String> {
        let schema = self.resolve(schema);
        match schema.get("type") {
            Some(Json::String(kind)) => return vec![kind.clone()],
            Some(Json::Array(kinds)) => return kinds.iter().filter_map(Json::as_str).map(str::to_owned).collect(),
            _ => {}
        }
        if let Some(constant) = schema.get("const") {
            return vec![json_value_type(constant).to_owned()];
        }
        let mut types = Vec::new();
        for branch in schema.get("oneOf").or_else(|| schema.get("anyOf")).and_then(Json::as_array).into_iter().flatten()
        {
            for kind in self.types_of(branch) {
                if !types.contains(&kind) {
                    types.push(kind);
                }
            }
        }
        types
    }
}

fn missing_field_help(path: &Path) -> Option<String> {
    let help = match path.text.as_str() {
        "apiVersion" => "add `apiVersion: scimform/v1`",
        "kind" => "add `kind: ProvisioningApp`",
        "name" => "add `name:` with a lowercase slug that identifies this app, such as `netskope`",
        "displayName" => "add `displayName:` with the name shown in the Entra portal",
        "provisioning.status" => "add `status: on` or `status: off`",
        "provisioning.credentials" => "add `credentials: { baseUrl: https://…, token: { fromEnv: VARIABLE } }`",
        "provisioning.credentials.baseUrl" => "add the SCIM base URL of the target application",
        "provisioning.credentials.token" => "add `token: { fromEnv: VARIABLE }` or `token: { fromFile: path }`",
        _ => return None,
    };
    Some(help.to_owned())
}

fn json_type(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Integer(_) => "integer",
        Value::Float(_) => "number",
        Value::String(_) => "string",
        Value::Sequence(_) => "array",
        Value::Mapping(_) => "object",
    }
}

fn json_value_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(number) if number.is_i64() || number.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

fn type_accepts(allowed: &str, found: &str) -> bool {
    allowed == found || (allowed == "number" && found == "integer")
}

fn type_words(kind: &str) -> &'static str {
    match kind {
        "boolean" => "a boolean",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "a list",
        "object" => "a mapping",
        _ => "null",
    }
}
