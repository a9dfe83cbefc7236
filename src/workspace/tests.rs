//! `pack` on generated workspaces: what comes first, what is left out and why.

use std::path::{Path, PathBuf};

use super::*;

struct Workspace(tempfile::TempDir);

impl Workspace {
    fn new(files: &[(&str, &str)]) -> Workspace {
        let ws = Workspace(tempfile::tempdir().unwrap());
        for (path, text) in files {
            ws.write(path, text.as_bytes());
        }
        ws
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let path = self.0.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn root(&self) -> &Path {
        self.0.path()
    }

    fn pack(&self, focus: Option<&str>, budget: usize) -> Packed {
        pack(self.root(), focus.map(Path::new), &[], budget).unwrap()
    }
}

/// A Python project with a file in every tier around `app/views.py`.
fn project() -> Workspace {
    Workspace::new(&[
        ("app/__init__.py", ""),
        (
            "app/views.py",
            "from app.models import User\nfrom . import forms\n\ndef index():\n    return User()\n",
        ),
        ("app/models.py", "class User:\n    pass\n"),
        ("app/forms.py", "FIELDS = ['name']\n"),
        (
            "app/urls.py",
            "from app.views import index\n\nroutes = [index]\n",
        ),
        ("api/handlers.py", "from app import views\n"),
        ("core/db.py", "ENGINE = None\n"),
        ("tests/test_models.py", "from app.models import User\n"),
        ("tests/test_db.py", "from core.db import ENGINE\n"),
        ("README.md", "# The app\n"),
        ("docs/setup.md", "Run it.\n"),
        ("setup.cfg", "[metadata]\nname = app\n"),
    ])
}

fn tiers(packed: &Packed) -> Vec<(&str, Priority)> {
    packed
        .manifest
        .included
        .iter()
        .map(|(path, tier, _)| (path.to_str().unwrap(), *tier))
        .collect()
}

fn left_out(packed: &Packed) -> Vec<(&str, LeftOut)> {
    packed
        .manifest
        .left_out
        .iter()
        .map(|(path, why)| (path.to_str().unwrap(), why.clone()))
        .collect()
}

#[test]
fn files_are_packed_by_tier_around_the_focus_smaller_first_within_a_tier() {
    let packed = project().pack(Some("app/views.py"), 100_000);
    assert_eq!(
        tiers(&packed),
        [
            ("app/views.py", Priority::Focus),
            ("app/forms.py", Priority::Imports),
            ("app/models.py", Priority::Imports),
            ("api/handlers.py", Priority::ImportedBy),
            ("app/urls.py", Priority::ImportedBy),
            ("app/__init__.py", Priority::SamePackage),
            // Imports a file imported by the focus; the tests dir nearest the focus.
            ("tests/test_db.py", Priority::Tests),
            ("tests/test_models.py", Priority::Tests),
            ("docs/setup.md", Priority::Docs),
            ("README.md", Priority::Docs),
            ("core/db.py", Priority::Rest),
            ("setup.cfg", Priority::Rest),
        ]
    );
}

#[test]
fn the_manifest_comes_first_and_the_pieces_follow_it_in_order() {
    let packed = project().pack(Some("app/views.py"), 100_000);
    let first = &packed.pieces[0];
    assert_eq!(first.label, MANIFEST_LABEL);
    assert_eq!(first.text, packed.manifest.to_markdown());
    assert!(
        first.text.contains("| app/views.py | focus |"),
        "{}",
        first.text
    );
    let labels: Vec<&str> = packed.pieces[1..]
        .iter()
        .map(|p| p.label.as_str())
        .collect();
    let manifest: Vec<&str> = tiers(&packed).into_iter().map(|(p, _)| p).collect();
    assert_eq!(labels, manifest);
    let models = packed.pieces.iter().find(|p| p.label == "app/models.py");
    assert_eq!(models.unwrap().text, "class User:\n    pass\n");
    assert_eq!(
        packed.manifest.included[2].2,
        crate::context::estimate("class User:\n    pass\n")
    );
}

#[test]
fn relative_imports_resolve_from_the_focus_package() {
    let ws = Workspace::new(&[
        (
            "pkg/sub/mod.py",
            "from . import helpers\nfrom ..core import base\n",
        ),
        ("pkg/sub/helpers.py", "X = 1\n"),
        ("pkg/core/base.py", "Y = 2\n"),
        ("pkg/core/other.py", "Z = 3\n"),
    ]);
    let packed = ws.pack(Some("pkg/sub/mod.py"), 100_000);
    assert_eq!(
        tiers(&packed),
        [
            ("pkg/sub/mod.py", Priority::Focus),
            ("pkg/core/base.py", Priority::Imports),
            ("pkg/sub/helpers.py", Priority::Imports),
            ("pkg/core/other.py", Priority::Rest),
        ]
    );
}

#[test]
fn script_and_rust_imports_are_followed_too() {
    let ws = Workspace::new(&[
        ("web/main.ts", "import { api } from './api';\n"),
        ("web/api.ts", "export const api = 1;\n"),
        ("web/lib/x.ts", "import { api } from '../api';\n"),
        ("web/api.test.ts", "test('api', () => {});\n"),
        ("src/lib.rs", "mod net;\n"),
        ("src/net.rs", "use crate::store::Disk;\n"),
        ("src/store.rs", "pub struct Disk;\n"),
    ]);
    let packed = ws.pack(Some("web/api.ts"), 100_000);
    let web: Vec<_> = tiers(&packed)
        .into_iter()
        .filter(|(p, _)| p.starts_with("web"))
        .collect();
    assert_eq!(
        web,
        [
            ("web/api.ts", Priority::Focus),
            ("web/main.ts", Priority::ImportedBy),
            ("web/lib/x.ts", Priority::ImportedBy),
            ("web/api.test.ts", Priority::SamePackage),
        ]
    );
    let packed = ws.pack(Some("src/net.rs"), 100_000);
    assert_eq!(
        tiers(&packed)[..3],
        [
            ("src/net.rs", Priority::Focus),
            ("src/store.rs", Priority::Imports),
            ("src/lib.rs", Priority::ImportedBy),
        ]
    );
}

#[test]
fn go_packages_are_imported_by_their_path_under_the_go_mod() {
    let ws = Workspace::new(&[
        ("go.mod", "module example.com/shop\n\ngo 1.22\n"),
        (
            "cmd/shop/main.go",
            "package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/shop/internal/cart\"\n)\n",
        ),
        ("internal/cart/cart.go", "package cart\n"),
        ("internal/cart/cart_test.go", "package cart\n"),
        (
            "internal/api/api.go",
            "package api\n\nimport \"example.com/shop/internal/cart\"\n",
        ),
        (
            "internal/api/api_test.go",
            "package api_test\n\nimport \"example.com/shop/internal/api\"\n",
        ),
        ("internal/other/other.go", "package other\n"),
    ]);
    let packed = ws.pack(Some("internal/cart/cart.go"), 100_000);
    let go: Vec<_> = tiers(&packed)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".go"))
        .collect();
    assert_eq!(
        go,
        [
            ("internal/cart/cart.go", Priority::Focus),
            ("internal/api/api.go", Priority::ImportedBy),
            ("cmd/shop/main.go", Priority::ImportedBy),
            ("internal/cart/cart_test.go", Priority::SamePackage),
            ("internal/api/api_test.go", Priority::Tests),
            ("internal/other/other.go", Priority::Rest),
        ]
    );
}

