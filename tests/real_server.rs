//! The OpenAI-compatible provider against a real server (llama-cpp-python serving
//! SmolLM2-135M). Not part of the default run: it needs that server, which takes minutes
//! to build. `tests/real_server/run.sh` starts it and runs these with `--ignored`.
//! The model is tiny: these judge the protocol, not the prose.

use multi_model::config::{Config, ConfigSource};
use multi_model::providers::{ChatRequest, ErrorClass, FinishReason, OutputSchema, ProviderClient};
use serde_json::json;

/// The agent for the server named by `MM_REAL_BASE_URL` (its `/v1`) and `MM_REAL_MODEL`.
fn client() -> ProviderClient {
    let base =
        std::env::var("MM_REAL_BASE_URL").expect("MM_REAL_BASE_URL: run tests/real_server/run.sh");
    let model = std::env::var("MM_REAL_MODEL").unwrap_or_else(|_| "smollm2".into());
    let yaml = format!(
        "agents:\n  librarian:\n    model: \"{model}\"\n    api_base: \"{base}\"\n    max_tokens: 48\n    context_tokens: 2048\n    first_byte_timeout_seconds: 120\n"
    );
    let config = Config::from_yaml(&yaml, ConfigSource::File("real-server.yaml".into())).unwrap();
    ProviderClient::new(&config.agents.librarian, None).unwrap()
}

fn request(schema: bool) -> ChatRequest {
    let agent = &Config::builtin().agents.librarian;
    let mut request = ChatRequest::new(
        agent,
        Some("You are terse.".into()),
        "Say hi as JSON with a field text.",
    );
    request.max_tokens = 48;
    if schema {
        request.schema = Some(OutputSchema {
            name: "greeting".into(),
            schema: json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"], "additionalProperties": false}),
        });
    }
    request
}

#[tokio::test]
#[ignore = "needs a real llama.cpp server: tests/real_server/run.sh"]
async fn real_server_streams_an_answer() {
    let done = client().stream_collect(&request(false)).await.unwrap();
    println!("stream: {done:?}");
    assert!(!done.text.is_empty());
    assert!(matches!(
        done.finish,
        FinishReason::Stop | FinishReason::Length
    ));
}

#[tokio::test]
#[ignore = "needs a real llama.cpp server: tests/real_server/run.sh"]
async fn real_server_answers_without_streaming_with_usage() {
    let done = client().complete(&request(false)).await.unwrap();
    println!("complete: {done:?}");
    assert!(!done.text.is_empty());
    let usage = done.usage.expect("non-streaming responses carry usage");
    assert!(0 < usage.input_tokens && 0 < usage.output_tokens);
}

/// Either a JSON value (its shape is the asking role's to judge) or a clean invalid-output
/// error: never a protocol or HTTP failure.
async fn structured(stream: bool) {
    let client = client();
    let result = match stream {
        true => client.stream_collect(&request(true)).await,
        false => client.complete(&request(true)).await,
    };
    println!("structured (stream: {stream}): {result:?}");
    match result {
        Ok(done) => assert!(done.json.is_some(), "{done:?}"),
        Err(err) => assert_eq!(err.class(), ErrorClass::InvalidOutput, "{err}"),
    }
}

#[tokio::test]
#[ignore = "needs a real llama.cpp server: tests/real_server/run.sh"]
async fn real_server_streams_structured_output() {
    structured(true).await;
}

#[tokio::test]
#[ignore = "needs a real llama.cpp server: tests/real_server/run.sh"]
async fn real_server_answers_structured_output_without_streaming() {
    structured(false).await;
}

#[tokio::test]
#[ignore = "needs a real llama.cpp server: tests/real_server/run.sh"]
async fn real_server_lists_its_model() {
    let ids = client().list_models().await.unwrap();
    let model = std::env::var("MM_REAL_MODEL").unwrap_or_else(|_| "smollm2".into());
    assert!(ids.contains(&model), "{ids:?}");
}
