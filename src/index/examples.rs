//! The index as context: candidate examples for the Librarian (and its answer when no model
//! is available), and definitions of names a selection uses from other files.

use super::{WorkspaceIndex, snippet};
use crate::context::Budget;
use crate::context::ContextPiece;
use crate::roles::{Example, Examples};
use crate::syntax::{DefinitionKind, Lines, definition_piece};

/// How many candidates the index offers the Librarian (its model picks the best five).
pub const CANDIDATES: usize = 8;
/// How many examples an answer gives, from a model or from the index alone.
const ANSWER: usize = 5;
/// A definition longer than this is shown by its first lines only.
const MAX_EXAMPLE_LINES: usize = 25;
/// Definitions of one name taken from other files (a name defined in many places is
/// probably not the one meant in all of them).
const MAX_DEFINITIONS_PER_NAME: usize = 2;

/// The `limit` best definitions for `query`, each shown from its first line, explained by
/// how they ranked; never the code the request was made from (`asked_from`: a path and
/// 0-based lines). `read` gives a file's text (the editor's buffer when it is open); files
/// it cannot read are skipped.
pub fn local_examples(
    index: &WorkspaceIndex,
    query: &str,
    limit: usize,
    asked_from: Option<(&str, std::ops::Range<usize>)>,
    read: impl Fn(&str) -> Option<String>,
) -> Vec<Example> {
    index
        .search(query, limit * 2 + 1)
        .into_iter()
        .filter(|hit| {
            !asked_from.as_ref().is_some_and(|(path, lines)| {
                hit.path == *path
                    && hit.symbol.rows.start < lines.end
                    && lines.start < hit.symbol.rows.end
            })
        })
        .filter_map(|hit| {
            let text = read(&hit.path)?;
            let rows = &hit.symbol.rows;
            let shown = rows.start..rows.end.min(rows.start + MAX_EXAMPLE_LINES);
            let (_, snippet) = snippet(&text, shown.clone(), 0);
            let of = hit
                .symbol
                .container
                .as_ref()
                .map(|c| format!(" of `{c}`"))
                .unwrap_or_default();
            Some(Example {
                path: hit.path.clone(),
                start_line: rows.start as u32 + 1,
                end_line: rows.end as u32,
                explanation: format!(
                    "{} `{}`{of}: matched the words of the request in its name, docstring or \
                     body (BM25 score {:.2}){}",
                    hit.symbol.kind.as_str(),
                    hit.symbol.name,
                    hit.score,
                    if shown.end < rows.end {
                        format!("; first {MAX_EXAMPLE_LINES} lines shown")
                    } else {
                        String::new()
                    }
                ),
                snippet,
            })
        })
        .take(limit)
        .collect()
}

/// The candidates as context for the Librarian's model, to choose from and explain.
pub fn candidate_pieces(examples: &[Example]) -> Vec<ContextPiece> {
    examples
        .iter()
        .enumerate()
        .map(|(i, example)| ContextPiece {
            label: format!(
                "candidate {}: {}:{}-{}",
                i + 1,
                example.path,
                example.start_line,
                example.end_line
            ),
            text: example.snippet.clone(),
            first_line: example.start_line.max(1),
        })
        .collect()
}

/// The answer when no Librarian model could give one: the local ranking, saying so and
/// why (`failure`). `examples` is `None` when there was no index to rank with.
pub fn local_answer(examples: Option<Vec<Example>>, failure: &str) -> Examples {
    let note = match &examples {
        Some(_) => format!(
            "Ranked by the workspace index alone (BM25 over names, docstrings and bodies), not \
             by a model: {failure}"
        ),
        None => format!(
            "The workspace index is not ready (still building, or no workspace folder) and no \
             model answered: {failure}"
        ),
    };
    Examples {
        examples: examples
            .unwrap_or_default()
            .into_iter()
            .take(ANSWER)
            .collect(),
        note: Some(note),
    }
}

/// Adds to `budget` the definitions of `names` found in other files of the workspace
/// (not `this_file`), each labelled with its path and lines.
pub fn definitions_from_index(
    index: &WorkspaceIndex,
    names: &[String],
    this_file: Option<&str>,
    budget: &mut Budget,
    read: impl Fn(&str) -> Option<String>,
) {
    for name in names {
        let found = index
            .definitions_of(name)
            .filter(|(path, symbol)| {
                Some(*path) != this_file && symbol.kind != DefinitionKind::Module
            })
            .take(MAX_DEFINITIONS_PER_NAME);
        for (path, symbol) in found {
            let Some(text) = read(path) else { continue };
            let piece = definition_piece(
                path,
                &Lines::new(&text),
                name,
                symbol.rows.clone(),
                &symbol.signature,
            );
            budget.push(piece);
        }
    }
}
