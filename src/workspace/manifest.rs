//! What a packed workspace holds and what it left out, for the model and for people.
//!
//! The model gets the manifest first, so it knows the shape of the codebase even where the
//! window did not reach, and does not take a missing file for a missing feature.

use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Priority;

/// Left-out rows shown in the Markdown; the rest are counted by reason. Keeps the manifest
/// short in a large repository, where most files are left out.
const LEFT_OUT_ROWS: usize = 50;

/// Why a file is not in the context.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// It did not fit whole in what the budget had left (files are never cut).
    OverBudget,
    /// A NUL byte in its first 8 KiB.
    Binary,
    /// Over 1 MiB: generated or data.
    TooLarge,
    /// A build, dependency or cache directory (`node_modules`, `target`, ...) or a lock or
    /// minified file, even when not gitignored.
    Generated,
    /// Matched the `exclude` list.
    Excluded,
    /// It could not be read (the error).
    Unreadable(String),
}

impl LeftOut {
    /// The reason without its details, to count by.
    fn kind(&self) -> &'static str {
        match self {
            LeftOut::OverBudget => "over the model's context budget",
            LeftOut::Binary => "binary",
            LeftOut::TooLarge => "larger than 1024 KiB",
            LeftOut::Generated => "generated or vendored",
            LeftOut::Excluded => "excluded",
            LeftOut::Unreadable(_) => "unreadable",
        }
    }
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOut::Unreadable(error) => write!(f, "unreadable: {error}"),
            other => f.write_str(other.kind()),
        }
    }
}

/// The files of a packed workspace, paths relative to its root.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Manifest {
    /// In the order of the pieces that follow the manifest: path, tier, estimated tokens.
    pub included: Vec<(PathBuf, Priority, usize)>,
    /// Files over the budget first, nearest first (the ones a model most likely misses),
    /// then those the walk skipped, in path order. A skipped directory is one entry.
    /// Gitignored and hidden files are not listed: the walk never sees them.
    pub left_out: Vec<(PathBuf, LeftOut)>,
}

impl Manifest {
    /// A short Markdown summary a model can read: every included file, the first left-out
    /// ones, and the rest counted by reason.
    pub fn to_markdown(&self) -> String {
        let tokens: usize = self.included.iter().map(|(_, _, n)| n).sum();
        let mut out = format!(
            "Workspace manifest: {} files included (~{tokens} tokens), {} left out. Paths are \
             relative to the workspace root; the included files follow in this order.\n",
            self.included.len(),
            self.left_out.len(),
        );
        if !self.included.is_empty() {
            out.push_str("\n| included | tier | tokens |\n|---|---|---:|\n");
            for (path, tier, tokens) in &self.included {
                let _ = writeln!(out, "| {} | {tier} | {tokens} |", cell(path));
            }
        }
        if !self.left_out.is_empty() {
            out.push_str("\n| left out | reason |\n|---|---|\n");
            for (path, why) in self.left_out.iter().take(LEFT_OUT_ROWS) {
                let _ = writeln!(out, "| {} | {why} |", cell(path));
            }
            let rest = &self.left_out[self.left_out.len().min(LEFT_OUT_ROWS)..];
            if !rest.is_empty() {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for (_, why) in rest {
                    *counts.entry(why.kind()).or_default() += 1;
                }
                let counts: Vec<String> = counts
                    .into_iter()
                    .map(|(kind, n)| format!("{n} {kind}"))
                    .collect();
                let _ = writeln!(out, "| … {} more | {} |", rest.len(), counts.join(", "));
            }
        }
        out
    }
}

/// A path as a table cell: `/`-separated, `|` escaped.
fn cell(path: &Path) -> String {
    let text: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    text.join("/").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_lists_included_files_in_order_and_left_out_ones_with_the_reason() {
        let manifest = Manifest {
            included: vec![
                ("app/views.py".into(), Priority::Focus, 120),
                ("app/models.py".into(), Priority::Imports, 80),
            ],
            left_out: vec![
                ("app/big.py".into(), LeftOut::OverBudget),
                ("logo.png".into(), LeftOut::Binary),
            ],
        };
        assert_eq!(
            manifest.to_markdown(),
            "Workspace manifest: 2 files included (~200 tokens), 2 left out. Paths are \
             relative to the workspace root; the included files follow in this order.\n\
             \n| included | tier | tokens |\n|---|---|---:|\n\
             | app/views.py | focus | 120 |\n\
             | app/models.py | imported by focus | 80 |\n\
             \n| left out | reason |\n|---|---|\n\
             | app/big.py | over the model's context budget |\n\
             | logo.png | binary |\n"
        );
    }

    #[test]
    fn beyond_fifty_left_out_files_the_rest_are_counted_by_reason() {
        let mut left_out: Vec<(PathBuf, LeftOut)> = (0..60)
            .map(|i| (format!("f{i}.py").into(), LeftOut::OverBudget))
            .collect();
        left_out.push(("a.bin".into(), LeftOut::Binary));
        left_out.push(("b".into(), LeftOut::Unreadable("permission denied".into())));
        let markdown = Manifest {
            included: Vec::new(),
            left_out,
        }
        .to_markdown();
        assert!(markdown.contains("| f49.py |"), "{markdown}");
        assert!(!markdown.contains("| f50.py |"), "{markdown}");
        assert!(
            markdown.ends_with(
                "| … 12 more | 1 binary, 10 over the model's context budget, 1 unreadable |\n"
            ),
            "{markdown}"
        );
    }

    #[test]
    fn a_pipe_in_a_path_does_not_break_the_table() {
        assert_eq!(cell(Path::new("a|b/c.py")), "a\\|b/c.py");
    }
}
