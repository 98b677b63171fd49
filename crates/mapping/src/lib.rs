//! Entra's attribute-mapping language for SCIM apps (the `scim` / customappsso template),
//! in scimform's vocabulary: what an attribute mapping, an object mapping and a scoping
//! filter are, the expression language they are written in, and the template's reference
//! data (default mappings, attribute names, operators).
//!
//! Three crates read one definition of the language from here: the spec validates mappings
//! offline, the planner compares them, the emulator evaluates them. Nothing here speaks
//! Graph's JSON (that translation lives in `scimform-apply`, and the emulator reads its own
//! wire format); nothing here does I/O.

pub mod evaluate;
pub mod expression;
pub mod functions;
pub mod graph_json;
pub mod reference;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which objects a mapping is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Object {
    /// Users (`User` → the SCIM enterprise user).
    Users,
    /// Groups (`Group` → the SCIM group).
    Groups,
}

impl Object {
    /// Both, users first.
    pub const ALL: [Object; 2] = [Object::Users, Object::Groups];

    /// `users` or `groups`, as specs and plans name it.
    pub fn name(self) -> &'static str {
        match self {
            Object::Users => "users",
            Object::Groups => "groups",
        }
    }

    /// The source object's name in Graph's schema (`User`, `Group`).
    pub fn source_object(self) -> &'static str {
        match self {
            Object::Users => "User",
            Object::Groups => "Group",
        }
    }
}

/// When an attribute flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Flow {
    /// On create and on every update (`Always`).
    #[default]
    Always,
    /// Only when the object is created (`ObjectAddOnly`: the portal's "Only during object
    /// creation").
    OnCreate,
}

/// A mapping's source, parsed once: its canonical text and, when it parses, its tree.
/// The spec builds it from the tree it checked; the live schema from Graph's JSON; apply
/// encodes the tree for Graph without parsing again. Text that does not parse (read from
/// a schema edited by hand in the portal) is kept as given, with no tree. Compared,
/// ordered and serialized by its text: a plan file carries the text.
#[derive(Clone)]
pub struct Source {
    text: String,
    expr: Option<expression::Expr>,
}

impl Source {
    /// Parses `text`: canonical when it parses, as given otherwise.
    pub fn parse(text: &str) -> Source {
        match expression::parse(text) {
            Ok(expr) => Source::from_expr(expr),
            Err(_) => Source { text: text.to_owned(), expr: None },
        }
    }

    /// A source from a parsed expression.
    pub fn from_expr(expr: expression::Expr) -> Source {
        Source { text: expr.to_string(), expr: Some(expr) }
    }

    /// The canonical text (`Join(" ", [givenName], [surname])`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The parsed expression, when the text parses.
    pub fn expr(&self) -> Option<&expression::Expr> {
        self.expr.as_ref()
    }
}

impl PartialEq for Source {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Source {}

impl PartialOrd for Source {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Source {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.text.cmp(&other.text)
    }
}

impl std::hash::Hash for Source {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

/// Debug output is the text, as for a string: the tree is the text's, parsed.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.text, f)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Source::parse(&text))
    }
}

/// One attribute mapping: the SCIM attribute it writes and where the value comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeMapping {
    /// The target (SCIM) attribute, e.g. `displayName`, `emails[type eq "work"].value`.
    pub target: String,
    /// The source expression, parsed once: `[givenName]` (an attribute), `"Netskope"` (a
    /// constant) or a function call.
    pub source: Source,
    /// When it flows.
    #[serde(default)]
    pub flow: Flow,
    /// The value sent when the source is null.
    #[serde(default)]
    pub default: Option<String>,
    /// Matching precedence (1 is tried first); `None` when not a matching attribute.
    #[serde(default)]
    pub matching: Option<u32>,
}

impl AttributeMapping {
    /// The mapping as one line for people: `Join(" ", [givenName], [surname])`, then what
    /// differs from a plain always-flowing mapping (`(matching 1, on create only, default
    /// "x")`).
    pub fn describe(&self) -> String {
        let mut notes = Vec::new();
        if let Some(precedence) = self.matching {
            notes.push(format!("matching {precedence}"));
        }
        if self.flow == Flow::OnCreate {
            notes.push("on create only".to_owned());
        }
        if let Some(default) = &self.default {
            notes.push(format!("default {}", expression::quote(default)));
        }
        if notes.is_empty() { self.source.to_string() } else { format!("{} ({})", self.source, notes.join(", ")) }
    }
}

