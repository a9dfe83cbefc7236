//! The architecture, checked (as rust-analyzer's tidy tests do): the `crate::` edges between
//! top-level modules form no circle, the core imports neither face, the leaves import
//! nothing, providers never see a role, and no file holds more than 800 lines of code
//! before its tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that import nothing from the crate: what every layer passes around.
const LEAVES: &[&str] = &["background", "context", "finding", "role", "text_kind"];
/// The two faces: nothing else imports them, and neither imports the other.
const FACES: &[&str] = &["cli", "lsp"];
/// Edges that would break a layer's promise, with the reason.
const FORBIDDEN: &[(&str, &str, &str)] = &[
    ("providers", "role", "providers never see a role"),
    (
        "providers",
        "roles",
        "providers never see a prompt template",
    ),
    (
        "roles",
        "orchestrator",
        "roles are pure: they never call a model",
    ),
    ("review", "orchestrator", "findings are plain data"),
    ("syntax", "roles", "syntax knows trees, not roles"),
];
const MAX_CODE_LINES: usize = 800;

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("architecture.rs")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file belongs to (`src/lsp/jobs/role.rs` → `lsp`).
fn module_of(path: &Path) -> String {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let relative = path.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

/// The code of a file without its comments (doc comments name modules freely).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named after `crate::` in `code`, groups (`crate::{a, b::c}`) included.
fn imported(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphabetic() || c == '_') => {
                        found.insert(identifier(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(identifier(rest));
        }
    }
    found
}

fn identifier(text: &str) -> String {
    text.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Top-level module → the top-level modules it imports.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeSet<String> = BTreeSet::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in sources() {
        let module = module_of(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        let entry = edges.entry(module.clone()).or_default();
        entry.extend(imported(&code(&text)).into_iter().filter(|m| *m != module));
        modules.insert(module);
    }
    // Only modules count: `crate::Foo` of an item at the root is no edge.
    for targets in edges.values_mut() {
        targets.retain(|m| modules.contains(m));
    }
    edges
}

/// A circle through `start`, if there is one.
fn circle(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in edges.get(&at).into_iter().flatten() {
            if next == start {
                let mut path = path.clone();
                path.push(next.clone());
                return Some(path);
            }
            if seen.insert(next.clone()) {
                let mut path = path.clone();
                path.push(next.clone());
                stack.push((next.clone(), path));
            }
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_circle() {
    let edges = edges();
    for module in edges.keys() {
        assert_eq!(circle(&edges, module), None, "a circle through {module}");
    }
}

#[test]
fn the_core_imports_neither_face_and_the_faces_not_each_other() {
    for (module, targets) in edges() {
        for face in FACES {
            assert!(
                !targets.contains(*face),
                "{module} imports the {face} face: move what it needs into the core"
            );
        }
    }
}

#[test]
fn leaves_import_nothing_from_the_crate() {
    let edges = edges();
    for leaf in LEAVES {
        let targets = edges.get(*leaf).cloned().unwrap_or_default();
        assert!(targets.is_empty(), "{leaf} imports {targets:?}");
    }
}

#[test]
fn no_forbidden_edge() {
    let edges = edges();
    for (from, to, why) in FORBIDDEN {
        let imports = edges.get(*from).is_some_and(|t| t.contains(*to));
        assert!(!imports, "{from} imports {to}, but {why}");
    }
}

#[test]
fn no_file_holds_more_than_800_lines_of_code_before_its_tests() {
    for path in sources() {
        let text = std::fs::read_to_string(&path).unwrap();
        let before_tests = text.split("#[cfg(test)]").next().unwrap_or_default();
        let lines = code(before_tests)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count();
        assert!(
            lines <= MAX_CODE_LINES,
            "{} has {lines} lines of code",
            path.display()
        );
    }
}

#[test]
fn imports_are_read_from_paths_and_groups() {
    let found = imported(
        "use crate::config::{A, B};\nuse crate::{lsp::x, review::{a, b}};\nlet x = crate::role::Role::Oracle;",
    );
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, ["config", "lsp", "review", "role"]);
}
