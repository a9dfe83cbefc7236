//! The files a review covers: files named on the command line, and the source files under
//! directories named there (.gitignore and .ignore honoured, hidden files and generated
//! directories skipped, symbolic links not followed). Every source file goes to the model;
//! the offline pass has rules for Python only (`reviewable`).

use std::path::{Path, PathBuf};

use super::error::ReviewError;
use super::offline::reviewable;
use crate::workspace::{is_generated_dir, walker};

/// Extensions of the source files a review covers.
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "pyi", "rs", "js", "mjs", "cjs", "jsx", "ts", "tsx", "go", "java", "kt", "kts", "rb",
    "php", "c", "h", "cc", "cpp", "cxx", "hpp", "cs", "swift", "scala", "sh", "bash", "sql", "lua",
    "pl", "ex", "exs", "erl", "dart", "vue", "svelte", "tf",
];

/// Whether a file is source code a review covers (by extension).
pub fn is_source(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| SOURCE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        || reviewable(Some(path), None)
}

/// Larger files are skipped: generated or vendored, not written by hand.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The files to review, in path order, and the named files that cannot be.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collected {
    pub files: Vec<PathBuf>,
    /// Files named explicitly that are not source code, with why.
    pub skipped: Vec<(PathBuf, String)>,
}

/// Collects the files under `paths`. A path that does not exist is an error; a file named
/// explicitly is reviewed even if gitignored (it was asked for).
pub fn sources(paths: &[PathBuf]) -> Result<Collected, ReviewError> {
    let mut collected = Collected::default();
    for path in paths {
        if path.is_file() {
            if is_source(path) {
                collected.files.push(path.clone());
            } else {
                collected
                    .skipped
                    .push((path.clone(), "not a source file of a known language".into()));
            }
        } else if path.is_dir() {
            collected.files.extend(walk(path));
        } else {
            return Err(ReviewError::NotFound { path: path.clone() });
        }
    }
    collected.files.sort();
    collected.files.dedup();
    Ok(collected)
}

/// The source files under `root`, with the workspace walk's rules.
fn walk(root: &Path) -> Vec<PathBuf> {
    walker(root)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir()) && is_generated_dir(entry.file_name()))
        })
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()))
        .map(|entry| entry.into_path())
        .filter(|path| is_source(path))
        .collect()
}

/// A file's text for review, or why it is skipped (too large, binary, unreadable). Bytes
/// that are not UTF-8 become U+FFFD: the rest of the file is still reviewed.
pub fn read_source(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|err| format!("cannot read it: {err}"))?
        .len();
    if MAX_BYTES < size {
        return Err(format!("larger than {} MiB", MAX_BYTES / (1024 * 1024)));
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
    if bytes.contains(&0) {
        return Err("binary (holds NUL bytes)".into());
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn directories_give_their_source_files_minus_ignored_and_generated_ones() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path();
        write(&root.join("app.py"), "");
        write(&root.join("web/app.ts"), "");
        write(&root.join("notes.txt"), "");
        write(&root.join("gen/out.py"), "");
        write(&root.join("node_modules/x/y.py"), "");
        write(&root.join(".gitignore"), "gen/\n");
        let collected = sources(&[root.to_path_buf()]).unwrap();
        assert_eq!(
            collected.files,
            [root.join("app.py"), root.join("web/app.ts")]
        );
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let err = sources(&[PathBuf::from("no/such/dir")]).unwrap_err();
        assert_eq!(err.to_string(), "no/such/dir: no such file or directory");
    }

    #[test]
    fn an_explicit_file_that_is_not_source_is_skipped_with_a_reason() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("notes.txt");
        write(&file, "remember the milk");
        let collected = sources(std::slice::from_ref(&file)).unwrap();
        assert!(collected.files.is_empty());
        assert_eq!(collected.skipped[0].0, file);
    }

    #[test]
    fn an_explicit_file_in_another_language_is_collected_for_the_model() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("main.rs");
        write(&file, "fn main() {}");
        let collected = sources(std::slice::from_ref(&file)).unwrap();
        assert_eq!(collected.files, [file]);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_not_fatal() {
        let dir = tempfile::TempDir::new().unwrap();
        let file = dir.path().join("a.py");
        std::fs::write(&file, b"x = '\xff'\neval(x)\n").unwrap();
        assert!(read_source(&file).unwrap().contains("eval(x)"));
    }
}
