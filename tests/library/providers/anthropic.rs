//! Anthropic Messages against a mock speaking its exact format (providers.md §2, §6 item 4).

use std::time::Duration;

use futures_util::StreamExt;
use multi_model::providers::{
    ChatRequest, ErrorClass, FinishReason, Message, OutputSchema, ProviderClient, ProviderError,
    StreamEvent, Usage,
};
use serde_json::{Value, json};

use super::{agent, client};
use crate::support::mock::{MockServer, Recorded, Reply, TEST_KEY};

const PATH: &str = "/v1/messages";
const MODEL: &str = "claude-sonnet-5";

/// One SSE event as the API sends it: an `event:` line naming the payload's `type`.
fn event(data: Value) -> String {
    let name = data["type"].as_str().unwrap().to_string();
    format!("event: {name}\ndata: {data}\n\n")
}

/// Real input tokens, cache counts, and the placeholder output count of 1.
fn message_start(input: u64, cache_creation: u64, cache_read: u64) -> String {
    event(json!({"type": "message_start", "message": {
        "id": "msg_01HqV7cW3nXy8ZkP2rT5sLmB", "type": "message", "role": "assistant",
        "model": "claude-sonnet-5-20260630", "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": input, "cache_creation_input_tokens": cache_creation,
                  "cache_read_input_tokens": cache_read, "output_tokens": 1, "service_tier": "standard"}
    }}))
}

fn block_start(index: u64, block: Value) -> String {
    event(json!({"type": "content_block_start", "index": index, "content_block": block}))
}

fn delta(index: u64, delta: Value) -> String {
    event(json!({"type": "content_block_delta", "index": index, "delta": delta}))
}

fn text_delta(index: u64, text: &str) -> String {
    delta(index, json!({"type": "text_delta", "text": text}))
}

fn block_stop(index: u64) -> String {
    event(json!({"type": "content_block_stop", "index": index}))
}

fn ping() -> String {
    "event: ping\ndata: {\"type\": \"ping\"}\n\n".into()
}

/// `output_tokens` is cumulative for the whole message.
fn message_delta(stop_reason: &str, output_tokens: u64) -> String {
    event(json!({"type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": null},
        "usage": {"output_tokens": output_tokens}}))
}

fn message_stop() -> String {
    event(json!({"type": "message_stop"}))
}

/// The text block of `pieces`, with `ping` after its start, as content block `index`.
fn text_block(index: u64, pieces: &[&str]) -> String {
    let mut body = block_start(index, json!({"type": "text", "text": ""}));
    body.push_str(&ping());
    for piece in pieces {
        body.push_str(&text_delta(index, piece));
    }
    body.push_str(&block_stop(index));
    body
}

/// message_start → text block (with a ping) → message_delta → message_stop (providers.md §2.4).
fn text_stream(pieces: &[&str]) -> String {
    let mut body = message_start(38, 0, 0);
    body.push_str(&text_block(0, pieces));
    body.push_str(&message_delta("end_turn", 9));
    body.push_str(&message_stop());
    body
}

fn error_body(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message},
           "request_id": "req_011CT8m2V7rQpX4sYbN9wZ3k"})
}

async fn setup(reply: Reply) -> (MockServer, ProviderClient) {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, reply);
    let client = client(&agent("anthropic", &mock.url, MODEL, ""));
    (mock, client)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![Message::user("Complete: fn add(a: i32, b: i32) -> i32 {")],
        max_tokens: 256,
        temperature: None,
        stop: vec![],
        schema: None,
    }
}

fn edit_schema() -> OutputSchema {
    OutputSchema {
        name: "code_edit".into(),
        schema: json!({"type": "object", "properties": {"new_text": {"type": "string"},
                       "explanation": {"type": "string"}}, "required": ["new_text"]}),
    }
}

/// The key and the version, each exactly once, and no bearer token.
fn assert_auth_headers(sent: &Recorded) {
    assert_eq!(sent.header_values("x-api-key"), [TEST_KEY]);
    assert_eq!(sent.header_values("anthropic-version"), ["2023-06-01"]);
    assert!(
        sent.header_values("authorization").is_empty(),
        "{:?}",
        sent.headers
    );
}

#[tokio::test]
async fn streamed_text_usage_and_finish_arrive() {
    let mut body = message_start(38, 0, 0);
    body.push_str(&text_block(0, &["    a", " + b\n}"]));
    body.push_str(&message_delta("end_turn", 9));
    body.push_str(&message_stop());
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    // Output is the last cumulative count, not the placeholder 1 plus it.
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 38,
            output_tokens: 9
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn cache_creation_and_cache_read_tokens_count_as_input() {
    let body =
        text_stream(&["ok"]).replace(&message_start(38, 0, 0), &message_start(38, 1200, 3400));
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 38 + 1200 + 3400,
            output_tokens: 9
        })
    );
}

