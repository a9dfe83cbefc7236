//! Hostile input against the real binary: files nested 100,000 levels deep, framing that
//! cannot be trusted, lifecycle messages out of order, and binary junk opened as text. The
//! server never crashes, never hangs, and says what it did. The offline security pass is
//! turned off here (`review: {offline: false}`): its own depth is tested with it.
//! Waits are bounded guards, never measurements.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::editor::{ended, full_caps, keyless_agent, range, run_with_task};
use crate::support::lsp::{LspClient, WAIT, frame};
use crate::support::mock::MockServer;
use crate::support::workspace::{answer, config_yaml, ollama_agent, prompt, write};

const CHAT: &str = "/api/chat";
/// A variable no test environment sets: a librarian keyed by it has no key.
const UNSET_KEY: &str = "MULTI_MODEL_TEST_UNSET_KEY";
const LEVELS: usize = 100_000;

struct World {
    hephaestus: MockServer,
    _ws: TempDir,
    client: LspClient,
}

/// A workspace holding `files`, Hephaestus on a mock, a Librarian without a key, the
/// offline pass off.
async fn world(files: &[(&str, &str)]) -> World {
    let hephaestus = MockServer::start().await;
    let ws = TempDir::new().unwrap();
    for (rel, text) in files {
        write(ws.path(), rel, text);
    }
    let librarian = keyless_agent(
        "librarian",
        "librarian-model",
        "openai",
        &format!("{}/v1", hephaestus.url),
        UNSET_KEY,
    );
    let yaml = config_yaml(
        &[ollama_agent("hephaestus", &hephaestus), librarian],
        "review:\n  offline: false\n",
    );
    write(ws.path(), "config/multi_model.yaml", &yaml);
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize(full_caps(), json!({})).await;
    World {
        hephaestus,
        _ws: ws,
        client,
    }
}

/// `n`-level nesting of one kind, as one Python file.
fn nested(kind: &str, n: usize) -> String {
    match kind {
        "unary" => format!("x = {}1\n", "-".repeat(n)),
        "binary" => format!("x = {}'ab'\n", "'ab' + ".repeat(n)),
        "brackets" => format!("x = {}{}\n", "[".repeat(n), "]".repeat(n)),
        "parentheses" => format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
        "calls" => format!("x = {}1{}\n", "f(".repeat(n), ")".repeat(n)),
        // One space per level: 100,000 levels would be 5 GB; this is the deepest that
        // stays under the 4 MiB parse limit.
        "indentation" => (0..n)
            .map(|depth| format!("{}if x:\n", " ".repeat(depth)))
            .chain([format!("{}pass\n", " ".repeat(n))])
            .collect(),
        _ => unreachable!("{kind}"),
    }
}

/// The code actions at a cursor in the middle of the file's deepest line.
async fn code_actions_in_the_middle(client: &LspClient, uri: &str, text: &str) -> Vec<Value> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.len() / 2;
    let character = lines[line].len() as u32 / 2;
    let on = range(line as u32, character, line as u32, character);
    let params = json!({"textDocument": {"uri": uri}, "range": on, "context": {"diagnostics": []}});
    let answer = client.request("textDocument/codeAction", params).await;
    let answer = answer.unwrap_or_else(|e| panic!("code action refused: {e}"));
    answer.as_array().cloned().unwrap_or_default()
}

