//! A scratch workspace for the built binary, the command line's or the language server's:
//! its files, the configuration that gives each role a model played by an Ollama mock on
//! 127.0.0.1, the mock's answer, and what the model was told.

use serde_json::json;

use super::mock::{MockServer, Reply};

/// Writes `text` at `rel` under `root`, making its directories.
pub fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// 100,000 levels of each kind of nesting the grammar has; indentation 2,000 levels deep
/// (100,000 would take 5 GB of spaces, and files over 4 MiB are not reviewed).
pub fn deep_python_files() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    const INDENTS: usize = 2_000;
    let indented: String = (0..INDENTS)
        .map(|i| format!("{}if x:\n", " ".repeat(i)))
        .chain([format!("{}eval(x)\n", " ".repeat(INDENTS))])
        .collect();
    vec![
        ("unary.py", format!("x = {}1\n", "-".repeat(N))),
        (
            "binary.py",
            format!("x = {}\n", vec!["'ab'"; N].join(" + ")),
        ),
        (
            "brackets.py",
            format!("x = {}1{}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "calls.py",
            format!("x = {}1{}\n", "f(".repeat(N), ")".repeat(N)),
        ),
        ("indented.py", indented),
    ]
}

/// A configuration line for `role` served by an Ollama model at `mock`, without fallback.
pub fn ollama_agent(role: &str, mock: &MockServer) -> String {
    format!(
        "  {role}: {{ model: \"{role}-model:1\", provider: ollama, api_base: \"{}\", fallback: [] }}\n",
        mock.url
    )
}

/// A workspace configuration of these agent lines, with fallback off, then `extra`.
pub fn config_yaml(agents: &[String], extra: &str) -> String {
    format!(
        "agents:\n{}routing:\n  enable_fallback: false\n{extra}",
        agents.concat()
    )
}

/// An Ollama NDJSON answer whose content is `text`, in two pieces.
pub fn answer(text: &str) -> Reply {
    let cut = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let (a, b) = text.split_at(cut);
    let line = |content: &str, done: bool| {
        let mut v = json!({"model": "m:1", "message": {"role": "assistant", "content": content}, "done": done});
        if done {
            v["done_reason"] = json!("stop");
            v["prompt_eval_count"] = json!(10);
            v["eval_count"] = json!(5);
        }
        format!("{v}\n")
    };
    Reply::ndjson(&format!(
        "{}{}{}",
        line(a, false),
        line(b, false),
        line("", true)
    ))
}

/// Ollama's fill-in-the-middle endpoint.
pub const GENERATE: &str = "/api/generate";

/// One line of an `/api/generate` stream, not the last.
pub fn generate_line(piece: &str) -> String {
    json!({"model": "m", "response": piece, "done": false}).to_string()
}

/// Ollama's `/api/generate` stream of `text`, in two pieces, then its end.
pub fn generated(text: &str) -> Reply {
    let half = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(0, |(i, _)| i);
    let end = json!({"model": "m", "response": "", "done": true, "done_reason": "stop",
                     "prompt_eval_count": 40, "eval_count": 7});
    Reply::ndjson(&format!(
        "{}\n{}\n{end}\n",
        generate_line(&text[..half]),
        generate_line(&text[half..])
    ))
}

/// Everything an Ollama mock's only request told the model: each message's content, joined.
pub fn prompt(mock: &MockServer) -> String {
    let request = mock.only_request();
    request.body()["messages"]
        .as_array()
        .expect("an Ollama chat request")
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}
