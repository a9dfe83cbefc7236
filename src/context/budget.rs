//! A token budget: pieces are added in priority order, whole while they fit, then cut
//! after whole lines, then left out.

use super::ContextPiece;
use super::tokens::{estimate, fit_lines};

/// Pieces in priority order within a token budget.
pub struct Budget {
    left: usize,
    pieces: Vec<ContextPiece>,
}

impl Budget {
    /// An empty budget of `tokens` estimated tokens.
    pub fn new(tokens: usize) -> Budget {
        Budget {
            left: tokens,
            pieces: Vec::new(),
        }
    }

    /// Adds `piece` whole if it fits, else its first lines that fit (saying how many were
    /// cut), else nothing. Returns whether anything was added.
    pub fn push(&mut self, mut piece: ContextPiece) -> bool {
        let cost = estimate(&piece.label) + estimate(&piece.text);
        if cost <= self.left {
            self.left -= cost;
            self.pieces.push(piece);
            return true;
        }
        let room = self
            .left
            .saturating_sub(estimate(&piece.label) + CUT_NOTE_TOKENS);
        let (kept, lines) = fit_lines(&piece.text, room);
        if lines == 0 {
            return false;
        }
        let cut = piece.text.lines().count() - lines;
        piece.text = format!("{kept}\n… ({cut} more lines left out for the budget)");
        self.left = self
            .left
            .saturating_sub(estimate(&piece.label) + estimate(&piece.text));
        self.pieces.push(piece);
        true
    }

    /// The tokens still free.
    pub fn left(&self) -> usize {
        self.left
    }

    /// The pieces added, in the order they were added.
    pub fn into_pieces(self) -> Vec<ContextPiece> {
        self.pieces
    }
}

/// What the "… (N more lines …)" note costs.
const CUT_NOTE_TOKENS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_piece_too_big_for_the_budget_is_cut_after_a_whole_line() {
        let mut budget = Budget::new(30);
        let text = (1..=20)
            .map(|i| format!("line number {i} of the body"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(budget.push(ContextPiece {
            label: "f.py:1-20".into(),
            text,
            first_line: 1,
        }));
        let piece = &budget.into_pieces()[0];
        let kept: Vec<&str> = piece.text.lines().collect();
        assert!(kept[0] == "line number 1 of the body", "{kept:?}");
        assert!(
            kept.last().unwrap().contains("more lines left out"),
            "{kept:?}"
        );
        assert!(
            kept[..kept.len() - 1]
                .iter()
                .all(|l| l.ends_with("of the body"))
        );
    }
}
