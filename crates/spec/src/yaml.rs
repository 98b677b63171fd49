//! YAML text to a located node tree.
//!
//! serde-saphyr does the parsing (YAML 1.2 with strict booleans, duplicate keys rejected,
//! a budget against alias bombs); this module only collects its events into [`Node`]s that
//! remember where each value and each mapping key stands in the source. Everything after
//! this stage works on nodes, so every later diagnostic can point at a line and column.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::diagnostic::{Code, Diagnostic, Span};

/// One YAML value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Integer(i128),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    /// Entries in source order; keys are unique (the parser rejects duplicates).
    Mapping(Vec<(Key, Node)>),
}

/// A mapping key with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) name: String,
    pub(crate) span: Span,
}

impl Node {
    /// The entry of a mapping node named `name`, if this is a mapping and has it.
    pub(crate) fn get(&self, name: &str) -> Option<&Node> {
        match &self.value {
            Value::Mapping(entries) => entries.iter().find(|(key, _)| key.name == name).map(|(_, node)| node),
            _ => None,
        }
    }

    /// What kind of YAML value this is, in the words a diagnostic uses.
    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    /// The node as JSON, for the typed (serde) stage.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(value) => serde_json::Value::Bool(*value),
            Value::Integer(value) => i64::try_from(*value)
                .map(serde_json::Value::from)
                .or_else(|_| u64::try_from(*value).map(serde_json::Value::from))
                .unwrap_or_else(|_| serde_json::Value::from(*value as f64)),
            Value::Float(value) => {
                serde_json::Number::from_f64(*value).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
            }
            Value::String(value) => serde_json::Value::String(value.clone()),
            Value::Sequence(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Mapping(entries) => serde_json::Value::Object(
                entries.iter().map(|(key, node)| (key.name.clone(), node.to_json())).collect(),
            ),
        }
    }
}

/// Parses every document of one YAML source. Empty documents are skipped.
///
/// A syntax error, a duplicate key or a budget breach ends the file: YAML after a syntax
/// error has no reliable structure, so guessing on would only add noise.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Node>, Diagnostic> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_anchors: 100,
            max_depth: 64,
        },
    };
    let documents: Vec<Option<Node>> =
        serde_saphyr::from_multiple_with_options(text, options).map_err(|error| syntax_diagnostic(text, &error))?;
    Ok(documents.into_iter().flatten().collect())
}

fn syntax_diagnostic(text: &str, error: &serde_saphyr::Error) -> Diagnostic {
    let message = error.without_snippet().to_string();
    // The message names the place itself ("at line 3, column 1"); we show it separately.
    let message = match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    };
    let span =
        error.location().map(|location| Span::from_saphyr(text, &location)).unwrap_or_else(|| Span::point(text, 1, 1));
    let code = if message.contains("duplicate") { Code::DuplicateKey } else { Code::Syntax };
    // The parser's wording names its own options ("set DuplicateKeyPolicy in Options");
    // say it in the spec's terms instead.
    let message = match message.strip_prefix("duplicate mapping key: ") {
        Some(rest) => format!("duplicate key `{}`", rest.split(',').next().unwrap_or(rest).trim()),
        None => message,
    };
    let help = match code {
        Code::DuplicateKey => Some("YAML keys must be unique in a mapping: remove or merge one of them".to_owned()),
        _ => None,
    };
    Diagnostic::error(code, span, message).with_help_opt(help)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node { value: spanned.value, span: Span::from_location(&spanned.referenced) })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        let name = match spanned.value {
            Value::String(text) => text,
            Value::Bool(value) => value.to_string(),
            Value::Integer(value) => value.to_string(),
            Value::Float(value) => value.to_string(),
            Value::Null => "null".to_owned(),
            Value::Sequence(_) | Value::Mapping(_) => {
                return Err(de::Error::custom("a mapping key must be a plain value, not a list or mapping"));
            }
        };
        Ok(Key { name, span: Span::from_location(&spanned.referenced) })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Integer(value.into()))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Integer(value.into()))
    }
    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(Value::Integer(value))
    }
    fn visit_u128<E: de::Error>(self, value: u128) -> Result<Value, E> {
        i128::try_from(value).map(Value::Integer).map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Float(value))
    }
    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }
    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = access.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = access.next_key::<Key>()? {
            let value = access.next_value::<Node>()?;
            entries.push((key, value));
        }
        Ok(Value::Mapping(entries))
    }
}
