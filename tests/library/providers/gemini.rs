//! Google Gemini API (v1beta) against a mock speaking its exact format (providers.md §3).

use std::time::Duration;

use futures_util::StreamExt;
use multi_model::providers::{
    ChatRequest, ErrorClass, FinishReason, Message, OutputSchema, ProviderClient, ProviderError,
    Speaker, Usage,
};
use serde_json::{Value, json};

use super::{agent, client};
use crate::support::mock::{MockServer, Reply, TEST_KEY};

const MODEL: &str = "gemini-3.1-pro-preview";
const STREAM: &str = "/v1beta/models/gemini-3.1-pro-preview:streamGenerateContent";
const GENERATE: &str = "/v1beta/models/gemini-3.1-pro-preview:generateContent";
const MODELS: &str = "/v1beta/models";

/// JSON as the real service writes it: `": "` after keys, no space after commas.
fn google_json(value: &Value) -> String {
    struct GoogleStyle;
    impl serde_json::ser::Formatter for GoogleStyle {
        fn begin_object_value<W: ?Sized + std::io::Write>(
            &mut self,
            writer: &mut W,
        ) -> std::io::Result<()> {
            writer.write_all(b": ")
        }
    }
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoogleStyle);
    serde::Serialize::serialize(value, &mut serializer).unwrap();
    String::from_utf8(out).unwrap()
}

/// One SSE event as the real service frames it: CRLF, no `event:` line.
fn event(payload: &Value) -> String {
    format!("data: {}\r\n\r\n", google_json(payload))
}

/// A running usage snapshot; `candidatesTokenCount` is missing on early chunks.
fn usage_snapshot(candidates: Option<u64>) -> Value {
    let mut usage = json!({
        "promptTokenCount": 31, "thoughtsTokenCount": 121,
        "totalTokenCount": 31 + 121 + candidates.unwrap_or(0),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]
    });
    if let Some(count) = candidates {
        usage["candidatesTokenCount"] = json!(count);
    }
    usage
}

fn chunk(parts: Value, finish: Option<&str>, usage: Value) -> String {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    if let Some(reason) = finish {
        candidate["finishReason"] = json!(reason);
    }
    event(&json!({
        "candidates": [candidate], "usageMetadata": usage,
        "modelVersion": MODEL, "responseId": "mF0kaZ2vL4SMz7IPqOWd0Ak"
    }))
}

fn text_chunk(text: &str, candidates: Option<u64>) -> String {
    chunk(json!([{"text": text}]), None, usage_snapshot(candidates))
}

/// Text chunks, the last one carrying `finishReason: STOP`; no `[DONE]`, the body just ends.
/// The final usage snapshot has `candidatesTokenCount` 3 × (pieces − 1).
fn full_stream(pieces: &[&str]) -> String {
    let last = pieces.len() - 1;
    let mut body = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        let candidates = (0 < i).then_some(3 * i as u64);
        let finish = (i == last).then_some("STOP");
        body.push_str(&chunk(
            json!([{"text": piece}]),
            finish,
            usage_snapshot(candidates),
        ));
    }
    body
}

/// A 200 stream with Gemini's content type (no charset, unlike OpenAI and Anthropic).
fn sse(body: &str) -> Reply {
    Reply::new(200, "text/event-stream", body.as_bytes().to_vec())
}

/// A google.rpc.Status error body, pretty-printed over many lines like the real service's.
fn error_reply(status: u16, error: Value) -> Reply {
    let body = serde_json::to_string_pretty(&json!({"error": error})).unwrap();
    Reply::raw(status, "application/json; charset=UTF-8", &body)
}

async fn setup(path: &str, reply: Reply) -> (MockServer, ProviderClient) {
    let mock = MockServer::start().await;
    mock.on("POST", path, reply);
    let agent = agent("gemini", &format!("{}/v1beta", mock.url), MODEL, "");
    let client = client(&agent);
    (mock, client)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are a code completion engine. Reply with code only.".into()),
        messages: vec![Message::user("Complete: fn add(a: i32, b: i32) -> i32 {")],
        max_tokens: 1024,
        temperature: None,
        stop: vec![],
        schema: None,
    }
}