/// The part of one object mapping scimform manages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectMapping {
    /// Whether objects of this kind are provisioned at all.
    pub enabled: bool,
    /// The attribute mappings, sorted by target (Graph keeps them in no meaningful order).
    pub attributes: Vec<AttributeMapping>,
    /// The scoping filter, canonical ([`canonical_scope`]): an object is in scope when it
    /// passes every clause of at least one group; no groups: every object.
    pub scope: Vec<FilterGroup>,
}

/// One scoping filter: its clauses are ANDed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FilterGroup {
    /// The clauses, sorted.
    pub clauses: Vec<Clause>,
}

/// One scoping clause: `department EQUALS "Security"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Clause {
    /// The source attribute tested.
    pub attribute: String,
    /// The test.
    pub operator: Operator,
    /// The value compared with (none for the `IS …` operators).
    #[serde(default)]
    pub value: Option<String>,
}

impl std::fmt::Display for Clause {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.attribute, self.operator.name())?;
        if let Some(value) = &self.value {
            write!(formatter, " {}", expression::quote(value))?;
        }
        Ok(())
    }
}

/// Scoping operators, as the portal names them (Microsoft Learn: "Define conditional rules
/// for provisioning user accounts").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Operator {
    /// Equal, case-sensitive.
    #[serde(rename = "EQUALS")]
    Equals,
    /// Not equal, case-sensitive.
    #[serde(rename = "NOT EQUALS")]
    NotEquals,
    /// The value is `true`.
    #[serde(rename = "IS TRUE")]
    IsTrue,
    /// The value is `false`.
    #[serde(rename = "IS FALSE")]
    IsFalse,
    /// The attribute is null.
    #[serde(rename = "IS NULL")]
    IsNull,
    /// The attribute is not null.
    #[serde(rename = "IS NOT NULL")]
    IsNotNull,
    /// The value matches a regular expression.
    #[serde(rename = "REGEX MATCH")]
    RegexMatch,
    /// The value does not match a regular expression.
    #[serde(rename = "NOT REGEX MATCH")]
    NotRegexMatch,
    /// Numerically greater.
    #[serde(rename = "GREATER_THAN")]
    GreaterThan,
    /// Numerically greater or equal.
    #[serde(rename = "GREATER_THAN_OR_EQUALS")]
    GreaterThanOrEquals,
    /// Ends with the value.
    #[serde(rename = "ENDS_WITH")]
    EndsWith,
    /// Contains the value.
    #[serde(rename = "INCLUDES")]
    Includes,
    /// Bitwise AND is non-zero.
    #[serde(rename = "&")]
    BitAnd,
    /// Bitwise AND is zero.
    #[serde(rename = "!&")]
    NotBitAnd,
}

impl Operator {
    /// Every operator, in the portal's order.
    pub const ALL: [Operator; 14] = [
        Operator::BitAnd,
        Operator::NotBitAnd,
        Operator::EndsWith,
        Operator::Equals,
        Operator::GreaterThan,
        Operator::GreaterThanOrEquals,
        Operator::Includes,
        Operator::IsFalse,
        Operator::IsNotNull,
        Operator::IsNull,
        Operator::IsTrue,
        Operator::NotEquals,
        Operator::NotRegexMatch,
        Operator::RegexMatch,
    ];

