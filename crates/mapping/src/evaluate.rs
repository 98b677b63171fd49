//! Evaluating an expression for one object, as the provisioning service does. Values are
//! strings or null; a mapping whose value is null is not exported.
//!
//! Implemented: the functions the default mappings and common custom mappings use
//! (`Switch`, `Join`, `Not`, `IsPresent`, `IsNull`, `IsNullOrEmpty`, `Coalesce`,
//! `ToLower`, `ToUpper`, `Append`, `Replace` (plain old/new form), `Left`, `Mid`,
//! `StripSpaces`, `IIF`, `CStr`). Every other function of the catalog parses and evaluates
//! to null: a documented limit of the emulator, which is this module's user.

use crate::expression::Expr;

/// Evaluates with `attribute` giving a source attribute's value (`None`: null).
pub fn evaluate(expr: &Expr, attribute: &dyn Fn(&str) -> Option<String>) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, values: &[(&str, &str)]) -> Option<String> {
        let expr = crate::expression::parse(text).unwrap();
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
    fn common_functions_evaluate() {
        assert_eq!(
            run("ToLower(Coalesce([mail], [userPrincipalName]))", &[("userPrincipalName", "A@C")]).as_deref(),
            Some("a@c")
        );
        assert_eq!(run("Append([mailNickname], \"@ext\")", &[("mailNickname", "al")]).as_deref(), Some("al@ext"));
        assert_eq!(run("Not([IsSoftDeleted])", &[("IsSoftDeleted", "True")]).as_deref(), Some("False"));
        assert_eq!(run("IIF(IsPresent([mail]), [mail], \"none\")", &[]).as_deref(), Some("none"));
        assert_eq!(run("Replace([x], \"-\", , , \"_\", , )", &[("x", "a-b")]).as_deref(), Some("a_b"));
    }
}
