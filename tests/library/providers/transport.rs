//! What every provider shares: timeouts, cancellation, unreachable endpoints, secrecy.

use std::time::Duration;

use futures_util::StreamExt;
use multi_model::providers::{
    ChatRequest, ErrorClass, Message, ProviderError, StreamEvent, TimeoutPhase,
};

use super::{agent, client};
use crate::support::mock::{MockServer, Reply, TEST_KEY};

const PATH: &str = "/api/chat";

fn line(content: &str) -> String {
    format!(
        "{{\"model\":\"m:1b\",\"created_at\":\"2026-11-20T10:15:02.118734Z\",\"message\":{{\"role\":\"assistant\",\"content\":\"{content}\"}},\"done\":false}}\n"
    )
}

const DONE: &str = "{\"model\":\"m:1b\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":3,\"eval_count\":2}\n";

fn request() -> ChatRequest {
    ChatRequest {
        system: None,
        messages: vec![Message::user("hi")],
        max_tokens: 64,
        temperature: None,
        stop: vec![],
        schema: None,
    }
}

/// An Ollama agent on the mock with one-second timeouts.
async fn setup(reply: Reply) -> (MockServer, multi_model::providers::ProviderClient) {
    let mock = MockServer::start().await;
    mock.on("POST", PATH, reply);
    let agent = agent(
        "ollama",
        &mock.url,
        "m:1b",
        "    timeout_seconds: 1\n    first_byte_timeout_seconds: 1\n",
    );
    let client = client(&agent);
    (mock, client)
}

#[tokio::test]
async fn dropping_a_stream_closes_the_connection_before_the_answer_ends() {
    let pieces: Vec<String> = (0..50).map(|i| line(&format!("tok{i} "))).collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let reply = Reply::ndjson("").in_pieces(&pieces, Duration::from_millis(50));
    let (mock, client) = setup(reply).await;
    let mut events = client.stream(&request()).await.unwrap();
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        StreamEvent::Text("tok0 ".into())
    );
    drop(events);
    assert!(
        mock.client_hung_up(Duration::from_secs(10)).await,
        "the mock never saw the connection close"
    );
}

#[tokio::test]
async fn a_finished_stream_is_not_a_hang_up() {
    let body = format!("{}{DONE}", line("ok"));
    let (mock, client) = setup(Reply::ndjson(&body)).await;
    client.stream_collect(&request()).await.unwrap();
    assert!(!mock.client_hung_up(Duration::from_millis(200)).await);
}

#[tokio::test]
async fn a_slow_first_byte_times_out() {
    let reply = Reply::ndjson(DONE).delay_first(Duration::from_secs(3));
    let (_mock, client) = setup(reply).await;
    let err = client.stream_collect(&request()).await.unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Timeout {
                phase: TimeoutPhase::FirstByte,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.class(), ErrorClass::Transient);
}

#[tokio::test]
async fn a_stalled_stream_times_out_after_the_text_it_sent() {
    let (_mock, client) = setup(Reply::ndjson(&line("partial")).stall()).await;
    let mut events = client.stream(&request()).await.unwrap();
    assert_eq!(
        events.next().await.unwrap().unwrap(),
        StreamEvent::Text("partial".into())
    );
    let err = events.next().await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            ProviderError::Timeout {
                phase: TimeoutPhase::Idle,
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_stream_that_keeps_producing_is_never_cut_off() {
    // Each gap is shorter than the idle timeout; the whole is longer than it.
    let pieces: Vec<String> = (0..6)
        .map(|i| line(&format!("{i}")))
        .chain([DONE.to_string()])
        .collect();
    let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let (_mock, client) =
        setup(Reply::ndjson("").in_pieces(&pieces, Duration::from_millis(300))).await;
    assert_eq!(
        client.stream_collect(&request()).await.unwrap().text,
        "012345"
    );
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_transient_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let agent = agent("ollama", &format!("http://127.0.0.1:{port}"), "m:1b", "");
    let err = client(&agent).stream_collect(&request()).await.unwrap_err();
    assert!(matches!(err, ProviderError::Connect { .. }), "{err}");
    assert_eq!(err.class(), ErrorClass::Transient);
}

#[tokio::test]
async fn a_request_description_never_shows_the_key() {
    for provider in ["openai", "anthropic", "gemini", "ollama"] {
        let agent = agent(provider, "http://127.0.0.1:9", "m:1b", "");
        let key = multi_model::config::ApiKey::new(TEST_KEY.to_string());
        let call = multi_model::providers::provider_for(&agent, Some(key)).chat(&request(), true);
        let shown = format!("{call:?}");
        assert!(!shown.contains(TEST_KEY), "{provider}: {shown}");
    }
}
