//! Which workspace file an import names.
//!
//! Candidates are looked up in the set of files the walk found, never on disk, so resolving
//! every import of a large workspace costs hash lookups only. Best effort, as an editor's
//! "go to file" would do it without a build system: Python modules against the importer's
//! package and each directory above it (a `src/` layout and a flat one both work), relative
//! script specifiers with the usual extensions and `index` files, Rust `mod` files and
//! `crate::`/`self::`/`super::` paths, Go import paths against the module path of the
//! nearest `go.mod` (a package is its directory's `.go` files, tests left out). An import
//! naming a package outside the workspace resolves to nothing.

use std::collections::{HashMap, HashSet};

use super::imports::Import;

/// Extensions tried, in order, for a script specifier written without one.
const SCRIPT_EXTENSIONS: [&str; 8] = [".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"];
/// The same for a specifier naming a directory.
const SCRIPT_INDEXES: [&str; 8] = [
    "/index.ts",
    "/index.tsx",
    "/index.js",
    "/index.jsx",
    "/index.mjs",
    "/index.cjs",
    "/index.mts",
    "/index.cts",
];
/// Directories whose Rust files are each a crate root (their `mod x;` is a sibling file).
const RUST_ROOT_DIRS: [&str; 4] = ["tests", "benches", "examples", "bin"];

/// The workspace's files by relative path (`/`-separated), its directories, and a reused
/// probe buffer.
pub(super) struct Resolver<'a> {
    files: HashMap<&'a str, usize>,
    dirs: HashSet<&'a str>,
    /// Every name a Python module could be imported by at its top level: directory names and
    /// `.py` stems. Most imports name the standard library or a dependency; this settles
    /// them in one look.
    python_names: HashSet<&'a str>,
    /// Directory → its Go files other than tests: what importing the package brings in.
    go_packages: HashMap<&'a str, Vec<usize>>,
    /// `go.mod` directory → its module path.
    go_modules: HashMap<String, String>,
    probe: String,
}

impl<'a> Resolver<'a> {
    /// Files are numbered in the order given.
    pub(super) fn new(rels: impl IntoIterator<Item = &'a str>) -> Self {
        let files: HashMap<&str, usize> =
            rels.into_iter().enumerate().map(|(i, r)| (r, i)).collect();
        let mut dirs = HashSet::new();
        for rel in files.keys() {
            for dir in ancestors(parent(rel)) {
                if !dirs.insert(dir) {
                    break;
                }
            }
        }
        let python_names = files
            .keys()
            .filter_map(|rel| rel.strip_suffix(".py"))
            .chain(dirs.iter().copied())
            .map(|path| &path[path.rfind('/').map_or(0, |i| i + 1)..])
            .collect();
        let mut go_packages: HashMap<&str, Vec<usize>> = HashMap::new();
        for (rel, &id) in &files {
            if rel.ends_with(".go") && !rel.ends_with("_test.go") {
                go_packages.entry(parent(rel)).or_default().push(id);
            }
        }
        for ids in go_packages.values_mut() {
            ids.sort_unstable();
        }
        Resolver {
            files,
            dirs,
            python_names,
            go_packages,
            go_modules: HashMap::new(),
            probe: String::new(),
        }
    }

    /// Records what the file `rel` declares for others' imports to resolve against (a
    /// `go.mod`'s module path). Call for every file before resolving any.
    pub(super) fn declare(&mut self, rel: &str, import: &Import) {
        if let Import::GoModule(path) = import {
            self.go_modules
                .insert(parent(rel).to_string(), path.clone());
        }
    }

    /// Adds to `out` the numbers of the files `import`, written in `importer`, names.
    pub(super) fn resolve(&mut self, importer: &str, import: &Import, out: &mut Vec<usize>) {
        match import {
            Import::Python {
                level: 0,
                module,
                names,
            } => {
                let top = module.split('.').next().unwrap_or_default();
                if !self.python_names.contains(top) {
                    return;
                }
                for base in ancestors(parent(importer)) {
                    // Most bases hold no such top-level name: one look settles it.
                    if self.python_top_level(base, top)
                        && self.python_from(base, module, names, out)
                    {
                        break;
                    }
                }
            }
            Import::Python {
                level,
                module,
                names,
            } => {
                if let Some(base) = up(parent(importer), level - 1) {
                    self.python_from(base, module, names, out);
                }
            }
            Import::Script(spec) => self.script(importer, spec, out),
            Import::RustMod(name) => {
                let dir = rust_children_dir(importer);
                self.first(&dir, &[name], &[".rs", "/mod.rs"], out);
            }
            Import::RustUse(path) => self.rust_use(importer, path, out),
            Import::Go(path) => self.go(importer, path, out),
            Import::GoModule(_) => {}
        }
    }

