//! The one decoder of Graph's object-mapping JSON (an `objectMapping` of a
//! synchronization schema: `attributeMappings`, `enabled`, `scope`) into the language's
//! types. The template's reference data (`reference.rs`) is in that shape, and `apply`
//! decodes the live schema with it; encoding back (which keeps what scimform does not
//! model) stays in `apply`.
//!
//! Rules: sources decode to one expression text (`Attribute` → `[name]`, `Constant` →
//! `"name"`, `Function` or an untyped source → its expression, canonical); flow types
//! other than `ObjectAddOnly` decode as `Always` (the portal offers only those two); a
//! scoping clause whose operator is unknown is left out and reported.

use serde_json::Value;

use crate::expression::Expr;
use crate::{AttributeMapping, Clause, FilterGroup, Flow, ObjectMapping, Operator, Source};

/// An object mapping decoded: the mapping, and the operator names of the scoping clauses
/// left out because the language does not know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The mapping, attributes sorted, scope canonical.
    pub mapping: ObjectMapping,
    /// Operator names of clauses left out.
    pub unknown_operators: Vec<String>,
}

/// Decodes one `objectMapping`.
pub fn decode_object(mapping: &Value) -> Decoded {
    let mut attributes: Vec<AttributeMapping> =
        mapping["attributeMappings"].as_array().into_iter().flatten().map(decode_attribute).collect();
    attributes.sort();
    let mut unknown_operators = Vec::new();
    let groups = mapping["scope"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|group| FilterGroup {
            clauses: group["clauses"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|clause| decode_clause(clause, &mut unknown_operators))
                .collect(),
        })
        .collect();
    let mapping = ObjectMapping {
        enabled: mapping["enabled"].as_bool().unwrap_or(true),
        attributes,
        scope: crate::canonical_scope(groups),
    };
    Decoded { mapping, unknown_operators }
}

/// Decodes one `attributeMapping`.
pub fn decode_attribute(attribute: &Value) -> AttributeMapping {
    let source = &attribute["source"];
    let name = source["name"].as_str().unwrap_or_default();
    let text = match source["type"].as_str() {
        Some("Attribute") if !name.is_empty() => Source::from_expr(Expr::Attribute(name.to_owned())),
        Some("Constant") => Source::from_expr(Expr::Constant(name.to_owned())),
        _ => Source::parse(source["expression"].as_str().unwrap_or_default()),
    };
    AttributeMapping {
        target: attribute["targetAttributeName"].as_str().unwrap_or_default().to_owned(),
        source: text,
        flow: if attribute["flowType"] == "ObjectAddOnly" { Flow::OnCreate } else { Flow::Always },
        default: attribute["defaultValue"].as_str().filter(|value| !value.is_empty()).map(str::to_owned),
        matching: attribute["matchingPriority"]
            .as_u64()
            .filter(|priority| *priority > 0)
            .and_then(|priority| u32::try_from(priority).ok()),
    }
}

fn decode_clause(clause: &Value, unknown: &mut Vec<String>) -> Option<Clause> {
    let operator_name = clause["operatorName"].as_str().unwrap_or_default();
    let Some(operator) = Operator::parse(operator_name) else {
        unknown.push(operator_name.to_owned());
        return None;
    };
    Some(Clause {
        attribute: clause["sourceOperandName"].as_str().unwrap_or_default().to_owned(),
        operator,
        value: clause["targetOperand"]["values"][0].as_str().map(str::to_owned).filter(|_| operator.takes_value()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_flows_and_unknown_operators_decode_as_documented() {
        let mapping = serde_json::json!({
            "enabled": false,
            "attributeMappings": [
                { "targetAttributeName": "userName", "source": { "type": "Attribute", "name": "userPrincipalName" }, "matchingPriority": 1 },
                { "targetAttributeName": "x", "source": { "type": "Constant", "name": "Netskope" }, "flowType": "ObjectAddOnly" },
                { "targetAttributeName": "y", "source": { "expression": "Join(\" \",[givenName],[surname])" } },
            ],
            "scope": { "groups": [{ "clauses": [
                { "sourceOperandName": "department", "operatorName": "EQUALS", "targetOperand": { "values": ["Security"] } },
                { "sourceOperandName": "department", "operatorName": "SOUNDS_LIKE", "targetOperand": { "values": ["x"] } },
            ] }] },
        });
        let decoded = decode_object(&mapping);
        assert!(!decoded.mapping.enabled);
        let sources: Vec<&str> = decoded.mapping.attributes.iter().map(|attribute| attribute.source.as_str()).collect();
        assert_eq!(sources, ["[userPrincipalName]", "\"Netskope\"", "Join(\" \", [givenName], [surname])"]);
        assert_eq!(decoded.mapping.attributes[1].flow, Flow::OnCreate);
        assert_eq!(decoded.mapping.attributes[0].matching, Some(1));
        assert_eq!(decoded.mapping.scope[0].clauses.len(), 1);
        assert_eq!(decoded.unknown_operators, ["SOUNDS_LIKE"]);
    }
}
