//! Hephaestus, the fast coder: complete code for a specification, nothing else.

use serde::Serialize;

use super::{Fence, RoleError, RoleInput, RolePrompt, user_message};
use crate::providers::Completion;

/// The code of an answer, block by block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Code {
    pub blocks: Vec<CodeBlock>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeBlock {
    pub language: Option<String>,
    /// The file the block is for, when the model named one (```python path=src/x.py).
    pub path: Option<String>,
    pub code: String,
}

pub(super) fn prompt(input: &RoleInput, fence: &Fence) -> RolePrompt {
    let system = format!(
        "You are Hephaestus, a fast and careful implementer. Implement exactly what the task and \
         specification ask.\n\
         Follow the existing style of the code you are shown (naming, structure, error handling). \
         Include docstrings. Write tests when asked. Handle edge cases (empty input, missing \
         values, errors from calls).\n\
         Answer with complete code only, in fenced code blocks, no explanations. When the code \
         belongs to a file, put its path after the language: ```python path=src/users.py\n{}",
        fence.rule()
    );
    RolePrompt {
        system,
        user: user_message(input, fence, false, "Write the code."),
        schema: None,
    }
}

pub(super) fn parse(completion: &Completion) -> Result<Code, RoleError> {
    let blocks = fenced_blocks(&completion.text);
    if !blocks.is_empty() {
        return Ok(Code { blocks });
    }
    // Some models leave out the fence; accept the answer when it reads as code.
    let text = completion.text.trim();
    if looks_like_code(text) {
        return Ok(Code {
            blocks: vec![CodeBlock {
                language: None,
                path: None,
                code: format!("{text}\n"),
            }],
        });
    }
    Err(RoleError::ProseOnly)
}

fn fenced_blocks(text: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let language = words
            .next()
            .filter(|w| !w.contains('='))
            .map(str::to_string);
        let path = info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("path=").or_else(|| w.strip_prefix("file=")))
            .map(|p| p.trim_matches(['"', '\'']).to_string());
        let mut code = String::new();
        for body in lines.by_ref() {
            if body.trim_start().starts_with("```") {
                break;
            }
            code.push_str(body);
            code.push('\n');
        }
        if !code.trim().is_empty() {
            blocks.push(CodeBlock {
                language,
                path,
                code,
            });
        }
    }
    blocks
}

/// Most lines look like code: keywords, brackets, assignments, indentation.
fn looks_like_code(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return false;
    }
    let codey = lines
        .iter()
        .filter(|line| {
            let t = line.trim();
            line.starts_with("    ")
                || line.starts_with('\t')
                || t.ends_with([':', ';', '{', '}', ')', ','])
                || [
                    "def ",
                    "class ",
                    "import ",
                    "from ",
                    "fn ",
                    "function ",
                    "const ",
                    "let ",
                    "return",
                    "#",
                    "//",
                    "@",
                ]
                .iter()
                .any(|k| t.starts_with(k))
                || t.contains(" = ")
        })
        .count();
    lines.len() <= codey * 4 / 3
}

/// Languages whose documents hold JSON (LSP language ids and fence tags).
const JSON_LANGUAGES: [&str; 3] = ["json", "jsonc", "json5"];

/// Whether a document (by LSP language id, or by its path's extension) holds JSON, so
/// that a JSON answer is code for it.
pub fn is_json_document(language_id: &str, path: Option<&std::path::Path>) -> bool {
    let extension = path
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    JSON_LANGUAGES.contains(&language_id)
        || extension.is_some_and(|e| JSON_LANGUAGES.contains(&e.as_str()))
}

impl Code {
    /// Whether the answer is JSON data rather than code: every block is fenced as JSON or
    /// is a JSON object or array as a whole. A model that answers `{"findings": …}` to a
    /// coding task has answered another question; its JSON is code only for a JSON file.
    pub fn is_json(&self) -> bool {
        !self.blocks.is_empty()
            && self.blocks.iter().all(|block| {
                let tagged = block
                    .language
                    .as_deref()
                    .is_some_and(|l| JSON_LANGUAGES.contains(&l.to_ascii_lowercase().as_str()));
                let parsed = serde_json::from_str::<serde_json::Value>(block.code.trim())
                    .is_ok_and(|v| v.is_object() || v.is_array());
                tagged || parsed
            })
    }

    /// All blocks, joined: what gets inserted at the cursor.
    pub fn joined(&self) -> String {
        self.blocks
            .iter()
            .map(|b| b.code.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# Implementation\n\n");
        for block in &self.blocks {
            if let Some(path) = &block.path {
                out.push_str(&format!("`{path}`\n\n"));
            }
            out.push_str(&format!(
                "```{}\n{}```\n\n",
                block.language.as_deref().unwrap_or(""),
                block.code
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::FinishReason;

    fn answer(text: &str) -> Completion {
        Completion {
            text: text.into(),
            usage: None,
            finish: FinishReason::Stop,
            json: None,
        }
    }

    #[test]
    fn fenced_code_is_extracted_with_language_and_path() {
        let code = parse(&answer(
            "Here:\n```python path=src/auth.py\ndef login():\n    pass\n```\nDone.",
        ))
        .unwrap();
        assert_eq!(code.blocks.len(), 1);
        assert_eq!(code.blocks[0].language.as_deref(), Some("python"));
        assert_eq!(code.blocks[0].path.as_deref(), Some("src/auth.py"));
        assert_eq!(code.blocks[0].code, "def login():\n    pass\n");
    }

    #[test]
    fn several_blocks_are_kept_apart() {
        let code = parse(&answer("```py\na = 1\n```\ntext\n```py\nb = 2\n```")).unwrap();
        assert_eq!(code.joined(), "a = 1\n\nb = 2\n");
    }

    #[test]
    fn unfenced_code_is_accepted() {
        let code = parse(&answer(
            "def add(a, b):\n    \"\"\"Add.\"\"\"\n    return a + b",
        ))
        .unwrap();
        assert!(code.joined().starts_with("def add"));
    }

    #[test]
    fn json_answers_are_known_as_json_and_code_is_not() {
        for json in [
            "{\"findings\": \"oops\"}",
            "```json\n{\"a\": 1}\n```",
            "```\n[1, 2, 3]\n```",
            "```jsonc\n// settings\n{\"a\": 1}\n```",
        ] {
            assert!(parse(&answer(json)).unwrap().is_json(), "{json}");
        }
        for code in [
            "```python\nconfig = {\"a\": 1}\n```",
            "```js\nconst a = {\"a\": 1};\n```",
            "```python\ndef f():\n    return 1\n```\n```json\n{}\n```",
        ] {
            assert!(!parse(&answer(code)).unwrap().is_json(), "{code}");
        }
    }

    #[test]
    fn json_is_code_only_for_a_json_document() {
        use std::path::Path;
        assert!(is_json_document("json", None));
        assert!(is_json_document(
            "plaintext",
            Some(Path::new("conf/app.JSON"))
        ));
        assert!(!is_json_document("python", Some(Path::new("app.py"))));
    }

    #[test]
    fn prose_only_answers_are_rejected() {
        let err = parse(&answer(
            "I think you should add a login function that checks the password.",
        ))
        .unwrap_err();
        assert_eq!(err, RoleError::ProseOnly);
    }

    #[test]
    fn the_prompt_asks_for_style_docstrings_tests_edge_cases_and_code_only() {
        let prompt = prompt(&RoleInput::default(), &Fence::new());
        for topic in [
            "existing style",
            "docstrings",
            "tests",
            "edge cases",
            "complete code only",
        ] {
            assert!(prompt.system.contains(topic), "{topic}");
        }
    }
}
