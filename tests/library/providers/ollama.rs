//! Ollama's native `/api/chat` against a mock speaking its exact NDJSON format (providers.md §4).

use futures_util::StreamExt;
use multi_model::providers::{
    ChatRequest, ErrorClass, FinishReason, Message, OutputSchema, ProviderClient, ProviderError,
    StreamEvent, Usage,
};
use serde_json::{Value, json};

use super::{agent, client};
use crate::support::mock::{MockServer, Reply, TEST_KEY};

const PATH: &str = "/api/chat";
const MODEL: &str = "qwen2.5-coder:32b";
const CONTEXT: &str = "    context_tokens: 32768\n";

/// One `done: false` line carrying a fragment of the answer.
fn line(content: &str) -> String {
    let l = json!({
        "model": MODEL, "created_at": "2026-11-20T10:15:02.118734Z",
        "message": {"role": "assistant", "content": content}, "done": false
    });
    format!("{l}\n")
}

/// The final line: empty content, `done_reason` and the metrics (durations in nanoseconds).
fn done_line(reason: &str) -> Value {
    json!({
        "model": MODEL, "created_at": "2026-11-20T10:15:02.252018Z",
        "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": reason,
        "total_duration": 4123456789u64, "load_duration": 2512345678u64,
        "prompt_eval_count": 38, "prompt_eval_duration": 301234567u64,
        "eval_count": 9, "eval_duration": 1298765432u64
    })
}

/// Fragment lines, then the final `done: true` line.
fn stream_with(pieces: &[&str], last: &Value) -> String {
    let mut body: String = pieces.iter().map(|p| line(p)).collect();
    body.push_str(&format!("{last}\n"));
    body
}

fn full_stream(pieces: &[&str]) -> String {
    stream_with(pieces, &done_line("stop"))
}

async fn setup(reply: Reply, extra: &str) -> (MockServer, ProviderClient) {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, reply);
    let agent = agent("ollama", &mock.url, MODEL, extra);
    let client = client(&agent);
    (mock, client)
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are a code completion engine. Reply with code only.".into()),
        messages: vec![Message::user("Complete: fn add(a: i32, b: i32) -> i32 {")],
        max_tokens: 256,
        temperature: None,
        stop: vec![],
        schema: None,
    }
}

fn error_body(message: &str) -> Value {
    json!({ "error": message })
}

