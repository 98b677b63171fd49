//! The expression language of attribute mappings (`ENTRA:
//! functions-for-customizing-application-data.md`): `[attribute]`, `"constant"` (with `\`
//! escaping the next character), and function calls `Name(argument, …)` whose arguments
//! may be left empty (`Switch([x], , "a", "b")`).
//!
//! [`parse`] checks everything that can be checked without a tenant: the syntax, function
//! names (case-sensitive) and their arity, and the 10,000-character limit; its errors carry
//! the character offset where the problem is. [`Expr`] prints back in one canonical form
//! (`, ` between arguments), which is what scimform stores and compares, so that spacing
//! never shows as a difference; [`Expr::pretty`] breaks long ones over lines for plans.

use std::fmt;

use crate::functions;

/// Longest expression Entra accepts (`ENTRA: known-issues.md`).
pub const MAX_CHARS: usize = 10_000;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// `[name]`: a source attribute.
    Attribute(String),
    /// `"text"`.
    Constant(String),
    /// An argument left empty.
    Empty,
    /// `Name(arguments…)`.
    Call(String, Vec<Expr>),
}

/// Why an expression does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character offset (0-based) of the problem in the text.
    pub offset: usize,
    /// How many characters it spans (at least 1).
    pub len: usize,
    /// What is wrong.
    pub message: String,
    /// What to do, when there is something to say.
    pub help: Option<String>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{} (at character {})", self.message, self.offset + 1)
    }
}

impl std::error::Error for ParseError {}

/// Parses and checks an expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(ParseError {
            offset: MAX_CHARS,
            len: 1,
            message: format!("the expression has {} characters; Entra accepts at most {MAX_CHARS}", chars.len()),
            help: None,
        });
    }
    let mut parser = Parser { chars, at: 0 };
    parser.skip_space();
    if parser.at == parser.chars.len() {
        return Err(parser.error(
            0,
            "the expression is empty",
            Some("write an attribute such as `[mail]`, a constant such as `\"text\"`, or a function call"),
        ));
    }
    let expr = parser.expr()?;
    parser.skip_space();
    if expr == Expr::Empty || parser.at != parser.chars.len() {
        let found = parser.chars[parser.at];
        return Err(parser.error(
            1,
            &format!("unexpected `{found}` after a complete expression"),
            Some("an expression is one attribute, constant or function call; combine several with a function such as `Join` or `Append`"),
        ));
    }
    Ok(expr)
}

/// A constant as the language writes it: in double quotes, with `\` before `"` and `\`.
pub fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, len: usize, message: &str, help: Option<&str>) -> ParseError {
        ParseError { offset: self.at, len: len.max(1), message: message.to_owned(), help: help.map(str::to_owned) }
    }

    fn skip_space(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.skip_space();
        match self.chars.get(self.at) {
            None | Some(',' | ')') => Ok(Expr::Empty),
            Some('[') => self.attribute(),
            Some('"') => self.constant(),
            Some(c) if c.is_alphabetic() => self.call(),
            Some(c) => Err(self.error(
                1,
                &format!("unexpected `{c}`"),
                Some("an argument is an attribute in brackets (`[mail]`), a constant in double quotes (`\"text\"`) or a function call"),
            )),
        }
    }

    fn attribute(&mut self) -> Result<Expr, ParseError> {
        let start = self.at;
        let Some(end) = self.chars[start..].iter().position(|c| *c == ']') else {
            return Err(self.error(1, "an attribute is not closed with `]`", Some("write attributes as `[name]`")));
        };
        let name: String = self.chars[start + 1..start + end].iter().collect();
        if name.trim().is_empty() {
            return Err(self.error(2, "an attribute name is empty", Some("write attributes as `[name]`")));
        }
        self.at = start + end + 1;
        Ok(Expr::Attribute(name))
    }

    fn constant(&mut self) -> Result<Expr, ParseError> {
        let start = self.at;
        self.at += 1;
        let mut text = String::new();
        loop {
            match self.chars.get(self.at) {
                None => {
                    self.at = start;
                    return Err(self.error(
                        1,
                        "a string constant is not closed with `\"`",
                        Some("close it, and write a `\"` inside a constant as `\\\"`"),
                    ));
                }
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

    fn call(&mut self) -> Result<Expr, ParseError> {
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_alphanumeric() || *c == '_') {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        let name_len = self.at - start;
        let Some(function) = functions::find(&name) else {
            self.at = start;
            let help = match functions::find_ignoring_case(&name) {
                Some(known) => format!("did you mean `{}`? Function names are case-sensitive", known.name),
                None => "see the function list in the spec's JSON Schema (`scimform schema spec`)".to_owned(),
            };
            return Err(self.error(
                name_len,
                &format!("`{name}` is not a function of the expression language"),
                Some(&help),
            ));
        };
        self.skip_space();
        if self.chars.get(self.at) != Some(&'(') {
            self.at = start;
            return Err(self.error(
                name_len,
                &format!("`{name}` needs its arguments in parentheses"),
                Some(&format!("write `{name}({})`", function.signature)),
            ));
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
                Some(c) => {
                    return Err(self.error(
                        1,
                        &format!("unexpected `{c}` in the arguments of `{name}`"),
                        Some("separate arguments with `,` and close them with `)`"),
                    ));
                }
                None => {
                    return Err(self.error(
                        1,
                        &format!("the arguments of `{name}` are not closed with `)`"),
                        Some("add the missing `)`"),
                    ));
                }
            }
        }
        if arguments == [Expr::Empty] {
            arguments.clear();
        }
        if let Some(problem) = function.arity_problem(arguments.len()) {
            self.at = start;
            return Err(self.error(name_len, &problem, None));
        }
        Ok(Expr::Call(name, arguments))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Attribute(name) => write!(formatter, "[{name}]"),
            Expr::Constant(text) => formatter.write_str(&quote(text)),
            Expr::Empty => Ok(()),
            Expr::Call(name, arguments) => {
                write!(formatter, "{name}(")?;
                for (index, argument) in arguments.iter().enumerate() {
                    if index > 0 {
                        formatter.write_str(", ")?;
                    }
                    write!(formatter, "{argument}")?;
                }
                formatter.write_str(")")
            }
        }
    }
}

