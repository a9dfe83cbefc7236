//! The orchestrator against mock providers: retries, fallbacks, discarded partial answers,
//! cancellation and the fallback chain (DESIGN §3–§4). Each role's agent talks to its own
//! mock on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use multi_model::config::{Config, ConfigSource};
use multi_model::orchestrator::{
    AttemptRecord, Event, ExecuteError, Observer, Orchestrator, Recorder, RetryPolicy, Served,
};
use multi_model::providers::ErrorClass;
use multi_model::role::Role;
use multi_model::roles::{RoleInput, RoleOutput};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support::mock::{MockServer, Reply};

const OLLAMA_PATH: &str = "/api/chat";
const OPENAI_PATH: &str = "/v1/chat/completions";
/// The one key variable the test environment sets.
const KEY_VAR: &str = "ORCHESTRATOR_TEST_KEY";

/// Fast retries: 2 after the first attempt, a few milliseconds apart.
const FAST: RetryPolicy = RetryPolicy {
    max_retries: 2,
    initial_delay: Duration::from_millis(1),
    max_backoff: Duration::from_millis(5),
    max_server_delay: Duration::from_secs(60),
};

fn model(role: Role) -> String {
    format!("{role}-model")
}

// --- the four mocks and the configuration pointing at them ---

/// One mock per role, in `Role::ALL` order.
struct World {
    mocks: Vec<MockServer>,
}

impl World {
    async fn start() -> World {
        let mut mocks = Vec::new();
        for _ in Role::ALL {
            mocks.push(MockServer::start().await);
        }
        World { mocks }
    }

    fn mock(&self, role: Role) -> &MockServer {
        let index = Role::ALL.iter().position(|r| *r == role).unwrap();
        &self.mocks[index]
    }

    /// The agent lines for `role` on Ollama at its mock (no key), plus `extra`.
    fn ollama(&self, role: Role, extra: &str) -> String {
        format!(
            "    model: \"{}\"\n    provider: ollama\n    api_base: \"{}\"\n{extra}",
            model(role),
            self.mock(role).url
        )
    }

    /// The agent lines for `role` on OpenAI at its mock, keyed by `key_var`, plus `extra`.
    fn openai(&self, role: Role, key_var: &str, extra: &str) -> String {
        format!(
            "    model: \"{}\"\n    provider: openai\n    api_base: \"{}/v1\"\n    api_key_env: {key_var}\n{extra}",
            model(role),
            self.mock(role).url
        )
    }

    /// Every role at its own mock: the given agents, Ollama for the others.
    fn config(&self, agents: &[(Role, String)], routing: &str) -> Config {
        let mut yaml = String::from("agents:\n");
        for role in Role::ALL {
            let lines = match agents.iter().find(|(r, _)| *r == role) {
                Some((_, lines)) => lines.clone(),
                None => self.ollama(role, ""),
            };
            yaml.push_str(&format!("  {role}:\n{lines}"));
        }
        yaml.push_str(routing);
        Config::from_yaml(&yaml, ConfigSource::File("t.yaml".into())).unwrap()
    }

    fn orchestrator(&self, config: Config, attempts: &Arc<Attempts>) -> Orchestrator {
        let env = |name: &str| (name == KEY_VAR).then(|| "test-key-0b1c".to_string());
        Orchestrator::new(config, Arc::new(env))
            .with_retry(FAST)
            .with_recorder(attempts.clone())
    }
}

// --- what the orchestrator reports ---

#[derive(Default)]
struct Events {
    seen: Mutex<Vec<Event>>,
    /// Cancelled as soon as a piece of text streams in.
    cancel_on_text: Option<CancellationToken>,
}

impl Observer for Events {
    fn event(&self, event: Event) {
        if let (Event::Text(_), Some(cancel)) = (&event, &self.cancel_on_text) {
            cancel.cancel();
        }
        self.seen.lock().unwrap().push(event);
    }
}

impl Events {
    fn all(&self) -> Vec<Event> {
        self.seen.lock().unwrap().clone()
    }

    fn retry_delays(&self) -> Vec<Duration> {
        self.all()
            .into_iter()
            .filter_map(|e| match e {
                Event::Retry { delay, .. } => Some(delay),
                _ => None,
            })
            .collect()
    }

    fn fallbacks(&self) -> Vec<(Role, Role)> {
        self.all()
            .into_iter()
            .filter_map(|e| match e {
                Event::Fallback { from, to, .. } => Some((from, to)),
                _ => None,
            })
            .collect()
    }
}