#[test]
fn script_test_and_spec_files_and_import_forms_are_known() {
    let ws = Workspace::new(&[
        ("web/auth.ts", "export const verify = () => true;\n"),
        (
            "web/app.tsx",
            "import type { Claims } from './auth';\nexport { verify } from './auth';\n",
        ),
        ("web/lazy.js", "const auth = await import('./auth.js');\n"),
        ("web/legacy.cjs", "const { verify } = require('./auth');\n"),
        ("web/spec/auth.spec.js", "test('verify')\n"),
        ("web/__tests__/auth.jsx", "test('verify')\n"),
        ("lib/unrelated.ts", "export {};\n"),
    ]);
    let packed = ws.pack(Some("web/auth.ts"), 100_000);
    // Within a tier, smaller files first: compare by tier, then path.
    let mut found = tiers(&packed);
    found.sort_by_key(|&(path, tier)| (tier, path));
    assert_eq!(
        found,
        [
            ("web/auth.ts", Priority::Focus),
            ("web/app.tsx", Priority::ImportedBy),
            ("web/lazy.js", Priority::ImportedBy),
            ("web/legacy.cjs", Priority::ImportedBy),
            ("web/__tests__/auth.jsx", Priority::Tests),
            ("web/spec/auth.spec.js", Priority::Tests),
            ("lib/unrelated.ts", Priority::Rest),
        ]
    );
}

