//! The synchronization schema: the default one a `scim` job starts with (built from
//! `reference/scim/default-mappings.json`, Microsoft's default attribute mappings), its
//! validation on PUT, and its object mappings in a form the engine evaluates.
//!
//! Validation, decided where the sources are silent (`ENTRA-SCIM-CLIENT.md` §8 [verify]):
//! a PUT is refused with 400 when it carries a property the schema resource does not have,
//! a mapping whose target attribute its target object does not define, a source attribute
//! the source directory does not define, an expression that does not parse or names an
//! unknown function, or an object mapping without a matching attribute. Metadata and the
//! directories' own lists are kept as given.

use serde_json::{Value, json};

use scimform_mapping::expression::{self, Expr};
use scimform_mapping::{Object, reference};

const DEFAULT_MAPPINGS: &str = reference::DEFAULT_MAPPINGS_JSON;
const SOURCE_DIRECTORY: &str = "Azure Active Directory";
const TARGET_DIRECTORY: &str = "customappsso";

/// Properties of a synchronizationSchema resource.
const SCHEMA_PROPERTIES: &[&str] = &["id", "version", "synchronizationRules", "directories", "@odata.context"];

/// One attribute mapping, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct AttributeMapping {
    pub(crate) target: String,
    pub(crate) source: Option<Expr>,
    pub(crate) default_value: Option<String>,
    pub(crate) matching_priority: i64,
    /// `ObjectAddOnly`: flows on create only.
    pub(crate) add_only: bool,
}

/// One object mapping (users or groups).
#[derive(Debug, Clone)]
pub(crate) struct ObjectMapping {
    pub(crate) enabled: bool,
    pub(crate) flow_types: String,
    pub(crate) attributes: Vec<AttributeMapping>,
    /// Scoping filter groups: an object is in scope when it passes every clause of at
    /// least one group (none: every object).
    pub(crate) scope: Vec<Vec<Clause>>,
}

/// One scoping-filter clause (`ENTRA: define-conditional-rules-for-provisioning-user-accounts.md`).
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    pub(crate) attribute: String,
    pub(crate) operator: Operator,
    pub(crate) values: Vec<String>,
}

/// Scoping operators. Only `EQUALS` is a confirmed wire name; the others are accepted as
/// the portal spells them, with spaces or underscores, in any case ([verify]).
#[derive(Debug, Clone)]
pub(crate) enum Operator {
    Equals,
    NotEquals,
    IsTrue,
    IsFalse,
    IsNull,
    IsNotNull,
    Matches(regex::Regex),
    NotMatches(regex::Regex),
    EndsWith,
    Includes,
    GreaterThan,
    GreaterThanOrEquals,
    BitAnd,
    NotBitAnd,
}

