//! The OData query options the emulator understands, with Graph's rules about them:
//! `$filter` (a subset: eq, ne, not, and, or, in, startsWith, ge, le and
//! `tags/any(t:t eq '…')`), `$select`, `$top` (1–999), `$count` and `$skiptoken` paging with
//! absolute `@odata.nextLink`s.
//!
//! Each collection declares which properties can be filtered with which operators (from
//! BEHAVIOUR.md and the Graph reference); anything else gets Graph's 400
//! `Request_UnsupportedQuery`, never a silent match-all.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use crate::error::GraphError;
use crate::tenant::Object;
use crate::util::percent_encode;

/// Largest `$top` Graph accepts.
pub(crate) const MAX_TOP: usize = 999;
/// Page size when no `$top` is given.
const DEFAULT_PAGE: usize = 100;

/// Which properties of a collection may be filtered, and how.
pub(crate) struct Filterable {
    /// The resource's name in messages (`servicePrincipals`).
    pub(crate) resource: &'static str,
    /// Property name and the operators it supports (`eq`, `ne`, `in`, `startsWith`, `ge`,
    /// `le`, `any`, `not`).
    pub(crate) properties: &'static [(&'static str, &'static [&'static str])],
    /// Every property `$select` may name.
    pub(crate) selectable: &'static [&'static str],
}

/// The parsed query options of one request.
#[derive(Debug, Default, Clone)]
pub(crate) struct QueryOptions {
    pub(crate) filter: Option<Expr>,
    pub(crate) select: Option<Vec<String>>,
    pub(crate) top: Option<usize>,
    pub(crate) count: bool,
    pub(crate) skip: usize,
    /// The key of the last item of the page before, when the skip token carries one (a
    /// collection served in key order resumes after it without walking to `skip`).
    pub(crate) after: Option<String>,
    /// `$expand`: one navigation property, optionally with its own `$select`. Only the
    /// routes that expand (`list_expanded`) accept it.
    pub(crate) expand: Option<Expand>,
    /// The raw options, to rebuild next links.
    raw: Vec<(String, String)>,
}

/// `$expand=property` or `$expand=property($select=a,b)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expand {
    pub(crate) property: String,
    pub(crate) select: Option<Vec<String>>,
}

/// The most objects an expanded relationship of a directory object holds (Graph returns
/// the first 20, with no next link for the rest).
pub(crate) const EXPANDED_MAX: usize = 20;
/// The largest page of a list with `$expand` (Graph serves at most 100 whatever `$top`).
pub(crate) const EXPANDED_PAGE: usize = 100;

impl Expand {
    fn parse(value: &str) -> Result<Expand, GraphError> {
        let unsupported = || {
            GraphError::bad_request(format!(
                "Invalid $expand value '{value}': expand one property, with at most a nested $select."
            ))
        };
        let (property, nested) = match value.split_once('(') {
            None => (value.trim(), None),
            Some((property, rest)) => (property.trim(), Some(rest.strip_suffix(')').ok_or_else(unsupported)?)),
        };
        if property.is_empty() || property.contains([',', '/', ' ']) {
            return Err(unsupported());
        }
        let select = match nested {
            None => None,
            Some(nested) => {
                let fields = nested.strip_prefix("$select=").ok_or_else(unsupported)?;
                Some(fields.split(',').map(|field| field.trim().to_owned()).filter(|field| !field.is_empty()).collect())
            }
        };
        Ok(Expand { property: property.to_owned(), select })
    }

