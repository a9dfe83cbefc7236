//! OpenAI Chat Completions (and compatible servers) against a mock speaking its exact format.

use std::time::Duration;

use futures_util::StreamExt;
use multi_model::providers::{
    ChatRequest, ErrorClass, FinishReason, OutputSchema, ProviderError, StreamEvent, Usage,
};
use serde_json::json;

use super::{agent, client};
use crate::support::mock::{MockServer, Reply, TEST_KEY};

const PATH: &str = "/v1/chat/completions";

fn chunk(delta: serde_json::Value, finish: Option<&str>) -> String {
    let c = json!({
        "id": "chatcmpl-C9kQ2r", "object": "chat.completion.chunk", "created": 1763980200,
        "model": "gpt-5.4-mini-2026-03-17", "system_fingerprint": "fp_7c2b9a41d0",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        "usage": null, "obfuscation": "pL3"
    });
    format!("data: {c}\n\n")
}

fn usage_chunk() -> String {
    let c = json!({
        "id": "chatcmpl-C9kQ2r", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": 41, "completion_tokens": 7, "total_tokens": 48,
                  "completion_tokens_details": {"reasoning_tokens": 0}},
        "obfuscation": "u7"
    });
    format!("data: {c}\n\n")
}

/// role chunk → content chunks → finish chunk → usage chunk → [DONE] (providers.md §1.4).
fn full_stream(pieces: &[&str]) -> String {
    let mut body = chunk(
        json!({"role": "assistant", "content": "", "refusal": null}),
        None,
    );
    for piece in pieces {
        body.push_str(&chunk(json!({"content": piece}), None));
    }
    body.push_str(&chunk(json!({}), Some("stop")));
    body.push_str(&usage_chunk());
    body.push_str("data: [DONE]\n\n");
    body
}

async fn setup(reply: Reply, extra: &str) -> (MockServer, multi_model::providers::ProviderClient) {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, reply);
    let agent = agent("openai", &format!("{}/v1", mock.url), "gpt-5.4-mini", extra);
    let client = client(&agent);
    (mock, client)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![multi_model::providers::Message::user(
            "Complete: fn add(a: i32, b: i32) -> i32 {",
        )],
        max_tokens: 256,
        temperature: None,
        stop: vec![],
        schema: None,
    }
}

#[tokio::test]
async fn streamed_text_usage_and_finish_arrive() {
    let (_mock, client) = setup(Reply::sse(&full_stream(&["    a", " + b", "\n}"])), "").await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 41,
            output_tokens: 7
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn the_request_follows_the_wire_format() {
    let (mock, client) = setup(Reply::sse(&full_stream(&["x"])), "").await;
    client.stream_collect(&request()).await.unwrap();
    let sent = mock.only_request();
    assert_eq!(
        sent.header_values("authorization"),
        [format!("Bearer {TEST_KEY}")]
    );
    let body = sent.body();
    assert_eq!(body["model"], "gpt-5.4-mini");
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You are terse."})
    );
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"], json!({"include_usage": true}));
    // gpt-5 models reject `max_tokens` wherever they are served.
    assert_eq!(body["max_completion_tokens"], 256);
    assert!(body.get("max_tokens").is_none());
    assert!(
        body.get("temperature").is_none(),
        "temperature sent though unset: {body}"
    );
    assert!(body.get("stop").is_none());
}

#[tokio::test]
async fn temperature_and_stop_are_sent_when_set() {
    let (mock, client) = setup(Reply::sse(&full_stream(&["x"])), "    temperature: 0.2\n").await;
    let mut request = request();
    request.temperature = Some(0.2);
    request.stop = vec!["\n\n\n".into()];
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["stop"], json!(["\n\n\n"]));
}

#[tokio::test]
async fn chunks_split_inside_json_and_utf8_decode_the_same() {
    let text = ["héllo ", "wörld ✓ ", "🎉"];
    let (_mock, client) = setup(Reply::sse(&full_stream(&text)).split_every(5), "").await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "héllo wörld ✓ 🎉");
}

#[tokio::test]
async fn usage_chunks_recorded_without_the_usage_key_still_parse() {
    let body = full_stream(&["ok"]).replace(",\"usage\":null", "");
    let (_mock, client) = setup(Reply::sse(&body), "").await;
    assert_eq!(client.stream_collect(&request()).await.unwrap().text, "ok");
}

