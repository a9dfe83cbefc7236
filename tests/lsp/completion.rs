//! Inline completion (`textDocument/inlineCompletion`) end to end: the built binary on
//! stdio, the completion model played on 127.0.0.1 in each provider's format (Ollama's
//! `/api/generate`, OpenAI-compatible `/completions`, Mistral's `/fim/completions`, a
//! chat-only Anthropic model), and the machinery around the call — debounce, supersede,
//! cache, typing ahead, redaction, a broken YAML, metrics. Waits are bounded guards.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::lsp::{LspClient, Pending, WAIT};
use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{GENERATE, generate_line, generated};

const AREA: &str = "import math\n\n\ndef area(r):\n    \n";

/// The editor's capabilities: it shows inline completions.
fn caps() -> Value {
    json!({"textDocument": {"inlineCompletion": {}}})
}

struct Editor {
    mock: MockServer,
    ws: TempDir,
    client: LspClient,
}

/// A workspace whose Hephaestus is `agent` (a YAML flow mapping with `{url}` for the mock)
/// and whose completion section is `completion`.
async fn editor(agent: &str, completion: &str) -> Editor {
    let mock = MockServer::start().await;
    let ws = TempDir::new().unwrap();
    let agent = agent.replace("{url}", &mock.url);
    let yaml = format!(
        "agents:\n  hephaestus: {agent}\nrouting:\n  enable_fallback: false\nreview:\n  offline: false\ncompletion:\n  debounce_ms: 30\n{completion}"
    );
    write(ws.path(), "config/multi_model.yaml", &yaml);
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize(caps(), json!({})).await;
    client.notify("initialized", json!({})).await;
    Editor { mock, ws, client }
}

const OLLAMA: &str =
    "{ model: \"qwen2.5-coder:1.5b\", provider: ollama, api_base: \"{url}\", fallback: [] }";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

async fn complete(
    client: &LspClient,
    uri: &str,
    line: u32,
    character: u32,
) -> Result<Value, Value> {
    client
        .request(
            "textDocument/inlineCompletion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
                   "context": {"triggerKind": 2}}),
        )
        .await
}

/// Sends an inline-completion request without waiting for its answer.
async fn ask(client: &LspClient, uri: &str, line: u32, character: u32, trigger: u32) -> Pending {
    client
        .send_request(
            "textDocument/inlineCompletion",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character},
                   "context": {"triggerKind": trigger}}),
        )
        .await
}

/// Types `text` at `line:character`, as version `version`.
async fn type_at(
    client: &LspClient,
    uri: &str,
    version: i64,
    line: u32,
    character: u32,
    text: &str,
) {
    let at = json!({"line": line, "character": character});
    client
        .change(
            uri,
            version,
            json!([{"range": {"start": at, "end": at}, "text": text}]),
        )
        .await;
}