#[tokio::test]
async fn the_request_follows_the_wire_format() {
    let (mock, client) = setup(Reply::sse(&text_stream(&["x"]))).await;
    client.stream_collect(&request()).await.unwrap();
    let sent = mock.only_request();
    assert_auth_headers(&sent);
    let body = sent.body();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["max_tokens"], 256);
    // There is no system role: the system prompt is a top-level field.
    assert_eq!(body["system"], "You are terse.");
    assert_eq!(
        body["messages"],
        json!([{"role": "user", "content": "Complete: fn add(a: i32, b: i32) -> i32 {"}])
    );
    assert_eq!(body["stream"], true);
    assert!(
        body.get("temperature").is_none(),
        "temperature sent though unset: {body}"
    );
    assert!(body.get("stop_sequences").is_none(), "{body}");
    assert!(body.get("tools").is_none(), "{body}");
}

#[tokio::test]
async fn temperature_and_stop_sequences_are_sent_when_set() {
    let (mock, client) = setup(Reply::sse(&text_stream(&["x"]))).await;
    let mut request = request();
    request.temperature = Some(0.2);
    request.stop = vec!["\n\n\n".into()];
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["stop_sequences"], json!(["\n\n\n"]));
    assert!(
        body.get("stop").is_none(),
        "OpenAI's field name sent: {body}"
    );
}

#[tokio::test]
async fn a_thinking_block_before_the_text_is_not_part_of_the_answer() {
    let mut body = message_start(38, 0, 0);
    body.push_str(&block_start(
        0,
        json!({"type": "thinking", "thinking": "", "signature": ""}),
    ));
    body.push_str(&ping());
    body.push_str(&delta(
        0,
        json!({"type": "thinking_delta", "thinking": "The user wants the sum. "}),
    ));
    body.push_str(&delta(
        0,
        json!({"type": "thinking_delta", "thinking": "Return a + b."}),
    ));
    body.push_str(&delta(
        0,
        json!({"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}),
    ));
    body.push_str(&block_stop(0));
    body.push_str(&text_block(1, &["    a + b", "\n}"]));
    body.push_str(&message_delta("end_turn", 61));
    body.push_str(&message_stop());
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn chunks_split_inside_json_and_utf8_decode_the_same() {
    let text = ["héllo ", "wörld ✓ ", "🎉"];
    let (_mock, client) = setup(Reply::sse(&text_stream(&text)).split_every(5)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "héllo wörld ✓ 🎉");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 38,
            output_tokens: 9
        })
    );
}

#[tokio::test]
async fn events_whose_event_lines_a_proxy_dropped_still_decode() {
    let body: String = text_stream(&["still ", "fine"])
        .lines()
        .filter(|line| !line.starts_with("event:"))
        .map(|line| format!("{line}\n"))
        .collect();
    let (_mock, client) = setup(Reply::sse(&body)).await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap().text,
        "still fine"
    );
}

#[tokio::test]
async fn unknown_event_types_are_ignored() {
    let body = text_stream(&["ok"]).replace(
        &message_stop(),
        &format!(
            "{}{}",
            event(json!({"type": "future_event", "detail": {"x": 1}})),
            message_stop()
        ),
    );
    let (_mock, client) = setup(Reply::sse(&body)).await;
    assert_eq!(client.stream_collect(&request()).await.unwrap().text, "ok");
}

#[tokio::test]
async fn hitting_max_tokens_finishes_with_length() {
    let body = text_stream(&["cut o"]).replace(
        &message_delta("end_turn", 9),
        &message_delta("max_tokens", 256),
    );
    let (_mock, client) = setup(Reply::sse(&body)).await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap().finish,
        FinishReason::Length
    );
}

#[tokio::test]
async fn a_refusal_stop_reason_is_reported_as_declined() {
    let body = text_stream(&["I can't"])
        .replace(&message_delta("end_turn", 9), &message_delta("refusal", 4));
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err}");
}

#[tokio::test]
async fn structured_output_forces_a_tool_whose_input_schema_is_the_schema() {
    let (mock, client) = setup(Reply::sse(&text_stream(&["{\"new_text\": \"x\"}"]))).await;
    let mut request = request();
    request.schema = Some(edit_schema());
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    let tools = body["tools"].as_array().expect("tools is an array");
    assert_eq!(tools.len(), 1, "{body}");
    assert_eq!(tools[0]["input_schema"], edit_schema().schema);
    let name = tools[0]["name"].as_str().expect("the tool has a name");
    assert_eq!(body["tool_choice"], json!({"type": "tool", "name": name}));
    assert!(body.get("output_config").is_none(), "{body}");
}

