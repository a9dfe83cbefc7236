//! The language server end to end: the built binary on stdio, a scripted editor, and each
//! role's model played by an Ollama mock on 127.0.0.1 (configured in the workspace's
//! `config/multi_model.yaml`, fallback off). Waits are bounded guards, never measurements.
//!
//! One module per topic; the world they share, and the helpers more than one uses, are here.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::lsp::{LspClient, WAIT};
use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{answer, config_yaml, ollama_agent};

mod actions;
mod findings;
mod jobs;
mod results;
mod serving;

const CHAT: &str = "/api/chat";

const APP: &str = "\
import os
import subprocess


def run(cmd):
    os.system(cmd)


def digest(password):
    import hashlib
    return hashlib.md5(password.encode()).hexdigest()
";

const ADD: &str = "\
def add(a, b):
    \"\"\"Add two numbers.\"\"\"
    pass
";

// --- the world: four mocks, a workspace, an editor ---------------------------------------

struct World {
    sisyphus: MockServer,
    hephaestus: MockServer,
    oracle: MockServer,
    librarian: MockServer,
    ws: TempDir,
    client: LspClient,
}

async fn world(capabilities: Value) -> World {
    world_as("test-editor", capabilities).await
}

/// A world whose editor names itself `editor` (`clientInfo.name`).
async fn world_as(editor: &str, capabilities: Value) -> World {
    let (sisyphus, hephaestus, oracle, librarian) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let ws = TempDir::new().unwrap();
    // These tests follow the model's findings; the offline pass has tests of its own
    // (tests/lsp/review.rs).
    let yaml = config_yaml(
        &[
            ollama_agent("sisyphus", &sisyphus),
            ollama_agent("hephaestus", &hephaestus),
            ollama_agent("oracle", &oracle),
            ollama_agent("librarian", &librarian),
        ],
        "review:\n  offline: false\n",
    );
    let config = ws.path().join("config/multi_model.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(config, yaml).unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize_as(editor, capabilities, json!({})).await;
    World {
        sisyphus,
        hephaestus,
        oracle,
        librarian,
        ws,
        client,
    }
}

fn review(findings: Value) -> Reply {
    answer(&json!({"summary": "Looked.", "findings": findings}).to_string())
}

fn finding(severity: &str, line: u32, quote: &str, title: &str, cwe: Value) -> Value {
    json!({"severity": severity, "category": "security", "line": line, "end_line": line,
           "quote": quote, "title": title, "description": "d.", "recommendation": "r.", "cwe": cwe})
}

/// The first `publishDiagnostics` for `uri` whose list satisfies `check`.
async fn published(client: &LspClient, uri: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let found = client
        .wait_for(
            |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && check(m["params"]["diagnostics"].as_array().unwrap())
            },
            WAIT,
        )
        .await;
    let found = found.unwrap_or_else(|| panic!("no such diagnostics: {:#?}", client.received()));
    found["params"]["diagnostics"].as_array().unwrap().clone()
}

fn with_method(client: &LspClient, method: &str) -> Vec<Value> {
    client
        .received()
        .into_iter()
        .filter(|m| m["method"] == method)
        .collect()
}

/// Waits (bounded) until the mock has received a request.
async fn requested(mock: &MockServer) {
    for _ in 0..(WAIT.as_millis() / 10) {
        if !mock.requests().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the model was never asked");
}

/// A round trip: every notification sent before it has been handled by the server.
async fn barrier(client: &LspClient) {
    let params =
        json!({"command": "multi-model.route", "arguments": [{"task": "write a function"}]});
    client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
}

fn plan() -> Reply {
    answer(
        &json!({"summary": "Split run().", "steps": [
            {"id": "S1", "title": "Quote the command", "details": "Use shlex.", "files": ["src/app.py"]}
        ], "risks": ["callers"], "testing_strategy": "pytest"})
        .to_string(),
    )
}
