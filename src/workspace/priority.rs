//! How near a file is to the work: the order in which the workspace is packed.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::resolve::{ancestors, parent};

/// Directories whose files are tests.
const TEST_DIRS: [&str; 4] = ["tests", "test", "__tests__", "spec"];
/// Documentation: any file in a docs directory with one of these extensions, and
/// top-level files with one of them.
const DOC_DIRS: [&str; 2] = ["docs", "doc"];
const DOC_EXTENSIONS: [&str; 5] = ["md", "markdown", "rst", "adoc", "txt"];
/// File stems that stand for their directory (`pkg/__init__.py` is module `pkg`).
const DIRECTORY_STEMS: [&str; 5] = ["__init__", "index", "mod", "lib", "main"];

/// A file's tier, highest first. A file in several tiers is packed in the highest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// The file of the selection.
    Focus,
    /// Files the focus imports.
    Imports,
    /// Files that import the focus.
    ImportedBy,
    /// Files in the focus's directory.
    SamePackage,
    /// Tests of the files above: named after one (`test_x.py`, `x_test.go`, `x.test.ts`),
    /// importing one, or in the tests directory nearest the focus.
    Tests,
    /// READMEs anywhere, `docs/**`, top-level Markdown.
    Docs,
    Rest,
}

impl fmt::Display for Priority {
    /// As the manifest shows it to a model.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::Focus => "focus",
            Priority::Imports => "imported by focus",
            Priority::ImportedBy => "imports focus",
            Priority::SamePackage => "same package",
            Priority::Tests => "test",
            Priority::Docs => "docs",
            Priority::Rest => "other",
        })
    }
}

/// The focus as the walk saw it.
pub(super) struct Focus<'a> {
    /// Relative to the root, `/`-separated: its directory is the package even when the
    /// file itself was not walked (ignored, excluded, not saved yet).
    pub rel: &'a str,
    /// Its number among the walked files, when it is one.
    pub id: Option<usize>,
}

/// The priority of each file. `imports[i]` are the files file `i` imports (needed only
/// with a focus).
pub(super) fn assign(rels: &[&str], imports: &[Vec<usize>], focus: Option<Focus>) -> Vec<Priority> {
    let mut tiers: Vec<Priority> = rels
        .iter()
        .map(|rel| {
            if is_doc(rel) {
                Priority::Docs
            } else {
                Priority::Rest
            }
        })
        .collect();
    let Some(focus) = focus else {
        return tiers;
    };
    let mut raise = |i: usize, tier: Priority| tiers[i] = tiers[i].min(tier);
    if let Some(id) = focus.id {
        raise(id, Priority::Focus);
        for &imported in &imports[id] {
            raise(imported, Priority::Imports);
        }
        for (i, imported) in imports.iter().enumerate() {
            if imported.contains(&id) {
                raise(i, Priority::ImportedBy);
            }
        }
    }
    let package = parent(focus.rel);
    for (i, rel) in rels.iter().enumerate() {
        if parent(rel) == package {
            raise(i, Priority::SamePackage);
        }
    }

    let related: Vec<bool> = tiers.iter().map(|&t| t <= Priority::SamePackage).collect();
    let subjects: HashSet<&str> = rels
        .iter()
        .zip(&related)
        .filter(|&(_, &r)| r)
        .map(|(rel, _)| module_name(rel))
        .collect();
    let test_homes: HashSet<&str> = rels.iter().filter_map(|rel| test_home(rel)).collect();
    let nearest_home = ancestors(package).find(|dir| test_homes.contains(dir));
    for (i, rel) in rels.iter().enumerate() {
        if Priority::Tests < tiers[i]
            && is_test(rel)
            && (test_subject(rel).is_some_and(|s| subjects.contains(s))
                || imports
                    .get(i)
                    .is_some_and(|imp| imp.iter().any(|&j| related[j]))
                || (nearest_home.is_some() && test_home(rel) == nearest_home))
        {
            tiers[i] = Priority::Tests;
        }
    }
    tiers
}

fn file_name(rel: &str) -> &str {
    &rel[rel.rfind('/').map_or(0, |i| i + 1)..]
}

/// The name before the first dot: `auth` for `auth.test.ts`.
fn stem(rel: &str) -> &str {
    let name = file_name(rel);
    &name[..name.find('.').unwrap_or(name.len())]
}

/// What other files call this one: its stem, or its directory's name for `__init__.py`,
/// `index.ts`, `mod.rs`.
fn module_name(rel: &str) -> &str {
    let stem = stem(rel);
    if DIRECTORY_STEMS.contains(&stem) {
        file_name(parent(rel))
    } else {
        stem
    }
}

/// The directory holding a tests directory the file is in: `pkg` for `pkg/tests/unit/a.py`.
fn test_home(rel: &str) -> Option<&str> {
    let mut at = 0;
    for segment in parent(rel).split('/') {
        if TEST_DIRS.contains(&segment) {
            return Some(rel[..at].trim_end_matches('/'));
        }
        at += segment.len() + 1;
    }
    None
}

fn is_test(rel: &str) -> bool {
    let name = file_name(rel);
    let stem = stem(rel);
    test_home(rel).is_some()
        || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || stem == "conftest"
        || name.contains(".test.")
        || name.contains(".spec.")
}

/// The module a test file is named after: `auth` for `test_auth.py`, `auth_test.go`,
/// `auth.test.ts`, and `tests/auth.rs`.
fn test_subject(rel: &str) -> Option<&str> {
    let name = file_name(rel);
    let stem = stem(rel);
    let affixed = stem
        .strip_prefix("test_")
        .or_else(|| stem.strip_suffix("_test"))
        .or_else(|| stem.strip_suffix("_spec"));
    affixed.or_else(|| {
        (name.contains(".test.") || name.contains(".spec.") || test_home(rel).is_some())
            .then_some(stem)
    })
}