    /// The package `path` names, if it is in the module of the nearest `go.mod` above
    /// `importer`.
    fn go(&self, importer: &str, path: &str, out: &mut Vec<usize>) {
        let Some((dir, module)) = ancestors(parent(importer))
            .find_map(|dir| self.go_modules.get(dir).map(|module| (dir, module)))
        else {
            return;
        };
        let Some(rest) = path.strip_prefix(module.as_str()) else {
            return;
        };
        let package = match rest.strip_prefix('/') {
            Some(rest) if dir.is_empty() => rest.to_string(),
            Some(rest) => format!("{dir}/{rest}"),
            None if rest.is_empty() => dir.to_string(),
            // `example.com/appx` is not in `example.com/app`.
            None => return,
        };
        if let Some(ids) = self.go_packages.get(package.as_str()) {
            out.extend(ids);
        }
    }

    /// `from module import names` in `base`: each name that is a submodule, and the module
    /// itself if some name is not (a function, a class) or there are none.
    fn python_from(
        &mut self,
        base: &str,
        module: &str,
        names: &[String],
        out: &mut Vec<usize>,
    ) -> bool {
        let before = out.len();
        let mut module_itself = names.is_empty();
        for name in names {
            let dotted = [module, name.as_str()];
            module_itself |= !self.first(base, &dotted, &[".py", "/__init__.py"], out);
        }
        if module_itself {
            if module.is_empty() {
                self.first(base, &[], &["/__init__.py"], out);
            } else {
                self.first(base, &[module], &[".py", "/__init__.py"], out);
            }
        }
        before < out.len()
    }

    /// `base` holds a module or package (a directory, with or without `__init__.py`)
    /// called `name`.
    fn python_top_level(&mut self, base: &str, name: &str) -> bool {
        self.probe.clear();
        if !base.is_empty() {
            self.probe.push_str(base);
            self.probe.push('/');
        }
        self.probe.push_str(name);
        if self.dirs.contains(self.probe.as_str()) {
            return true;
        }
        self.probe.push_str(".py");
        self.files.contains_key(self.probe.as_str())
    }

    fn script(&mut self, importer: &str, spec: &str, out: &mut Vec<usize>) {
        let mut segments: Vec<&str> = parent(importer)
            .split('/')
            .filter(|s| !s.is_empty())
            .collect();
        for segment in spec.split('/') {
            match segment {
                "" | "." => {}
                ".." => {
                    if segments.pop().is_none() {
                        return;
                    }
                }
                name => segments.push(name),
            }
        }
        let path = segments.join("/");
        if self.first(&path, &[], &[""], out) {
            return;
        }
        // TypeScript's ESM style names the compiled file: `./x.js` for `x.ts`.
        if let Some(stem) = [".js", ".jsx", ".mjs", ".cjs"]
            .iter()
            .find_map(|ext| path.strip_suffix(ext))
            && self.first(stem, &[], &[".ts", ".tsx", ".mts", ".cts"], out)
        {
            return;
        }
        if !self.first(&path, &[], &SCRIPT_EXTENSIONS, out) {
            self.first(&path, &[], &SCRIPT_INDEXES, out);
        }
    }

    /// The module file of the longest prefix of the path that is one; failing that, the
    /// file of the module the path starts from (the item is defined there).
    fn rust_use(&mut self, importer: &str, path: &[String], out: &mut Vec<usize>) {
        let (dir, rest) = match path.first().map(String::as_str) {
            Some("crate") => {
                let Some(dir) = ancestors(parent(importer))
                    .find(|dir| self.exists(dir, "lib.rs") || self.exists(dir, "main.rs"))
                else {
                    return;
                };
                (dir.to_string(), &path[1..])
            }
            Some("self") => (rust_children_dir(importer), &path[1..]),
            Some("super") => {
                let supers = path.iter().take_while(|s| *s == "super").count();
                let Some(dir) = up(&rust_children_dir(importer), supers).map(str::to_string) else {
                    return;
                };
                (dir, &path[supers..])
            }
            _ => return,
        };
        for len in (1..=rest.len()).rev() {
            let segments: Vec<&str> = rest[..len].iter().map(String::as_str).collect();
            if self.first(&dir, &segments, &[".rs", "/mod.rs"], out) {
                return;
            }
        }
        if dir.is_empty() {
            self.first("", &[], &["lib.rs", "main.rs"], out);
        } else {
            self.first(&dir, &[], &[".rs", "/mod.rs", "/lib.rs", "/main.rs"], out);
        }
    }