impl Clause {
    fn parse(clause: &Value) -> Result<Clause, String> {
        let attribute = clause["sourceOperandName"].as_str().unwrap_or_default().to_owned();
        let name = clause["operatorName"].as_str().unwrap_or_default();
        let values: Vec<String> = clause["targetOperand"]["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect();
        let pattern = || {
            regex::Regex::new(&format!("^(?:{})$", values.first().map_or("", String::as_str)))
                .map_err(|error| format!("the scoping clause on `{attribute}` has an invalid pattern: {error}"))
        };
        let operator = match name.to_ascii_uppercase().replace(' ', "_").as_str() {
            "EQUALS" => Operator::Equals,
            "NOT_EQUALS" => Operator::NotEquals,
            "IS_TRUE" => Operator::IsTrue,
            "IS_FALSE" => Operator::IsFalse,
            "IS_NULL" => Operator::IsNull,
            "IS_NOT_NULL" => Operator::IsNotNull,
            "REGEX_MATCH" => Operator::Matches(pattern()?),
            "NOT_REGEX_MATCH" => Operator::NotMatches(pattern()?),
            "ENDS_WITH" => Operator::EndsWith,
            "INCLUDES" => Operator::Includes,
            "GREATER_THAN" => Operator::GreaterThan,
            "GREATER_THAN_OR_EQUALS" => Operator::GreaterThanOrEquals,
            "&" => Operator::BitAnd,
            "!&" => Operator::NotBitAnd,
            _ => return Err(format!("`{name}` is not a scoping filter operator")),
        };
        Ok(Clause { attribute, operator, values })
    }

    /// Whether an object whose attribute is `value` passes. A null value fails every
    /// operator but `IS_NULL` (the documented rule).
    pub(crate) fn passes(&self, value: Option<&str>) -> bool {
        let Some(value) = value.filter(|value| !value.is_empty()) else {
            return matches!(self.operator, Operator::IsNull);
        };
        let number = |text: &str| text.trim().parse::<i64>().ok();
        let any = |test: &dyn Fn(&str) -> bool| self.values.iter().any(|wanted| test(wanted));
        match &self.operator {
            Operator::Equals => any(&|wanted| value == wanted),
            Operator::NotEquals => !any(&|wanted| value == wanted),
            Operator::IsTrue => value.eq_ignore_ascii_case("true"),
            Operator::IsFalse => value.eq_ignore_ascii_case("false"),
            Operator::IsNull => false,
            Operator::IsNotNull => true,
            Operator::Matches(pattern) => pattern.is_match(value),
            Operator::NotMatches(pattern) => !pattern.is_match(value),
            Operator::EndsWith => any(&|wanted| value.ends_with(wanted)),
            Operator::Includes => any(&|wanted| value.contains(wanted)),
            Operator::GreaterThan => any(&|wanted| number(value).zip(number(wanted)).is_some_and(|(a, b)| a > b)),
            Operator::GreaterThanOrEquals => {
                any(&|wanted| number(value).zip(number(wanted)).is_some_and(|(a, b)| a >= b))
            }
            Operator::BitAnd => any(&|wanted| number(value).zip(number(wanted)).is_some_and(|(a, b)| a & b != 0)),
            Operator::NotBitAnd => any(&|wanted| number(value).zip(number(wanted)).is_some_and(|(a, b)| a & b == 0)),
        }
    }
}

impl ObjectMapping {
    /// Whether an object passes the scoping filter (`attribute` reads its attributes).
    pub(crate) fn in_scope(&self, attribute: &dyn Fn(&str) -> Option<String>) -> bool {
        self.scope.is_empty()
            || self
                .scope
                .iter()
                .any(|group| group.iter().all(|clause| clause.passes(attribute(&clause.attribute).as_deref())))
    }
}

impl ObjectMapping {
    /// The matching attributes, lowest priority number first.
    pub(crate) fn matching(&self) -> Vec<&AttributeMapping> {
        let mut matching: Vec<&AttributeMapping> =
            self.attributes.iter().filter(|mapping| mapping.matching_priority > 0).collect();
        matching.sort_by_key(|mapping| mapping.matching_priority);
        matching
    }
}

/// The users and groups mappings of a schema.
#[derive(Debug, Clone)]
pub(crate) struct Mappings {
    pub(crate) users: Option<ObjectMapping>,
    pub(crate) groups: Option<ObjectMapping>,
}

/// The object mappings of a job's schema (those that do not parse are left out: PUT
/// refuses such schemas, so only a hand-edited state file has them).
pub(crate) fn of_schema(schema: &Value) -> Mappings {
    let mappings = schema["synchronizationRules"][0]["objectMappings"].as_array().cloned().unwrap_or_default();
    let find = |source: &str| {
        mappings
            .iter()
            .find(|mapping| mapping["sourceObjectName"].as_str() == Some(source))
            .and_then(|mapping| object_mapping(mapping).ok())
    };
    Mappings { users: find("User"), groups: find("Group") }
}

fn object_mapping(mapping: &Value) -> Result<ObjectMapping, String> {
    let mut attributes = Vec::new();
    for attribute in mapping["attributeMappings"].as_array().into_iter().flatten() {
        let target = attribute["targetAttributeName"].as_str().unwrap_or_default().to_owned();
        let source = of_source(&attribute["source"]).map_err(|error| format!("`{target}`: {error}"))?;
        attributes.push(AttributeMapping {
            target,
            source,
            default_value: attribute["defaultValue"].as_str().filter(|value| !value.is_empty()).map(str::to_owned),
            matching_priority: attribute["matchingPriority"].as_i64().unwrap_or(0),
            add_only: attribute["flowType"].as_str() == Some("ObjectAddOnly"),
        });
    }
    let mut scope = Vec::new();
    for group in mapping["scope"]["groups"].as_array().into_iter().flatten() {
        let clauses =
            group["clauses"].as_array().into_iter().flatten().map(Clause::parse).collect::<Result<Vec<_>, _>>()?;
        scope.push(clauses);
    }
    Ok(ObjectMapping {
        enabled: mapping["enabled"].as_bool().unwrap_or(true),
        flow_types: mapping["flowTypes"].as_str().unwrap_or("Add, Update, Delete").to_owned(),
        attributes,
        scope,
    })
}

/// The default schema of a new `scim` job.
pub(crate) fn default_schema(schema_id: &str, rule_id: &str) -> Value {
    let defaults: Value = serde_json::from_str(DEFAULT_MAPPINGS).expect("the default mappings are JSON");
    let object_mappings: Vec<Value> = defaults["objectMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|mapping| {
            let attributes: Vec<Value> = mapping["attributeMappings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|attribute| {
                    json!({
                        "defaultValue": null,
                        "exportMissingReferences": false,
                        "flowBehavior": "FlowWhenChanged",
                        "flowType": attribute["flowType"],
                        "matchingPriority": attribute["matchingPriority"],
                        "source": {
                            "expression": attribute["source"]["expression"],
                            "name": attribute["source"]["name"],
                            "parameters": [],
                            "type": attribute["source"]["type"],
                        },
                        "targetAttributeName": attribute["targetAttributeName"],
                    })
                })
                .collect();
            json!({
                "attributeMappings": attributes,
                "enabled": mapping["enabled"],
                "flowTypes": mapping["flowTypes"],
                "metadata": [],
                "name": mapping["name"],
                "scope": null,
                "sourceObjectName": mapping["sourceObjectName"],
                "targetObjectName": mapping["targetObjectName"],
            })
        })
        .collect();
    json!({
        "id": schema_id,
        "version": "Date:2026-11-30T00:00:00Z;Version:1",
        "synchronizationRules": [{
            "id": rule_id,
            "name": "USER_TO_SCIM",
            "priority": 1,
            "editable": true,
            "sourceDirectoryName": SOURCE_DIRECTORY,
            "targetDirectoryName": TARGET_DIRECTORY,
            "metadata": [],
            "objectMappings": object_mappings,
        }],
        "directories": directories(),
    })
}

