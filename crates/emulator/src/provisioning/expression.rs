//! Attribute-mapping expressions (`ENTRA: functions-for-customizing-application-data.md`):
//! `[attribute]`, `"constant"` (with `\` escapes), and nested function calls, parsed once
//! and evaluated per object. Values are strings or null, as the service treats them; a
//! mapping whose value is null is not exported.
//!
//! Implemented: the functions the default mappings and common custom mappings use
//! (`Switch`, `Join`, `Not`, `IsPresent`, `IsNull`, `IsNullOrEmpty`, `Coalesce`,
//! `ToLower`, `ToUpper`, `Append`, `Replace` (plain old/new form), `Left`, `Mid`,
//! `StripSpaces`, `IIF`, `CStr`, `Trim`-like `StripSpaces`). Every other documented function
//! name is accepted by the parser (so that a schema using it is not refused) and evaluates
//! to null: documented here as the emulator's limit.

use serde_json::Value;

/// The documented function names (`shared/scim/engine-constants.json`).
const KNOWN: &[&str] = &[
    "Append",
    "AppRoleAssignmentsComplex",
    "AssertiveAppRoleAssignmentsComplex",
    "BitAnd",
    "CBool",
    "CDate",
    "Coalesce",
    "ConvertToBase64",
    "ConvertToUTF8Hex",
    "Count",
    "CStr",
    "DateAdd",
    "DateDiff",
    "DateFromNum",
    "FormatDateTime",
    "Guid",
    "IgnoreFlowIfNullOrEmpty",
    "IIF",
    "InStr",
    "IsNull",
    "IsNullOrEmpty",
    "IsPresent",
    "IsString",
    "Item",
    "Join",
    "Left",
    "Mid",
    "NormalizeDiacritics",
    "Not",
    "Now",
    "NumFromDate",
    "PCase",
    "RandomString",
    "Redact",
    "RemoveDuplicates",
    "Replace",
    "SelectUniqueValue",
    "SingleAppRoleAssignment",
    "Split",
    "StripSpaces",
    "Switch",
    "ToLower",
    "ToUpper",
    "Word",
    "DefaultDomain",
    "AppRoleAssignments",
];

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// `[name]`.
    Attribute(String),
    /// `"text"`.
    Constant(String),
    /// An empty argument (`Switch([x], , …)`).
    Empty,
    /// `Name(arguments…)`.
    Call(String, Vec<Expr>),
}

/// Parses an expression; an unknown function or a syntax error is an error with a message.
pub(crate) fn parse(text: &str) -> Result<Expr, String> {
    let mut parser = Parser { chars: text.chars().collect(), at: 0 };
    let expr = parser.expr()?;
    parser.skip_space();
    if parser.at != parser.chars.len() {
        return Err(format!("unexpected `{}` at {} in `{text}`", parser.chars[parser.at], parser.at + 1));
    }
    Ok(expr)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.skip_space();
        match self.chars.get(self.at) {
            None | Some(',' | ')') => Ok(Expr::Empty),
            Some('[') => {
                let end = self.chars[self.at..]
                    .iter()
                    .position(|c| *c == ']')
                    .ok_or("an attribute is not closed with `]`")?;
                let name: String = self.chars[self.at + 1..self.at + end].iter().collect();
                self.at += end + 1;
                Ok(Expr::Attribute(name))
            }
            Some('"') => {
                self.at += 1;
                let mut text = String::new();
                loop {
                    match self.chars.get(self.at) {
                        None => return Err("a string constant is not closed with `\"`".to_owned()),
                        Some('\\') => {
                            text.extend(self.chars.get(self.at + 1));
                            self.at += 2;
                        }
                        Some('"') => {
                            self.at += 1;
                            return Ok(Expr::Constant(text));
                        }
                        Some(c) => {
                            text.push(*c);
                            self.at += 1;
                        }
                    }
                }
            }
            Some(_) => self.call(),
        }
    }

    fn call(&mut self) -> Result<Expr, String> {
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if name.is_empty() {
            return Err(format!("unexpected `{}`", self.chars[self.at]));
        }
        if !KNOWN.contains(&name.as_str()) {
            return Err(format!("`{name}` is not a function of the expression language"));
        }
        self.skip_space();
        if self.chars.get(self.at) != Some(&'(') {
            return Err(format!("`{name}` needs its arguments in parentheses"));
        }
        self.at += 1;
        let mut arguments = Vec::new();
        loop {
            arguments.push(self.expr()?);
            self.skip_space();
            match self.chars.get(self.at) {
                Some(',') => self.at += 1,
                Some(')') => {
                    self.at += 1;
                    break;
                }
                _ => return Err(format!("the arguments of `{name}` are not closed with `)`")),
            }
        }
        if arguments == [Expr::Empty] {
            arguments.clear();
        }
        Ok(Expr::Call(name, arguments))
    }
}

