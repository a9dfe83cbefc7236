//! What the model review of one file is given.

use crate::context::ContextPiece;
use crate::roles::RoleInput;

/// The task given to Oracle with each file.
const TASK: &str = "Review this file for security vulnerabilities and logic errors that matter.";

/// The input of a model review of one whole file, labelled `label` (its path).
pub fn review_input(label: &str, text: &str) -> RoleInput {
    RoleInput {
        task: TASK.into(),
        context: vec![ContextPiece {
            label: label.into(),
            text: text.into(),
            first_line: 1,
        }],
        ..RoleInput::default()
    }
}