#[tokio::test]
async fn streamed_text_usage_and_finish_arrive() {
    let body = full_stream(&["    a", " +", " b", "\n}"]);
    let (_mock, client) = setup(Reply::ndjson(&body), CONTEXT).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
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
async fn the_request_follows_the_wire_format() {
    let (mock, client) = setup(Reply::ndjson(&full_stream(&["x"])), CONTEXT).await;
    client.stream_collect(&request()).await.unwrap();
    let sent = mock.only_request();
    assert_eq!(sent.uri, PATH);
    let body = sent.body();
    assert_eq!(body["model"], MODEL);
    assert_eq!(
        body["messages"][0],
        json!({"role": "system", "content": "You are a code completion engine. Reply with code only."})
    );
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": "Complete: fn add(a: i32, b: i32) -> i32 {"})
    );
    // `stream` defaults to true on the server, so it is always said outright.
    assert_eq!(body["stream"], true);
    assert_eq!(body["options"]["num_ctx"], 32768);
    assert_eq!(body["options"]["num_predict"], 256);
    let options = body["options"].as_object().unwrap();
    assert!(
        !options.contains_key("temperature"),
        "temperature sent though unset: {body}"
    );
    assert!(
        !options.contains_key("stop"),
        "stop sent though empty: {body}"
    );
    assert!(body.get("format").is_none());
}

#[tokio::test]
async fn the_configured_context_window_is_sent_as_num_ctx() {
    let (mock, client) = setup(
        Reply::ndjson(&full_stream(&["x"])),
        "    context_tokens: 65536\n",
    )
    .await;
    client.stream_collect(&request()).await.unwrap();
    assert_eq!(mock.only_request().body()["options"]["num_ctx"], 65536);
}

#[tokio::test]
async fn temperature_and_stop_are_sent_in_options_when_set() {
    let (mock, client) = setup(Reply::ndjson(&full_stream(&["x"])), CONTEXT).await;
    let mut request = request();
    request.temperature = Some(0.2);
    request.stop = vec!["\n\n\n".into()];
    client.stream_collect(&request).await.unwrap();
    let body = mock.only_request().body.unwrap();
    assert_eq!(body["options"]["temperature"], 0.2);
    assert_eq!(body["options"]["stop"], json!(["\n\n\n"]));
    assert!(
        body.get("temperature").is_none(),
        "sampling belongs in options: {body}"
    );
}

#[tokio::test]
async fn a_key_is_sent_as_a_bearer_token_for_the_hosted_api() {
    let (mock, client) = setup(Reply::ndjson(&full_stream(&["x"])), CONTEXT).await;
    client.stream_collect(&request()).await.unwrap();
    assert_eq!(
        mock.only_request().header_values("authorization"),
        [format!("Bearer {TEST_KEY}")]
    );
}

#[tokio::test]
async fn lines_split_anywhere_including_inside_utf8_decode_the_same() {
    let text = ["héllo ", "wörld ✓ ", "🎉"];
    let reply = Reply::ndjson(&full_stream(&text)).split_every(4);
    let (_mock, client) = setup(reply, CONTEXT).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "héllo wörld ✓ 🎉");
    assert_eq!(done.finish, FinishReason::Stop);
}

#[tokio::test]
async fn a_fully_cached_prompt_without_prompt_eval_count_counts_zero_input_tokens() {
    let mut last = done_line("stop");
    last.as_object_mut().unwrap().remove("prompt_eval_count");
    last.as_object_mut().unwrap().remove("prompt_eval_duration");
    let (_mock, client) = setup(Reply::ndjson(&stream_with(&["ok"], &last)), CONTEXT).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.text, "ok");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 0,
            output_tokens: 9
        })
    );
}

#[tokio::test]
async fn done_reason_length_means_the_answer_was_cut_off() {
    let body = stream_with(&["    a +"], &done_line("length"));
    let (_mock, client) = setup(Reply::ndjson(&body), CONTEXT).await;
    let done = client.stream_collect(&request()).await.unwrap();
    assert_eq!(done.finish, FinishReason::Length);
}

#[tokio::test]
async fn a_mid_stream_error_line_is_reported_after_the_text_before_it() {
    let message = "an error was encountered while running the model: unexpected EOF";
    let mut body = line("    a");
    body.push_str(&format!("{}\n", error_body(message)));
    let (_mock, client) = setup(Reply::ndjson(&body), CONTEXT).await;
    let mut events = client.stream(&request()).await.unwrap();
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        StreamEvent::Text("    a".into())
    );
    match events.next().await.unwrap().unwrap_err() {
        err @ ProviderError::InStream { .. } => {
            assert_eq!(err.class(), ErrorClass::Transient);
            assert!(err.to_string().contains(message), "{err}");
        }
        other => panic!("expected InStream, got {other}"),
    }
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn a_missing_model_is_unavailable_and_says_how_to_pull_it() {
    let reply = Reply::json(404, &error_body("model 'qwen2.5-coder:32b' not found"));
    let (_mock, client) = setup(reply, CONTEXT).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Unavailable);
    let shown = err.to_string();
    assert!(
        shown.contains("model 'qwen2.5-coder:32b' not found"),
        "{shown}"
    );
    assert!(shown.contains("ollama pull qwen2.5-coder:32b"), "{shown}");
}

#[tokio::test]
async fn a_busy_server_is_transient() {
    let reply = Reply::json(
        503,
        &error_body("server busy, please try again.  maximum pending requests exceeded"),
    );
    let (_mock, client) = setup(reply, CONTEXT).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Transient);
    assert!(err.to_string().contains("server busy"), "{err}");
}