    /// The name specs and plans use (the portal's, upper case).
    pub fn name(self) -> &'static str {
        match self {
            Operator::Equals => "EQUALS",
            Operator::NotEquals => "NOT EQUALS",
            Operator::IsTrue => "IS TRUE",
            Operator::IsFalse => "IS FALSE",
            Operator::IsNull => "IS NULL",
            Operator::IsNotNull => "IS NOT NULL",
            Operator::RegexMatch => "REGEX MATCH",
            Operator::NotRegexMatch => "NOT REGEX MATCH",
            Operator::GreaterThan => "GREATER_THAN",
            Operator::GreaterThanOrEquals => "GREATER_THAN_OR_EQUALS",
            Operator::EndsWith => "ENDS_WITH",
            Operator::Includes => "INCLUDES",
            Operator::BitAnd => "&",
            Operator::NotBitAnd => "!&",
        }
    }

    /// The `operatorName` sent to Graph: the portal's spelling as the reference lists it
    /// (`reference/scim/engine-constants.json` `portalScopingOperators`). Only `EQUALS` is
    /// confirmed as a wire name; the rest are the documented display names [verify].
    pub fn wire_name(self) -> &'static str {
        match self {
            Operator::GreaterThan => "Greater_Than",
            Operator::GreaterThanOrEquals => "Greater_Than_OR_EQUALS",
            Operator::Includes => "Includes",
            other => other.name(),
        }
    }

    /// An operator read from Graph or a spec, in any of the spellings seen: case, spaces
    /// and underscores do not matter (`IS_TRUE`, `is true`, `ISTRUE`).
    pub fn parse(text: &str) -> Option<Operator> {
        let key = |text: &str| text.to_ascii_uppercase().replace([' ', '_'], "");
        let wanted = key(text);
        Operator::ALL.into_iter().find(|operator| key(operator.name()) == wanted)
    }

    /// Whether the operator compares with a value (all but the `IS …` ones).
    pub fn takes_value(self) -> bool {
        !matches!(self, Operator::IsTrue | Operator::IsFalse | Operator::IsNull | Operator::IsNotNull)
    }

    /// Whether the value is a regular expression.
    pub fn is_regex(self) -> bool {
        matches!(self, Operator::RegexMatch | Operator::NotRegexMatch)
    }

    /// Whether the value is a whole number.
    pub fn is_numeric(self) -> bool {
        matches!(self, Operator::GreaterThan | Operator::GreaterThanOrEquals | Operator::BitAnd | Operator::NotBitAnd)
    }
}

/// A scoping filter in canonical form: clauses sorted within groups, groups sorted and
/// without duplicates. Graph keeps both in no meaningful order (a group ANDs, the groups
/// OR), so two filters are the same exactly when their canonical forms are equal.
pub fn canonical_scope(mut groups: Vec<FilterGroup>) -> Vec<FilterGroup> {
    for group in &mut groups {
        group.clauses.sort();
        group.clauses.dedup();
    }
    groups.retain(|group| !group.clauses.is_empty());
    groups.sort();
    groups.dedup();
    groups
}

/// The attribute mappings of an object after a spec's changes: `defaults` with every
/// mapping of `set` replacing the one of the same target (or added), and the targets in
/// `remove` dropped. Sorted by target.
pub fn overlay(defaults: &[AttributeMapping], set: &[AttributeMapping], remove: &[String]) -> Vec<AttributeMapping> {
    let mut result: Vec<AttributeMapping> = defaults
        .iter()
        .filter(|mapping| !remove.contains(&mapping.target) && !set.iter().any(|new| new.target == mapping.target))
        .cloned()
        .collect();
    result.extend(set.iter().cloned());
    result.sort();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_in_every_spelling_and_round_trip() {
        for operator in Operator::ALL {
            assert_eq!(Operator::parse(operator.name()), Some(operator));
            assert_eq!(Operator::parse(operator.wire_name()), Some(operator));
        }
        assert_eq!(Operator::parse("IS_TRUE"), Some(Operator::IsTrue));
        assert_eq!(Operator::parse("not regex match"), Some(Operator::NotRegexMatch));
        assert_eq!(Operator::parse("SOUNDS LIKE"), None);
    }

    #[test]
    fn scopes_compare_without_order() {
        let clause = |attribute: &str, value: &str| Clause {
            attribute: attribute.to_owned(),
            operator: Operator::Equals,
            value: Some(value.to_owned()),
        };
        let one = vec![
            FilterGroup { clauses: vec![clause("department", "Security"), clause("country", "NL")] },
            FilterGroup { clauses: vec![clause("jobTitle", "CISO")] },
        ];
        let other = vec![
            FilterGroup { clauses: vec![clause("jobTitle", "CISO")] },
            FilterGroup { clauses: vec![clause("country", "NL"), clause("department", "Security")] },
        ];
        assert_eq!(canonical_scope(one), canonical_scope(other));
    }
}