#[test]
fn tests_of_related_files_come_before_docs() {
    let ws = Workspace::new(&[
        ("src/shop/cart.py", "ITEMS = []\n"),
        ("tests/unit/test_cart.py", "def test_cart(): pass\n"),
        ("web/cart.test.js", "test('cart')\n"),
        ("lib/other_test.go", "package lib\n"),
        ("README.md", "# Shop\n"),
    ]);
    let packed = ws.pack(Some("src/shop/cart.py"), 100_000);
    assert_eq!(
        tiers(&packed),
        [
            ("src/shop/cart.py", Priority::Focus),
            ("web/cart.test.js", Priority::Tests),
            ("tests/unit/test_cart.py", Priority::Tests),
            ("README.md", Priority::Docs),
            ("lib/other_test.go", Priority::Rest),
        ]
    );
}

#[test]
fn without_a_focus_docs_come_first() {
    let packed = project().pack(None, 100_000);
    let first: Vec<_> = tiers(&packed).into_iter().take(3).collect();
    assert_eq!(
        first,
        [
            ("docs/setup.md", Priority::Docs),
            ("README.md", Priority::Docs),
            ("app/__init__.py", Priority::Rest),
        ]
    );
}

#[test]
fn an_absolute_focus_is_taken_relative_to_the_root_and_an_unsaved_one_still_has_a_package() {
    let ws = project();
    let absolute = ws.root().join("app/views.py");
    let packed = pack(ws.root(), Some(&absolute), &[], 100_000).unwrap();
    assert_eq!(tiers(&packed)[0], ("app/views.py", Priority::Focus));

    let unsaved = ws.root().join("app/new.py");
    let packed = pack(ws.root(), Some(&unsaved), &[], 100_000).unwrap();
    assert!(
        tiers(&packed)[..5]
            .iter()
            .all(|(p, t)| p.starts_with("app/") && *t == Priority::SamePackage),
        "{:?}",
        tiers(&packed)
    );
}