#[tokio::test]
async fn a_bad_request_is_a_request_error() {
    let reply = Reply::json(400, &error_body("top_logprobs must be between 0 and 20"));
    let (_mock, client) = setup(reply, CONTEXT).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert_eq!(err.class(), ErrorClass::Request);
    assert!(err.to_string().contains("top_logprobs"), "{err}");
}

#[tokio::test]
async fn a_stream_without_its_done_line_is_incomplete_with_the_partial_text_apart() {
    let body = format!("{}{}", line("half an "), line("ans"));
    let (_mock, client) = setup(Reply::ndjson(&body), CONTEXT).await;
    match client.stream_collect(&request()).await.unwrap_err() {
        ProviderError::Incomplete { partial, .. } => assert_eq!(partial, "half an ans"),
        other => panic!("expected Incomplete, got {other}"),
    }
}

#[tokio::test]
async fn a_non_streaming_call_says_so_and_reads_one_json_object() {
    let mut body = done_line("stop");
    body["message"]["content"] = json!("    a + b\n}");
    let (mock, client) = setup(Reply::json(200, &body), CONTEXT).await;
    let done = client.complete(&request()).await.unwrap();
    assert_eq!(done.text, "    a + b\n}");
    assert_eq!(
        done.usage,
        Some(Usage {
            input_tokens: 38,
            output_tokens: 9
        })
    );
    assert_eq!(done.finish, FinishReason::Stop);
    assert_eq!(mock.only_request().body()["stream"], false);
}

#[tokio::test]
async fn structured_output_sends_the_schema_as_format_and_parses_the_content() {
    let answer = r#"{"new_text":"let count = 0;"}"#;
    let body = full_stream(&[&answer[..7], &answer[7..19], &answer[19..]]);
    let (mock, client) = setup(Reply::ndjson(&body), CONTEXT).await;
    let schema = json!({
        "type": "object",
        "properties": {"new_text": {"type": "string"}},
        "required": ["new_text"]
    });
    let mut request = request();
    request.schema = Some(OutputSchema {
        name: "code_edit".into(),
        schema: schema.clone(),
    });
    let done = client.stream_collect(&request).await.unwrap();
    assert_eq!(done.json, Some(json!({"new_text": "let count = 0;"})));
    assert_eq!(mock.only_request().body()["format"], schema);
}

#[tokio::test]
async fn model_lists_are_the_names_from_api_tags() {
    let mock = MockServer::start().await;
    let tags = json!({"models": [
        {
            "name": "qwen2.5-coder:32b", "model": "qwen2.5-coder:32b",
            "modified_at": "2026-10-02T14:21:55.182731023-07:00", "size": 19851349856u64,
            "digest": "4bd6cbf2d094264457a17aab6bd6acd1ed7a72fb8f8be3cfb193f63c78dd56df",
            "details": {"parent_model": "", "format": "gguf", "family": "qwen2",
                        "families": ["qwen2"], "parameter_size": "32.8B",
                        "quantization_level": "Q4_K_M"}
        },
        {
            "name": "llama3.2:latest", "model": "llama3.2:latest",
            "modified_at": "2026-09-14T08:02:11.5Z", "size": 2019393189u64,
            "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
            "details": {"parent_model": "", "format": "gguf", "family": "llama",
                        "families": ["llama"], "parameter_size": "3.2B",
                        "quantization_level": "Q4_K_M"}
        }
    ]});
    mock.on("GET", "/api/tags", Reply::json(200, &tags));
    let client = client(&agent("ollama", &mock.url, MODEL, CONTEXT));
    assert_eq!(
        client.list_models().await.unwrap(),
        ["qwen2.5-coder:32b", "llama3.2:latest"]
    );
    let sent = mock.only_request();
    assert_eq!(sent.method, "GET");
    assert_eq!(sent.uri, "/api/tags");
}
