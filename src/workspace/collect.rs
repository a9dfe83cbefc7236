//! The files a task names (`--files` globs), read in path order until the budget.

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;

use super::{LeftOut, WorkspaceError, file};
use crate::context::ContextPiece;

/// The files read, and those left out with the reason.
#[derive(Debug, Default)]
pub struct Collected {
    pub pieces: Vec<ContextPiece>,
    pub skipped: Vec<(PathBuf, String)>,
}

/// Reads the files under `root` matching `patterns`, in path order, until `budget_tokens`
/// (as `tokens::estimate` counts them).
pub fn collect(
    root: &Path,
    patterns: &[String],
    budget_tokens: usize,
) -> Result<Collected, WorkspaceError> {
    let mut overrides = OverrideBuilder::new(root);
    for pattern in patterns {
        overrides
            .add(pattern)
            .map_err(|err| WorkspaceError::BadPattern {
                pattern: pattern.clone(),
                reason: err.to_string(),
            })?;
    }
    let overrides = overrides
        .build()
        .map_err(|err| WorkspaceError::BadPattern {
            pattern: patterns.join(" "),
            reason: err.to_string(),
        })?;
    let mut paths: Vec<PathBuf> = WalkBuilder::new(root)
        .overrides(overrides)
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(|entry| entry.into_path())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(WorkspaceError::NothingMatched {
            root: root.to_path_buf(),
            patterns: patterns.join(", "),
        });
    }

    let mut collected = Collected::default();
    let mut used = 0;
    for path in paths {
        let label = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = match file::read(&path) {
            Ok(bytes) => file::text(bytes),
            Err(why) => {
                collected.skipped.push((path, why.to_string()));
                continue;
            }
        };
        let tokens = crate::context::estimate(&text);
        if budget_tokens < used + tokens {
            collected
                .skipped
                .push((path, LeftOut::OverBudget.to_string()));
            continue;
        }
        used += tokens;
        collected.pieces.push(ContextPiece {
            label,
            text,
            first_line: 1,
        });
    }
    Ok(collected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, text: &[u8]| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("src/app.py", b"print('app')\n");
        write("src/util.py", b"def f():\n    pass\n");
        write("src/blob.py", b"\x00\x01binary");
        write("build/gen.py", b"x = 1\n");
        write(".gitignore", b"build/\n");
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        dir
    }

    fn labels(collected: &Collected) -> Vec<&str> {
        collected.pieces.iter().map(|p| p.label.as_str()).collect()
    }

    #[test]
    fn matching_files_are_read_in_path_order() {
        let ws = workspace();
        let collected = collect(ws.path(), &["src/*.py".into()], 10_000).unwrap();
        assert_eq!(labels(&collected), ["src/app.py", "src/util.py"]);
    }

    #[test]
    fn gitignored_files_are_left_out() {
        let ws = workspace();
        let collected = collect(ws.path(), &["**/*.py".into()], 10_000).unwrap();
        assert!(!labels(&collected).contains(&"build/gen.py"));
    }

    #[test]
    fn binaries_are_skipped_with_the_reason() {
        let ws = workspace();
        let collected = collect(ws.path(), &["src/*.py".into()], 10_000).unwrap();
        assert!(
            collected
                .skipped
                .iter()
                .any(|(p, why)| p.ends_with("blob.py") && why == "binary")
        );
    }

    #[test]
    fn files_beyond_the_budget_are_skipped_not_cut() {
        let ws = workspace();
        let collected = collect(ws.path(), &["src/*.py".into()], 6).unwrap();
        assert_eq!(labels(&collected), ["src/app.py"]);
        assert!(
            collected
                .skipped
                .iter()
                .any(|(_, why)| why.contains("budget"))
        );
    }

    #[test]
    fn a_pattern_matching_nothing_is_an_error() {
        let ws = workspace();
        let err = collect(ws.path(), &["*.rs".into()], 10_000).unwrap_err();
        assert!(err.to_string().contains("*.rs"), "{err}");
    }
}