#[test]
fn files_over_the_budget_are_left_out_whole_and_listed_nearest_first() {
    let ws = project();
    let all = ws.pack(Some("app/views.py"), 100_000);
    let needed = all
        .pieces
        .iter()
        .map(|p| crate::context::estimate(&p.text))
        .sum::<usize>();
    let packed = ws.pack(Some("app/views.py"), needed / 2 + 600);

    let included: Vec<&str> = tiers(&packed).into_iter().map(|(p, _)| p).collect();
    assert!(
        included.starts_with(&["app/views.py", "app/forms.py"]),
        "{included:?}"
    );
    assert!(included.len() < all.manifest.included.len());
    for piece in &packed.pieces[1..] {
        let whole = std::fs::read_to_string(ws.root().join(&piece.label)).unwrap();
        assert_eq!(piece.text, whole, "{} was cut", piece.label);
    }
    let over: Vec<&str> = left_out(&packed)
        .into_iter()
        .filter(|(_, why)| *why == LeftOut::OverBudget)
        .map(|(p, _)| p)
        .collect();
    let mut both: Vec<&str> = included.iter().chain(&over).copied().collect();
    both.sort();
    let mut expected: Vec<&str> = tiers(&all).into_iter().map(|(p, _)| p).collect();
    expected.sort();
    assert_eq!(both, expected, "every file is either included or listed");
    let nearest_left_out = all
        .manifest
        .included
        .iter()
        .position(|(p, _, _)| p == Path::new(over[0]));
    let next_after_included = all
        .manifest
        .included
        .iter()
        .position(|(p, _, _)| !included.contains(&p.to_str().unwrap()));
    assert_eq!(nearest_left_out, next_after_included);
    assert!(
        packed
            .manifest
            .to_markdown()
            .contains("over the model's context budget")
    );
}

#[test]
fn the_token_budget_covers_the_manifest_and_the_fences() {
    let ws = project();
    let fence = crate::roles::Fence::new();
    for budget in [150, 300, 450, 600, 900] {
        let packed = ws.pack(Some("app/views.py"), budget);
        let fenced: usize = packed
            .pieces
            .iter()
            .map(|p| crate::context::estimate(&fence.wrap(p, false)))
            .sum();
        assert!(
            fenced <= budget || packed.pieces.len() == 1,
            "{fenced} > {budget}"
        );
    }
}

#[test]
fn binaries_and_huge_files_are_skipped_with_the_reason() {
    let ws = project();
    ws.write("app/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR");
    ws.write("data/dump.sql", &vec![b'x'; 1024 * 1024 + 1]);
    let packed = ws.pack(Some("app/views.py"), 100_000);
    let skipped = left_out(&packed);
    assert!(
        skipped.contains(&("app/logo.png", LeftOut::Binary)),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("data/dump.sql", LeftOut::TooLarge)),
        "{skipped:?}"
    );
    assert!(tiers(&packed).iter().all(|(p, _)| !p.ends_with(".png")));
}

#[test]
fn gitignored_files_are_not_seen_and_excluded_ones_are_listed() {
    let ws = project();
    ws.write(".gitignore", b"secrets/\n*.log\n");
    ws.write("secrets/key.py", b"KEY = 'x'\n");
    ws.write("app/debug.log", b"trace\n");
    ws.write("fixtures/big/a.json", b"{}\n");
    ws.write("app/schema.gen.py", b"X = 1\n");
    let exclude = ["fixtures/".to_string(), "*.gen.py".to_string()];
    let packed = pack(
        ws.root(),
        Some(Path::new("app/views.py")),
        &exclude,
        100_000,
    )
    .unwrap();
    let seen: Vec<String> = packed
        .manifest
        .included
        .iter()
        .map(|(p, _, _)| p.display().to_string())
        .chain(
            packed
                .manifest
                .left_out
                .iter()
                .map(|(p, _)| p.display().to_string()),
        )
        .collect();
    assert!(
        !seen
            .iter()
            .any(|p| p.starts_with("secrets") || p.ends_with(".log")),
        "{seen:?}"
    );
    let skipped = left_out(&packed);
    assert!(
        skipped.contains(&("fixtures", LeftOut::Excluded)),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&("app/schema.gen.py", LeftOut::Excluded)),
        "{skipped:?}"
    );
    // A directory is one entry, not one per file.
    assert!(!skipped.iter().any(|(p, _)| p.starts_with("fixtures/")));
}

#[test]
fn gitignore_is_honoured_outside_a_git_repository_too() {
    let ws = project();
    assert!(!ws.root().join(".git").exists());
    ws.write(".gitignore", b"core/\n");
    let packed = ws.pack(None, 100_000);
    assert!(tiers(&packed).iter().all(|(p, _)| !p.starts_with("core")));
}