    /// Tries `base/segments...` with each suffix in turn (dots in a segment are path
    /// separators: Python's dotted names); adds the first file found.
    fn first(
        &mut self,
        base: &str,
        segments: &[&str],
        suffixes: &[&str],
        out: &mut Vec<usize>,
    ) -> bool {
        self.probe.clear();
        self.probe.push_str(base);
        for segment in segments.iter().flat_map(|s| s.split('.')) {
            if segment.is_empty() {
                continue;
            }
            if !self.probe.is_empty() {
                self.probe.push('/');
            }
            self.probe.push_str(segment);
        }
        let stem = self.probe.len();
        for suffix in suffixes {
            self.probe.truncate(stem);
            // At the root, `/__init__.py` is `__init__.py`.
            let suffix = if stem == 0 {
                suffix.trim_start_matches('/')
            } else {
                suffix
            };
            self.probe.push_str(suffix);
            if let Some(&id) = self.files.get(self.probe.as_str()) {
                out.push(id);
                return true;
            }
        }
        false
    }

    fn exists(&self, dir: &str, name: &str) -> bool {
        if dir.is_empty() {
            self.files.contains_key(name)
        } else {
            self.files.contains_key(format!("{dir}/{name}").as_str())
        }
    }
}

/// The directory of a relative path (`""` for the root).
pub(super) fn parent(rel: &str) -> &str {
    rel.rfind('/').map_or("", |i| &rel[..i])
}

/// `dir`, its parent, ..., the root (`""`).
pub(super) fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(dir), |d| (!d.is_empty()).then(|| parent(d)))
}

/// `levels` directories above `dir`, if the root is not passed.
fn up(dir: &str, levels: usize) -> Option<&str> {
    (0..levels).try_fold(dir, |d, _| (!d.is_empty()).then(|| parent(d)))
}