/// Opens a file nested `LEVELS` deep (on disk too, so the index build parses it), asks for
/// code actions, then runs the Librarian (answering locally) and Hephaestus (a prompt
/// reaches its mock) on it.
async fn check_deep(kind: &str, levels: usize) {
    let text = nested(kind, levels);
    let w = world(&[("deep.py", &text)]).await;
    w.hephaestus
        .on("POST", CHAT, answer("```python\nx = 1\n```"));
    let uri = w.client.uri("deep.py");
    w.client.open(&uri, &text).await;

    let actions = code_actions_in_the_middle(&w.client, &uri, &text).await;
    assert!(!actions.is_empty(), "{kind}: no code actions");

    let whole = range(0, 0, 0, 5);
    let token = run_with_task(
        &w.client,
        "multi-model.examples",
        &uri,
        whole.clone(),
        Some("find x"),
    )
    .await;
    let end = ended(&w.client, &token).await;
    assert!(
        !end.to_string().contains("failed"),
        "{kind}: the Librarian failed: {end}"
    );
    let token = run_with_task(&w.client, "multi-model.implement", &uri, whole, None).await;
    ended(&w.client, &token).await;
    assert!(
        prompt(&w.hephaestus).contains("deep.py"),
        "{kind}: Hephaestus was not shown the file"
    );
    let stderr = w.client.stderr();
    assert!(!stderr.contains("overflow"), "{kind}: {stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_100k_nested_unary_minus_opens_and_gives_code_actions_and_context() {
    check_deep("unary", LEVELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_100k_nested_binary_operators_opens_and_gives_code_actions_and_context() {
    check_deep("binary", LEVELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_100k_nested_brackets_opens_and_gives_code_actions_and_context() {
    check_deep("brackets", LEVELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_100k_nested_parentheses_opens_and_gives_code_actions_and_context() {
    check_deep("parentheses", LEVELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_100k_nested_calls_opens_and_gives_code_actions_and_context() {
    check_deep("calls", LEVELS).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_of_deeply_nested_blocks_opens_and_gives_code_actions_and_context() {
    check_deep("indentation", 2_500).await;
}

#[test]
fn the_cli_librarian_on_a_100k_level_file_without_a_key_does_not_crash() {
    let ws = TempDir::new().unwrap();
    write(ws.path(), "deep.py", &nested("brackets", LEVELS));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_multi-model"))
        .args([
            "--role",
            "librarian",
            "--task",
            "find x",
            "--files",
            "deep.py",
        ])
        .current_dir(ws.path())
        .env("HOME", ws.path().join("home"))
        .env("XDG_CONFIG_HOME", ws.path().join("xdg"))
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Without a key the run fails cleanly (exit 1 or 2); a crash is a signal (no code).
    assert!(output.status.code().is_some(), "{stderr}");
    assert!(!stderr.contains("overflow"), "{stderr}");
}

// --- framing -----------------------------------------------------------------------------

/// A request that needs no document and no model: routing a task.
async fn assert_still_serving(client: &LspClient) {
    let params = json!({"command": "multi-model.route", "arguments": [{"task": "write a parser"}]});
    let answer = client.request("workspace/executeCommand", params).await;
    let answer = answer.unwrap_or_else(|e| panic!("a valid request failed: {e}"));
    assert!(answer["role"].is_string(), "{answer}");
}

async fn started() -> World {
    world(&[]).await
}

/// Whether the server logged a line holding `text` to the client (`window/logMessage`),
/// where a connected server's log goes.
async fn logged(client: &LspClient, text: &str) -> bool {
    let line = |m: &Value| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains(text))
    };
    client.wait_for(line, WAIT).await.is_some()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_line_of_8_kib_is_logged_skipped_and_the_next_message_answered() {
    let w = started().await;
    w.client
        .send_bytes(format!("X-Junk: {}\r\n", "y".repeat(9_000)).as_bytes())
        .await;
    assert_still_serving(&w.client).await;
    assert!(
        logged(&w.client, "a header line over 8 KiB").await,
        "{:#?}",
        w.client.received()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_noise_without_a_line_break_is_skipped_up_to_the_next_content_length() {
    let w = started().await;
    let noise: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .filter(|b| *b != b'\n')
        .collect();
    w.client.send_bytes(&noise).await;
    assert_still_serving(&w.client).await;
    assert!(
        logged(&w.client, "bytes skipped").await,
        "{:#?}",
        w.client.received()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_shorter_than_its_content_length_is_noticed_when_the_next_message_starts() {
    let w = started().await;
    w.client
        .send_bytes(&frame::announcing(
            5000,
            b"{\"jsonrpc\": \"2.0\", \"id\": 999,",
        ))
        .await;
    assert_still_serving(&w.client).await;
    assert!(
        logged(&w.client, "the next message started inside it").await,
        "{:#?}",
        w.client.received()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_for_an_unknown_dollar_method_gets_method_not_found() {
    let w = started().await;
    for method in ["$/unheardOf", "$/cancelRequest", "$/setTrace"] {
        let answer = w.client.request(method, json!({"id": 1})).await;
        let error = answer.expect_err(method);
        assert_eq!(error["code"], -32601, "{method}: {error}");
    }
    assert_still_serving(&w.client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exit_without_shutdown_exits_with_code_1_and_says_why() {
    let mut w = started().await;
    w.client.notify("exit", Value::Null).await;
    let status = w.client.wait_exit(WAIT).await.expect("the server exits");
    assert_eq!(status.code(), Some(1));
    assert!(
        w.client.stderr().contains("without `shutdown`"),
        "{}",
        w.client.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn input_that_ends_inside_a_message_exits_with_code_1_and_says_why() {
    let mut w = started().await;
    w.client
        .send_bytes(&frame::announcing(100, b"{\"jsonrpc\""))
        .await;
    w.client.close_stdin().await;
    let status = w.client.wait_exit(WAIT).await.expect("the server exits");
    assert_eq!(status.code(), Some(1));
    assert!(
        w.client
            .stderr()
            .contains("the input ended inside a message body"),
        "{}",
        w.client.stderr()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_initialized_does_not_build_the_index_again() {
    let w = world(&[("app.py", "def f():\n    pass\n")]).await;
    let indexed = |m: &Value| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.starts_with("indexed "))
    };
    w.client
        .wait_for(indexed, WAIT)
        .await
        .expect("the first build");
    w.client.notify("initialized", json!({})).await;
    let ignored = |m: &Value| {
        m["params"]["message"]
            .as_str()
            .is_some_and(|t| t.contains("repeated `initialized`"))
    };
    w.client.wait_for(ignored, WAIT).await.expect("the warning");
    // The second build would have logged within this (a one-file workspace: milliseconds).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let builds = w.client.received().iter().filter(|m| indexed(m)).count();
    assert_eq!(builds, 1);
}

// --- binary junk opened as text ------------------------------------------------------------

/// A megabyte of what a binary file looks like decoded as text.
fn junk() -> String {
    let mut text = String::with_capacity(1 << 20);
    let mut state = 7u32;
    while text.len() < 1 << 20 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        text.push(match state >> 29 {
            0..=2 => '\0',
            3 => '\u{FFFD}',
            4 => '\u{1}',
            _ => char::from(b'a' + (state >> 20) as u8 % 26),
        });
    }
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn a_megabyte_of_binary_junk_is_not_parsed_says_so_once_and_still_answers() {
    let w = started().await;
    let uri = w.client.uri("app.py");
    w.client.open(&uri, &junk()).await;
    let notice = |m: &Value| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("app.py looks binary"))
    };
    let shown = w.client.wait_for(notice, WAIT).await.expect("the notice");
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(message.contains("NUL bytes"), "{message}");
    assert!(
        message.contains("not parsed, reviewed or indexed"),
        "{message}"
    );

    for version in 2..5 {
        let typed = json!([{"range": range(0, 0, 0, 0), "text": "x"}]);
        w.client.change(&uri, version, typed).await;
        let params = json!({"textDocument": {"uri": uri}, "range": range(0, 1, 0, 1),
                            "context": {"diagnostics": []}});
        let actions = w.client.request("textDocument/codeAction", params).await;
        assert!(actions.is_ok_and(|a| a.is_array()), "version {version}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notices = w.client.received().iter().filter(|m| notice(m)).count();
    assert_eq!(notices, 1, "told once");
}