    /// An expanded object as `$select` keeps it (`@odata.type` always stays).
    pub(crate) fn project(&self, object: &Object) -> Object {
        object
            .iter()
            .filter(|(key, _)| {
                key.starts_with("@odata") || self.select.as_ref().is_none_or(|fields| fields.iter().any(|f| f == *key))
            })
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

impl QueryOptions {
    /// Parses and checks query options for a request on `filterable`.
    pub(crate) fn parse(
        pairs: &[(String, String)],
        consistency_eventual: bool,
        filterable: Option<&Filterable>,
    ) -> Result<QueryOptions, GraphError> {
        let mut options = QueryOptions { raw: pairs.to_vec(), ..QueryOptions::default() };
        let resuming = pairs.iter().any(|(name, _)| name == "$skiptoken");
        for (name, value) in pairs {
            match name.as_str() {
                "$filter" => {
                    let filterable = filterable.ok_or_else(|| query_not_allowed("$filter"))?;
                    let expr = Parser::new(value).parse()?;
                    // A skip token carries the advanced-query state of the first request,
                    // so later pages need no ConsistencyLevel header (as on Graph).
                    check_filter(&expr, filterable, consistency_eventual || resuming, pairs)?;
                    options.filter = Some(expr);
                }
                "$select" => {
                    let fields: Vec<String> = value
                        .split(',')
                        .map(|field| field.trim().to_owned())
                        .filter(|field| !field.is_empty())
                        .collect();
                    if let Some(filterable) = filterable {
                        for field in &fields {
                            if !filterable.selectable.contains(&field.as_str()) {
                                return Err(GraphError::bad_request(format!(
                                    "Could not find a property named '{field}' on type 'microsoft.graph.{}'.",
                                    singular(filterable.resource)
                                )));
                            }
                        }
                    }
                    options.select = Some(fields);
                }
                "$top" => {
                    let top: usize = value.parse().map_err(|_| {
                        GraphError::bad_request(format!("Invalid value '{value}' for $top query option found."))
                    })?;
                    if !(1..=MAX_TOP).contains(&top) {
                        return Err(GraphError::bad_request(format!(
                            "Invalid page size specified: '{top}'. Must be between 1 and {MAX_TOP} inclusive."
                        )));
                    }
                    options.top = Some(top);
                }
                "$count" => match value.as_str() {
                    "true" => {
                        if !consistency_eventual && !resuming {
                            return Err(GraphError::unsupported_query(
                                "$count is not currently supported without the header 'ConsistencyLevel: eventual'.",
                            ));
                        }
                        options.count = true;
                    }
                    "false" => {}
                    other => return Err(GraphError::bad_request(format!("Invalid value '{other}' for $count."))),
                },
                "$expand" => options.expand = Some(Expand::parse(value)?),
                "$skiptoken" => {
                    (options.skip, options.after) = decode_skip_token(value).ok_or_else(|| {
                        GraphError::bad_request("The specified page token value has expired or is invalid.")
                    })?;
                }
                other if other.starts_with('$') => return Err(query_not_allowed(other)),
                _ => {}
            }
        }
        Ok(options)
    }

    /// Whether an object passes `$filter`.
    pub(crate) fn matches(&self, object: &Object) -> bool {
        self.filter.as_ref().is_none_or(|expr| expr.eval(object))
    }

    /// Whether `$select` keeps a property (`@odata.type` and the like always stay).
    fn selects(&self, key: &str) -> bool {
        self.select.as_ref().is_none_or(|fields| fields.iter().any(|field| field == key)) || key.starts_with("@odata")
    }

    /// [`QueryOptions::project`] of an object the caller owns (no copy).
    fn project_owned(&self, mut object: Object) -> Object {
        if self.select.is_some() {
            object.retain(|key, _| self.selects(key));
        }
        object
    }

    /// Applies `$select` to one object (`@odata.type` is always kept).
    pub(crate) fn project(&self, object: &Object) -> Object {
        match &self.select {
            None => object.clone(),
            Some(_) => object
                .iter()
                .filter(|(key, _)| self.selects(key))
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect(),
        }
    }

    /// One page of a collection response: filter, page, select, next link. Items the
    /// tenant holds come borrowed, and only the selected fields of the page's items are
    /// copied (a list of 200 assignments with `$select` copies 4 of their 8 fields).
    /// `expand` gives what each item of the page expands (the property's name and value);
    /// with `$expand` a page holds at most [`EXPANDED_PAGE`] items.
    pub(crate) fn page<'a>(
        &self,
        items: impl IntoIterator<Item = Cow<'a, Object>>,
        link_base: &str,
        context: &str,
        expand: impl Fn(&Object) -> Option<(String, Value)>,
    ) -> Value {
        let matching: Vec<Cow<'a, Object>> = items.into_iter().filter(|item| self.matches(item)).collect();
        let total = matching.len();
        self.page_from(total, matching.into_iter().skip(self.skip), link_base, context, expand, |_| None)
    }

    /// [`QueryOptions::page`] of a collection of `total` items that the filter (if any)
    /// has already been applied to, given from the page's first item on (the skip token's
    /// items already passed), so that a long collection is not walked up to its page.
    /// `key_of` gives an item's key in a collection served in key order: the next link
    /// then carries the page's last key (see [`QueryOptions::after`]).
    pub(crate) fn page_from<'a>(
        &self,
        total: usize,
        from_skip: impl Iterator<Item = Cow<'a, Object>>,
        link_base: &str,
        context: &str,
        expand: impl Fn(&Object) -> Option<(String, Value)>,
        key_of: impl Fn(&Object) -> Option<String>,
    ) -> Value {
        let mut page_size = self.top.unwrap_or(DEFAULT_PAGE);
        if self.expand.is_some() {
            page_size = page_size.min(EXPANDED_PAGE);
        }
        let mut last_key = None;
        let page: Vec<Value> = from_skip
            .take(page_size)
            .map(|item| {
                last_key = key_of(&item);
                let expanded = expand(&item);
                let mut object = match item {
                    Cow::Owned(object) => self.project_owned(object),
                    Cow::Borrowed(object) => self.project(object),
                };
                if let Some((property, value)) = expanded {
                    object.insert(property, value);
                }
                Value::Object(object)
            })
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".to_owned(), Value::String(context.to_owned()));
        if self.count && self.skip == 0 {
            body.insert("@odata.count".to_owned(), json!(total));
        }
        let next = self.skip + page_size;
        if next < total {
            body.insert("@odata.nextLink".to_owned(), Value::String(self.next_link(link_base, next, last_key)));
        }
        body.insert("value".to_owned(), Value::Array(page));
        Value::Object(body)
    }

