//! What a model review is given: a whole file (`review_input`), and the offline pass's
//! findings on the code a pipeline's Oracle phase reviews (`offline_note`).

use std::path::Path;

use super::offline::review_source;
use crate::context::ContextPiece;
use crate::roles::{Note, RoleInput};

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

/// The offline pass over the pieces a review is given — those of a language it has rules
/// for, by their labels' extensions —, one line per finding at the line of its file:
/// a note for the model to confirm or dismiss, and for the report. `None` when it found
/// nothing.
pub fn offline_note(pieces: &[ContextPiece]) -> Option<Note> {
    let mut lines = Vec::new();
    for piece in pieces {
        let Some(review) = review_source(Some(Path::new(&piece.label)), None, &piece.text) else {
            continue;
        };
        for finding in &review.findings {
            let cwe = finding
                .cwe
                .as_deref()
                .map(|cwe| format!(" ({cwe})"))
                .unwrap_or_default();
            lines.push(format!(
                "- {}:{} {} {}: {}{cwe}",
                piece.label,
                piece.first_line + finding.start.line,
                finding.severity.as_str().to_uppercase(),
                finding.rule,
                finding.message,
            ));
        }
    }
    (!lines.is_empty()).then(|| Note {
        label: OFFLINE_NOTE.into(),
        text: lines.join("\n"),
    })
}

/// The offline findings' label: what they are, and what the model is to do with them.
pub const OFFLINE_NOTE: &str = "Static pass (offline rules) — report each one that is real among your findings; ignore the false ones";

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(label: &str, text: &str, first_line: u32) -> ContextPiece {
        ContextPiece {
            label: label.into(),
            text: text.into(),
            first_line,
        }
    }

    #[test]
    fn the_offline_note_names_each_finding_at_the_line_of_its_file() {
        let shell = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n";
        let note = offline_note(&[piece("src/app.py", shell, 10)]).unwrap();
        assert!(
            note.text.starts_with("- src/app.py:14 HIGH MM-PY-"),
            "{}",
            note.text
        );
        assert!(note.text.contains("(CWE-78)"), "{}", note.text);
    }

    #[test]
    fn files_without_rules_or_findings_give_no_note() {
        let pieces = [
            piece(
                "src/lib.rs",
                "fn main() { std::process::Command::new(x); }",
                1,
            ),
            piece("src/clean.py", "def add(a, b):\n    return a + b\n", 1),
        ];
        assert_eq!(offline_note(&pieces), None);
    }
}
