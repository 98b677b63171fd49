//! Graph's synchronization schema in scimform's vocabulary, and back: the object mappings
//! of users and groups (attribute mappings, `enabled`, scoping filter) decoded from the
//! schema refresh reads, and written into the schema apply reads fresh before its PUT.
//!
//! Rules of the encoding:
//! - Graph's PUT replaces the whole schema, so apply writes back the schema it read, with
//!   only the parts a step names replaced; rules, directories, metadata and other object
//!   mappings are kept verbatim.
//! - An attribute mapping whose decoded form is unchanged is kept verbatim too (with the
//!   properties scimform does not model: `flowBehavior`, `exportMissingReferences`,
//!   `source.parameters`); a new or changed one is written whole.
//! - Decoding is `scimform_mapping::graph_json`'s, the one decoder of object mappings
//!   (also of the template's reference data). Scoping clauses whose operator scimform
//!   does not know are left out of the decoded form (and so are dropped if the spec
//!   replaces that filter), with a warning in the log.

use scimform_mapping::Source;
use scimform_mapping::expression::Expr;
use scimform_mapping::functions;
use scimform_mapping::graph_json::decode_attribute;
use scimform_plan::SchemaPart;
use scimform_plan::state::{AttributeMapping, FilterGroup, Flow, LiveSchema, Object, ObjectMapping};
use serde_json::{Value, json};

/// The users and groups mappings of a schema as Graph returns it.
pub(crate) fn decode_schema(schema: &Value) -> LiveSchema {
    LiveSchema {
        users: object_mapping(schema, Object::Users).map(decode_object),
        groups: object_mapping(schema, Object::Groups).map(decode_object),
    }
}

/// The id of the rule whose object mappings provision users (provisionOnDemand names it).
pub(crate) fn rule_id(schema: &Value) -> Option<String> {
    rules(schema)
        .find(|rule| {
            rule["objectMappings"].as_array().into_iter().flatten().any(|mapping| mapping["sourceObjectName"] == "User")
        })
        .and_then(|rule| rule["id"].as_str().map(str::to_owned))
}

fn rules(schema: &Value) -> impl Iterator<Item = &Value> {
    schema["synchronizationRules"].as_array().into_iter().flatten()
}

fn object_mapping(schema: &Value, object: Object) -> Option<&Value> {
    rules(schema)
        .flat_map(|rule| rule["objectMappings"].as_array().into_iter().flatten())
        .find(|mapping| mapping["sourceObjectName"] == object.source_object())
}

fn decode_object(mapping: &Value) -> ObjectMapping {
    let decoded = scimform_mapping::graph_json::decode_object(mapping);
    for operator in &decoded.unknown_operators {
        tracing::warn!(operator, "a scoping clause with an operator scimform does not know is ignored");
    }
    decoded.mapping
}