/// Waits (bounded) until the model has been asked.
async fn asked(mock: &MockServer) {
    for _ in 0..(WAIT.as_millis() / 10) {
        if !generate_requests(mock).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the model was never asked");
}

/// A generation that starts and never ends.
fn stalling() -> Reply {
    Reply::ndjson(&format!("{}\n", generate_line("slow"))).stall()
}

fn texts(answer: &Value) -> Vec<String> {
    let items = answer.as_array().or_else(|| answer["items"].as_array());
    items
        .map(|items| {
            items
                .iter()
                .map(|i| i["insertText"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn generate_requests(mock: &MockServer) -> Vec<Value> {
    mock.requests()
        .into_iter()
        .filter(|r| r.uri == GENERATE)
        .map(|r| r.body().clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_capability_is_announced_only_to_a_client_that_shows_inline_completions() {
    let ws = TempDir::new().unwrap();
    let binary = Path::new(env!("CARGO_BIN_EXE_multi-model"));
    let shows = LspClient::start(binary, ws.path())
        .initialize(caps(), json!({}))
        .await;
    assert_eq!(shows["capabilities"]["inlineCompletionProvider"], true);
    let older = LspClient::start(binary, ws.path())
        .initialize(json!({}), json!({}))
        .await;
    assert!(
        older["capabilities"]
            .get("inlineCompletionProvider")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_body_is_filled_from_ollamas_generate_endpoint_with_prefix_and_suffix() {
    let editor = editor(OLLAMA, "").await;
    editor
        .mock
        .on("POST", GENERATE, generated("return math.pi * r * r\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&answer), ["return math.pi * r * r"]);
    let item = &answer[0];
    assert_eq!(item["range"]["start"], json!({"line": 4, "character": 4}));
    assert_eq!(item["command"]["command"], "multi-model.completionAccepted");
    let body = &generate_requests(&editor.mock)[0];
    assert!(
        body["prompt"]
            .as_str()
            .unwrap()
            .ends_with("def area(r):\n    "),
        "{body}"
    );
    assert_eq!(body["suffix"], "\n");
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "qwen2.5-coder:1.5b");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openai_compatible_server_is_asked_at_completions_with_a_suffix() {
    let editor = editor(
        "{ model: \"deepseek-coder\", provider: openai, api_base: \"{url}/v1\", fallback: [] }",
        "",
    )
    .await;
    let chunk =
        |text: &str| json!({"choices": [{"text": text, "index": 0, "finish_reason": null}]});
    editor.mock.on(
        "POST",
        "/v1/completions",
        Reply::sse(&format!(
            "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
            chunk("return math"),
            chunk(".pi * r ** 2")
        )),
    );
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&answer), ["return math.pi * r ** 2"]);
    let request = editor.mock.only_request();
    assert_eq!(request.body()["suffix"], "\n");
    assert!(
        request.body()["prompt"]
            .as_str()
            .unwrap()
            .contains("def area(r):")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn codestral_on_mistrals_service_is_asked_at_its_fim_endpoint() {
    let editor = editor(
        "{ model: \"codestral-latest\", provider: openai, api_base: \"{url}/mistral.ai/v1\", fallback: [] }",
        "",
    )
    .await;
    let chunk = |text: &str| {
        json!({"id": "x", "object": "chat.completion.chunk", "model": "codestral-latest",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": null}]})
    };
    editor.mock.on(
        "POST",
        "/mistral.ai/v1/fim/completions",
        Reply::sse(&format!(
            "data: {}\n\ndata: [DONE]\n\n",
            chunk("return r * r")
        )),
    );
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&answer), ["return r * r"]);
    assert_eq!(
        editor.mock.only_request().body()["model"],
        "codestral-latest"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_only_model_is_asked_for_the_middle_and_its_code_fence_is_stripped() {
    let editor = editor(
        "{ model: \"claude-haiku-4-5\", provider: anthropic, api_base: \"{url}\", fallback: [] }",
        "",
    )
    .await;
    let delta = |text: &str| json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}});
    let events = [
        (
            "message_start",
            json!({"type": "message_start", "message": {"id": "m", "type": "message", "role": "assistant", "content": [], "model": "claude-haiku-4-5", "usage": {"input_tokens": 30, "output_tokens": 1}}}),
        ),
        (
            "content_block_start",
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ),
        ("content_block_delta", delta("```python\nreturn math.pi")),
        ("content_block_delta", delta(" * r * r\n```")),
        (
            "content_block_stop",
            json!({"type": "content_block_stop", "index": 0}),
        ),
        (
            "message_delta",
            json!({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 9}}),
        ),
        ("message_stop", json!({"type": "message_stop"})),
    ];
    let body: String = events
        .iter()
        .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
        .collect();
    editor.mock.on("POST", "/v1/messages", Reply::sse(&body));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&answer), ["return math.pi * r * r"]);
    let sent = editor.mock.only_request().body().to_string();
    assert!(sent.contains("def area(r):\\n    <CURSOR>\\n"), "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_in_prose_shows_nothing() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on(
        "POST",
        GENERATE,
        generated("Here is the code you asked for: it computes the area."),
    );
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert!(texts(&answer).is_empty(), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_place_again_costs_no_model_call_and_typing_ahead_offers_the_rest() {
    let editor = editor(OLLAMA, "").await;
    editor
        .mock
        .on("POST", GENERATE, generated("return math.pi * r * r\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let first = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&first), ["return math.pi * r * r"]);
    let again = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert_eq!(texts(&again), ["return math.pi * r * r"]);
    type_at(&editor.client, &uri, 2, 4, 4, "return m").await;
    let ahead = complete(&editor.client, &uri, 4, 12).await.unwrap();
    assert_eq!(texts(&ahead), ["ath.pi * r * r"]);
    assert_eq!(
        generate_requests(&editor.mock).len(),
        1,
        "one model call in all"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_keystroke_ends_the_model_call_of_the_request_before_it() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on("POST", GENERATE, stalling());
    editor.mock.on("POST", GENERATE, generated("return 1\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let first = ask(&editor.client, &uri, 4, 4, 2).await;
    asked(&editor.mock).await;
    type_at(&editor.client, &uri, 2, 4, 4, "x = ").await;
    let second = complete(&editor.client, &uri, 4, 8).await.unwrap();
    assert!(
        editor.mock.client_hung_up(WAIT).await,
        "the first call's stream is closed"
    );
    let first = first.answer().await;
    assert!(
        first["result"].is_null(),
        "the superseded request shows nothing: {first}"
    );
    assert_eq!(texts(&second), ["return 1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_the_editor_cancels_closes_its_model_stream() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on("POST", GENERATE, stalling());
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let pending = ask(&editor.client, &uri, 4, 4, 1).await;
    let id = editor.client.last_request_id();
    asked(&editor.mock).await;
    editor
        .client
        .notify("$/cancelRequest", json!({"id": id}))
        .await;
    assert!(
        editor.mock.client_hung_up(WAIT).await,
        "the stream is closed"
    );
    let answer = pending.answer().await;
    assert_eq!(
        answer["error"]["code"], -32800,
        "RequestCancelled: {answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_what_is_being_generated_keeps_the_call_and_offers_the_rest() {
    let editor = editor(OLLAMA, "").await;
    let end =
        json!({"model": "m", "response": "", "done": true, "done_reason": "stop"}).to_string();
    editor.mock.on(
        "POST",
        GENERATE,
        Reply::ndjson("").in_pieces(
            &[
                &format!("{}\n", generate_line("return")),
                &format!("{}\n{end}\n", generate_line(" math.tau * r")),
            ],
            Duration::from_millis(300),
        ),
    );
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let first = ask(&editor.client, &uri, 4, 4, 2).await;
    asked(&editor.mock).await;
    type_at(&editor.client, &uri, 2, 4, 4, "ret").await;
    let second = complete(&editor.client, &uri, 4, 7).await.unwrap();
    assert_eq!(texts(&second), ["urn math.tau * r"]);
    assert_eq!(
        texts(&first.answer().await["result"]),
        ["return math.tau * r"]
    );
    assert_eq!(
        generate_requests(&editor.mock).len(),
        1,
        "the call was kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_keystrokes_costs_one_model_call() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on("POST", GENERATE, generated("(r)\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let mut pending = Vec::new();
    for (i, ch) in "value = area".chars().enumerate() {
        let at = 4 + i as u32;
        type_at(&editor.client, &uri, 2 + i as i64, 4, at, &ch.to_string()).await;
        pending.push(ask(&editor.client, &uri, 4, at + 1, 2).await);
    }
    let mut answers = Vec::new();
    for request in pending {
        answers.push(request.answer().await["result"].clone());
    }
    assert_eq!(generate_requests(&editor.mock).len(), 1, "{answers:?}");
    assert_eq!(texts(answers.last().unwrap()), ["(r)"]);
    assert!(
        answers[..answers.len() - 1].iter().all(Value::is_null),
        "the earlier requests gave way: {answers:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_next_to_the_cursor_is_redacted_before_it_is_sent() {
    let editor = editor(OLLAMA, "").await;
    editor
        .mock
        .on("POST", GENERATE, generated("connect(KEY)\n"));
    let uri = editor.client.uri("client.py");
    let text = "KEY = \"sk-proj-Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI\"\nclient = \n";
    editor.client.open(&uri, text).await;
    complete(&editor.client, &uri, 1, 9).await.unwrap();
    let body = &generate_requests(&editor.mock)[0];
    let sent = body.to_string();
    assert!(!sent.contains("Ab3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI"), "{sent}");
    assert!(
        body["prompt"].as_str().unwrap().ends_with("client = "),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_sends_nothing() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on("POST", GENERATE, generated("x\n"));
    write(
        editor.ws.path(),
        "config/multi_model.yaml",
        "agents: [broken\n",
    );
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert!(texts(&answer).is_empty());
    assert!(editor.mock.requests().is_empty(), "no model was called");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_that_is_never_sent_gets_no_completion() {
    let editor = editor(OLLAMA, "").await;
    editor.mock.on("POST", GENERATE, generated("x\n"));
    let uri = editor.client.uri(".env");
    editor.client.open(&uri, "TOKEN=\n").await;
    let answer = complete(&editor.client, &uri, 0, 6).await.unwrap();
    assert!(texts(&answer).is_empty());
    assert!(editor.mock.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_language_switched_off_gets_no_completion() {
    let editor = editor(OLLAMA, "  languages: {python: false}\n").await;
    editor.mock.on("POST", GENERATE, generated("x\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    assert!(texts(&answer).is_empty());
    assert!(editor.mock.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_model_call_and_each_acceptance_is_in_the_metrics_file() {
    let editor = editor(OLLAMA, "").await;
    editor
        .mock
        .on("POST", GENERATE, generated("return 2 * r\n"));
    let uri = editor.client.uri("geometry.py");
    editor.client.open(&uri, AREA).await;
    let answer = complete(&editor.client, &uri, 4, 4).await.unwrap();
    let command = &answer[0]["command"];
    editor
        .client
        .request(
            "workspace/executeCommand",
            json!({"command": command["command"], "arguments": command["arguments"]}),
        )
        .await
        .unwrap();
    let metrics =
        std::fs::read_to_string(editor.ws.path().join(".agent/multi_model_metrics.json")).unwrap();
    let entries: Vec<Value> = metrics
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), 2, "{metrics}");
    assert_eq!(entries[0]["kind"], "completion");
    assert_eq!(entries[0]["role"], "hephaestus");
    assert_eq!(entries[0]["success"], true);
    assert_eq!(entries[0]["output_tokens"], 7);
    assert_eq!(entries[1]["kind"], "completion_accepted");
    assert_eq!(entries[1]["job"], entries[0]["job"]);
}