/// The source and target directory definitions: the attributes the template's reference
/// lists (`reference/scim/attributes.json`), which include every one the defaults name.
fn directories() -> Value {
    let object = |name: &str, attributes: &[String]| {
        let mut attributes = attributes.to_vec();
        attributes.sort();
        attributes.dedup();
        let definitions: Vec<Value> = attributes
            .iter()
            .map(|attribute| json!({ "name": attribute, "type": "String", "anchor": false }))
            .collect();
        json!({ "name": name, "attributes": definitions, "metadata": [], "supportedApis": [] })
    };
    let users = reference::object(Object::Users);
    let groups = reference::object(Object::Groups);
    json!([
        {
            "id": "AzureActiveDirectory",
            "name": SOURCE_DIRECTORY,
            "discoverabilities": "AttributeNames",
            "readOnly": true,
            "version": "1",
            "metadata": [],
            "objects": [object("User", &users.sources), object("Group", &groups.sources)],
        },
        {
            "id": TARGET_DIRECTORY,
            "name": TARGET_DIRECTORY,
            "discoverabilities": "AttributeNames",
            "readOnly": false,
            "version": "1",
            "metadata": [],
            "objects": [object(&users.target_object, &users.targets), object(&groups.target_object, &groups.targets)],
        },
    ])
}

/// The attribute names a directory of `schema` defines for `object`.
fn defined(schema: &Value, directory: &str, object: &str) -> Option<Vec<String>> {
    let directory = schema["directories"].as_array()?.iter().find(|candidate| candidate["name"] == directory)?;
    let object = directory["objects"].as_array()?.iter().find(|candidate| candidate["name"] == object)?;
    Some(
        object["attributes"]
            .as_array()?
            .iter()
            .filter_map(|attribute| attribute["name"].as_str().map(str::to_owned))
            .collect(),
    )
}

/// Why Graph would refuse this schema on PUT, if it would. `current` supplies the
/// directories when the body has none.
pub(crate) fn validate(schema: &Value, current: &Value) -> Result<(), String> {
    let Some(object) = schema.as_object() else { return Err("the schema must be an object".to_owned()) };
    if let Some(unknown) = object.keys().find(|key| !SCHEMA_PROPERTIES.contains(&key.as_str())) {
        return Err(format!("Property '{unknown}' does not exist on type 'microsoft.graph.synchronizationSchema'."));
    }
    let directories = if schema.get("directories").is_some_and(Value::is_array) { schema } else { current };
    for rule in schema["synchronizationRules"].as_array().into_iter().flatten() {
        let target_directory = rule["targetDirectoryName"].as_str().unwrap_or(TARGET_DIRECTORY);
        let source_directory = rule["sourceDirectoryName"].as_str().unwrap_or(SOURCE_DIRECTORY);
        for mapping in rule["objectMappings"].as_array().into_iter().flatten() {
            validate_mapping(mapping, directories, source_directory, target_directory)?;
        }
    }
    Ok(())
}