/// Evaluates with `attribute` giving a source attribute's value (`None`: null).
pub(crate) fn evaluate(expr: &Expr, attribute: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let arg = |arguments: &[Expr], index: usize| arguments.get(index).and_then(|expr| evaluate(expr, attribute));
    let truth = |value: bool| Some(if value { "True" } else { "False" }.to_owned());
    match expr {
        Expr::Attribute(name) => attribute(name),
        Expr::Constant(text) => Some(text.clone()),
        Expr::Empty => None,
        Expr::Call(name, arguments) => match name.as_str() {
            "Switch" => switch(arguments, attribute),
            "Join" => {
                let separator = arg(arguments, 0).unwrap_or_default();
                let parts: Vec<String> = (1..arguments.len()).filter_map(|index| arg(arguments, index)).collect();
                (!parts.is_empty()).then(|| parts.join(&separator))
            }
            "Not" => arg(arguments, 0)
                .map(|value| if value.eq_ignore_ascii_case("true") { "False" } else { "True" }.to_owned()),
            "IsPresent" => truth(arg(arguments, 0).is_some_and(|value| !value.is_empty())),
            "IsNull" => truth(arg(arguments, 0).is_none()),
            "IsNullOrEmpty" => truth(arg(arguments, 0).is_none_or(|value| value.is_empty())),
            "Coalesce" => {
                (0..arguments.len()).find_map(|index| arg(arguments, index).filter(|value| !value.is_empty()))
            }
            "ToLower" => arg(arguments, 0).map(|value| value.to_lowercase()),
            "ToUpper" => arg(arguments, 0).map(|value| value.to_uppercase()),
            "Append" => Some(format!("{}{}", arg(arguments, 0)?, arg(arguments, 1).unwrap_or_default())),
            "Replace" => {
                let source = arg(arguments, 0)?;
                match (arg(arguments, 1), arg(arguments, 4)) {
                    (Some(old), Some(new)) if !old.is_empty() => Some(source.replace(&old, &new)),
                    _ => Some(source),
                }
            }
            "Left" => {
                let count = arg(arguments, 1)?.parse::<usize>().ok()?;
                Some(arg(arguments, 0)?.chars().take(count).collect())
            }
            "Mid" => {
                let start = arg(arguments, 1)?.parse::<usize>().ok()?.max(1);
                let length = arg(arguments, 2)?.parse::<usize>().ok()?;
                Some(arg(arguments, 0)?.chars().skip(start - 1).take(length).collect())
            }
            "StripSpaces" => arg(arguments, 0).map(|value| value.chars().filter(|c| !c.is_whitespace()).collect()),
            "IIF" => {
                let condition = arg(arguments, 0).is_some_and(|value| value.eq_ignore_ascii_case("true"));
                arg(arguments, if condition { 1 } else { 2 })
            }
            "CStr" => arg(arguments, 0),
            _ => None,
        },
    }
}

