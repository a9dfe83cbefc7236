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

use crate::config::AgentConfig;

pub use collect::{Collected, collect};
pub use manifest::{LeftOut, Manifest};
pub use pack::{MANIFEST_LABEL, Packed, pack};
pub use priority::Priority;

/// Tokens kept free for the role's instructions and the fences.
const PROMPT_OVERHEAD_TOKENS: u64 = 2_000;
/// The estimator: about four characters per token for code and English (a later issue
/// replaces it with a measured one).
const CHARS_PER_TOKEN: u64 = 4;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("invalid file pattern `{pattern}`: {reason}")]
    BadPattern { pattern: String, reason: String },
    #[error("no file under {root} matches {patterns}")]
    NothingMatched { root: PathBuf, patterns: String },
    #[error("the workspace root {root} is not a readable directory")]
    NoRoot { root: PathBuf },
}

/// How many characters of workspace text fit an agent's window next to its answer.
pub fn budget_chars(agent: &AgentConfig) -> usize {
    let tokens = agent
        .context_tokens
        .saturating_sub(agent.max_tokens)
        .saturating_sub(PROMPT_OVERHEAD_TOKENS)
        .max(1_000);
    usize::try_from(tokens * CHARS_PER_TOKEN).unwrap_or(usize::MAX)
}