fn validate_mapping(
    mapping: &Value,
    directories: &Value,
    source_directory: &str,
    target_directory: &str,
) -> Result<(), String> {
    let name = mapping["name"].as_str().unwrap_or("(unnamed)");
    let parsed = object_mapping(mapping).map_err(|error| format!("Object mapping '{name}': {error}"))?;
    let source_object = mapping["sourceObjectName"].as_str().unwrap_or_default();
    let target_object = mapping["targetObjectName"].as_str().unwrap_or_default();
    let sources = defined(directories, source_directory, source_object);
    let targets = defined(directories, target_directory, target_object);
    for attribute in &parsed.attributes {
        if let Some(targets) = &targets
            && !targets.iter().any(|known| known == &attribute.target)
        {
            return Err(format!(
                "Object mapping '{name}': the target attribute '{}' is not defined on '{target_object}'.",
                attribute.target
            ));
        }
        let mut read: Vec<String> = attribute
            .source
            .as_ref()
            .map(|source| source.attributes().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        read.extend(parsed.scope.iter().flatten().map(|clause| clause.attribute.clone()));
        if let Some(sources) = &sources
            && let Some(unknown) =
                read.iter().find(|name| !sources.contains(name) && !reference::is_extension_attribute(name))
        {
            return Err(format!(
                "Object mapping '{name}': the source attribute '{unknown}' is not defined on '{source_object}'."
            ));
        }
    }
    if parsed.enabled && parsed.matching().is_empty() {
        return Err(format!("Object mapping '{name}' has no matching attribute (matchingPriority > 0)."));
    }
    Ok(())
}

/// A mapping source as Graph's schema carries it (`{type, name, expression}`), as an
/// expression: an `Attribute` is `[name]`, a `Constant` its value, a `Function` its text.
fn of_source(source: &Value) -> Result<Option<Expr>, String> {
    let kind = source.get("type").and_then(Value::as_str).unwrap_or_default();
    let name = source.get("name").and_then(Value::as_str).unwrap_or_default();
    let text = source.get("expression").and_then(Value::as_str).filter(|text| !text.is_empty());
    match kind {
        "Attribute" => Ok(Some(Expr::Attribute(name.to_owned()))),
        "Constant" => Ok(Some(Expr::Constant(name.to_owned()))),
        "Function" => expression::parse(text.ok_or("a Function source needs an expression")?)
            .map(Some)
            .map_err(|error| error.to_string()),
        "" if source.is_null() => Ok(None),
        other => Err(format!("`{other}` is not a mapping source type (Attribute, Constant, Function)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schema_is_the_documented_one_and_valid() {
        let schema = default_schema("schema", "rule");
        let mappings = of_schema(&schema);
        let users = mappings.users.unwrap();
        assert_eq!(users.attributes.len(), 22);
        assert_eq!(users.matching()[0].target, "userName");
        assert_eq!(mappings.groups.unwrap().matching()[0].target, "displayName");
        validate(&schema, &schema).unwrap();
    }

    #[test]
    fn scoping_clauses_fail_on_null_except_is_null() {
        let clause = |operator: &str, values: &[&str]| {
            Clause::parse(&json!({ "sourceOperandName": "department", "operatorName": operator, "targetOperand": { "values": values } }))
                .unwrap()
        };
        assert!(clause("EQUALS", &["Sales"]).passes(Some("Sales")));
        assert!(!clause("EQUALS", &["Sales"]).passes(Some("sales")), "EQUALS is case-sensitive");
        assert!(!clause("NOT EQUALS", &["Sales"]).passes(None), "null fails");
        assert!(clause("IS NULL", &[]).passes(None));
        assert!(!clause("NOT_REGEX_MATCH", &["x"]).passes(None));
        assert!(clause("Greater_Than", &["5"]).passes(Some("7")));
        assert!(clause("ENDS_WITH", &["@contoso.com"]).passes(Some("a@contoso.com")));
        assert!(Clause::parse(&json!({ "sourceOperandName": "x", "operatorName": "SOUNDS_LIKE" })).is_err());
    }

    #[test]
    fn puts_with_unknown_properties_or_attributes_are_refused() {
        let schema = default_schema("schema", "rule");
        let mut unknown_property = schema.clone();
        unknown_property["frobnicate"] = json!(true);
        assert!(validate(&unknown_property, &schema).unwrap_err().contains("frobnicate"));
        let mut unknown_target = schema.clone();
        unknown_target["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][2]["targetAttributeName"] =
            json!("nosuchAttribute");
        assert!(validate(&unknown_target, &schema).unwrap_err().contains("nosuchAttribute"));
        let mut unknown_source = schema.clone();
        unknown_source["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][2]["source"] =
            json!({ "type": "Attribute", "name": "shoeSize", "expression": "[shoeSize]" });
        assert!(validate(&unknown_source, &schema).unwrap_err().contains("shoeSize"));
        let mut bad_expression = schema.clone();
        bad_expression["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][2]["source"] =
            json!({ "type": "Function", "name": "Nope", "expression": "Nope([displayName])" });
        assert!(validate(&bad_expression, &schema).is_err());
    }
}
