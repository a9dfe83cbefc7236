//! The language server's offline pass on hostile nesting, end to end: the real binary opens
//! 100,000 levels of each kind of nesting, publishes its diagnostics, stays alive and answers
//! the next request.

mod support;

use serde_json::json;
use support::lsp::{LspClient, WAIT};
use tempfile::TempDir;

/// 100,000 levels of each kind of nesting the grammar has; indentation 2,000 levels deep
/// (100,000 would take 5 GB of spaces, and files over 4 MiB are not reviewed).
fn deep_files() -> Vec<(&'static str, String)> {
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

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_files_are_reviewed_on_open_and_the_server_keeps_serving() {
    let root = TempDir::new().unwrap();
    let mut client = LspClient::start(env!("CARGO_BIN_EXE_multi-model").as_ref(), root.path());
    client.initialize(json!({}), json!({})).await;
    for (name, text) in deep_files() {
        let uri = client.uri(name);
        client.open(&uri, &text).await;
        let published = client
            .wait_for(
                |m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri,
                WAIT,
            )
            .await;
        assert!(
            published.is_some(),
            "{name}: no diagnostics; stderr: {}",
            client.stderr()
        );
        let answer = client
            .request(
                "workspace/executeCommand",
                json!({"command": "multi-model.route", "arguments": [{"task": "write a parser"}]}),
            )
            .await;
        assert!(
            answer.is_ok_and(|a| a["role"].is_string()),
            "{name}: the next request failed; stderr: {}",
            client.stderr()
        );
    }
    let status = client.shutdown_and_exit().await;
    assert!(status.is_some_and(|s| s.success()), "{status:?}");
}