#[derive(Default)]
struct Attempts(Mutex<Vec<AttemptRecord>>);

impl Recorder for Attempts {
    fn record(&self, attempt: &AttemptRecord) {
        self.0.lock().unwrap().push(attempt.clone());
    }
}

impl Attempts {
    fn all(&self) -> Vec<AttemptRecord> {
        self.0.lock().unwrap().clone()
    }

    /// Per attempt: the serving role and the error class (`None` for success).
    fn outline(&self) -> Vec<(Role, Option<ErrorClass>)> {
        self.all()
            .iter()
            .map(|a| (a.served_by, a.error.as_ref().map(|(class, _)| *class)))
            .collect()
    }
}

fn input() -> RoleInput {
    RoleInput {
        task: "Write add(a, b) in Python.".into(),
        ..RoleInput::default()
    }
}

async fn execute(
    orchestrator: &Orchestrator,
    role: Role,
    events: &Events,
) -> Result<Served<RoleOutput>, ExecuteError> {
    orchestrator
        .execute(role, &input(), "job-1", &CancellationToken::new(), events)
        .await
}

// --- provider replies ---

/// A fenced code block, Hephaestus's kind of answer.
fn code(name: &str) -> String {
    format!("```python\n{name} = 1\n```\n")
}

fn ollama_line(content: &str) -> String {
    let line = json!({
        "model": "m", "created_at": "2026-11-20T10:15:02.118734Z",
        "message": {"role": "assistant", "content": content}, "done": false
    });
    format!("{line}\n")
}

fn ollama_done() -> String {
    let line = json!({
        "model": "m", "created_at": "2026-11-20T10:15:02.252018Z",
        "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": "stop",
        "prompt_eval_count": 38, "eval_count": 9
    });
    format!("{line}\n")
}

/// A complete NDJSON answer streaming `text` in two pieces.
fn ollama_answer(text: &str) -> Reply {
    let cut = text.char_indices().nth(text.chars().count() / 2).unwrap().0;
    let (a, b) = text.split_at(cut);
    Reply::ndjson(&format!(
        "{}{}{}",
        ollama_line(a),
        ollama_line(b),
        ollama_done()
    ))
}

fn ollama_error(status: u16, message: &str) -> Reply {
    Reply::json(status, &json!({ "error": message }))
}

fn openai_chunk(delta: Value, finish: Option<&str>) -> String {
    let chunk = json!({
        "id": "chatcmpl-C9kQ2r", "object": "chat.completion.chunk", "created": 1763980200,
        "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "usage": null
    });
    format!("data: {chunk}\n\n")
}

fn openai_answer(text: &str) -> Reply {
    let usage = json!({
        "id": "chatcmpl-C9kQ2r", "object": "chat.completion.chunk", "choices": [],
        "usage": {"prompt_tokens": 41, "completion_tokens": 7, "total_tokens": 48}
    });
    Reply::sse(&format!(
        "{}{}{}data: {usage}\n\ndata: [DONE]\n\n",
        openai_chunk(json!({"role": "assistant", "content": ""}), None),
        openai_chunk(json!({ "content": text }), None),
        openai_chunk(json!({}), Some("stop")),
    ))
}

fn openai_error(status: u16, message: &str, code: Option<&str>) -> Reply {
    Reply::json(
        status,
        &json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}}),
    )
}

// --- retries ---

#[tokio::test]
async fn a_transient_failure_is_retried_on_the_same_model() {
    let world = World::start().await;
    world
        .mock(Role::Hephaestus)
        .on("POST", OLLAMA_PATH, ollama_error(503, "server busy"))
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(served.served_by, Role::Hephaestus);
    assert_eq!(served.model, model(Role::Hephaestus));
    assert_eq!(
        attempts.outline(),
        [
            (Role::Hephaestus, Some(ErrorClass::Transient)),
            (Role::Hephaestus, None)
        ]
    );
    assert_eq!(events.retry_delays().len(), 1);
    assert_eq!(world.mock(Role::Hephaestus).requests().len(), 2);
    assert!(world.mock(Role::Sisyphus).requests().is_empty());
}

