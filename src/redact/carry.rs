//! Secrets found on a whole file, carried into the pieces cut from it.
//!
//! Redacting each piece on its own misses a secret the cut splits: a snippet that starts
//! after a key block's `BEGIN` line holds key lines no rule recognises without it. So the
//! file is redacted once, whole, and each piece's lines are replaced by the file's redacted
//! lines (redaction keeps every line break, so line `n` of the file is line `n` of its
//! redaction). The orchestrator's redaction of the prompt stays as a second net.

use std::collections::BTreeMap;

use crate::context::ContextPiece;

/// A file's lines that redaction changed (0-based), as they were and as they go out.
#[derive(Clone, Debug, Default)]
pub struct FileSecrets {
    changed: BTreeMap<usize, (String, String)>,
}

impl FileSecrets {
    /// The secrets of `text`, found on the whole of it.
    pub fn find(text: &str) -> FileSecrets {
        let redacted = super::redact(text);
        if redacted.found.is_empty() {
            return FileSecrets::default();
        }
        let changed = text
            .split('\n')
            .zip(redacted.text.split('\n'))
            .enumerate()
            .filter(|(_, (was, now))| was != now)
            .map(|(i, (was, now))| (i, (was.to_string(), now.to_string())))
            .collect();
        FileSecrets { changed }
    }

    /// Whether the file holds no secret.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }

    /// Replaces the lines of `piece` (cut from this file, starting on its 1-based
    /// `first_line`) that hold a secret by their redacted form. A piece line that is not
    /// the file's line (a signature listing, a partial first line) is left to the prompt's
    /// own redaction.
    pub fn apply(&self, piece: &mut ContextPiece) {
        if self.is_empty() {
            return;
        }
        let first = (piece.first_line as usize).saturating_sub(1);
        let rows = first..first + piece.text.split('\n').count();
        if self.changed.range(rows).next().is_none() {
            return;
        }
        let lines: Vec<String> = piece
            .text
            .split('\n')
            .enumerate()
            .map(|(i, line)| match self.changed.get(&(first + i)) {
                Some((was, now)) if line == was => now.clone(),
                // Pieces drop the `\r` of CRLF files and trailing spaces of signatures.
                Some((was, now)) if line == was.trim_end() => now.trim_end().to_string(),
                _ => line.to_string(),
            })
            .collect();
        piece.text = lines.join("\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "import ssl\n\nKEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv\n+3sYqJLccTbwrHXgliCL1da/7kdaTSKFL+xMgz1rzOS+o3+tIjzwnvbm2x8xzdXV\n-----END RSA PRIVATE KEY-----\"\"\"\n\n\ndef connect():\n    return ssl.wrap(KEY)\n";

    fn piece(first_line: u32, rows: std::ops::Range<usize>) -> ContextPiece {
        let lines: Vec<&str> = FILE.split('\n').collect();
        ContextPiece {
            label: "app/tls.py".into(),
            text: lines[rows].join("\n"),
            first_line,
        }
    }

    #[test]
    fn a_piece_that_starts_inside_a_key_block_carries_no_key_line() {
        let mut cut = piece(4, 3..10);
        assert!(
            crate::redact::redact(&cut.text).found.is_empty(),
            "per piece, missed"
        );
        FileSecrets::find(FILE).apply(&mut cut);
        assert!(
            !cut.text.contains("MIIE") && !cut.text.contains("+3sY"),
            "{}",
            cut.text
        );
        assert!(!cut.text.contains("END RSA"), "{}", cut.text);
        assert!(cut.text.contains("def connect():"), "{}", cut.text);
        assert_eq!(cut.text.split('\n').count(), 7, "lines kept");
    }

    #[test]
    fn a_piece_without_secret_lines_is_left_as_it_is() {
        let mut cut = piece(9, 8..10);
        let before = cut.text.clone();
        FileSecrets::find(FILE).apply(&mut cut);
        assert_eq!(cut.text, before);
    }

    #[test]
    fn a_file_without_secrets_finds_none() {
        assert!(FileSecrets::find("def f():\n    return 1\n").is_empty());
    }
}
