//! Syntax: which grammar a file has, and the context a role needs around a selection.
//!
//! A language is a tree-sitter grammar plus query files in `queries/<language>/` (embedded in
//! the binary); adding one is a table row, not code changes elsewhere. Files in a language
//! without a grammar, or that do not parse, fall back to the indentation heuristic.

mod block;
mod context;
mod language;

pub use block::{enclosing_block, enclosing_block_in};
pub use context::{ContextOptions, context_for, context_in};
pub use language::{Language, language_for};