/// Where a Rust file's `mod x;` children live: beside a crate root or `mod.rs`, in a
/// directory named after any other module file.
fn rust_children_dir(rel: &str) -> String {
    let dir = parent(rel);
    let name = &rel[rel.rfind('/').map_or(0, |i| i + 1)..];
    let dir_name = &dir[dir.rfind('/').map_or(0, |i| i + 1)..];
    if matches!(name, "lib.rs" | "main.rs" | "mod.rs") || RUST_ROOT_DIRS.contains(&dir_name) {
        dir.to_string()
    } else {
        rel.strip_suffix(".rs").unwrap_or(rel).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::imports::{Lang, scan};
    use super::*;

    const FILES: [&str; 18] = [
        "src/app/__init__.py",
        "src/app/models.py",
        "src/app/views.py",
        "src/app/db/__init__.py",
        "src/app/db/session.py",
        "scripts/run.py",
        "scripts/util.py",
        "web/src/api.ts",
        "web/src/components/index.tsx",
        "web/src/lib/fmt.ts",
        "web/src/main.ts",
        "crate/src/lib.rs",
        "crate/src/net.rs",
        "crate/src/net/http.rs",
        "crate/src/store/mod.rs",
        "crate/src/store/disk.rs",
        "crate/tests/it.rs",
        "crate/tests/support.rs",
    ];

    /// The files `source`, written in `importer`, imports.
    fn resolved(importer: &str, source: &str) -> Vec<&'static str> {
        let mut resolver = Resolver::new(FILES);
        let lang = Lang::of(std::path::Path::new(importer)).unwrap();
        let mut out = Vec::new();
        for import in scan(lang, source.as_bytes()) {
            resolver.resolve(importer, &import, &mut out);
        }
        out.into_iter().map(|i| FILES[i]).collect()
    }

    #[test]
    fn python_absolute_imports_resolve_against_the_package_and_the_dirs_above() {
        let importer = "src/app/views.py";
        assert_eq!(
            resolved(importer, "import app.models"),
            ["src/app/models.py"]
        );
        assert_eq!(
            resolved(importer, "import app.db"),
            ["src/app/db/__init__.py"]
        );
        assert_eq!(
            resolved(importer, "from app.db import session, Base"),
            ["src/app/db/session.py", "src/app/db/__init__.py"]
        );
        assert_eq!(resolved(importer, "import os, requests"), [] as [&str; 0]);
        assert_eq!(
            resolved("scripts/run.py", "import util"),
            ["scripts/util.py"]
        );
    }

    #[test]
    fn python_relative_imports_resolve_from_the_importers_package() {
        let importer = "src/app/db/session.py";
        assert_eq!(
            resolved(importer, "from . import Base"),
            ["src/app/db/__init__.py"]
        );
        assert_eq!(
            resolved(importer, "from .. import models"),
            ["src/app/models.py"]
        );
        assert_eq!(
            resolved(importer, "from ..views import index"),
            ["src/app/views.py"]
        );
        assert_eq!(resolved(importer, "from ....... import x"), [] as [&str; 0]);
    }

    #[test]
    fn script_specifiers_resolve_with_extensions_and_index_files() {
        let importer = "web/src/main.ts";
        assert_eq!(
            resolved(
                importer,
                "import { api } from './api';\nimport C from './components';\nimport { f } from './lib/fmt.js';"
            ),
            [
                "web/src/api.ts",
                "web/src/components/index.tsx",
                "web/src/lib/fmt.ts"
            ]
        );
        assert_eq!(
            resolved("web/src/lib/fmt.ts", "import { api } from '../api'"),
            ["web/src/api.ts"]
        );
        assert_eq!(
            resolved(importer, "import x from '../../../../x'"),
            [] as [&str; 0]
        );
    }

    #[test]
    fn rust_mods_and_crate_paths_resolve_to_module_files() {
        assert_eq!(
            resolved("crate/src/lib.rs", "mod net;\nmod store;"),
            ["crate/src/net.rs", "crate/src/store/mod.rs"]
        );
        assert_eq!(
            resolved("crate/src/net.rs", "mod http;"),
            ["crate/src/net/http.rs"]
        );
        assert_eq!(
            resolved(
                "crate/src/net/http.rs",
                "use crate::store::disk::Disk;\nuse super::Net;\nuse crate::Error;"
            ),
            [
                "crate/src/store/disk.rs",
                "crate/src/net.rs",
                "crate/src/lib.rs"
            ]
        );
        assert_eq!(
            resolved("crate/tests/it.rs", "mod support;"),
            ["crate/tests/support.rs"]
        );
    }

    #[test]
    fn go_imports_resolve_to_the_package_directory_under_the_go_mod() {
        let files = [
            "svc/go.mod",
            "svc/main.go",
            "svc/internal/auth/auth.go",
            "svc/internal/auth/token.go",
            "svc/internal/auth/auth_test.go",
            "svc/internal/authz/authz.go",
        ];
        let mut resolver = Resolver::new(files);
        let lang = |rel: &str| Lang::of(std::path::Path::new(rel)).unwrap();
        let sources = [
            ("svc/go.mod", "module example.com/svc\n\ngo 1.22\n"),
            (
                "svc/main.go",
                "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/svc/internal/auth\"\n\t\"example.com/svcx/other\"\n)\n",
            ),
        ];
        for (rel, text) in sources {
            for import in scan(lang(rel), text.as_bytes()) {
                resolver.declare(rel, &import);
            }
        }
        let mut out = Vec::new();
        for import in scan(lang(sources[1].0), sources[1].1.as_bytes()) {
            resolver.resolve(sources[1].0, &import, &mut out);
        }
        let resolved: Vec<&str> = out.into_iter().map(|i| files[i]).collect();
        assert_eq!(
            resolved,
            ["svc/internal/auth/auth.go", "svc/internal/auth/token.go"]
        );
    }

    #[test]
    fn ancestors_end_at_the_root() {
        assert_eq!(ancestors("a/b").collect::<Vec<_>>(), ["a/b", "a", ""]);
        assert_eq!(up("a/b", 2), Some(""));
        assert_eq!(up("a/b", 3), None);
    }
}
