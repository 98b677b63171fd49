//! SCIM filters as Entra sends them: `attr eq "value"` clauses joined by `and`
//! (`reference/scim/ENTRA-SCIM-CLIENT.md` §1.1). Attribute names compare case-insensitively;
//! string values compare case-insensitively for `userName` (RFC 7643 §4.1.1 makes it
//! `caseExact: false`) and exactly otherwise.

use serde_json::Value;

use scimform_scim_dialect::paths::get as get_path;

/// A parsed filter: every clause must hold.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    clauses: Vec<(String, Value)>,
}

impl Filter {
    /// The one clause of a single-clause filter: `(path, value)`.
    pub(crate) fn single(&self) -> Option<(&str, &Value)> {
        match self.clauses.as_slice() {
            [(path, value)] => Some((path.as_str(), value)),
            _ => None,
        }
    }

    pub(crate) fn matches(&self, resource: &Value) -> bool {
        self.clauses.iter().all(|(path, wanted)| {
            let Some(found) = get_path(resource, path) else { return false };
            match (found, wanted) {
                (Value::String(found), Value::String(wanted)) if path.eq_ignore_ascii_case("userName") => {
                    found.eq_ignore_ascii_case(wanted)
                }
                (Value::String(found), Value::String(wanted)) => found == wanted,
                (found, wanted) => found == wanted,
            }
        })
    }
}

/// Parses `a eq "x" and b.c eq "y"`; other operators are refused (400 `invalidFilter`).
pub(crate) fn parse(text: &str) -> Result<Filter, String> {
    let mut clauses = Vec::new();
    let mut rest = text.trim();
    loop {
        let (path, after) = split_path(rest).ok_or_else(|| invalid(text))?;
        let after = after.trim_start();
        let after = after
            .strip_prefix("eq ")
            .or_else(|| after.strip_prefix("EQ "))
            .or_else(|| after.strip_prefix("Eq "))
            .ok_or_else(|| format!("only `eq` and `and` are supported in filters: `{text}`"))?;
        let (value, remaining) = value(after.trim_start()).ok_or_else(|| invalid(text))?;
        clauses.push((path.to_owned(), value));
        let remaining = remaining.trim_start();
        if remaining.is_empty() {
            break;
        }
        rest = remaining
            .strip_prefix("and ")
            .or_else(|| remaining.strip_prefix("AND "))
            .ok_or_else(|| format!("only `eq` and `and` are supported in filters: `{text}`"))?;
    }
    Ok(Filter { clauses })
}

/// The attribute path at the start of `text` (a `[…]` value filter may hold spaces) and
/// what follows it.
fn split_path(text: &str) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if c.is_whitespace() && depth == 0 => return Some((&text[..index], &text[index..])),
            _ => {}
        }
    }
    None
}

/// A JSON-ish literal at the start of `text`: a quoted string, `true`, `false`, a number.
fn value(text: &str) -> Option<(Value, &str)> {
    if let Some(rest) = text.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((index, c)) = chars.next() {
            match c {
                '\\' => out.push(chars.next()?.1),
                '"' => return Some((Value::String(out), &rest[index + 1..])),
                c => out.push(c),
            }
        }
        return None;
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    let (word, rest) = text.split_at(end);
    let value = match word {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        number => Value::Number(number.parse::<i64>().ok()?.into()),
    };
    Some((value, rest))
}

fn invalid(text: &str) -> String {
    format!("the filter `{text}` is not valid")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn entra_filters_parse_and_match() {
        let user = json!({ "userName": "Alice@Contoso.com", "externalId": "alice", "emails": [{ "type": "work", "value": "a@c" }] });
        assert!(parse("userName eq \"alice@contoso.com\"").unwrap().matches(&user));
        assert!(parse("externalId eq \"alice\" and userName eq \"ALICE@contoso.com\"").unwrap().matches(&user));
        assert!(!parse("externalId eq \"ALICE\"").unwrap().matches(&user));
        assert!(parse("emails[type eq \"work\"].value eq \"a@c\"").unwrap().matches(&user));
        assert!(parse("displayName eq \"A \\\"quoted\\\" name\"").is_ok());
        assert!(parse("userName sw \"a\"").is_err());
        assert!(parse("userName eq").is_err());
    }
}