/// The decoded query string of a recorded URI.
fn query(uri: &str) -> Vec<(String, String)> {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn query_value(uri: &str, name: &str) -> Option<String> {
    query(uri)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn streamed_text_usage_and_finish_arrive() {
    let body = full_stream(&["    a", " + b\n", "}"]);
    assert!(body.ends_with("\r\n\r\n") && !body.contains("[DONE]"));
    assert!(
        body.contains("\"usageMetadata\": {"),
        "serialised like the real service"
    );
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    // Input is the prompt; output is the last snapshot's candidates + thoughts (6 + 121).
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 31,
            output_tokens: 127
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn the_request_follows_the_wire_format() {
    let (mock, client) = setup(STREAM, sse(&full_stream(&["x"]))).await;
    client.stream_collect(&request()).await.unwrap();
    let sent = mock.only_request();
    assert_eq!(query_value(&sent.uri, "alt").as_deref(), Some("sse"));
    assert_eq!(sent.header_values("x-goog-api-key"), [TEST_KEY]);
    assert!(
        !sent.uri.contains(TEST_KEY),
        "the key is in the URL: {}",
        sent.uri
    );
    assert!(sent.header("authorization").is_none());
    let body = sent.body();
    assert_eq!(
        body["contents"],
        json!([{"role": "user", "parts": [{"text": "Complete: fn add(a: i32, b: i32) -> i32 {"}]}])
    );
    assert_eq!(
        body["systemInstruction"]["parts"][0]["text"],
        "You are a code completion engine. Reply with code only."
    );
    let config = &body["generationConfig"];
    assert_eq!(config["maxOutputTokens"], 1024);
    assert!(
        config.get("temperature").is_none(),
        "temperature sent though unset: {body}"
    );
    assert!(config.get("stopSequences").is_none(), "{body}");
    assert!(config.get("responseMimeType").is_none(), "{body}");
}

#[tokio::test]
async fn temperature_and_stop_sequences_are_sent_when_set() {
    let (mock, client) = setup(STREAM, sse(&full_stream(&["x"]))).await;
    let mut request = request();
    request.temperature = Some(0.2);
    request.stop = vec!["\n\n\n".into()];
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    assert_eq!(body["generationConfig"]["temperature"], 0.2);
    assert_eq!(body["generationConfig"]["stopSequences"], json!(["\n\n\n"]));
}

#[tokio::test]
async fn assistant_turns_are_sent_with_the_model_role() {
    let (mock, client) = setup(STREAM, sse(&full_stream(&["x"]))).await;
    let mut request = request();
    request.messages = vec![
        Message::user("Name a prime."),
        Message {
            speaker: Speaker::Assistant,
            content: "7".into(),
        },
        Message::user("Another."),
    ];
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    let roles: Vec<&str> = body["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "model", "user"]);
    assert_eq!(body["contents"][1]["parts"], json!([{"text": "7"}]));
}

#[tokio::test]
async fn thought_parts_are_not_in_the_answer() {
    let mut body = chunk(
        json!([{"text": "**Planning the sum**\n\nThe function adds its two arguments.", "thought": true}]),
        None,
        usage_snapshot(None),
    );
    body.push_str(&chunk(
        json!([{"text": "    a + b\n}", "thoughtSignature": "CiQB0e2Kb3Jx"}]),
        Some("STOP"),
        usage_snapshot(Some(6)),
    ));
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
}

#[tokio::test]
async fn chunks_split_inside_json_utf8_and_crlf_decode_the_same() {
    let body = full_stream(&["héllo ", "wörld ✓ ", "🎉"]);
    // Make sure the 3-byte cuts really fall inside a character and between \r and \n.
    let bytes = body.as_bytes();
    let cuts: Vec<usize> = (3..bytes.len()).step_by(3).collect();
    assert!(
        cuts.iter()
            .any(|&c| bytes[c - 1] == b'\r' && bytes[c] == b'\n')
    );
    assert!(cuts.iter().any(|&c| (0x80..0xC0).contains(&bytes[c])));
    let (_mock, client) = setup(STREAM, sse(&body).split_every(3)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "héllo wörld ✓ 🎉");
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn max_tokens_spent_on_thinking_gives_an_empty_cut_off_answer() {
    // Thinking used the whole budget: the content has a role but no `parts`.
    let body = event(&json!({
        "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
        "usageMetadata": {"promptTokenCount": 31, "totalTokenCount": 1055, "thoughtsTokenCount": 1024},
        "modelVersion": MODEL, "responseId": "q2ZkabC1Nq6Uz7IP8vGx"
    }));
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "");
    assert_eq!(done.finish, FinishReason::Length);
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 31,
            output_tokens: 1024
        })
    );
}

#[tokio::test]
async fn a_blocked_prompt_is_refused() {
    let body = event(&json!({
        "promptFeedback": {"blockReason": "SAFETY", "safetyRatings": [
            {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH", "blocked": true}
        ]},
        "usageMetadata": {"promptTokenCount": 31, "totalTokenCount": 31},
        "modelVersion": MODEL, "responseId": "b1kZabGkJ5aUz7IP"
    }));
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    match &err {
        ProviderError::Refused { reason } => assert!(reason.contains("SAFETY"), "{reason}"),
        other => panic!("expected Refused, got {other}"),
    }
}

#[tokio::test]
async fn an_invalid_key_is_unavailable_though_it_comes_as_400() {
    let reply = error_reply(
        400,
        json!({
            "code": 400, "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
                {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
                 "message": "API key not valid. Please pass a valid API key."}
            ]
        }),
    );
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("API key not valid"), "{shown}");
    assert!(!shown.contains(TEST_KEY), "{shown}");
}

