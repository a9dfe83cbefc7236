//! Walking the whole workspace: every text file read once and scanned by the caller (its
//! imports for packing, its symbols for the index), on all cores.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{DirEntry, WalkBuilder, WalkState};

use super::{LeftOut, WorkspaceError, file};

/// Build output, dependencies and caches: pruned even when not gitignored (a project
/// without a .gitignore still has them after a build). Hidden directories (`.git`,
/// `.venv`, `.tox`) never get this far: the walk skips hidden files.
const GENERATED_DIRS: [&str; 7] = [
    "node_modules",
    "target",
    "dist",
    "build",
    "venv",
    "site-packages",
    "__pycache__",
];

/// Whether a directory of this name holds build output, dependencies or caches.
pub fn is_generated_dir(name: &OsStr) -> bool {
    GENERATED_DIRS.iter().any(|g| name == OsStr::new(g))
}

/// A walker over `root` with the workspace's rules for ignore files (see
/// `inside_repository`); hidden files are skipped and symbolic links not followed, as
/// `WalkBuilder` does by default. Generated directories are the caller's to prune
/// (`is_generated_dir`): the packing walk lists them as left out.
pub fn walker(root: &Path) -> WalkBuilder {
    let in_repository = inside_repository(root);
    let mut builder = WalkBuilder::new(root);
    builder.require_git(in_repository).parents(in_repository);
    builder
}
/// Generated files that are text and under the size limit but carry nothing to plan with.
const GENERATED_FILES: [&str; 10] = [
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
    "composer.lock",
    "go.sum",
    "Gemfile.lock",
];
const MINIFIED_SUFFIXES: [&str; 3] = [".min.js", ".min.css", ".map"];

/// A text file of the workspace, as scanned: what the caller's scan kept of it (the text
/// itself is not kept, so memory stays at one file per thread however large the workspace).
pub struct Source<T> {
    /// Relative to the root, `/`-separated.
    pub rel: String,
    pub path: PathBuf,
    pub bytes: usize,
    pub scanned: T,
}

/// Everything the walk saw, in path order.
pub struct Walked<T> {
    pub sources: Vec<Source<T>>,
    pub left_out: Vec<(PathBuf, LeftOut)>,
}

enum Found<T> {
    Source(Source<T>),
    LeftOut(PathBuf, LeftOut),
}

/// Walks `root`: .gitignore and .ignore files honoured (see `inside_repository`), hidden
/// files skipped, symbolic links not followed, `exclude` (gitignore syntax, relative to
/// `root`) and generated directories pruned. `scan` sees each text file's path and bytes
/// once, on the walking thread.
pub fn walk<T: Send>(
    root: &Path,
    exclude: &[String],
    scan: impl Fn(&Path, &[u8]) -> T + Sync,
) -> Result<Walked<T>, WorkspaceError> {
    if !root.is_dir() {
        return Err(WorkspaceError::NoRoot {
            root: root.to_path_buf(),
        });
    }
    let excluded = exclude_matcher(root, exclude)?;
    let (sender, receiver) = mpsc::channel();
    walker(root).build_parallel().run(|| {
        let sender = sender.clone();
        let (excluded, scan) = (&excluded, &scan);
        let mut buffer = Vec::new();
        Box::new(move |entry| {
            let Ok(entry) = entry else {
                return WalkState::Continue;
            };
            let (found, state) = visit(root, excluded, scan, &entry, &mut buffer);
            if let Some(found) = found {
                // The receiver outlives the walk.
                let _ = sender.send(found);
            }
            state
        })
    });
    drop(sender);
    let mut walked = Walked {
        sources: Vec::new(),
        left_out: Vec::new(),
    };
    for found in receiver {
        match found {
            Found::Source(source) => walked.sources.push(source),
            Found::LeftOut(path, why) => walked.left_out.push((path, why)),
        }
    }
    walked.sources.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    walked.left_out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(walked)
}

/// Whether `root` is in a git repository. If so, .gitignore files apply as git applies
/// them, up to the repository's top. If not, those in `root` and below still apply (as
/// they would after a `git init` there: an unpacked archive keeps its intent), but none
/// above it: a home directory's `.gitignore` of `*` is not this project's.
fn inside_repository(root: &Path) -> bool {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().any(|dir| dir.join(".git").exists())
}

