//! The workspace as model context.
//!
//! Two ways in: `collect` reads the files a task names (`--files` globs) in path order;
//! `pack` gives Sisyphus the whole codebase within its window, by priority around a focus
//! file (the file, what it imports, what imports it, its package, their tests, the docs,
//! the rest), with a manifest of what was included and what was left out. Both respect
//! .gitignore, skip binaries and huge files, and never cut a file in the middle: a file
//! either fits the budget whole or is left out and listed.

mod collect;
mod file;
mod imports;
mod manifest;
mod pack;
mod priority;
mod resolve;
mod walk;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use collect::{Collected, collect};
pub use manifest::{LeftOut, Manifest};
pub use pack::{MANIFEST_LABEL, Packed, pack};
pub use priority::Priority;
pub use walk::{Filter, Source, Walked, is_generated_dir, slash_separated, walk, walker};

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("invalid file pattern `{pattern}`: {reason}")]
    BadPattern { pattern: String, reason: String },
    #[error("no file under {root} matches {patterns}")]
    NothingMatched { root: PathBuf, patterns: String },
    #[error("the workspace root {root} is not a readable directory")]
    NoRoot { root: PathBuf },
}