#[tokio::test]
async fn an_unknown_model_is_unavailable() {
    let reply = error_reply(
        404,
        json!({
            "code": 404,
            "message": "models/gemini-1.5-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.",
            "status": "NOT_FOUND"
        }),
    );
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    assert!(err.to_string().contains("is not found"), "{err}");
}

fn quota_error(quota_id: &str) -> Reply {
    error_reply(
        429,
        json!({
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{
                    "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
                    "quotaId": quota_id,
                    "quotaDimensions": {"location": "global", "model": MODEL},
                    "quotaValue": "5"
                }]},
                {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                    {"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}
                ]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "34s"}
            ]
        }),
    )
}

#[tokio::test]
async fn rate_limits_are_transient_with_the_delay_from_retry_info() {
    let reply = quota_error("GenerateRequestsPerMinutePerProjectPerModel-FreeTier");
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(34)));
}

#[tokio::test]
async fn a_per_day_quota_is_unavailable_not_retried() {
    let reply = quota_error("GenerateRequestsPerDayPerProjectPerModel-FreeTier");
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
}

#[tokio::test]
async fn an_overloaded_model_is_transient_with_its_message() {
    let reply = error_reply(
        503,
        json!({"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}),
    );
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(
        err.to_string()
            .contains("HTTP 503 (UNAVAILABLE): The model is overloaded. Please try again later."),
        "{err}"
    );
}

#[tokio::test]
async fn an_error_body_wrapped_in_a_one_element_array_is_still_read() {
    let body = serde_json::to_string_pretty(&json!([{"error": {
        "code": 400, "message": "User location is not supported for the API use.",
        "status": "FAILED_PRECONDITION"
    }}]))
    .unwrap();
    let reply = Reply::raw(400, "application/json; charset=UTF-8", &body);
    let (_mock, client) = setup(STREAM, reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    // A bare 400 would be a request error; the body says the service is not available here.
    assert_eq!(err.class(), ErrorClass::Unavailable);
    assert!(
        err.to_string().contains(
            "HTTP 400 (FAILED_PRECONDITION): User location is not supported for the API use."
        ),
        "{err}"
    );
}

/// Reads a stream to its end: the text that arrived, then the error that ended it.
async fn text_then_error(client: &ProviderClient) -> (String, ProviderError) {
    let mut events = client.stream(&request()).await.unwrap();
    let mut text = String::new();
    loop {
        match events
            .next()
            .await
            .expect("the stream ended without an error")
        {
            Ok(multi_model::providers::StreamEvent::Text(piece)) => text.push_str(&piece),
            Ok(_) => {}
            Err(err) => {
                assert!(events.next().await.is_none(), "events after the error");
                return (text, err);
            }
        }
    }
}

#[tokio::test]
async fn a_mid_stream_error_after_200_is_reported_after_the_text_before_it() {
    let mut body = text_chunk("par", None);
    body.push_str("data: {\"error\": {\"code\": 500, \"message\": \"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting\", \"status\": \"INTERNAL\"}}\r\n\r\n");
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let (text, err) = text_then_error(&client).await;
    assert_eq!(text, "par");
    assert!(matches!(err, ProviderError::InStream { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(err.to_string().contains("An internal error"), "{err}");
}

#[tokio::test]
async fn a_mid_stream_error_as_a_bare_json_line_is_reported_too() {
    let mut body = text_chunk("par", None);
    body.push_str("{\"error\": {\"code\": 503, \"message\": \"The model is overloaded. Please try again later.\", \"status\": \"UNAVAILABLE\"}}\r\n");
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    let (text, err) = text_then_error(&client).await;
    assert_eq!(text, "par");
    assert!(matches!(err, ProviderError::InStream { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
}

#[tokio::test]
async fn a_stream_that_ends_without_a_finish_reason_is_incomplete_with_the_partial_text() {
    let mut body = text_chunk("    a", None);
    body.push_str(&text_chunk(" + ", Some(3)));
    let (_mock, client) = setup(STREAM, sse(&body)).await;
    match client.stream_collect(&request()).await.unwrap_err() {
        ProviderError::Incomplete { partial, .. } => assert_eq!(partial, "    a + "),
        other => panic!("expected Incomplete, got {other}"),
    }
}

#[tokio::test]
async fn structured_output_sends_response_json_schema_and_parses_the_answer() {
    let answer = r#"{"new_text": "let count = 0;", "explanation": "Renamed x to count."}"#;
    let (mock, client) = setup(
        STREAM,
        sse(&full_stream(&[
            &answer[..17],
            &answer[17..40],
            &answer[40..],
        ])),
    )
    .await;
    let schema = json!({
        "type": "object",
        "properties": {"new_text": {"type": "string"}, "explanation": {"type": "string"}},
        "required": ["new_text"]
    });
    let mut request = request();
    request.schema = Some(OutputSchema {
        name: "code_edit".into(),
        schema: schema.clone(),
    });
    let done = client.stream_collect(&request).await.unwrap();
    assert_eq!(
        done.json,
        Some(json!({"new_text": "let count = 0;", "explanation": "Renamed x to count."}))
    );
    let sent = mock.only_request().body.unwrap();
    let config = &sent["generationConfig"];
    assert_eq!(config["responseMimeType"], "application/json");
    assert_eq!(config["responseJsonSchema"], schema);
    assert!(config.get("responseSchema").is_none(), "{sent}");
}

#[tokio::test]
async fn a_non_streaming_call_uses_generate_content() {
    let body = google_json(&json!({
        "candidates": [{"content": {"parts": [{"text": "    a + b\n}"}], "role": "model"},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 31, "candidatesTokenCount": 6, "totalTokenCount": 158,
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}],
                          "thoughtsTokenCount": 121},
        "modelVersion": MODEL, "responseId": "mF0kaZ2vL4SMz7IPqOWd0Ak"
    }));
    let reply = Reply::raw(200, "application/json; charset=UTF-8", &body);
    let (mock, client) = setup(GENERATE, reply).await;
    let done = client.complete(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 31,
            output_tokens: 127
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
    let sent = mock.only_request();
    assert!(query_value(&sent.uri, "alt").is_none(), "{}", sent.uri);
    assert_eq!(sent.header_values("x-goog-api-key"), [TEST_KEY]);
}

fn model_entry(name: &str, methods: &[&str]) -> Value {
    json!({
        "name": name, "version": "001", "displayName": name, "description": "",
        "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
        "supportedGenerationMethods": methods,
        "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2
    })
}

#[tokio::test]
async fn model_lists_follow_page_tokens_and_keep_only_generate_content_models() {
    let token = "Ch5tb2RlbHMvZ2VtaW5pLTIuNS1wcm8tcHJldmlldw==";
    let mock = MockServer::start().await;
    mock.on(
        "GET",
        MODELS,
        Reply::json(
            200,
            &json!({"models": [
                model_entry("models/gemini-3.1-pro-preview", &["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]),
                model_entry("models/text-embedding-004", &["embedContent", "countTextTokens", "countTokens"])
            ], "nextPageToken": token}),
        ),
    );
    mock.on(
        "GET",
        MODELS,
        Reply::json(
            200,
            &json!({"models": [model_entry("models/gemini-2.5-flash", &["generateContent", "countTokens"])]}),
        ),
    );
    let client = client(&agent("gemini", &format!("{}/v1beta", mock.url), MODEL, ""));
    assert_eq!(
        client.list_models().await.unwrap(),
        ["gemini-3.1-pro-preview", "gemini-2.5-flash"]
    );
    let sent = mock.requests();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(
        query_value(&sent[0].uri, "pageSize").as_deref(),
        Some("1000")
    );
    assert_eq!(query_value(&sent[0].uri, "pageToken"), None);
    assert_eq!(
        query_value(&sent[1].uri, "pageToken").as_deref(),
        Some(token)
    );
    for request in &sent {
        assert_eq!(request.header_values("x-goog-api-key"), [TEST_KEY]);
    }
}

#[tokio::test]
async fn page_tokens_reach_the_server_unchanged_whatever_their_characters() {
    // Base64 tokens can hold `+` and `/`; a raw `+` in a query string reads as a space.
    let token = "Ab+c/d9=";
    let mock = MockServer::start().await;
    mock.on(
        "GET",
        MODELS,
        Reply::json(200, &json!({"models": [], "nextPageToken": token})),
    );
    mock.on("GET", MODELS, Reply::json(200, &json!({"models": []})));
    let client = client(&agent("gemini", &format!("{}/v1beta", mock.url), MODEL, ""));
    client.list_models().await.unwrap();
    let sent = mock.requests();
    assert_eq!(
        query_value(&sent[1].uri, "pageToken").as_deref(),
        Some(token)
    );
}
