//! Suppression comments: `# multi-model: ignore[MM-PY-SHELL, MM-PY-SQL]`.
//!
//! A directive names the rules it silences; a bare `# multi-model: ignore` silences
//! nothing (a blanket ignore would hide whatever a later edit introduces on that line).
//! It applies to its own line and, when the comment is alone on its line, to the next line.
//! Only real comments count: the text in a string literal is not a directive, and prose
//! addressed to a reviewer is never one.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

static DIRECTIVE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"multi-model:\s*ignore\[([^\]]*)\]").expect("static regex"));

/// The rule ids a comment's directive names (empty for no directive, or a bare one).
pub fn directive_ids(comment: &str) -> Vec<String> {
    DIRECTIVE
        .captures_iter(comment)
        .flat_map(|c| {
            c[1].split(',')
                .map(|id| id.trim().to_string())
                .filter(|id| !id.is_empty())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The rules silenced per 0-based line.
#[derive(Debug, Default)]
pub struct Suppressions {
    by_line: HashMap<u32, Vec<String>>,
}

impl Suppressions {
    /// Adds the directive of a comment on 0-based `line`; `alone` when nothing but
    /// whitespace precedes it on its line.
    pub fn add(&mut self, line: u32, alone: bool, comment: &str) {
        let ids = directive_ids(comment);
        if ids.is_empty() {
            return;
        }
        if alone {
            self.by_line
                .entry(line + 1)
                .or_default()
                .extend(ids.iter().cloned());
        }
        self.by_line.entry(line).or_default().extend(ids);
    }

    /// Whether `rule` is silenced on 0-based `line`.
    pub fn silences(&self, line: u32, rule: &str) -> bool {
        self.by_line
            .get(&line)
            .is_some_and(|ids| ids.iter().any(|id| id.eq_ignore_ascii_case(rule)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directive_lists_comma_separated_ids() {
        assert_eq!(
            directive_ids("# multi-model: ignore[MM-PY-SHELL, MM-PY-SQL]"),
            ["MM-PY-SHELL", "MM-PY-SQL"]
        );
    }

    #[test]
    fn a_bare_ignore_names_nothing() {
        assert!(directive_ids("# multi-model: ignore").is_empty());
        assert!(directive_ids("# multi-model: ignore[]").is_empty());
    }

    #[test]
    fn a_trailing_directive_covers_its_line_only() {
        let mut s = Suppressions::default();
        s.add(4, false, "# multi-model: ignore[MM-PY-SHELL]");
        assert!(s.silences(4, "MM-PY-SHELL"));
        assert!(!s.silences(5, "MM-PY-SHELL"));
        assert!(!s.silences(4, "MM-PY-SQL"));
    }

    #[test]
    fn a_directive_alone_on_its_line_covers_the_next() {
        let mut s = Suppressions::default();
        s.add(4, true, "# multi-model: ignore[mm-py-shell]");
        assert!(s.silences(5, "MM-PY-SHELL"));
        assert!(!s.silences(6, "MM-PY-SHELL"));
    }
}
