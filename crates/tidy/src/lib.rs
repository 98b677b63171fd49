//! Tidy checks for the scimform repository: rules of ARCHITECTURE.md that a compiler does
//! not enforce, checked over the files as text. The checks are the tests in `tests/`; this
//! library only finds the files.

use std::path::{Path, PathBuf};

pub mod modules;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/tidy is two levels down").to_path_buf()
}

/// Every file below `dir` (relative to the workspace root), sorted, skipping `target`.
pub fn files_below(dir: &str) -> Vec<PathBuf> {
    files_below_abs(&workspace_root().join(dir))
}

/// Every file below the directory `dir`, sorted, skipping `target`.
pub fn files_below_abs(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "target") {
                    pending.push(path);
                }
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The Rust sources of the crates (`crates/*/src/**.rs`), tests excluded.
pub fn crate_sources() -> Vec<PathBuf> {
    files_below("crates")
        .into_iter()
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .filter(|path| path.components().any(|component| component.as_os_str() == "src"))
        .collect()
}

/// A path relative to the workspace root, for messages.
pub fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root()).unwrap_or(path).display().to_string()
}

/// Functions longer than `limit` lines in a Rust source: (first line, name, lines). Counts
/// from a `fn` line to its matching closing brace, skipping string and char literals and
/// line comments (roughly, which is enough for code formatted by rustfmt).
pub fn long_functions(text: &str, limit: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = function_name(line) else { continue };
        let mut depth = 0i32;
        let mut opened = false;
        for (offset, body_line) in lines[start..].iter().enumerate() {
            let code = strip_literals(body_line);
            for character in code.chars() {
                match character {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if !opened && code.contains(';') {
                break;
            }
            if opened && depth <= 0 {
                let length = offset + 1;
                if length > limit {
                    found.push((start + 1, name.clone(), length));
                }
                break;
            }
        }
    }
    found
}

fn function_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.next() {
        match word {
            "pub" | "async" | "const" | "unsafe" => continue,
            _ if word.starts_with("pub(") => continue,
            "fn" => {
                let name: String = words.next()?.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                return (!name.is_empty()).then_some(name);
            }
            _ => return None,
        }
    }
    None
}

fn strip_literals(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    let mut in_string = false;
    while let Some(character) = chars.next() {
        if in_string {
            match character {
                '\\' => {
                    chars.next();
                }
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match character {
            '"' => in_string = true,
            '/' if chars.peek() == Some(&'/') => break,
            '\'' => {
                // A char literal ('{', '\n') is skipped; a lifetime ('a) is kept as is.
                let rest: String = chars.clone().take(3).collect();
                if let Some(escaped) = rest.strip_prefix('\\') {
                    let close = escaped.find('\'').map_or(0, |index| index + 2);
                    for _ in 0..close {
                        chars.next();
                    }
                } else if rest.chars().nth(1) == Some('\'') {
                    chars.next();
                    chars.next();
                }
            }
            _ => out.push(character),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_functions_are_measured_brace_to_brace() {
        let mut text = String::from("fn short() {\n    let x = '{';\n}\npub(crate) async fn long() {\n");
        for _ in 0..5 {
            text.push_str("    let s = \"}\"; // }\n");
        }
        text.push_str("}\n");
        assert_eq!(long_functions(&text, 3), vec![(4, "long".to_owned(), 7)]);
        assert!(long_functions(&text, 7).is_empty());
        assert!(long_functions("fn declared();\n", 0).is_empty());
    }
}