#[tokio::test]
async fn the_servers_retry_delay_is_honoured() {
    let world = World::start().await;
    world
        .mock(Role::Hephaestus)
        .on(
            "POST",
            OPENAI_PATH,
            openai_error(429, "Rate limit reached", Some("rate_limit_exceeded"))
                .header("retry-after-ms", "30"),
        )
        .on("POST", OPENAI_PATH, openai_answer(&code("answer")));
    let agent = world.openai(Role::Hephaestus, KEY_VAR, "");
    let attempts = Arc::new(Attempts::default());
    let orchestrator =
        world.orchestrator(world.config(&[(Role::Hephaestus, agent)], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(served.served_by, Role::Hephaestus);
    assert_eq!(events.retry_delays(), [Duration::from_millis(30)]);
}

#[tokio::test]
async fn transient_failures_beyond_the_retries_fall_back_to_the_next_role() {
    let world = World::start().await;
    world
        .mock(Role::Hephaestus)
        .on("POST", OLLAMA_PATH, ollama_error(503, "server busy"));
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(served.role, Role::Hephaestus);
    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(world.mock(Role::Hephaestus).requests().len(), 3);
    let records = attempts.all();
    assert_eq!(records.len(), 4);
    assert!(records[..3].iter().all(|a| a.fallback_from.is_none()));
    assert_eq!(records[3].served_by, Role::Sisyphus);
    assert_eq!(records[3].fallback_from, Some(Role::Hephaestus));
    assert_eq!(events.retry_delays().len(), 2);
    assert_eq!(events.fallbacks(), [(Role::Hephaestus, Role::Sisyphus)]);
}

// --- what is not retried ---

#[tokio::test]
async fn an_unavailable_model_is_skipped_at_once_without_retry() {
    let world = World::start().await;
    world.mock(Role::Oracle).on(
        "POST",
        OLLAMA_PATH,
        ollama_error(404, "model 'oracle-model' not found"),
    );
    let review = json!({"summary": "No problems found.", "findings": []}).to_string();
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&review));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Oracle, &events).await.unwrap();

    assert_eq!(world.mock(Role::Oracle).requests().len(), 1);
    assert!(events.retry_delays().is_empty());
    assert_eq!(served.served_by, Role::Sisyphus);
    let RoleOutput::Review(review) = served.output else {
        panic!("expected a review, got {:?}", served.output);
    };
    assert_eq!(review.summary, "No problems found.");
    assert_eq!(
        attempts.outline(),
        [
            (Role::Oracle, Some(ErrorClass::Unavailable)),
            (Role::Sisyphus, None)
        ]
    );
}

