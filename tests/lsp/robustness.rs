//! Malformed input never stops the language server: requests get error answers, bad
//! notifications are dropped, and a valid request afterwards still succeeds. Driven through
//! the real server loop over in-memory pipes.

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use crate::support::editor::{code_action, did_open, error_code};
use crate::support::lsp::{InProcess, LspClient};

const URI: &str = "file:///w/robust.py";

const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const NOT_INITIALIZED: i64 = -32002;

/// A request that needs no open document and no model: routing a task.
async fn assert_still_serving(client: &LspClient<InProcess>) {
    let answer = client
        .response(
            "workspace/executeCommand",
            json!({"command": "multi-model.route", "arguments": [{"task": "write a parser"}]}),
        )
        .await;
    assert!(
        answer["result"]["role"].is_string(),
        "a valid request failed: {answer}"
    );
}

/// The version every code action on the open document reports: the server's version.
async fn version_of(client: &LspClient<InProcess>, uri: &str) -> Value {
    let answer = client
        .response("textDocument/codeAction", code_action(uri, (0, 0), (0, 1)))
        .await;
    answer["result"][0]["command"]["arguments"][0]["version"].clone()
}

async fn with_open_document(text: &str) -> LspClient<InProcess> {
    let client = LspClient::in_process_initialized().await;
    client
        .notify("textDocument/didOpen", did_open(URI, 1, text))
        .await;
    client
}

#[tokio::test]
async fn a_request_before_initialize_is_refused_and_initialize_still_works() {
    let client = LspClient::in_process();
    let early = client
        .response("textDocument/codeAction", code_action(URI, (0, 0), (0, 0)))
        .await;
    assert_eq!(error_code(&early), Some(NOT_INITIALIZED), "{early}");

    let answer = client
        .response("initialize", json!({"processId": null, "capabilities": {}}))
        .await;
    assert!(answer.get("result").is_some(), "{answer}");
    client.close().await;
}

