//! The language server's offline pass on hostile nesting, end to end: the real binary opens
//! 100,000 levels of each kind of nesting, publishes its diagnostics, stays alive and answers
//! the next request.

use serde_json::json;
use tempfile::TempDir;

use crate::support::lsp::{LspClient, WAIT};

#[tokio::test(flavor = "multi_thread")]
async fn deeply_nested_files_are_reviewed_on_open_and_the_server_keeps_serving() {
    let root = TempDir::new().unwrap();
    let mut client = LspClient::start(env!("CARGO_BIN_EXE_multi-model").as_ref(), root.path());
    client.initialize(json!({}), json!({})).await;
    for (name, text) in crate::support::workspace::deep_python_files() {
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