#[tokio::test]
async fn a_stream_without_done_but_with_a_finish_is_complete() {
    let body = full_stream(&["fine"]).replace("data: [DONE]\n\n", "");
    let (_mock, client) = setup(Reply::sse(&body), "").await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap().text,
        "fine"
    );
}

#[tokio::test]
async fn a_stream_cut_before_its_finish_is_incomplete_with_the_partial_text_apart() {
    let mut body = chunk(json!({"role": "assistant", "content": ""}), None);
    body.push_str(&chunk(json!({"content": "half an ans"}), None));
    let (_mock, client) = setup(Reply::sse(&body), "").await;
    match client.stream_collect(&request()).await.unwrap_err() {
        ProviderError::Incomplete { partial, .. } => assert_eq!(partial, "half an ans"),
        other => panic!("expected Incomplete, got {other}"),
    }
}

#[tokio::test]
async fn a_mid_stream_error_after_200_is_reported_after_the_text_before_it() {
    let mut body = chunk(json!({"content": "par"}), None);
    body.push_str("data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
    let (_mock, client) = setup(Reply::sse(&body), "").await;
    let mut events = client.stream(&request()).await.unwrap();
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        StreamEvent::Text("par".into())
    );
    let err = events.next().await.unwrap().unwrap_err();
    assert!(matches!(err, ProviderError::InStream { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn rate_limits_are_transient_with_the_servers_delay() {
    let reply = Reply::json(429, &json!({"error": {"message": "Rate limit reached for gpt-5.4-mini. Please try again in 1.2s.", "type": "tokens", "param": null, "code": "rate_limit_exceeded"}}))
        .header("retry-after-ms", "1200")
        .header("retry-after", "2");
    let (_mock, client) = setup(reply, "").await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(err.retry_after(), Some(Duration::from_millis(1200)));
    assert!(
        err.to_string().contains("HTTP 429 (rate_limit_exceeded)"),
        "{err}"
    );
}

#[tokio::test]
async fn exhausted_quota_is_unavailable_not_retried() {
    let reply = Reply::json(
        429,
        &json!({"error": {"message": "You exceeded your current quota", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}),
    );
    let (_mock, client) = setup(reply, "").await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap_err().class(),
        ErrorClass::Unavailable
    );
}

#[tokio::test]
async fn a_rejected_key_is_unavailable_and_never_echoed() {
    let reply = Reply::json(
        401,
        &json!({"error": {"message": format!("Incorrect API key provided: {TEST_KEY}."), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
    );
    let (_mock, client) = setup(reply, "").await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TEST_KEY), "{shown}");
}

#[tokio::test]
async fn an_unknown_model_is_unavailable() {
    let reply = Reply::json(
        404,
        &json!({"error": {"message": "The model `gpt-x` does not exist or you do not have access to it.", "type": "invalid_request_error", "param": null, "code": "model_not_found"}}),
    );
    let (_mock, client) = setup(reply, "").await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap_err().class(),
        ErrorClass::Unavailable
    );
}

#[tokio::test]
async fn a_context_overflow_is_a_request_error_marked_as_overflow() {
    let reply = Reply::json(
        400,
        &json!({"error": {"message": "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.", "type": "invalid_request_error", "param": "messages", "code": "context_length_exceeded"}}),
    );
    let (_mock, client) = setup(reply, "").await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Request);
    assert!(err.is_context_overflow());
}

#[tokio::test]
async fn a_gateway_html_error_body_still_gives_a_message() {
    let reply = Reply::raw(
        502,
        "text/html",
        "<html><body><h1>502 Bad Gateway</h1></body></html>",
    );
    let (_mock, client) = setup(reply, "").await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
}

#[tokio::test]
async fn compat_servers_integer_error_codes_are_read() {
    let reply = Reply::json(
        400,
        &json!({"error": {"message": "bad", "type": "BadRequestError", "param": null, "code": 400}}),
    );
    let (_mock, client) = setup(reply, "").await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert!(err.to_string().contains("(400): bad"), "{err}");
}

#[tokio::test]
async fn structured_output_uses_strict_json_schema_and_is_parsed() {
    let answer = r#"{"new_text":"let count = 0;","explanation":null}"#;
    let (mock, client) = setup(
        Reply::sse(&full_stream(&[&answer[..10], &answer[10..]])),
        "",
    )
    .await;
    let mut request = request();
    let schema = json!({"type": "object", "properties": {"new_text": {"type": "string"}, "explanation": {"type": ["string", "null"]}}, "required": ["new_text", "explanation"], "additionalProperties": false});
    request.schema = Some(OutputSchema {
        name: "code_edit".into(),
        schema: schema.clone(),
    });
    let done = client.stream_collect(&request).await.unwrap();
    assert_eq!(done.json.unwrap()["new_text"], "let count = 0;");
    let sent = mock.only_request().body.unwrap();
    assert_eq!(
        sent["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "code_edit", "strict": true, "schema": schema}})
    );
}

/// The shape is the asking role's to judge (tests/orchestrator.rs: a misfit is invalid
/// output naming the field); an answer with no JSON at all is refused here.
#[tokio::test]
async fn structured_output_without_json_is_invalid_output() {
    let (_mock, client) = setup(Reply::sse(&full_stream(&["I would rather not."])), "").await;
    let mut request = request();
    request.schema = Some(OutputSchema {
        name: "edit".into(),
        schema: json!({"type": "object", "required": ["new_text"]}),
    });
    assert_eq!(
        client.stream_collect(&request).await.unwrap_err().class(),
        ErrorClass::InvalidOutput
    );
}

#[tokio::test]
async fn a_non_streaming_call_gives_the_same_completion() {
    let body = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1763980200, "model": "gpt-5.4-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "    a + b\n}", "refusal": null, "annotations": []}, "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 41, "completion_tokens": 7, "total_tokens": 48},
        "service_tier": "default", "system_fingerprint": "fp_7c2b9a41d0"
    });
    let (mock, client) = setup(Reply::json(200, &body), "").await;
    let done = client.complete(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 41,
            output_tokens: 7
        })
    );
    let sent = mock.only_request().body.unwrap();
    assert_eq!(sent["stream"], false);
    assert!(
        sent.get("stream_options").is_none(),
        "stream_options is only allowed with stream: {sent}"
    );
}