/// Replaces in `schema` the parts `parts` name. An object the schema has no mapping for is
/// an error (the job's template does not provision it).
pub(crate) fn encode_schema(schema: &mut Value, parts: &[SchemaPart]) -> Result<(), String> {
    for part in parts {
        let mapping = schema["synchronizationRules"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .flat_map(|rule| rule["objectMappings"].as_array_mut().into_iter().flatten())
            .find(|mapping| mapping["sourceObjectName"] == part.object.source_object())
            .ok_or_else(|| format!("the job's schema has no mapping for {}", part.object.name()))?;
        if let Some(enabled) = part.enabled {
            mapping["enabled"] = json!(enabled);
        }
        if let Some(attributes) = &part.attributes {
            let current: Vec<Value> = mapping["attributeMappings"].as_array().cloned().unwrap_or_default();
            let encoded: Vec<Value> = attributes
                .iter()
                .map(|wanted| {
                    current
                        .iter()
                        .find(|existing| decode_attribute(existing) == *wanted)
                        .cloned()
                        .unwrap_or_else(|| encode_attribute(wanted))
                })
                .collect();
            mapping["attributeMappings"] = Value::Array(encoded);
        }
        if let Some(scope) = &part.scope {
            mapping["scope"] = encode_scope(scope);
        }
    }
    Ok(())
}

fn encode_attribute(mapping: &AttributeMapping) -> Value {
    json!({
        "targetAttributeName": mapping.target,
        "source": encode_source(&mapping.source),
        "defaultValue": mapping.default,
        "matchingPriority": mapping.matching.unwrap_or(0),
        "flowType": match mapping.flow { Flow::Always => "Always", Flow::OnCreate => "ObjectAddOnly" },
        "flowBehavior": "FlowWhenChanged",
        "exportMissingReferences": false,
    })
}

/// A source as Graph's `attributeMappingSource`: type, name, expression and, for
/// functions, the arguments as parameters keyed by the reference's parameter names
/// (the last name repeats for variadic functions) [verify: Graph's own keys].
fn encode_source(source: &Source) -> Value {
    match source.expr() {
        Some(expr) => encode_expr(expr),
        None => json!({ "type": "Function", "name": "", "expression": source.as_str(), "parameters": [] }),
    }
}

fn encode_expr(expr: &Expr) -> Value {
    match expr {
        Expr::Attribute(name) => {
            json!({ "type": "Attribute", "name": name, "expression": expr.to_string(), "parameters": [] })
        }
        Expr::Constant(value) => {
            json!({ "type": "Constant", "name": value, "expression": expr.to_string(), "parameters": [] })
        }
        Expr::Empty => Value::Null,
        Expr::Call(name, arguments) => {
            let keys: Vec<&str> = functions::find(name)
                .map(|function| function.signature.split(", ").filter(|key| !key.is_empty() && *key != "…").collect())
                .unwrap_or_default();
            let parameters: Vec<Value> = arguments
                .iter()
                .enumerate()
                .filter(|(_, argument)| **argument != Expr::Empty)
                .map(|(index, argument)| {
                    let key = keys.get(index).or(keys.last()).copied().unwrap_or("source");
                    json!({ "key": key.trim_matches(['[', ']']), "value": encode_expr(argument) })
                })
                .collect();
            json!({ "type": "Function", "name": name, "expression": expr.to_string(), "parameters": parameters })
        }
    }
}

fn encode_scope(scope: &[FilterGroup]) -> Value {
    if scope.is_empty() {
        return Value::Null;
    }
    let groups: Vec<Value> = scope
        .iter()
        .enumerate()
        .map(|(index, group)| {
            let clauses: Vec<Value> = group
                .clauses
                .iter()
                .map(|clause| {
                    json!({
                        "sourceOperandName": clause.attribute,
                        "operatorName": clause.operator.wire_name(),
                        "targetOperand": { "values": clause.value.iter().collect::<Vec<_>>() },
                    })
                })
                .collect();
            json!({ "name": format!("scimform filter {}", index + 1), "clauses": clauses })
        })
        .collect();
    json!({ "groups": groups, "inputFilterGroups": [], "categoryFilterGroups": [] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimform_plan::state::{Clause, Operator};

    fn default_schema() -> Value {
        let defaults: Value = serde_json::from_str(scimform_mapping::reference::DEFAULT_MAPPINGS_JSON).unwrap();
        json!({ "synchronizationRules": [{ "id": "rule-1", "objectMappings": defaults["objectMappings"] }], "directories": [] })
    }

    #[test]
    fn the_default_schema_decodes_to_the_reference_defaults() {
        let decoded = decode_schema(&default_schema());
        assert_eq!(decoded.users.as_ref(), Some(&scimform_mapping::reference::object(Object::Users).defaults));
        assert_eq!(decoded.groups.as_ref(), Some(&scimform_mapping::reference::object(Object::Groups).defaults));
        assert_eq!(rule_id(&default_schema()).as_deref(), Some("rule-1"));
    }

    #[test]
    fn encoding_round_trips_and_keeps_what_it_does_not_replace() {
        let mut schema = default_schema();
        schema["synchronizationRules"][0]["metadata"] = json!([{ "key": "kept", "value": "yes" }]);
        let mut attributes = scimform_mapping::reference::object(Object::Users).defaults.attributes.clone();
        attributes.retain(|mapping| mapping.target != "title");
        let display = attributes.iter_mut().find(|mapping| mapping.target == "displayName").unwrap();
        display.source = Source::parse("Join(\" \", [givenName], [surname])");
        display.flow = Flow::OnCreate;
        let scope = vec![FilterGroup {
            clauses: vec![Clause {
                attribute: "department".to_owned(),
                operator: Operator::GreaterThan,
                value: Some("5".to_owned()),
            }],
        }];
        let parts = vec![
            SchemaPart {
                object: Object::Users,
                enabled: Some(true),
                attributes: Some(attributes.clone()),
                scope: Some(scope.clone()),
            },
            SchemaPart { object: Object::Groups, enabled: Some(false), attributes: None, scope: None },
        ];
        encode_schema(&mut schema, &parts).unwrap();
        let decoded = decode_schema(&schema);
        let users = decoded.users.unwrap();
        let mut sorted = attributes;
        sorted.sort();
        assert_eq!(users.attributes, sorted);
        assert_eq!(users.scope, scope);
        assert!(!decoded.groups.unwrap().enabled);
        assert_eq!(schema["synchronizationRules"][0]["metadata"][0]["value"], "yes");
        let users_json = &schema["synchronizationRules"][0]["objectMappings"][0];
        assert_eq!(users_json["scope"]["groups"][0]["clauses"][0]["operatorName"], "Greater_Than");
        let join = users_json["attributeMappings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|mapping| mapping["targetAttributeName"] == "displayName")
            .unwrap();
        assert_eq!(join["source"]["parameters"][0]["key"], "separator");
        assert_eq!(join["flowType"], "ObjectAddOnly");
    }
}