#[tokio::test]
async fn unparseable_json_gets_a_parse_error_and_the_server_keeps_serving() {
    let client = LspClient::in_process_initialized().await;
    client.send_raw(b"{\"jsonrpc\": \"2.0\", \"id\": 1,").await;

    let answer = client.unclaimed().await;
    assert_eq!(error_code(&answer), Some(PARSE_ERROR), "{answer}");
    assert_eq!(answer["id"], Value::Null);
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_body_that_is_not_utf8_gets_a_parse_error_and_the_server_keeps_serving() {
    let client = LspClient::in_process_initialized().await;
    client
        .send_raw(b"{\"jsonrpc\": \"2.0\", \"method\": \"\xff\xfe\"}")
        .await;

    let answer = client.unclaimed().await;
    assert_eq!(error_code(&answer), Some(PARSE_ERROR), "{answer}");
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn garbage_before_a_header_is_skipped() {
    let client = LspClient::in_process_initialized().await;
    client.send_bytes(b"junk").await;

    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_header_without_content_length_gets_a_parse_error_and_the_server_keeps_serving() {
    let client = LspClient::in_process_initialized().await;
    client.send_bytes(b"garbage\r\n\r\n").await;

    let answer = client.unclaimed().await;
    assert_eq!(error_code(&answer), Some(PARSE_ERROR), "{answer}");
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_request_without_a_method_gets_method_not_found() {
    let client = LspClient::in_process_initialized().await;
    let pending = client
        .send_request_with(|id| json!({"jsonrpc": "2.0", "id": id, "params": {}}))
        .await;

    let answer = pending.answer().await;
    assert_eq!(error_code(&answer), Some(METHOD_NOT_FOUND), "{answer}");
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_request_that_is_not_json_rpc_gets_invalid_request_for_its_id() {
    let client = LspClient::in_process_initialized().await;
    let pending = client
        .send_request_with(|id| json!({"jsonrpc": "2.0", "id": id, "method": 5}))
        .await;

    let answer = pending.answer().await;
    assert_eq!(error_code(&answer), Some(INVALID_REQUEST), "{answer}");
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn json_that_is_not_a_message_gets_invalid_request_and_the_server_keeps_serving() {
    let client = LspClient::in_process_initialized().await;
    client.send_raw(b"[1, 2, 3]").await;

    let answer = client.unclaimed().await;
    assert_eq!(error_code(&answer), Some(INVALID_REQUEST), "{answer}");
    assert_eq!(answer["id"], Value::Null);
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn exit_stops_the_server_while_its_input_is_still_open() {
    let client = LspClient::in_process_initialized().await;
    let answer = client.response("shutdown", json!(null)).await;
    assert!(answer.get("error").is_none(), "{answer}");
    client.notify("exit", json!(null)).await;

    client.stopped().await;
}

#[tokio::test]
async fn an_unknown_request_gets_method_not_found_and_an_unknown_notification_is_ignored() {
    let client = LspClient::in_process_initialized().await;
    client
        .notify("multi-model/unheardOf", json!({"x": 1}))
        .await;
    let answer = client
        .response("multi-model/unheardOf", json!([1, 2]))
        .await;

    assert_eq!(error_code(&answer), Some(METHOD_NOT_FOUND), "{answer}");
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_code_action_with_params_of_the_wrong_types_gets_invalid_params() {
    let client = with_open_document("x = 1\n").await;
    for params in [
        json!(null),
        json!("textDocument"),
        json!({"textDocument": {"uri": 7}, "range": {}, "context": {}}),
        json!({"textDocument": {"uri": URI}, "range": {"start": {"line": "0", "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
        json!({"textDocument": {"uri": URI}, "range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": []}}),
    ] {
        let answer = client
            .response("textDocument/codeAction", params.clone())
            .await;
        assert_eq!(
            error_code(&answer),
            Some(INVALID_PARAMS),
            "{params} → {answer}"
        );
    }
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_code_action_on_a_document_that_is_not_open_gets_invalid_params() {
    let client = LspClient::in_process_initialized().await;
    let answer = client
        .response(
            "textDocument/codeAction",
            code_action("file:///w/never.py", (0, 0), (0, 0)),
        )
        .await;
    assert_eq!(error_code(&answer), Some(INVALID_PARAMS), "{answer}");
    client.close().await;
}

#[tokio::test]
async fn a_code_action_at_huge_positions_is_answered_within_the_document() {
    let client = with_open_document("x = 1\ny = 2").await;
    let answer = client
        .response(
            "textDocument/codeAction",
            code_action(URI, (0, 3), (u32::MAX, u32::MAX)),
        )
        .await;

    let target = &answer["result"][0]["command"]["arguments"][0];
    assert_eq!(
        target["range"],
        json!({"start": {"line": 0, "character": 3}, "end": {"line": 1, "character": 5}}),
        "{answer}"
    );
    client.close().await;
}

#[tokio::test]
async fn an_execute_command_with_params_of_the_wrong_types_gets_invalid_params() {
    let client = LspClient::in_process_initialized().await;
    for params in [
        json!({"command": 5}),
        json!({"arguments": []}),
        json!({"command": "multi-model.plan", "arguments": ["not a target"]}),
        json!({"command": "multi-model.implement", "arguments": [{"uri": URI, "range": 3, "version": 1}]}),
        json!({"command": "multi-model.review", "arguments": [{"uri": "file:///w/never.py", "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "version": 1}]}),
        json!({"command": "multi-model.pipeline", "arguments": [{"kind": 3}]}),
        json!({"command": "multi-model.nothing", "arguments": []}),
    ] {
        let answer = client
            .response("workspace/executeCommand", params.clone())
            .await;
        assert_eq!(
            error_code(&answer),
            Some(INVALID_PARAMS),
            "{params} → {answer}"
        );
    }
    assert_still_serving(&client).await;
    client.close().await;
}

#[tokio::test]
async fn a_did_open_with_params_of_the_wrong_types_is_dropped() {
    let client = LspClient::in_process_initialized().await;
    for params in [
        json!(null),
        json!({"textDocument": 5}),
        json!({"textDocument": {"uri": URI, "languageId": "python", "version": "1", "text": "x"}}),
        json!({"textDocument": {"uri": URI, "languageId": "python", "version": 1, "text": 3}}),
        json!({"textDocument": {"uri": URI, "languageId": "python", "version": 1e40, "text": "x"}}),
    ] {
        client.notify("textDocument/didOpen", params).await;
    }

    let answer = client
        .response("textDocument/codeAction", code_action(URI, (0, 0), (0, 0)))
        .await;
    assert_eq!(
        error_code(&answer),
        Some(INVALID_PARAMS),
        "still not open: {answer}"
    );
    client.close().await;
}

#[tokio::test]
async fn a_did_change_with_params_of_the_wrong_types_is_dropped_and_changes_nothing() {
    let client = with_open_document("x = 1\n").await;
    let change = |changes: Value| json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": changes});
    for params in [
        json!(null),
        json!({"textDocument": {"uri": URI}, "contentChanges": []}),
        json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": "x"}),
        change(json!([{"text": 5}])),
        change(
            json!([{"range": {"start": {"line": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
        ),
        change(
            json!([{"range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
        ),
        change(
            json!([{"range": {"start": {"line": 1_u64 << 40, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "x"}]),
        ),
    ] {
        client.notify("textDocument/didChange", params).await;
    }

    assert_eq!(version_of(&client, URI).await, json!(1));
    client.close().await;
}

#[tokio::test]
async fn a_did_change_at_huge_positions_lands_at_the_end_of_the_document() {
    let client = with_open_document("x = 1").await;
    let far = json!({"line": u32::MAX, "character": u32::MAX});
    client
        .notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": URI, "version": 2},
                "contentChanges": [{"range": {"start": far, "end": far}, "text": "!"}]
            }),
        )
        .await;

    let answer = client
        .response("textDocument/codeAction", code_action(URI, (0, 5), (0, 99)))
        .await;
    let target = &answer["result"][0]["command"]["arguments"][0];
    assert_eq!(target["version"], json!(2), "{answer}");
    assert_eq!(
        target["range"]["end"],
        json!({"line": 0, "character": 6}),
        "{answer}"
    );
    client.close().await;
}

#[tokio::test]
async fn negative_versions_are_accepted_in_increasing_order_and_a_stale_one_is_ignored() {
    let client = LspClient::in_process_initialized().await;
    client
        .notify("textDocument/didOpen", did_open(URI, -5, "x"))
        .await;
    let change = |version: i32| json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": [{"text": "y"}]});
    client.notify("textDocument/didChange", change(-4)).await;
    client.notify("textDocument/didChange", change(-9)).await;

    assert_eq!(version_of(&client, URI).await, json!(-4));
    client.close().await;
}

// ---------------------------------------------------------------------------------------
// Random params.

/// JSON of any shape, leaning towards the keys and values LSP params use, so that the
/// server's deserialisation gets past the first field now and then.
fn json_value(uris: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u32>().prop_map(Value::from),
        (-3i64..3).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "[a-z é漢🚀\n\r]{0,6}".prop_map(Value::from),
        prop::sample::select(uris).prop_map(Value::from),
        prop::sample::select(
            &[
                "python",
                "multi-model.route",
                "multi-model.plan",
                "multi-model.explain",
                "multi-model.cancelAll",
                "multi-model.unknown",
            ][..]
        )
        .prop_map(Value::from),
    ];
    let keys = prop::sample::select(
        &[
            "textDocument",
            "uri",
            "version",
            "text",
            "languageId",
            "contentChanges",
            "range",
            "rangeLength",
            "start",
            "end",
            "line",
            "character",
            "context",
            "diagnostics",
            "command",
            "arguments",
            "task",
        ][..],
    );
    leaf.prop_recursive(4, 32, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(String::from), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Documents the random params may open, change and ask about.
const DOCUMENT_URIS: &[&str] = &["file:///w/a.py", "file:///w/b.py", "not a uri", ""];
/// URIs for command targets: never opened, so no command starts a model job.
const COMMAND_URIS: &[&str] = &["file:///w/never-opened.py", "::"];

#[derive(Clone, Debug)]
struct Message {
    method: &'static str,
    params: Value,
    /// Sent with an id (a request, which must be answered) or without (a notification).
    as_request: bool,
}

fn message() -> impl Strategy<Value = Message> {
    let documents = prop::sample::select(
        &[
            "textDocument/didOpen",
            "textDocument/didChange",
            "textDocument/didClose",
            "textDocument/codeAction",
        ][..],
    );
    prop_oneof![
        (documents, json_value(DOCUMENT_URIS), any::<bool>()),
        (
            Just("workspace/executeCommand"),
            json_value(COMMAND_URIS),
            any::<bool>()
        ),
    ]
    .prop_map(|(method, params, as_request)| Message {
        method,
        params,
        as_request,
    })
}

#[test]
fn random_params_for_document_and_command_methods_never_stop_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(LspClient::in_process_initialized());
    let mut runner = TestRunner::new(ProptestConfig::with_cases(256));

    let outcome = runner.run(&prop::collection::vec(message(), 1..6), |messages| {
        runtime.block_on(async {
            for message in &messages {
                if message.as_request {
                    let answer = client
                        .response(message.method, message.params.clone())
                        .await;
                    assert!(
                        answer.get("result").is_some() || answer.get("error").is_some(),
                        "{message:?} → {answer}"
                    );
                } else {
                    client.notify(message.method, message.params.clone()).await;
                }
            }
            assert_still_serving(&client).await;
        });
        Ok(())
    });

    outcome.unwrap();
    runtime.block_on(client.close());
}

/// Over the 4 MiB parse limit: the code action is answered at once, with the cursor (the
/// command resolves it by indentation: `features::results`).
#[tokio::test]
async fn a_document_too_large_to_parse_still_gets_code_actions() {
    // A function at the end of 5 MiB of assignments.
    let mut text = "x = 1\n".repeat(5 * 1024 * 1024 / 6);
    let def_line = text.lines().count() as u32;
    text.push_str("def tail():\n    return 1\n");
    let client = with_open_document(&text).await;
    let answer = client
        .response(
            "textDocument/codeAction",
            code_action(URI, (def_line + 1, 4), (def_line + 1, 4)),
        )
        .await;
    let target = &answer["result"][0]["command"]["arguments"][0];
    assert_eq!(
        target["range"],
        json!({"start": {"line": def_line + 1, "character": 4}, "end": {"line": def_line + 1, "character": 4}}),
        "{answer}"
    );
    assert_still_serving(&client).await;
    client.close().await;
}
