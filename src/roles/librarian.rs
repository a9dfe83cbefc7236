//! Librarian, the retrieval role: up to five examples from the workspace, each explained.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Fence, RoleError, RoleInput, RolePrompt, from_json, user_message};
use crate::providers::{Completion, OutputSchema};
use crate::role::Role;

const MAX_EXAMPLES: usize = 5;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// The example with about five lines of context either side.
    pub snippet: String,
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Examples {
    pub examples: Vec<Example>,
    /// Said above the examples: how they were found when not by the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

pub(super) fn prompt(input: &RoleInput, fence: &Fence) -> RolePrompt {
    let system = format!(
        "You are Librarian. You find the best examples in the workspace for what the user asks: \
         usages, similar implementations, documentation. Choose at most {MAX_EXAMPLES}, best first. \
         For each give the file path, the first and last line of the example, a snippet copied \
         from the content with about 5 lines of context before and after, and a short explanation \
         of why it is a good example. Only cite content you were shown.\n{}",
        fence.rule()
    );
    RolePrompt {
        system,
        user: user_message(input, fence, true, "Find the examples."),
        schema: Some(OutputSchema {
            name: "examples".into(),
            schema: json!({
                "type": "object",
                "properties": {"examples": {"type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "path": {"type": "string"},
                        "start_line": {"type": "integer"},
                        "end_line": {"type": "integer"},
                        "snippet": {"type": "string"},
                        "explanation": {"type": "string"}
                    },
                    "required": ["path", "start_line", "end_line", "snippet", "explanation"],
                    "additionalProperties": false
                }}},
                "required": ["examples"],
                "additionalProperties": false
            }),
        }),
    }
}

/// Documentation for new code: usage examples and an API reference, in Markdown.
pub fn document_prompt(input: &RoleInput, fence: &Fence) -> RolePrompt {
    let system = format!(
        "You are Librarian, writing documentation for code that was just implemented. Write          Markdown with: a short overview; usage examples that run as written; an API reference          (each public function, class or command: signature, parameters, return value, errors).          Match the style of the existing documentation you are shown, if any. Describe only what          the code does.\n{}",
        fence.rule()
    );
    RolePrompt {
        system,
        user: user_message(input, fence, false, "Write the documentation."),
        schema: None,
    }
}

pub(super) fn parse(completion: &Completion) -> Result<Examples, RoleError> {
    #[derive(Deserialize)]
    struct Raw {
        examples: Vec<Example>,
    }
    let raw: Raw = from_json(Role::Librarian, completion)?;
    let examples = raw
        .examples
        .into_iter()
        .filter(|e| 0 < e.start_line && e.start_line <= e.end_line && !e.path.trim().is_empty())
        .take(MAX_EXAMPLES)
        .collect();
    Ok(Examples {
        examples,
        note: None,
    })
}

impl Examples {
    /// The examples as Markdown, linked to their files relative to the workspace root.
    pub fn to_markdown(&self) -> String {
        self.linked_from("")
    }

    /// The examples as Markdown for a document that reaches the workspace root through
    /// `to_root` (`../../` from `.agent/examples/`), each snippet fenced in its language.
    pub fn linked_from(&self, to_root: &str) -> String {
        let mut out = String::from("# Examples\n\n");
        if let Some(note) = &self.note {
            let _ = writeln!(out, "> {note}\n");
        }
        if self.examples.is_empty() {
            out.push_str("No examples found.\n");
        }
        for (i, e) in self.examples.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. [{path}:{start}]({to_root}{path}#L{start}-L{end}) (lines {start}-{end})\n\n   {}\n\n```{}\n{}\n```\n",
                i + 1,
                e.explanation.trim(),
                fence_language(&e.path),
                e.snippet.trim_end(),
                path = e.path,
                start = e.start_line,
                end = e.end_line,
            );
        }
        out
    }
}

/// The info string of a code fence for a file, so Markdown views highlight it.
fn fence_language(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "py" | "pyi" => "python",
        "rs" => "rust",
        "ts" | "mts" | "cts" => "typescript",
        "tsx" => "tsx",
        "js" | "mjs" | "cjs" | "jsx" => "javascript",
        "go" => "go",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::FinishReason;

    fn example(path: &str, start: u32, end: u32) -> serde_json::Value {
        json!({"path": path, "start_line": start, "end_line": end, "snippet": "x", "explanation": "why"})
    }

    fn completion(examples: Vec<serde_json::Value>) -> Completion {
        let json = json!({"examples": examples});
        Completion {
            text: json.to_string(),
            usage: None,
            finish: FinishReason::Stop,
            json: Some(json),
        }
    }

    #[test]
    fn at_most_five_examples_are_kept() {
        let parsed = parse(&completion(
            (1..=7).map(|i| example("a.py", i, i)).collect(),
        ))
        .unwrap();
        assert_eq!(parsed.examples.len(), 5);
    }

    #[test]
    fn examples_with_impossible_lines_are_dropped() {
        let parsed = parse(&completion(vec![
            example("a.py", 5, 3),
            example("a.py", 0, 1),
            example("b.py", 2, 4),
        ]))
        .unwrap();
        assert_eq!(parsed.examples.len(), 1);
        assert_eq!(parsed.examples[0].path, "b.py");
    }

    #[test]
    fn the_markdown_links_file_and_lines() {
        let markdown = parse(&completion(vec![example("src/jwt.py", 12, 20)]))
            .unwrap()
            .to_markdown();
        assert!(
            markdown.contains("[src/jwt.py:12](src/jwt.py#L12-L20)"),
            "{markdown}"
        );
    }
}