#[test]
fn outside_a_repository_no_gitignore_above_the_root_applies() {
    let outer = Workspace::new(&[(".gitignore", "*\n"), ("project/app.py", "X = 1\n")]);
    let root = outer.root().join("project");
    let packed = pack(&root, None, &[], 100_000).unwrap();
    assert_eq!(tiers(&packed), [("app.py", Priority::Rest)]);
}

#[test]
fn inside_a_repository_gitignore_applies_up_to_its_top() {
    let repo = Workspace::new(&[(".gitignore", "*.gen.py\n"), ("project/app.py", "X = 1\n")]);
    repo.write("project/schema.gen.py", b"Y = 2\n");
    std::fs::create_dir(repo.root().join(".git")).unwrap();
    let packed = pack(&repo.root().join("project"), None, &[], 100_000).unwrap();
    assert_eq!(tiers(&packed), [("app.py", Priority::Rest)]);
}

#[test]
fn generated_directories_and_lock_files_are_pruned_even_when_not_ignored() {
    let ws = project();
    ws.write("node_modules/left-pad/index.js", b"module.exports = 1\n");
    ws.write("build/lib/app/views.py", b"# a copy\n");
    ws.write("app/__pycache__/views.cpython-312.pyc", b"\x00\x00");
    ws.write("package-lock.json", b"{}\n");
    ws.write("web/app.min.js", b"var a=1\n");
    let packed = ws.pack(Some("app/views.py"), 100_000);
    let skipped = left_out(&packed);
    for path in [
        "node_modules",
        "build",
        "app/__pycache__",
        "package-lock.json",
        "web/app.min.js",
    ] {
        assert!(
            skipped.contains(&(path, LeftOut::Generated)),
            "{path}: {skipped:?}"
        );
    }
    assert!(!skipped.iter().any(|(p, _)| p.starts_with("node_modules/")));
}

#[test]
fn a_bad_exclude_pattern_or_a_missing_root_is_an_error() {
    let ws = project();
    let err = pack(ws.root(), None, &["a/**{".into()], 1_000).unwrap_err();
    assert!(err.to_string().contains("a/**{"), "{err}");
    let missing = PathBuf::from("/nonexistent/multi-model");
    let err = pack(&missing, None, &[], 1_000).unwrap_err();
    assert!(matches!(err, WorkspaceError::NoRoot { .. }), "{err}");
}

#[test]
fn an_empty_workspace_packs_to_the_manifest_alone() {
    let ws = Workspace::new(&[]);
    let packed = ws.pack(None, 1_000);
    assert_eq!(packed.pieces.len(), 1);
    assert!(
        packed.pieces[0]
            .text
            .starts_with("Workspace manifest: 0 files included")
    );
}

#[test]
fn the_filter_admits_what_the_walk_reads_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (rel, text) in [
        ("app/views.py", "x = 1\n"),
        ("build/gen.py", "x = 1\n"),
        (".venv/lib/site.py", "x = 1\n"),
        ("vendored/lib.py", "x = 1\n"),
        ("app/secret_gen.py", "x = 1\n"),
        ("app/keep.py", "x = 1\n"),
        (".gitignore", "vendored/\n"),
        ("app/.gitignore", "*_gen.py\n"),
    ] {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let filter = Filter::new(root, &["app/keep.py".to_string()]).unwrap();
    let admitted = |rel: &str| filter.admits(&root.join(rel));
    assert!(admitted("app/views.py"));
    assert!(!admitted("build/gen.py"), "generated directory");
    assert!(!admitted(".venv/lib/site.py"), "hidden directory");
    assert!(!admitted("vendored/lib.py"), "root .gitignore");
    assert!(!admitted("app/secret_gen.py"), "nested .gitignore");
    assert!(!admitted("app/keep.py"), "context.exclude");
}
