//! Strictness about input that YAML allows and a spec must not carry. Specs arrive in pull
//! requests from people who should not be able to surprise the pipeline, so these are
//! errors, each at its place:
//!
//! - a source over [`MAX_SOURCE_BYTES`] (checked before parsing);
//! - YAML tags (`!custom`, `!!binary`, `!!str`): the spec language has none, and
//!   serde-saphyr would resolve them silently;
//! - explicit nulls (`owners: ~`): they read as "not managed" but often mean "none";
//! - control characters in strings (a NUL in a display name, a newline in a name).

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::yaml::{Node, Value};

/// The largest spec file scimform reads: far beyond any real spec, small enough that a
/// hostile one cannot exhaust memory.
pub const MAX_SOURCE_BYTES: usize = 1024 * 1024;

/// The most spec text one run reads across all its files: 32 files at the size limit,
/// some 16,000 apps at a typical 2 KiB each. Past it, files are refused unread, so that
/// the run's memory and time stay bounded however many files a pull request adds.
pub const MAX_TOTAL_BYTES: usize = 32 * MAX_SOURCE_BYTES;

/// The most diagnostics one source keeps, and one run reports; the rest are counted
/// ("N more"). A file with 100,000 unknown keys has one problem worth reading a hundred
/// times over; printing them all would make the report, not the spec, the attack.
pub const MAX_DIAGNOSTICS: usize = 200;

/// Keeps the first [`MAX_DIAGNOSTICS`] of `diagnostics` and counts the rest into
/// `omitted` (errors, warnings).
pub(crate) fn cap(diagnostics: &mut Vec<Diagnostic>, omitted: &mut (usize, usize)) {
    cap_at(diagnostics, MAX_DIAGNOSTICS, omitted);
}

/// Keeps the first `room` of `diagnostics` and counts the rest into `omitted`.
pub(crate) fn cap_at(diagnostics: &mut Vec<Diagnostic>, room: usize, omitted: &mut (usize, usize)) {
    if diagnostics.len() <= room {
        return;
    }
    for dropped in diagnostics.drain(room..) {
        if dropped.is_error() {
            omitted.0 += 1;
        } else {
            omitted.1 += 1;
        }
    }
    // The capacity of what was dropped is given back: a source's capped report must not
    // keep the room of 100,000 diagnostics.
    diagnostics.shrink_to_fit();
}

/// A source over the size limit, or `None`.
pub(crate) fn too_large(text: &str) -> Option<Diagnostic> {
    (text.len() > MAX_SOURCE_BYTES).then(|| {
        Diagnostic::error(
            Code::TooLarge,
            Span { line: 1, column: 1, len: 0 },
            format!("spec file is {} bytes, more than the {MAX_SOURCE_BYTES} scimform reads", text.len()),
        )
        .with_help("a spec describes a few apps: split this file (a long assignment list can go into `AppAssignments` documents in files of their own), or check that it is the file you meant")
    })
}

/// Every YAML tag in a source, each as an error at its node.
pub(crate) fn tags(text: &str) -> Vec<Diagnostic> {
    use granit_parser::Event;
    let mut diagnostics = Vec::new();
    for item in granit_parser::Parser::new_from_str(text) {
        // Syntax errors are reported by the main parse, with better messages.
        let Ok((event, span)) = item else { break };
        let tag = match &event {
            Event::Scalar(_, _, _, tag) | Event::SequenceStart(_, _, tag) | Event::MappingStart(_, _, tag) => {
                tag.as_ref()
            }
            _ => None,
        };
        if let Some(tag) = tag {
            let tag = tag.to_string();
            let tag = tag.strip_prefix("tag:yaml.org,2002:").map_or(tag.clone(), |core| format!("!!{core}"));
            let at = Span {
                line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
                column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
                len: 0,
            };
            diagnostics.push(
                Diagnostic::error(Code::YamlTag, at, format!("YAML tag `{tag}` is not allowed in a spec"))
                    .with_help("remove the tag; write the value as plain YAML (quote it to make it a string)"),
            );
        }
    }
    diagnostics
}

/// Explicit nulls and control characters anywhere in a document.
pub(crate) fn values(node: &Node, diagnostics: &mut Vec<Diagnostic>) {
    match &node.value {
        Value::String(text) => {
            if let Some(control) = text.chars().find(|character| character.is_control()) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::ControlCharacter,
                        node.span,
                        format!("this string contains the control character U+{:04X}", u32::from(control)),
                    )
                    .with_help("remove it; spec values are single lines of printable text"),
                );
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| values(item, diagnostics)),
        Value::Mapping(entries) => {
            for (key, value) in entries {
                if matches!(value.value, Value::Null) {
                    diagnostics.push(null_value(&key.name, value.span));
                } else {
                    values(value, diagnostics);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Integer(_) | Value::Float(_) => {}
    }
}

fn null_value(key: &str, span: Span) -> Diagnostic {
    let help = if key == "owners" || key == "users" || key == "groups" {
        format!("write `{key}: []` for none, or leave `{key}` out to leave it unmanaged")
    } else {
        format!("give `{key}` a value, or leave it out")
    };
    Diagnostic::error(Code::NullValue, span, format!("`{key}` is null, which scimform does not guess the meaning of"))
        .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_over_the_limit_are_refused_before_parsing() {
        assert!(too_large(&"#".repeat(MAX_SOURCE_BYTES)).is_none());
        let diagnostic = too_large(&"#".repeat(MAX_SOURCE_BYTES + 1)).unwrap();
        assert_eq!(diagnostic.code, Code::TooLarge);
    }
}
