//! Syntax: which grammar a file has, its parse kept up to date with edits, its outline, and
//! the context a role needs around a selection.
//!
//! A language is a tree-sitter grammar plus query files in `queries/<language>/` (embedded in
//! the binary); adding one is a table row, not code changes elsewhere. Files in a language
//! without a grammar, or that do not parse, fall back to surrounding lines (context) and the
//! indentation heuristic (code actions and cursor targets).

mod block;
mod context;
mod indent;
mod language;
mod outline;
mod target;
mod tree;

pub use block::{enclosing_block, enclosing_block_in};
pub use context::{
    ContextOptions, Lines, MAX_SCOPES, Scope, Scopes, SelectionContext, context_for, context_in,
    definition_piece, enclosing_scopes,
};
pub use indent::{import_line, indent_for, split_imports};
pub use language::{Language, language_for};
pub use outline::{Definition, DefinitionKind, Outline, outline};
pub use target::{cursor_target, fix_target, line_len_without_break};
pub use tree::{MAX_PARSE_BYTES, Parsed, SyntaxTree, input_edit, parse};

#[cfg(test)]
mod tests;
