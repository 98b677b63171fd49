//! The import graph of one crate's modules, read from its sources as text: which file
//! names which module through `crate::…` or `super::…` paths, the circles among files,
//! and the floors a crate declares for its top-level modules.
//!
//! A crate declares its floors in its `lib.rs` header, one line, lowest first, modules of
//! one floor separated by commas and floors by `→`:
//!
//! ```text
//! //! Floors: util, error → tenant → world → scim, odata, auth → … → server
//! ```
//!
//! A module may name modules on its own floor or below, never above; `lib.rs` stands on
//! top of every floor. Reading is textual (rustfmt-formatted code, comments skipped),
//! which is enough for the paths this workspace writes.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One crate's modules and the edges among them.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    /// Module path (`graph::batch`, `` for the crate root) → its file, relative.
    pub files: BTreeMap<String, String>,
    /// (from module, to module): `from` names `to` (deduplicated, self-edges dropped).
    pub edges: BTreeSet<(String, String)>,
}

impl ModuleGraph {
    /// Reads the crate whose `src/` directory is `src`.
    pub fn read(src: &Path) -> ModuleGraph {
        let mut graph = ModuleGraph::default();
        let mut texts = BTreeMap::new();
        for file in crate::files_below_abs(src) {
            if file.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let relative = file.strip_prefix(src).unwrap_or(&file);
            let module = module_of(relative);
            graph.files.insert(module.clone(), crate::relative(&file));
            texts.insert(module, std::fs::read_to_string(&file).unwrap_or_default());
        }
        let modules: BTreeSet<String> = graph.files.keys().cloned().collect();
        for (module, text) in &texts {
            let children = modules.iter().filter(|candidate| parent(candidate) == *module && !candidate.is_empty());
            let child_paths: Vec<String> = children
                .filter(|child| names_child(text, child.rsplit("::").next().unwrap_or(child)))
                .cloned()
                .collect();
            for path in named_paths(text, module).into_iter().chain(child_paths) {
                if let Some(target) = resolve(&modules, &path)
                    && target != *module
                {
                    graph.edges.insert((module.clone(), target));
                }
            }
        }
        graph
    }

    /// The circles among files: every strongly connected set of more than one module.
    pub fn circles(&self) -> Vec<Vec<String>> {
        let nodes: Vec<&String> = self.files.keys().collect();
        let mut circles = Vec::new();
        let mut seen = BTreeSet::new();
        for node in &nodes {
            if seen.contains(*node) {
                continue;
            }
            let forward = self.reachable(node, false);
            let backward = self.reachable(node, true);
            let component: Vec<String> = forward.intersection(&backward).cloned().collect();
            seen.extend(component.iter().cloned());
            if component.len() > 1 {
                circles.push(component);
            }
        }
        circles
    }

    fn reachable(&self, start: &str, reverse: bool) -> BTreeSet<String> {
        let mut found = BTreeSet::from([start.to_owned()]);
        let mut pending = vec![start.to_owned()];
        while let Some(current) = pending.pop() {
            for (from, to) in &self.edges {
                let (here, next) = if reverse { (to, from) } else { (from, to) };
                if *here == current && found.insert(next.clone()) {
                    pending.push(next.clone());
                }
            }
        }
        found
    }

    /// Edges that go up the declared floors: (from, to, from's floor, to's floor). Also
    /// reports top-level modules the declaration does not place, as edges to themselves.
    pub fn upward_edges(&self, floors: &[Vec<String>]) -> Vec<(String, String, usize, usize)> {
        let floor_of = |module: &str| -> Option<usize> {
            let top = module.split("::").next().unwrap_or(module);
            floors.iter().position(|floor| floor.iter().any(|name| name == top))
        };
        let mut offences = Vec::new();
        for module in self.files.keys().filter(|module| !module.is_empty()) {
            if floor_of(module).is_none() {
                offences.push((module.clone(), module.clone(), usize::MAX, usize::MAX));
            }
        }
        for (from, to) in &self.edges {
            if from.is_empty() {
                continue;
            }
            if let (Some(low), Some(high)) = (floor_of(from), floor_of(to))
                && high > low
            {
                offences.push((from.clone(), to.clone(), low, high));
            }
        }
        offences
    }
}

/// The floors a crate's `lib.rs` declares (see the module documentation), if it does.
pub fn declared_floors(lib_rs: &str) -> Option<Vec<Vec<String>>> {
    let line = lib_rs.lines().find_map(|line| line.strip_prefix("//! Floors:"))?;
    Some(
        line.split('→')
            .map(|floor| floor.split(',').map(|name| name.trim().to_owned()).filter(|name| !name.is_empty()).collect())
            .collect(),
    )
}