    fn next_link(&self, link_base: &str, skip: usize, after: Option<String>) -> String {
        let mut parts: Vec<String> = self
            .raw
            .iter()
            .filter(|(name, _)| name != "$skiptoken")
            .map(|(name, value)| format!("{}={}", percent_encode(name).replace("%24", "$"), percent_encode(value)))
            .collect();
        parts.push(format!("$skiptoken={}", encode_skip_token(skip, after.as_deref())));
        format!("{link_base}?{}", parts.join("&"))
    }
}

fn query_not_allowed(name: &str) -> GraphError {
    GraphError::bad_request(format!("Query option '{name}' is not allowed on this resource."))
}

fn singular(resource: &str) -> &str {
    resource.strip_suffix('s').unwrap_or(resource)
}

/// Skip tokens are opaque to clients; this one hides an offset.
fn encode_skip_token(skip: usize, after: Option<&str>) -> String {
    use base64::Engine;
    let token = match after {
        Some(key) => format!("page:{skip}:after:{key}"),
        None => format!("page:{skip}"),
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token)
}

fn decode_skip_token(token: &str) -> Option<(usize, Option<String>)> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix("page:")?;
    match rest.split_once(":after:") {
        Some((skip, key)) => Some((skip.parse().ok()?, Some(key.to_owned()))),
        None => Some((rest.parse().ok()?, None)),
    }
}

// --- $filter -------------------------------------------------------------------------------

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        property: String,
        op: CompareOp,
        value: Literal,
    },
    In {
        property: String,
        values: Vec<Literal>,
    },
    StartsWith {
        property: String,
        prefix: String,
    },
    /// `collection/any(v: v eq 'x')`
    Any {
        property: String,
        value: Literal,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Ge,
    Le,
}

