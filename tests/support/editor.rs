//! What the language-server tests share: an editor's capabilities, LSP ranges and params,
//! a role without a usable model, running a role command to the end of its progress, and
//! asking the workspace index for symbols.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::lsp::{LspClient, WAIT};

/// An editor that can do everything: progress, showDocument, versioned edits, create files.
pub fn full_caps() -> Value {
    json!({
        "window": {"workDoneProgress": true, "showDocument": {"support": true}},
        "workspace": {"applyEdit": true,
                      "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]}},
    })
}

pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

/// `textDocument/didOpen` params.
pub fn did_open(uri: &str, version: i32, text: &str) -> Value {
    json!({"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})
}

/// `textDocument/codeAction` params for a range, no diagnostics.
pub fn code_action(uri: &str, start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "textDocument": {"uri": uri},
        "range": {
            "start": {"line": start.0, "character": start.1},
            "end": {"line": end.0, "character": end.1}
        },
        "context": {"diagnostics": []}
    })
}

/// The error code of a response, if it is an error.
pub fn error_code(answer: &Value) -> Option<i64> {
    answer.get("error").and_then(|e| e["code"].as_i64())
}

/// Runs a role command on a range at the document's current version; returns the job token.
pub async fn run(client: &LspClient, command: &str, uri: &str, on: Value) -> String {
    run_with_task(client, command, uri, on, None).await
}

/// `run` with the user's own words for the task.
pub async fn run_with_task(
    client: &LspClient,
    command: &str,
    uri: &str,
    on: Value,
    task: Option<&str>,
) -> String {
    let mut target = json!({"uri": uri, "range": on, "version": client.version(uri)});
    if let Some(task) = task {
        target["task"] = json!(task);
    }
    let params = json!({"command": command, "arguments": [target]});
    let answer = client.request("workspace/executeCommand", params).await;
    let answer = answer.unwrap_or_else(|e| panic!("{command} refused: {e}"));
    answer["job"].as_str().expect("a job token").to_string()
}

/// Runs the command of `action` (one of a `textDocument/codeAction` answer) as an editor
/// does when it is picked, its arguments as sent; returns the job token.
pub async fn run_action(client: &LspClient, action: &Value) -> String {
    let command = &action["command"];
    let params = json!({"command": command["command"], "arguments": command["arguments"]});
    let answer = client.request("workspace/executeCommand", params).await;
    let answer = answer.unwrap_or_else(|e| panic!("{action} refused: {e}"));
    answer["job"].as_str().expect("a job token").to_string()
}

pub fn is_progress(m: &Value, token: &str, kind: &str) -> bool {
    m["method"] == "$/progress"
        && m["params"]["token"] == token
        && m["params"]["value"]["kind"] == kind
}

/// The `end` of a job's progress (the job has delivered by then).
pub async fn ended(client: &LspClient, token: &str) -> Value {
    let end = client
        .wait_for(|m| is_progress(m, token, "end"), WAIT)
        .await;
    let end = end.unwrap_or_else(|| {
        panic!(
            "{token} never ended: {:#?}\n{}",
            client.received(),
            client.stderr()
        )
    });
    end["params"]["value"].clone()
}

/// A configuration line for `role` on `provider` at `base` (a mock: nothing leaves
/// loopback) whose key variable `key_env` is unset, so the role has no usable model.
pub fn keyless_agent(role: &str, model: &str, provider: &str, base: &str, key_env: &str) -> String {
    format!(
        "  {role}: {{ model: \"{model}\", provider: {provider}, api_base: \"{base}\", api_key_env: {key_env}, fallback: [] }}\n"
    )
}

/// The LSP error a request gets while the index is still being built.
const CONTENT_MODIFIED: i64 = -32801;

/// `workspace/symbol` for `query`, asked again while the index is still being built.
pub async fn symbols(client: &LspClient, query: &str) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = client
            .request("workspace/symbol", json!({"query": query}))
            .await;
        match answer {
            Ok(found) => return found.as_array().cloned().unwrap_or_default(),
            Err(error) if error["code"] == CONTENT_MODIFIED && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => panic!(
                "workspace/symbol failed: {error}\nstderr:\n{}",
                client.stderr()
            ),
        }
    }
}

/// `workspace/symbol` for `query`, asked until its answer satisfies `check` (bounded).
pub async fn symbols_until(
    client: &LspClient,
    query: &str,
    check: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + WAIT;
    loop {
        let found = symbols(client, query).await;
        if check(&found) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "workspace/symbol {query:?} never satisfied the check; last answer: {found:#?}\nstderr:\n{}",
            client.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