impl Expr {
    /// The source attributes the expression reads, in order of appearance.
    pub fn attributes(&self) -> Vec<&str> {
        let mut found = Vec::new();
        self.collect_attributes(&mut found);
        found
    }

    fn collect_attributes<'a>(&'a self, into: &mut Vec<&'a str>) {
        match self {
            Expr::Attribute(name) => into.push(name),
            Expr::Call(_, arguments) => arguments.iter().for_each(|argument| argument.collect_attributes(into)),
            Expr::Constant(_) | Expr::Empty => {}
        }
    }

    /// The expression over several lines when its one-line form is longer than `width`:
    /// a call whose arguments do not fit has one argument per line, indented by two spaces.
    pub fn pretty(&self, width: usize) -> String {
        let mut out = String::new();
        self.pretty_into(&mut out, 0, width);
        out
    }

    fn pretty_into(&self, out: &mut String, indent: usize, width: usize) {
        let flat = self.to_string();
        match self {
            Expr::Call(name, arguments) if indent + flat.chars().count() > width && !arguments.is_empty() => {
                out.push_str(name);
                out.push_str("(\n");
                for (index, argument) in arguments.iter().enumerate() {
                    out.push_str(&" ".repeat(indent + 2));
                    argument.pretty_into(out, indent + 2, width);
                    out.push_str(if index + 1 < arguments.len() { ",\n" } else { "\n" });
                }
                out.push_str(&" ".repeat(indent));
                out.push(')');
            }
            _ => out.push_str(&flat),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical_text(text: &str) -> String {
        crate::Source::parse(text).as_str().to_owned()
    }

    #[test]
    fn the_default_mappings_round_trip_to_their_own_text() {
        for text in [
            "Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")",
            "Join(\" \", [givenName], [surname])",
        ] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
        assert_eq!(canonical_text("Join( \" \" ,[givenName],[surname] )"), "Join(\" \", [givenName], [surname])");
        assert_eq!(canonical_text("Guid()"), "Guid()");
        assert_eq!(canonical_text("\"a \\\"b\\\" \\\\ c\""), "\"a \\\"b\\\" \\\\ c\"");
    }

    #[test]
    fn errors_say_where_and_what() {
        let error = parse("Join(\" \", [givenName], [surname]").unwrap_err();
        assert!(error.message.contains("not closed with `)`"), "{error}");
        assert_eq!(error.offset, 32);
        let error = parse("Joinn(\" \", [a])").unwrap_err();
        assert_eq!((error.offset, error.len), (0, 5));
        let error = parse("toLower([mail])").unwrap_err();
        assert!(error.help.unwrap().contains("ToLower"));
        let error = parse("Append([a], [b], [c])").unwrap_err();
        assert!(error.message.contains("takes 2 arguments"), "{error}");
        let error = parse("[a] [b]").unwrap_err();
        assert_eq!(error.offset, 4);
        assert!(parse("\"open").unwrap_err().message.contains("not closed"));
        assert!(parse("[]").is_err());
        assert!(parse("  ").is_err());
        assert!(parse(&format!("\"{}\"", "x".repeat(MAX_CHARS))).is_err());
        assert!(parse("Not([a]) + 1").is_err());
    }

    #[test]
    fn long_expressions_break_over_lines() {
        let expr = parse("Switch([department], \"Other\", \"Security\", \"SEC\", \"Engineering\", \"ENG\")").unwrap();
        assert_eq!(expr.pretty(200), expr.to_string());
        assert_eq!(
            expr.pretty(40),
            "Switch(\n  [department],\n  \"Other\",\n  \"Security\",\n  \"SEC\",\n  \"Engineering\",\n  \"ENG\"\n)"
        );
        assert_eq!(expr.attributes(), ["department"]);
    }
}