#[tokio::test]
async fn a_streamed_tool_use_block_gives_the_json_object() {
    let mut body = message_start(412, 0, 0);
    body.push_str(&block_start(
        0,
        json!({"type": "tool_use", "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn",
                                          "name": "emit_output", "input": {}}),
    ));
    body.push_str(&ping());
    for fragment in [
        "",
        "{\"new_text\": \"let co",
        "unt = 0;\", \"expla",
        "nation\": \"renamed\"}",
    ] {
        body.push_str(&delta(
            0,
            json!({"type": "input_json_delta", "partial_json": fragment}),
        ));
    }
    body.push_str(&block_stop(0));
    body.push_str(&message_delta("tool_use", 31));
    body.push_str(&message_stop());
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let mut request = request();
    request.schema = Some(edit_schema());
    let done = client.stream_collect(&request).await.unwrap();
    assert_eq!(
        done.json,
        Some(json!({"new_text": "let count = 0;", "explanation": "renamed"}))
    );
    assert_eq!(done.finish, FinishReason::ToolUse);
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 412,
            output_tokens: 31
        })
    );
}

#[tokio::test]
async fn an_overloaded_error_event_after_text_is_transient_and_follows_the_text() {
    let mut body = message_start(38, 0, 0);
    body.push_str(&block_start(0, json!({"type": "text", "text": ""})));
    body.push_str(&text_delta(0, "par"));
    body.push_str("event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n");
    let (_mock, client) = setup(Reply::sse(&body)).await;
    let mut events = client.stream(&request()).await.unwrap();
    let mut seen = Vec::new();
    let err = loop {
        match events
            .next()
            .await
            .expect("the stream reports the error before it ends")
        {
            Ok(StreamEvent::Usage(_)) => {}
            Ok(event) => seen.push(event),
            Err(err) => break err,
        }
    };
    assert_eq!(seen, [StreamEvent::Text("par".into())]);
    assert!(matches!(err, ProviderError::InStream { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(err.to_string().contains("overloaded_error"), "{err}");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn http_529_overloaded_is_transient() {
    let (_mock, client) = setup(Reply::json(
        529,
        &error_body("overloaded_error", "Overloaded"),
    ))
    .await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 529, .. }),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Transient);
}

#[tokio::test]
async fn rate_limits_are_transient_with_the_servers_delay() {
    let reply = Reply::json(
        429,
        &error_body(
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
        ),
    )
    .header("retry-after", "17")
    .header("anthropic-ratelimit-requests-limit", "1000")
    .header("anthropic-ratelimit-requests-remaining", "999")
    .header("anthropic-ratelimit-requests-reset", "2026-11-20T10:15:03Z")
    .header("anthropic-ratelimit-tokens-limit", "96000")
    .header("anthropic-ratelimit-tokens-remaining", "0")
    .header("anthropic-ratelimit-tokens-reset", "2026-11-20T10:15:03Z")
    .header("anthropic-ratelimit-input-tokens-limit", "80000")
    .header("anthropic-ratelimit-input-tokens-remaining", "0")
    .header(
        "anthropic-ratelimit-input-tokens-reset",
        "2026-11-20T10:15:03Z",
    )
    .header("anthropic-ratelimit-output-tokens-limit", "16000")
    .header("anthropic-ratelimit-output-tokens-remaining", "16000")
    .header(
        "anthropic-ratelimit-output-tokens-reset",
        "2026-11-20T10:15:04Z",
    )
    .header("request-id", "req_011CT8m2V7rQpX4sYbN9wZ3k");
    let (_mock, client) = setup(reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(17)));
    assert!(
        err.to_string().contains("HTTP 429 (rate_limit_error)"),
        "{err}"
    );
}

#[tokio::test]
async fn a_retired_model_is_unavailable() {
    let reply = Reply::json(
        404,
        &error_body("not_found_error", "model: claude-3-5-sonnet-20241022"),
    );
    let (_mock, client) = setup(reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    assert!(
        err.to_string()
            .contains("model: claude-3-5-sonnet-20241022"),
        "{err}"
    );
}

#[tokio::test]
async fn a_rejected_key_is_unavailable_and_never_echoed() {
    let reply = Reply::json(
        401,
        &error_body(
            "authentication_error",
            &format!("invalid x-api-key: {TEST_KEY}"),
        ),
    );
    let (_mock, client) = setup(reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TEST_KEY), "{shown}");
}

#[tokio::test]
async fn a_prompt_too_long_is_a_request_error_marked_as_overflow() {
    let reply = Reply::json(
        400,
        &error_body(
            "invalid_request_error",
            "prompt is too long: 204213 tokens > 200000 maximum",
        ),
    );
    let (_mock, client) = setup(reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Request);
    assert!(err.is_context_overflow(), "{err}");
}