#[tokio::test]
async fn a_role_whose_key_is_unset_is_skipped_without_a_request() {
    let world = World::start().await;
    world
        .mock(Role::Hephaestus)
        .on("POST", OPENAI_PATH, openai_answer(&code("never")));
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let agent = world.openai(Role::Hephaestus, "UNSET_TEST_KEY", "");
    let attempts = Arc::new(Attempts::default());
    let orchestrator =
        world.orchestrator(world.config(&[(Role::Hephaestus, agent)], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert!(world.mock(Role::Hephaestus).requests().is_empty());
    assert_eq!(served.served_by, Role::Sisyphus);
    let records = attempts.all();
    assert_eq!(
        attempts.outline(),
        [
            (Role::Hephaestus, Some(ErrorClass::Unavailable)),
            (Role::Sisyphus, None)
        ]
    );
    let (_, reason) = records[0].error.as_ref().unwrap();
    assert!(reason.contains("UNSET_TEST_KEY"), "{reason}");
    assert_eq!(records[1].fallback_from, Some(Role::Hephaestus));
}

#[tokio::test]
async fn a_request_error_is_not_retried_and_the_next_model_is_tried() {
    let world = World::start().await;
    world.mock(Role::Hephaestus).on(
        "POST",
        OLLAMA_PATH,
        ollama_error(400, "invalid option: num_predcit"),
    );
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(world.mock(Role::Hephaestus).requests().len(), 1);
    assert!(events.retry_delays().is_empty());
    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(
        attempts.outline(),
        [
            (Role::Hephaestus, Some(ErrorClass::Request)),
            (Role::Sisyphus, None)
        ]
    );
}

#[tokio::test]
async fn a_context_overflow_moves_on_to_a_larger_window_only() {
    let world = World::start().await;
    world.mock(Role::Hephaestus).on(
        "POST",
        OPENAI_PATH,
        openai_error(
            400,
            "This model's maximum context length is 16384 tokens. However, your messages resulted in 20000 tokens.",
            Some("context_length_exceeded"),
        ),
    );
    for role in [Role::Oracle, Role::Librarian, Role::Sisyphus] {
        world
            .mock(role)
            .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    }
    let agents = [
        (
            Role::Hephaestus,
            world.openai(
                Role::Hephaestus,
                KEY_VAR,
                "    context_tokens: 16384\n    fallback: [oracle, librarian]\n",
            ),
        ),
        // As large as the failed window: no use.
        (
            Role::Oracle,
            world.ollama(Role::Oracle, "    context_tokens: 16384\n"),
        ),
        // Smaller: no use.
        (
            Role::Librarian,
            world.ollama(Role::Librarian, "    context_tokens: 8192\n"),
        ),
        (
            Role::Sisyphus,
            world.ollama(Role::Sisyphus, "    context_tokens: 131072\n"),
        ),
    ];
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&agents, ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(world.mock(Role::Hephaestus).requests().len(), 1);
    assert!(world.mock(Role::Oracle).requests().is_empty());
    assert!(world.mock(Role::Librarian).requests().is_empty());
    assert_eq!(
        attempts.outline(),
        [
            (Role::Hephaestus, Some(ErrorClass::Request)),
            (Role::Sisyphus, None)
        ]
    );
    assert_eq!(attempts.all()[1].fallback_from, Some(Role::Hephaestus));
    assert_eq!(events.fallbacks(), [(Role::Hephaestus, Role::Sisyphus)]);
}

#[tokio::test]
async fn invalid_output_is_retried_once_then_falls_back() {
    let world = World::start().await;
    world.mock(Role::Hephaestus).on(
        "POST",
        OLLAMA_PATH,
        ollama_answer("I would write a function."),
    );
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(world.mock(Role::Hephaestus).requests().len(), 2);
    assert_eq!(events.retry_delays().len(), 1);
    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(
        attempts.outline(),
        [
            (Role::Hephaestus, Some(ErrorClass::InvalidOutput)),
            (Role::Hephaestus, Some(ErrorClass::InvalidOutput)),
            (Role::Sisyphus, None)
        ]
    );
}

#[tokio::test]
async fn a_structured_answer_of_the_wrong_shape_is_invalid_output_naming_the_field() {
    let world = World::start().await;
    let misfit = json!({"summary": 5, "findings": []}).to_string();
    world
        .mock(Role::Oracle)
        .on("POST", OLLAMA_PATH, ollama_answer(&misfit));
    let review = json!({"summary": "No problems found.", "findings": []}).to_string();
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&review));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Oracle, &events).await.unwrap();

    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(
        attempts.outline(),
        [
            (Role::Oracle, Some(ErrorClass::InvalidOutput)),
            (Role::Oracle, Some(ErrorClass::InvalidOutput)),
            (Role::Sisyphus, None)
        ]
    );
    let (_, message) = attempts.all()[0].error.clone().unwrap();
    assert!(
        message.contains("summary: invalid type: integer `5`, expected a string"),
        "{message}"
    );
}

// --- the end of the chain ---

#[tokio::test]
async fn with_fallback_disabled_only_the_roles_own_model_is_tried() {
    let world = World::start().await;
    world.mock(Role::Hephaestus).on(
        "POST",
        OLLAMA_PATH,
        ollama_error(404, "model 'hephaestus-model' not found"),
    );
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let config = world.config(&[], "routing:\n  enable_fallback: false\n");
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(config, &attempts);
    let events = Events::default();

    let err = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap_err();

    let ExecuteError::Exhausted { role, attempts } = err else {
        panic!("expected exhausted, got {err:?}");
    };
    assert_eq!(role, Role::Hephaestus);
    let tried: Vec<_> = attempts
        .iter()
        .map(|a| (a.served_by, a.model.as_str(), a.class))
        .collect();
    assert_eq!(
        tried,
        [(
            Role::Hephaestus,
            "hephaestus-model",
            ErrorClass::Unavailable
        )]
    );
    assert!(world.mock(Role::Sisyphus).requests().is_empty());
    assert!(events.fallbacks().is_empty());
}

