//! The server's log against the real binary: once the client is connected a line goes to
//! `window/logMessage` and not to stderr too (editors show both, so it would appear
//! twice), and `MULTI_MODEL_LOG` decides what is logged.

use std::path::Path;

use crate::support::editor::{ended, full_caps};
use crate::support::lsp::{LspClient, WAIT};
use crate::support::workspace::write;
use serde_json::{Value, json};
use tempfile::TempDir;

/// The index build's progress token.
const INDEX: &str = "multi-model-index";

fn server(ws: &TempDir, log: &str) -> LspClient {
    LspClient::start_with_env(
        Path::new(env!("CARGO_BIN_EXE_multi-model")),
        ws.path(),
        &[("MULTI_MODEL_LOG", log)],
    )
}

/// Every `window/logMessage` received: its type and text.
fn log_messages(client: &LspClient) -> Vec<(u64, String)> {
    client
        .received()
        .iter()
        .filter(|m| m["method"] == "window/logMessage")
        .map(|m| {
            let params = &m["params"];
            (
                params["type"].as_u64().unwrap(),
                params["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn logged(client: &LspClient, text: &str) -> Option<Value> {
    let line = |m: &Value| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains(text))
    };
    client.wait_for(line, WAIT).await
}

#[tokio::test(flavor = "multi_thread")]
async fn once_connected_a_line_goes_to_the_client_log_and_not_to_stderr() {
    let ws = TempDir::new().unwrap();
    write(ws.path(), "app.py", "def f():\n    pass\n");
    let mut client = server(&ws, "debug");
    client.initialize(full_caps(), json!({})).await;
    // An info line (the index), a warning (framing) and a job's debug lines.
    ended(&client, INDEX).await;
    client
        .send_bytes(format!("X-Junk: {}\r\n", "y".repeat(9_000)).as_bytes())
        .await;
    let params = json!({"command": "multi-model.metrics", "arguments": []});
    let job = client.request("workspace/executeCommand", params).await;
    let job = job.unwrap()["job"].as_str().unwrap().to_string();
    assert!(logged(&client, "indexed ").await.is_some());
    assert!(logged(&client, "a header line over 8 KiB").await.is_some());
    let ended_line = format!("job{{token={job} command=metrics}}: ended");
    assert!(logged(&client, &ended_line).await.is_some());

    assert!(client.shutdown_and_exit().await.unwrap().success());

    let stderr = client.stderr();
    let lines = log_messages(&client);
    assert!(3 <= lines.len(), "{lines:?}");
    for (_, text) in &lines {
        assert!(
            !stderr.contains(text.as_str()),
            "{text:?} is on stderr too:\n{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_model_log_error_suppresses_info_lines() {
    let ws = TempDir::new().unwrap();
    write(ws.path(), "app.py", "def f():\n    pass\n");
    // Broken, so that an error is logged: the configuration cannot be loaded.
    write(
        ws.path(),
        "config/multi_model.yaml",
        "agents:\n  oracle: [\n",
    );
    let mut client = server(&ws, "error");
    client.initialize(full_caps(), json!({})).await;
    assert!(logged(&client, "configuration not loaded").await.is_some());
    // The index build logs "indexed …" at info just before its progress ends.
    let end = ended(&client, INDEX).await;
    assert!(end.to_string().contains("indexed "), "{end}");

    assert!(client.shutdown_and_exit().await.is_some());

    let lines = log_messages(&client);
    assert!(lines.iter().all(|(typ, _)| *typ == 1), "{lines:?}");
    assert!(
        !lines.iter().any(|(_, text)| text.contains("indexed ")),
        "{lines:?}"
    );
    let stderr = client.stderr();
    assert!(!stderr.contains("indexed "), "{stderr}");
}