#[tokio::test]
async fn a_gateways_non_json_413_is_a_request_error_with_a_readable_message() {
    let html = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";
    let (_mock, client) = setup(Reply::raw(413, "text/html", html)).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert!(
        matches!(err, ProviderError::Status { status: 413, .. }),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Request);
    assert!(
        err.to_string().contains("413 Request Entity Too Large"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stream_cut_inside_a_block_is_incomplete_with_the_partial_text_apart() {
    let mut body = message_start(38, 0, 0);
    body.push_str(&block_start(0, json!({"type": "text", "text": ""})));
    body.push_str(&text_delta(0, "half "));
    body.push_str(&text_delta(0, "an ans"));
    let (_mock, client) = setup(Reply::sse(&body)).await;
    match client.stream_collect(&request()).await.unwrap_err() {
        ProviderError::Incomplete { partial, .. } => assert_eq!(partial, "half an ans"),
        other => panic!("expected Incomplete, got {other}"),
    }
}

#[tokio::test]
async fn a_stream_without_message_stop_is_incomplete_even_after_its_stop_reason() {
    let body = text_stream(&["almost ", "done"]).replace(&message_stop(), "");
    let (_mock, client) = setup(Reply::sse(&body)).await;
    match client.stream_collect(&request()).await.unwrap_err() {
        ProviderError::Incomplete { partial, .. } => assert_eq!(partial, "almost done"),
        other => panic!("expected Incomplete, got {other}"),
    }
}

#[tokio::test]
async fn a_non_streaming_call_takes_the_text_blocks_only() {
    let body = json!({
        "id": "msg_01HqV7cW3nXy8ZkP2rT5sLmB", "type": "message", "role": "assistant",
        "model": "claude-sonnet-5-20260630",
        "content": [
            {"type": "thinking", "thinking": "The user wants the sum.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
            {"type": "text", "text": "    a + b\n}"}
        ],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 38, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 2000,
                  "output_tokens": 61, "service_tier": "standard"}
    });
    let (mock, client) = setup(Reply::json(200, &body)).await;
    let done = client.complete(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 2038,
            output_tokens: 61
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
    let sent = mock.only_request();
    assert_auth_headers(&sent);
    assert_eq!(sent.body()["stream"], false);
}

#[tokio::test]
async fn a_non_streaming_tool_use_gives_its_input_object() {
    let body = json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-5-20260630",
        "content": [{"type": "tool_use", "id": "toolu_01NRLabsLyVHZPKxbKvkfSMn", "name": "emit_output",
                     "input": {"new_text": "let count = 0;"}}],
        "stop_reason": "tool_use", "stop_sequence": null,
        "usage": {"input_tokens": 412, "output_tokens": 31}
    });
    let (_mock, client) = setup(Reply::json(200, &body)).await;
    let mut request = request();
    request.schema = Some(edit_schema());
    let done = client.complete(&request).await.unwrap();
    assert_eq!(done.json, Some(json!({"new_text": "let count = 0;"})));
    assert_eq!(done.finish, FinishReason::ToolUse);
}

fn model(id: &str, name: &str) -> Value {
    json!({"type": "model", "id": id, "display_name": name, "created_at": "2026-06-30T00:00:00Z",
           "max_input_tokens": 1000000, "max_tokens": 128000})
}

#[tokio::test]
async fn model_lists_follow_after_id_across_pages() {
    let mock = MockServer::start().await;
    mock.on("GET", "/v1/models", Reply::json(200, &json!({
        "data": [model("claude-sonnet-5", "Claude Sonnet 5"), model("claude-opus-5", "Claude Opus 5")],
        "has_more": true, "first_id": "claude-sonnet-5", "last_id": "claude-opus-5"
    })));
    mock.on(
        "GET",
        "/v1/models",
        Reply::json(
            200,
            &json!({
                "data": [model("claude-haiku-4-5", "Claude Haiku 4.5")],
                "has_more": false, "first_id": "claude-haiku-4-5", "last_id": "claude-haiku-4-5"
            }),
        ),
    );
    let client = client(&agent("anthropic", &mock.url, MODEL, ""));
    assert_eq!(
        client.list_models().await.unwrap(),
        ["claude-sonnet-5", "claude-opus-5", "claude-haiku-4-5"]
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert!(!sent[0].uri.contains("after_id"), "{}", sent[0].uri);
    assert!(
        sent[1].uri.contains("after_id=claude-opus-5"),
        "{}",
        sent[1].uri
    );
    for request in &sent {
        assert!(request.uri.starts_with("/v1/models"), "{}", request.uri);
        assert_auth_headers(request);
    }
}