fn exclude_matcher(root: &Path, exclude: &[String]) -> Result<Gitignore, WorkspaceError> {
    let mut builder = GitignoreBuilder::new(root);
    for pattern in exclude {
        builder
            .add_line(None, pattern)
            .map_err(|err| WorkspaceError::BadPattern {
                pattern: pattern.clone(),
                reason: err.to_string(),
            })?;
    }
    builder.build().map_err(|err| WorkspaceError::BadPattern {
        pattern: exclude.join(" "),
        reason: err.to_string(),
    })
}

fn visit<T>(
    root: &Path,
    excluded: &Gitignore,
    scan: &impl Fn(&Path, &[u8]) -> T,
    entry: &DirEntry,
    buffer: &mut Vec<u8>,
) -> (Option<Found<T>>, WalkState) {
    if entry.depth() == 0 {
        return (None, WalkState::Continue);
    }
    let path = entry.path();
    let rel = path.strip_prefix(root).unwrap_or(path);
    let Some(kind) = entry.file_type() else {
        return (None, WalkState::Continue);
    };
    let left_out = |why| Some(Found::LeftOut(rel.to_path_buf(), why));
    if kind.is_dir() {
        if excluded.matched(path, true).is_ignore() {
            return (left_out(LeftOut::Excluded), WalkState::Skip);
        }
        if is_generated_dir(entry.file_name()) {
            return (left_out(LeftOut::Generated), WalkState::Skip);
        }
        return (None, WalkState::Continue);
    }
    if !kind.is_file() {
        return (None, WalkState::Continue);
    }
    if excluded.matched(path, false).is_ignore() {
        return (left_out(LeftOut::Excluded), WalkState::Continue);
    }
    let name = entry.file_name().to_string_lossy();
    if GENERATED_FILES.contains(&name.as_ref())
        || MINIFIED_SUFFIXES.iter().any(|s| name.ends_with(s))
    {
        return (left_out(LeftOut::Generated), WalkState::Continue);
    }
    let found = match file::read_into(path, buffer) {
        Ok(()) => Found::Source(Source {
            rel: slash_separated(rel),
            path: path.to_path_buf(),
            bytes: buffer.len(),
            scanned: scan(path, buffer),
        }),
        Err(why) => Found::LeftOut(rel.to_path_buf(), why),
    };
    (Some(found), WalkState::Continue)
}

/// A relative path as the workspace names its files (how imports are resolved and the
/// index keys them), whatever the platform's separator.
pub fn slash_separated(rel: &Path) -> String {
    let parts: Vec<_> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

/// The walk's rules for one path at a time: for files the editor reports changed, which
/// must be left out of the index just as the walk would leave them out.
pub struct Filter {
    root: PathBuf,
    excluded: Gitignore,
}

impl Filter {
    pub fn new(root: &Path, exclude: &[String]) -> Result<Filter, WorkspaceError> {
        Ok(Filter {
            root: root.to_path_buf(),
            excluded: exclude_matcher(root, exclude)?,
        })
    }

    /// Whether the walk would read `path` (a file under the root): not hidden, not in a
    /// generated directory, not excluded, not ignored by a .gitignore or .ignore between
    /// the root and the file.
    pub fn admits(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return false;
        };
        let names: Vec<&OsStr> = rel.components().map(|c| c.as_os_str()).collect();
        let Some((file, dirs)) = names.split_last() else {
            return false;
        };
        let hidden = |name: &&OsStr| name.to_string_lossy().starts_with('.');
        if names.iter().any(hidden)
            || dirs.iter().any(|d| is_generated_dir(d))
            || GENERATED_FILES.iter().any(|g| *file == OsStr::new(g))
        {
            return false;
        }
        if self
            .excluded
            .matched_path_or_any_parents(path, false)
            .is_ignore()
        {
            return false;
        }
        // The ignore files of each directory from the root down, nearest last (it wins).
        let mut dir = self.root.clone();
        let mut ignored = false;
        for part in std::iter::once(None).chain(dirs.iter().map(Some)) {
            if let Some(part) = part {
                dir.push(part);
            }
            for name in [".gitignore", ".ignore"] {
                let (matcher, _) = Gitignore::new(dir.join(name));
                match matcher.matched_path_or_any_parents(path, false) {
                    ignore::Match::Ignore(_) => ignored = true,
                    ignore::Match::Whitelist(_) => ignored = false,
                    ignore::Match::None => {}
                }
            }
        }
        !ignored
    }
}