/// `Switch(source, default, key1, value1, …)`: case-sensitive; an absent source matches
/// the key `""`.
fn switch(arguments: &[Expr], attribute: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let source = arguments.first().and_then(|expr| evaluate(expr, attribute)).unwrap_or_default();
    let mut pairs = arguments.get(2..).unwrap_or_default().chunks(2);
    pairs
        .find(|pair| pair.first().and_then(|key| evaluate(key, attribute)).unwrap_or_default() == source)
        .and_then(|pair| pair.get(1).and_then(|value| evaluate(value, attribute)))
        .or_else(|| arguments.get(1).and_then(|default| evaluate(default, attribute)))
}

/// A mapping source as Graph's schema carries it (`{type, name, expression}`), as an
/// expression: an `Attribute` is `[name]`, a `Constant` its value, a `Function` its text.
pub(crate) fn of_source(source: &Value) -> Result<Option<Expr>, String> {
    let kind = source.get("type").and_then(Value::as_str).unwrap_or_default();
    let name = source.get("name").and_then(Value::as_str).unwrap_or_default();
    let expression = source.get("expression").and_then(Value::as_str).filter(|text| !text.is_empty());
    match kind {
        "Attribute" => Ok(Some(Expr::Attribute(name.to_owned()))),
        "Constant" => Ok(Some(Expr::Constant(name.to_owned()))),
        "Function" => parse(expression.ok_or("a Function source needs an expression")?).map(Some),
        "" if source.is_null() => Ok(None),
        other => Err(format!("`{other}` is not a mapping source type (Attribute, Constant, Function)")),
    }
}

/// The source attributes an expression reads.
pub(crate) fn attributes(expr: &Expr, into: &mut Vec<String>) {
    match expr {
        Expr::Attribute(name) => into.push(name.clone()),
        Expr::Call(_, arguments) => arguments.iter().for_each(|argument| attributes(argument, into)),
        Expr::Constant(_) | Expr::Empty => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, values: &[(&str, &str)]) -> Option<String> {
        let expr = parse(text).unwrap();
        let lookup = |name: &str| values.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned());
        evaluate(&expr, &lookup)
    }

    #[test]
    fn the_default_mappings_evaluate() {
        let active = "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")";
        assert_eq!(run(active, &[("IsSoftDeleted", "False")]).as_deref(), Some("True"));
        assert_eq!(run(active, &[("IsSoftDeleted", "True")]).as_deref(), Some("False"));
        assert_eq!(run(active, &[]), None);
        let formatted = "Join(\" \", [givenName], [surname])";
        assert_eq!(run(formatted, &[("givenName", "Alice"), ("surname", "Example")]).as_deref(), Some("Alice Example"));
        assert_eq!(run(formatted, &[("surname", "Example")]).as_deref(), Some("Example"));
        assert_eq!(run(formatted, &[]), None);
    }

    #[test]
    fn common_functions_evaluate_and_unknown_ones_are_refused() {
        assert_eq!(
            run("ToLower(Coalesce([mail], [userPrincipalName]))", &[("userPrincipalName", "A@C")]).as_deref(),
            Some("a@c")
        );
        assert_eq!(run("Append([mailNickname], \"@ext\")", &[("mailNickname", "al")]).as_deref(), Some("al@ext"));
        assert_eq!(run("Not([IsSoftDeleted])", &[("IsSoftDeleted", "True")]).as_deref(), Some("False"));
        assert_eq!(run("IIF(IsPresent([mail]), [mail], \"none\")", &[]).as_deref(), Some("none"));
        assert_eq!(run("Replace([x], \"-\", , , \"_\", , )", &[("x", "a-b")]).as_deref(), Some("a_b"));
        assert!(parse("Frobnicate([x])").unwrap_err().contains("Frobnicate"));
        assert!(parse("Join(\" \", [a]").is_err());
        assert!(parse("[a] extra").is_err());
    }
}