/// The module path of a file under `src/`: `graph/mod.rs` → `graph`, `lib.rs` → ``.
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> =
        relative.with_extension("").components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts.join("::")
}

/// The longest module that `path` (absolute, `a::b::Item`) starts with.
fn resolve(modules: &BTreeSet<String>, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len()).rev().map(|length| parts[..length].join("::")).find(|candidate| modules.contains(candidate))
}

/// Every module path a file names, made absolute: `crate::a::b` and `super::x` (also
/// inside `use crate::{a, b::c}` groups). A file's unit tests (from its `#[cfg(test)]` on,
/// where `super::` names the file itself) are not read.
fn named_paths(text: &str, module: &str) -> Vec<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    let code: String = text.lines().map(strip_comment).collect::<Vec<_>>().join("\n");
    let mut paths = Vec::new();
    for (prefix, base) in [("crate::", String::new()), ("super::", parent(module))] {
        let mut rest = code.as_str();
        while let Some(index) = rest.find(prefix) {
            let before = rest[..index].chars().last();
            rest = &rest[index + prefix.len()..];
            if before.is_some_and(|character| character.is_alphanumeric() || character == '_') {
                continue;
            }
            for tail in expand(rest) {
                paths.push(if base.is_empty() { tail } else { format!("{base}::{tail}") });
            }
        }
    }
    paths
}

/// The paths after a `crate::`: `a::b::C` or a brace group `{a, b::{c, d}}`.
fn expand(rest: &str) -> Vec<String> {
    let head: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
    let head = head.trim_end_matches(':').to_owned();
    let after = &rest[head.len()..].trim_start_matches(':');
    if !after.starts_with('{') {
        return vec![head];
    }
    let mut depth = 0;
    let mut end = after.len();
    for (index, character) in after.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = index;
                    break;
                }
            }
            _ => {}
        }
    }
    split_top_level(&after[1..end])
        .into_iter()
        .flat_map(|item| {
            let item = item.trim();
            expand(item)
                .into_iter()
                .map(|tail| if head.is_empty() { tail } else { format!("{head}::{tail}") })
                .collect::<Vec<_>>()
        })
        .filter(|path| !path.is_empty() && path != "self")
        .collect()
}

fn split_top_level(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (index, character) in group.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// Whether a file's code (its unit tests aside) names its child module `name` by a
/// relative path (`name::Item`, `self::name::Item`).
fn names_child(text: &str, name: &str) -> bool {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    let needle = format!("{name}::");
    text.lines().map(strip_comment).any(|line| {
        line.match_indices(&needle).any(|(index, _)| {
            let before = &line[..index];
            before.ends_with("self::") || !before.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        })
    })
}

fn parent(module: &str) -> String {
    module.rsplit_once("::").map(|(parent, _)| parent.to_owned()).unwrap_or_default()
}

fn strip_comment(line: &str) -> &str {
    let trimmed = line.trim_start();
    if trimmed.starts_with("//") { "" } else { line }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_from_use_groups_and_super() {
        let text = "use crate::{a, b::{c, D}};\nuse super::e::F;\nfn f() { crate::g::h(); }\n// crate::ignored\n";
        let mut paths = named_paths(text, "x::y");
        paths.sort();
        assert_eq!(paths, ["a", "b::D", "b::c", "g::h", "x::e::F"]);
    }

    #[test]
    fn floors_are_declared_lowest_first() {
        let floors = declared_floors("//! Floors: util, error → tenant → server\n").unwrap();
        assert_eq!(floors, vec![vec!["util", "error"], vec!["tenant"], vec!["server"]]);
    }

    #[test]
    fn an_edge_up_the_floors_and_an_unplaced_module_are_reported() {
        let mut graph = ModuleGraph::default();
        for module in ["util", "tenant", "server", "stray"] {
            graph.files.insert(module.to_owned(), format!("{module}.rs"));
        }
        graph.edges.insert(("server".to_owned(), "tenant".to_owned()));
        graph.edges.insert(("tenant".to_owned(), "server".to_owned()));
        let floors = declared_floors("//! Floors: util → tenant → server\n").unwrap();
        let upward = graph.upward_edges(&floors);
        assert!(upward.contains(&("tenant".to_owned(), "server".to_owned(), 1, 2)));
        assert!(upward.iter().any(|(from, _, floor, _)| from == "stray" && *floor == usize::MAX));
        assert_eq!(graph.circles(), vec![vec!["server".to_owned(), "tenant".to_owned()]]);
    }
}