fn is_doc(rel: &str) -> bool {
    let name = file_name(rel);
    // `get`, not `[..6]`: byte 6 of a name like `abcde€.md` is inside a character.
    if name
        .get(..6)
        .is_some_and(|lead| lead.eq_ignore_ascii_case("readme"))
    {
        return true;
    }
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    let ext = ext.to_ascii_lowercase();
    let in_docs = parent(rel).split('/').any(|s| DOC_DIRS.contains(&s));
    DOC_EXTENSIONS.contains(&ext.as_str()) && (in_docs || (!rel.contains('/') && ext != "txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_are_known_by_name_or_directory() {
        for rel in [
            "tests/test_auth.py",
            "pkg/auth_test.go",
            "web/auth.test.ts",
            "web/auth.spec.tsx",
            "web/__tests__/auth.js",
            "conftest.py",
        ] {
            assert!(is_test(rel), "{rel}");
        }
        for rel in ["pkg/auth.py", "pkg/testing.py", "latest_results.py"] {
            assert!(!is_test(rel), "{rel}");
        }
    }

    #[test]
    fn a_test_names_the_module_it_tests() {
        assert_eq!(test_subject("tests/unit/test_auth.py"), Some("auth"));
        assert_eq!(test_subject("pkg/auth_test.go"), Some("auth"));
        assert_eq!(test_subject("web/auth.test.ts"), Some("auth"));
        assert_eq!(test_subject("tests/workspace.rs"), Some("workspace"));
        assert_eq!(test_subject("conftest.py"), None);
    }

    #[test]
    fn a_package_file_is_named_after_its_directory() {
        assert_eq!(module_name("app/auth/__init__.py"), "auth");
        assert_eq!(module_name("web/button/index.tsx"), "button");
        assert_eq!(module_name("app/auth.py"), "auth");
    }

    #[test]
    fn docs_are_readmes_docs_dirs_and_top_level_markdown() {
        for rel in [
            "README.md",
            "pkg/Readme.rst",
            "docs/guide/setup.md",
            "ARCHITECTURE.md",
        ] {
            assert!(is_doc(rel), "{rel}");
        }
        for rel in ["requirements.txt", "pkg/notes.md", "docs/conf.py"] {
            assert!(!is_doc(rel), "{rel}");
        }
    }

    /// Names a user can give a file: every tier function takes them without a panic, and
    /// the ones that are docs or tests are still known as such.
    #[test]
    fn hostile_names_are_classified_without_panicking() {
        // (path, is a doc, is a test)
        let cases = [
            ("abcde€.md", true, false),
            ("€", false, false),
            ("readm€", false, false),
            ("README€.md", true, false),
            ("Readme", true, false),
            ("日本語.md", true, false),
            ("docs/ñandú.rst", true, false),
            ("tests/€_test.py", false, true),
            ("pkg/test_é.py", false, true),
            ("🦀🦀🦀.rs", false, false),
            ("a.€", false, false),
            ("\u{200b}zero\u{200b}width.py", false, false),
            (".", false, false),
            ("", false, false),
            ("/", false, false),
            ("x/", false, false),
            ("é/ü/__init__.py", false, false),
        ];
        for (rel, doc, test) in cases {
            assert_eq!(is_doc(rel), doc, "is_doc({rel:?})");
            assert_eq!(is_test(rel), test, "is_test({rel:?})");
            let _ = (module_name(rel), test_subject(rel), test_home(rel));
        }
        let rels: Vec<&str> = cases.iter().map(|(rel, _, _)| *rel).collect();
        let imports = vec![Vec::new(); rels.len()];
        let focus = Focus {
            rel: "abcde€.md",
            id: Some(0),
        };
        assert_eq!(assign(&rels, &imports, Some(focus))[0], Priority::Focus);
    }

    #[test]
    fn the_test_home_is_the_directory_above_the_tests_directory() {
        assert_eq!(test_home("tests/test_a.py"), Some(""));
        assert_eq!(test_home("pkg/tests/unit/test_a.py"), Some("pkg"));
        assert_eq!(test_home("pkg/test_a.py"), None);
    }

    #[test]
    fn tiers_follow_imports_package_tests_and_docs() {
        let rels = [
            "app/views.py",        // 0 focus
            "app/models.py",       // 1 imported by the focus
            "app/urls.py",         // 2 imports the focus
            "app/forms.py",        // 3 same package
            "tests/test_forms.py", // 4 named after a same-package file
            "tests/test_other.py", // 5 in the tests dir nearest the focus
            "README.md",           // 6
            "lib/other.py",        // 7
        ];
        let imports = vec![
            vec![1],
            vec![],
            vec![0],
            vec![],
            vec![],
            vec![],
            vec![],
            vec![],
        ];
        let focus = Focus {
            rel: "app/views.py",
            id: Some(0),
        };
        assert_eq!(
            assign(&rels, &imports, Some(focus)),
            [
                Priority::Focus,
                Priority::Imports,
                Priority::ImportedBy,
                Priority::SamePackage,
                Priority::Tests,
                Priority::Tests,
                Priority::Docs,
                Priority::Rest
            ]
        );
    }

    #[test]
    fn without_a_focus_there_are_docs_and_the_rest() {
        let rels = ["README.md", "app/views.py", "tests/test_views.py"];
        assert_eq!(
            assign(&rels, &[], None),
            [Priority::Docs, Priority::Rest, Priority::Rest]
        );
    }
}