#[tokio::test]
async fn a_refusal_is_reported_as_declined() {
    let body = json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": "I can't help with that."}, "finish_reason": "stop"}]});
    let (_mock, client) = setup(Reply::json(200, &body), "").await;
    let err = client.complete(&request()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Refused { .. }), "{err}");
}

#[tokio::test]
async fn the_official_endpoint_gets_max_completion_tokens() {
    let agent = agent("openai", "https://api.openai.com/v1", "gpt-5.4-mini", "");
    let provider = multi_model::providers::provider_for(&agent, None);
    let call = provider.chat(&request(), false);
    let body = call.body.unwrap();
    assert_eq!(body["max_completion_tokens"], 256);
    assert!(body.get("max_tokens").is_none());
}

/// The output cap goes in the field the model accepts: OpenAI's reasoning models answer 400
/// "Unsupported parameter: 'max_tokens'" wherever they are served.
#[test]
fn the_output_cap_field_follows_endpoint_and_model_unless_configured() {
    fn check(base: &str, model: &str, extra: &str, field: &str) {
        let agent = agent("openai", base, model, extra);
        let body = multi_model::providers::provider_for(&agent, None)
            .chat(&request(), false)
            .body
            .unwrap();
        assert_eq!(body[field], 256, "{base} {model} {extra}: {body}");
        let other = if field == "max_tokens" {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        assert!(body.get(other).is_none(), "{base} {model} {extra}: {body}");
    }
    let local = "http://127.0.0.1:8000/v1";
    check(
        "https://api.openai.com/v1",
        "gpt-4.1",
        "",
        "max_completion_tokens",
    );
    check(local, "gpt-5.4-mini", "", "max_completion_tokens");
    check(
        "https://openrouter.ai/api/v1",
        "openai/gpt-5",
        "",
        "max_completion_tokens",
    );
    check(local, "o3-mini", "", "max_completion_tokens");
    check(local, "O4-mini", "", "max_completion_tokens");
    check(local, "qwen2.5-coder-7b", "", "max_tokens");
    check(local, "omni-7b", "", "max_tokens");
    check(
        local,
        "llama-3.1-8b",
        "    max_tokens_field: max_completion_tokens\n",
        "max_completion_tokens",
    );
    check(
        local,
        "gpt-5.4-mini",
        "    max_tokens_field: max_tokens\n",
        "max_tokens",
    );
}

#[test]
fn an_unknown_output_cap_field_is_a_positioned_error() {
    let yaml = "agents:\n  oracle:\n    model: m\n    provider: openai\n    max_tokens_field: max_output\n";
    let err = multi_model::config::Config::from_yaml(
        yaml,
        multi_model::config::ConfigSource::File("c.yaml".into()),
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("c.yaml:5:"), "{err}");
    assert!(
        err.contains("max_tokens_field") && err.contains("max_completion_tokens"),
        "{err}"
    );
}

#[tokio::test]
async fn model_lists_are_read() {
    let mock = MockServer::start().await;
    mock.on("GET", "/v1/models", Reply::json(200, &json!({"object": "list", "data": [
        {"id": "gpt-5.4-mini", "object": "model", "created": 1773705600, "owned_by": "system", "shutdown_date": null},
        {"id": "gpt-5.5", "object": "model", "created": 1773705600, "owned_by": "system"}
    ]})));
    let client = client(&agent(
        "openai",
        &format!("{}/v1", mock.url),
        "gpt-5.4-mini",
        "",
    ));
    assert_eq!(
        client.list_models().await.unwrap(),
        ["gpt-5.4-mini", "gpt-5.5"]
    );
    assert_eq!(
        mock.only_request().header_values("authorization"),
        [format!("Bearer {TEST_KEY}")]
    );
}

fn json_schema_rejected() -> Reply {
    // llama-cpp-python's answer to response_format json_schema (tests/real_server/observed/c.txt).
    Reply::json(
        500,
        &json!({"error": {"message": "1 validation error: response_format.type: Input should be 'text' or 'json_object'", "type": "internal_server_error", "param": null, "code": null}}),
    )
}

fn edit_request() -> ChatRequest {
    let mut request = request();
    request.schema = Some(OutputSchema {
        name: "edit".into(),
        schema: json!({"type": "object", "required": ["new_text"]}),
    });
    request
}

#[tokio::test]
async fn a_server_refusing_json_schema_is_asked_in_json_object_mode_with_the_schema() {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, json_schema_rejected()).on(
        "POST",
        PATH,
        Reply::sse(&full_stream(&[r#"{"new_text": "ok"}"#])),
    );
    let client = client(&agent("openai", &format!("{}/v1", mock.url), "smollm2", ""));
    let done = client.stream_collect(&edit_request()).await.unwrap();
    assert_eq!(done.json.unwrap()["new_text"], "ok");
    let retry = mock.requests().pop().unwrap().body.unwrap();
    assert_eq!(retry["response_format"]["type"], "json_object");
    assert_eq!(
        retry["response_format"]["schema"]["required"],
        json!(["new_text"])
    );
    assert!(
        retry["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("JSON Schema"),
        "{retry}"
    );
}

#[tokio::test]
async fn a_server_refusing_both_schema_modes_gets_the_schema_in_the_prompt_only() {
    let fenced = "Sure:\n```json\n{\"new_text\": \"ok\"}\n```";
    let mock = MockServer::start().await;
    mock.on("POST", PATH, json_schema_rejected())
        .on("POST", PATH, json_schema_rejected())
        .on("POST", PATH, Reply::sse(&full_stream(&[fenced])));
    let client = client(&agent("openai", &format!("{}/v1", mock.url), "smollm2", ""));
    let done = client.stream_collect(&edit_request()).await.unwrap();
    assert_eq!(done.json.unwrap()["new_text"], "ok");
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    let last = requests[2].body.clone().unwrap();
    assert!(last.get("response_format").is_none(), "{last}");
}

#[tokio::test]
async fn the_schema_mode_that_worked_is_used_directly_next_time() {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, json_schema_rejected()).on(
        "POST",
        PATH,
        Reply::sse(&full_stream(&[r#"{"new_text": "ok"}"#])),
    );
    let client = client(&agent("openai", &format!("{}/v1", mock.url), "smollm2", ""));
    client.stream_collect(&edit_request()).await.unwrap();
    client.stream_collect(&edit_request()).await.unwrap();
    let requests = mock.requests();
    assert_eq!(
        requests.len(),
        3,
        "the second call should not try json_schema again"
    );
    assert_eq!(
        requests[2].body.as_ref().unwrap()["response_format"]["type"],
        "json_object"
    );
}