impl CompareOp {
    fn name(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    String(String),
    Bool(bool),
    Null,
    Number(f64),
}

impl Literal {
    /// Equality as directory queries compare: strings without regard to case.
    fn equals(&self, value: &Value) -> bool {
        match (self, value) {
            (Literal::String(left), Value::String(right)) => left.eq_ignore_ascii_case(right),
            (Literal::Bool(left), Value::Bool(right)) => left == right,
            (Literal::Null, Value::Null) => true,
            (Literal::Number(left), Value::Number(right)) => right.as_f64() == Some(*left),
            _ => false,
        }
    }
}

impl Expr {
    fn eval(&self, object: &Object) -> bool {
        let property = |name: &str| object.get(name).unwrap_or(&Value::Null);
        match self {
            Expr::And(left, right) => left.eval(object) && right.eval(object),
            Expr::Or(left, right) => left.eval(object) || right.eval(object),
            Expr::Not(inner) => !inner.eval(object),
            Expr::Compare { property: name, op, value } => {
                let actual = property(name);
                match op {
                    CompareOp::Eq => value.equals(actual),
                    CompareOp::Ne => !value.equals(actual),
                    CompareOp::Ge | CompareOp::Le => match (value, actual) {
                        (Literal::String(expected), Value::String(actual)) => {
                            let ordering = actual.to_lowercase().cmp(&expected.to_lowercase());
                            if *op == CompareOp::Ge { ordering.is_ge() } else { ordering.is_le() }
                        }
                        _ => false,
                    },
                }
            }
            Expr::In { property: name, values } => values.iter().any(|value| value.equals(property(name))),
            Expr::StartsWith { property: name, prefix } => {
                property(name).as_str().is_some_and(|actual| actual.to_lowercase().starts_with(&prefix.to_lowercase()))
            }
            Expr::Any { property: name, value } => {
                property(name).as_array().is_some_and(|items| items.iter().any(|item| value.equals(item)))
            }
        }
    }
}

/// Checks every property and operator of a filter against what the collection supports.
fn check_filter(
    expr: &Expr,
    filterable: &Filterable,
    consistency_eventual: bool,
    pairs: &[(String, String)],
) -> Result<(), GraphError> {
    let allowed = |property: &str, op: &str| {
        filterable.properties.iter().any(|(name, ops)| *name == property && ops.contains(&op))
    };
    let unsupported = |property: &str| {
        GraphError::unsupported_query(format!(
            "Unsupported or invalid query filter clause specified for property '{property}' of resource '{}'.",
            singular(filterable.resource)
        ))
    };
    let advanced = |op: &str| -> Result<(), GraphError> {
        let counted = pairs.iter().any(|(name, value)| name == "$count" && value == "true");
        if consistency_eventual && counted {
            Ok(())
        } else {
            Err(GraphError::unsupported_query(format!(
                "Operator '{op}' is not supported because the required parameters might be missing. Try adding $count with a value of true and ConsistencyLevel header with a value of eventual."
            )))
        }
    };
    match expr {
        Expr::And(left, right) | Expr::Or(left, right) => {
            check_filter(left, filterable, consistency_eventual, pairs)?;
            check_filter(right, filterable, consistency_eventual, pairs)
        }
        Expr::Not(inner) => {
            advanced("not")?;
            check_filter(inner, filterable, consistency_eventual, pairs)
        }
        Expr::Compare { property, op, .. } => {
            if !allowed(property, op.name()) {
                return Err(unsupported(property));
            }
            if *op == CompareOp::Ne {
                advanced("ne")?;
            }
            Ok(())
        }
        Expr::In { property, .. } => {
            if allowed(property, "in") {
                Ok(())
            } else {
                Err(unsupported(property))
            }
        }
        Expr::StartsWith { property, .. } => {
            if allowed(property, "startsWith") {
                Ok(())
            } else {
                Err(unsupported(property))
            }
        }
        Expr::Any { property, .. } => {
            if allowed(property, "any") {
                Ok(())
            } else {
                Err(unsupported(property))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    String(String),
    Number(f64),
    Open,
    Close,
    Comma,
    Colon,
    Slash,
}

struct Parser {
    tokens: Vec<Token>,
    position: usize,
    text: String,
}

impl Parser {
    fn new(text: &str) -> Parser {
        Parser { tokens: Vec::new(), position: 0, text: text.to_owned() }
    }

    fn error(&self) -> GraphError {
        GraphError::bad_request(format!("Invalid filter clause: syntax error in '{}'.", self.text))
    }

    fn parse(mut self) -> Result<Expr, GraphError> {
        self.tokens = self.tokenize()?;
        let expr = self.or()?;
        if self.position != self.tokens.len() {
            return Err(self.error());
        }
        Ok(expr)
    }

    fn tokenize(&self) -> Result<Vec<Token>, GraphError> {
        let chars: Vec<char> = self.text.chars().collect();
        let mut tokens = Vec::new();
        let mut index = 0;
        while index < chars.len() {
            let c = chars[index];
            match c {
                ' ' | '\t' => index += 1,
                '(' => {
                    tokens.push(Token::Open);
                    index += 1;
                }
                ')' => {
                    tokens.push(Token::Close);
                    index += 1;
                }
                ',' => {
                    tokens.push(Token::Comma);
                    index += 1;
                }
                ':' => {
                    tokens.push(Token::Colon);
                    index += 1;
                }
                '/' => {
                    tokens.push(Token::Slash);
                    index += 1;
                }
                '\'' => {
                    let mut value = String::new();
                    index += 1;
                    loop {
                        match chars.get(index) {
                            None => return Err(self.error()),
                            Some('\'') if chars.get(index + 1) == Some(&'\'') => {
                                value.push('\'');
                                index += 2;
                            }
                            Some('\'') => {
                                index += 1;
                                break;
                            }
                            Some(other) => {
                                value.push(*other);
                                index += 1;
                            }
                        }
                    }
                    tokens.push(Token::String(value));
                }
                c if c.is_ascii_digit() || c == '-' => {
                    let start = index;
                    while index < chars.len() && (chars[index].is_ascii_alphanumeric() || "-.".contains(chars[index])) {
                        index += 1;
                    }
                    let text: String = chars[start..index].iter().collect();
                    // An unquoted GUID is a literal too (`appId eq 0000…` is not valid OData,
                    // but Graph accepts GUIDs unquoted in some places); keep it as a word.
                    match text.parse::<f64>() {
                        Ok(number) => tokens.push(Token::Number(number)),
                        Err(_) => tokens.push(Token::Word(text)),
                    }
                }
                c if c.is_alphabetic() || c == '_' || c == '@' => {
                    let start = index;
                    while index < chars.len() && (chars[index].is_alphanumeric() || "_.@".contains(chars[index])) {
                        index += 1;
                    }
                    tokens.push(Token::Word(chars[start..index].iter().collect()));
                }
                _ => return Err(self.error()),
            }
        }
        Ok(tokens)
    }

    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.position), Some(Token::Word(found)) if found == word)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn expect(&mut self, expected: Token) -> Result<(), GraphError> {
        if self.next() == Some(expected) { Ok(()) } else { Err(self.error()) }
    }

    fn or(&mut self) -> Result<Expr, GraphError> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.position += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, GraphError> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.position += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, GraphError> {
        if self.peek_word("not") {
            self.position += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, GraphError> {
        match self.next() {
            Some(Token::Open) => {
                let expr = self.or()?;
                self.expect(Token::Close)?;
                Ok(expr)
            }
            Some(Token::Word(word)) if word == "startsWith" || word == "startswith" => {
                self.expect(Token::Open)?;
                let property = self.property()?;
                self.expect(Token::Comma)?;
                let Some(Token::String(prefix)) = self.next() else { return Err(self.error()) };
                self.expect(Token::Close)?;
                Ok(Expr::StartsWith { property, prefix })
            }
            Some(Token::Word(property)) => {
                if self.tokens.get(self.position) == Some(&Token::Slash) {
                    // property/any(v: v eq literal)
                    self.position += 1;
                    if !self.peek_word("any") {
                        return Err(self.error());
                    }
                    self.position += 1;
                    self.expect(Token::Open)?;
                    let Some(Token::Word(variable)) = self.next() else { return Err(self.error()) };
                    self.expect(Token::Colon)?;
                    if self.next() != Some(Token::Word(variable)) || !self.peek_word("eq") {
                        return Err(self.error());
                    }
                    self.position += 1;
                    let value = self.literal()?;
                    self.expect(Token::Close)?;
                    return Ok(Expr::Any { property, value });
                }
                match self.next() {
                    Some(Token::Word(op)) if op == "in" => {
                        self.expect(Token::Open)?;
                        let mut values = vec![self.literal()?];
                        while self.tokens.get(self.position) == Some(&Token::Comma) {
                            self.position += 1;
                            values.push(self.literal()?);
                        }
                        self.expect(Token::Close)?;
                        Ok(Expr::In { property, values })
                    }
                    Some(Token::Word(op)) => {
                        let op = match op.as_str() {
                            "eq" => CompareOp::Eq,
                            "ne" => CompareOp::Ne,
                            "ge" => CompareOp::Ge,
                            "le" => CompareOp::Le,
                            _ => return Err(self.error()),
                        };
                        let value = self.literal()?;
                        Ok(Expr::Compare { property, op, value })
                    }
                    _ => Err(self.error()),
                }
            }
            _ => Err(self.error()),
        }
    }

    fn property(&mut self) -> Result<String, GraphError> {
        match self.next() {
            Some(Token::Word(word)) => Ok(word),
            _ => Err(self.error()),
        }
    }

    fn literal(&mut self) -> Result<Literal, GraphError> {
        match self.next() {
            Some(Token::String(text)) => Ok(Literal::String(text)),
            Some(Token::Number(number)) => Ok(Literal::Number(number)),
            Some(Token::Word(word)) if word == "true" => Ok(Literal::Bool(true)),
            Some(Token::Word(word)) if word == "false" => Ok(Literal::Bool(false)),
            Some(Token::Word(word)) if word == "null" => Ok(Literal::Null),
            _ => Err(self.error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVICE_PRINCIPALS: Filterable = Filterable {
        resource: "servicePrincipals",
        properties: &[("displayName", &["eq", "ne", "in", "startsWith"]), ("tags", &["any"]), ("appId", &["eq", "in"])],
        selectable: &["id", "displayName", "tags", "appId"],
    };

    fn object(value: Value) -> Object {
        value.as_object().cloned().unwrap()
    }

    fn parse(filter: &str, eventual: bool) -> Result<QueryOptions, GraphError> {
        let mut pairs = vec![("$filter".to_owned(), filter.to_owned())];
        if eventual {
            pairs.push(("$count".to_owned(), "true".to_owned()));
        }
        QueryOptions::parse(&pairs, eventual, Some(&SERVICE_PRINCIPALS))
    }

    #[test]
    fn filters_match_like_graph() {
        let sp = object(json!({ "displayName": "Netskope SCIM", "tags": ["scimform:name=netskope"], "appId": "a-1" }));
        for (filter, expected) in [
            ("displayName eq 'netskope scim'", true),
            ("displayName eq 'Other'", false),
            ("startsWith(displayName, 'Net')", true),
            ("tags/any(t:t eq 'scimform:name=netskope')", true),
            ("tags/any(t: t eq 'scimform:name=other')", false),
            ("appId in ('x', 'a-1')", true),
            ("displayName eq 'Netskope SCIM' and appId eq 'b'", false),
            ("(displayName eq 'x' or appId eq 'a-1')", true),
            ("displayName eq 'it''s'", false),
        ] {
            assert_eq!(parse(filter, false).unwrap().matches(&sp), expected, "{filter}");
        }
        assert!(parse("displayName ne 'x'", true).unwrap().matches(&sp));
    }

    #[test]
    fn unsupported_filters_are_refused_not_ignored() {
        for filter in
            ["notes eq 'x'", "startsWith(appId, 'a')", "displayName eq", "tags/all(t:t eq 'x')", "displayName gt 'a'"]
        {
            let error = parse(filter, false).unwrap_err();
            assert_eq!(error.status, 400, "{filter}");
        }
        let error = parse("displayName ne 'x'", false).unwrap_err();
        assert_eq!(error.code, "Request_UnsupportedQuery");
    }

    #[test]
    fn paging_follows_next_links() {
        let items: Vec<Object> = (0..5).map(|index| object(json!({ "id": index.to_string() }))).collect();
        let options = QueryOptions::parse(&[("$top".to_owned(), "2".to_owned())], false, None).unwrap();
        let first = options.page(items.iter().map(Cow::Borrowed), "http://x/v1.0/users", "ctx", |_| None);
        assert_eq!(first["value"].as_array().unwrap().len(), 2);
        let link = first["@odata.nextLink"].as_str().unwrap();
        let query = link.split_once('?').unwrap().1;
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                (crate::util::percent_decode(name, true), crate::util::percent_decode(value, true))
            })
            .collect();
        let second = QueryOptions::parse(&pairs, false, None).unwrap().page(
            items.into_iter().map(Cow::Owned),
            "http://x/v1.0/users",
            "ctx",
            |_| None,
        );
        assert_eq!(second["value"][0]["id"], "2");
        assert!(QueryOptions::parse(&[("$top".to_owned(), "1000".to_owned())], false, None).is_err());
    }

    #[test]
    fn expanded_lists_page_at_100_and_keep_the_expansion_in_next_links() {
        let items: Vec<Object> = (0..150).map(|index| object(json!({ "id": index.to_string() }))).collect();
        let pairs = [
            ("$top".to_owned(), "999".to_owned()),
            ("$expand".to_owned(), "owners($select=id,userPrincipalName)".to_owned()),
        ];
        let options = QueryOptions::parse(&pairs, false, None).unwrap();
        let wanted = options.expand.clone().unwrap();
        assert_eq!((wanted.property.as_str(), wanted.select.unwrap().len()), ("owners", 2));
        let first = options
            .page(items.iter().map(Cow::Borrowed), "http://x/v1.0/sp", "ctx", |_| Some(("owners".into(), json!([]))));
        assert_eq!(first["value"].as_array().unwrap().len(), EXPANDED_PAGE);
        assert_eq!(first["value"][0]["owners"], json!([]));
        assert!(
            first["@odata.nextLink"].as_str().unwrap().contains("%24expand=owners")
                || first["@odata.nextLink"].as_str().unwrap().contains("$expand=owners")
        );
        for bad in ["owners,memberOf", "owners($top=5)", "owners(", ""] {
            let pairs = [("$expand".to_owned(), bad.to_owned())];
            assert!(QueryOptions::parse(&pairs, false, None).is_err(), "{bad}");
        }
    }
}