#[tokio::test]
async fn an_exhausted_chain_reports_every_attempt() {
    let world = World::start().await;
    world
        .mock(Role::Hephaestus)
        .on("POST", OLLAMA_PATH, ollama_error(503, "server busy"));
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_error(401, "invalid api key"));
    world.mock(Role::Oracle).on(
        "POST",
        OLLAMA_PATH,
        ollama_error(400, "invalid option: num_predcit"),
    );
    let config = world.config(&[], "routing:\n  primary: oracle\n");
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(config, &attempts);

    let err = execute(&orchestrator, Role::Hephaestus, &Events::default())
        .await
        .unwrap_err();

    let ExecuteError::Exhausted {
        attempts: failed, ..
    } = &err
    else {
        panic!("expected exhausted, got {err:?}");
    };
    assert_eq!(failed.len(), 5, "3 on hephaestus, 1 each on the others");
    assert_eq!(attempts.all().len(), 5);
    let shown = err.to_string();
    assert!(shown.starts_with("hephaestus failed"), "{shown}");
    assert_eq!(shown.lines().filter(|l| l.starts_with("  - ")).count(), 5);
    for expected in [
        "hephaestus (hephaestus-model): Transient: HTTP 503: server busy",
        "sisyphus (sisyphus-model): Unavailable: HTTP 401: invalid api key",
        "oracle (oracle-model): Request: HTTP 400: invalid option",
    ] {
        assert!(
            shown.contains(expected),
            "{expected:?} missing from:\n{shown}"
        );
    }
}

// --- discarding and cancelling ---

#[tokio::test]
async fn a_failed_attempts_partial_text_is_discarded() {
    let world = World::start().await;
    // Text, then the stream ends without its `done` line.
    world.mock(Role::Hephaestus).on(
        "POST",
        OLLAMA_PATH,
        Reply::ndjson(&ollama_line("```python\nFIRST_ATTEMPT = 1\n")),
    );
    let answer = code("second_attempt");
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&answer));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let events = Events::default();

    let served = execute(&orchestrator, Role::Hephaestus, &events)
        .await
        .unwrap();

    assert_eq!(served.served_by, Role::Sisyphus);
    assert_eq!(served.completion.text, answer);
    let RoleOutput::Code(code) = &served.output else {
        panic!("expected code, got {:?}", served.output);
    };
    assert_eq!(code.joined(), "second_attempt = 1\n");
    let all = events.all();
    assert!(
        all.contains(&Event::Text("```python\nFIRST_ATTEMPT = 1\n".into())),
        "the partial text was streamed: {all:?}"
    );
    assert!(
        all.iter().any(|e| matches!(
            e,
            Event::Discarded {
                served_by: Role::Hephaestus,
                ..
            }
        )),
        "{all:?}"
    );
    assert_eq!(
        attempts.outline()[..3],
        [(Role::Hephaestus, Some(ErrorClass::Transient)); 3]
    );
}

#[tokio::test]
async fn a_cancel_stops_the_stream_and_tries_nothing_else() {
    let world = World::start().await;
    world.mock(Role::Hephaestus).on(
        "POST",
        OLLAMA_PATH,
        Reply::ndjson(&ollama_line("```python\n")).stall(),
    );
    world
        .mock(Role::Sisyphus)
        .on("POST", OLLAMA_PATH, ollama_answer(&code("answer")));
    let attempts = Arc::new(Attempts::default());
    let orchestrator = world.orchestrator(world.config(&[], ""), &attempts);
    let cancel = CancellationToken::new();
    let events = Events {
        cancel_on_text: Some(cancel.clone()),
        ..Events::default()
    };

    let result = orchestrator
        .execute(Role::Hephaestus, &input(), "job-1", &cancel, &events)
        .await;

    assert_eq!(result.unwrap_err(), ExecuteError::Cancelled);
    assert!(
        world
            .mock(Role::Hephaestus)
            .client_hung_up(Duration::from_secs(10))
            .await,
        "the mock never saw the connection close"
    );
    assert_eq!(
        attempts.outline(),
        [(Role::Hephaestus, Some(ErrorClass::Cancelled))]
    );
    assert!(world.mock(Role::Sisyphus).requests().is_empty());
    assert!(events.fallbacks().is_empty());
}

// --- the chain ---

#[tokio::test]
async fn the_chain_is_the_role_its_fallbacks_then_the_primary_each_once() {
    let world = World::start().await;
    let agents = [
        (
            Role::Oracle,
            world.ollama(Role::Oracle, "    fallback: [librarian]\n"),
        ),
        (
            Role::Hephaestus,
            world.ollama(Role::Hephaestus, "    fallback: [sisyphus, oracle]\n"),
        ),
    ];
    let config = world.config(&agents, "routing:\n  primary: sisyphus\n");
    let orchestrator = world.orchestrator(config, &Arc::new(Attempts::default()));

    assert_eq!(
        orchestrator.chain(Role::Oracle),
        [Role::Oracle, Role::Librarian, Role::Sisyphus]
    );
    assert_eq!(
        orchestrator.chain(Role::Hephaestus),
        [Role::Hephaestus, Role::Sisyphus, Role::Oracle]
    );
}
