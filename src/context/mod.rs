//! What every layer passes around: labelled pieces of workspace text, the token budget
//! they are packed into, and the token estimate both are measured with. A leaf: it imports
//! nothing from the rest of the crate.

mod budget;
mod tokens;

pub use budget::Budget;
pub use tokens::{estimate, fit_lines};

use serde::Serialize;

/// A labelled piece of workspace text (a file, a selection, a definition).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContextPiece {
    /// Where it comes from, e.g. `src/auth.py:10-42`.
    pub label: String,
    pub text: String,
    /// The 1-based line number of the first line of `text` in its file.
    pub first_line: u32,
}

impl ContextPiece {
    /// The last line number the piece covers.
    pub fn last_line(&self) -> u32 {
        self.first_line + self.text.lines().count().max(1) as u32 - 1
    }
}
