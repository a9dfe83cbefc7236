//! Secrets in what a role is given never reach the model's endpoint (DESIGN §7): the
//! orchestrator redacts every prompt before it is sent, unless the endpoint is on this
//! machine and the configuration says `redact_local: false`.
//!
//! The mock listens on 127.0.0.1, so it stands for a remote endpoint when `redact_local`
//! is on (the default: every endpoint is treated as remote) and for a local one when off.

use std::sync::{Arc, Mutex};

use multi_model::config::{Config, ConfigSource};
use multi_model::context::ContextPiece;
use multi_model::orchestrator::{Event, Observer, Orchestrator};
use multi_model::role::Role;
use multi_model::roles::RoleInput;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::support::mock::{MockServer, Reply};

const OLLAMA_PATH: &str = "/api/chat";
/// Split so that secret scanners run on this repository do not flag the fixture.
const OPENAI_KEY: &str = concat!(
    "sk-proj-",
    "8Pe4KxDqsQosY5T3Nl9zif7CDWC7Ay1ZecCUAvXO3YAC-bcA"
);
const PASSWORD: &str = "Sup3r-S3cret!";

#[derive(Default)]
struct Events(Mutex<Vec<Event>>);

impl Observer for Events {
    fn event(&self, event: Event) {
        self.0.lock().unwrap().push(event);
    }
}

impl Events {
    fn redacted(&self) -> Vec<Event> {
        let events = self.0.lock().unwrap();
        events
            .iter()
            .filter(|e| matches!(e, Event::Redacted { .. }))
            .cloned()
            .collect()
    }
}

/// Hephaestus on Ollama at the mock, with the given `privacy:` section.
fn config(mock: &MockServer, privacy: &str) -> Config {
    let yaml = format!(
        "agents:\n  hephaestus:\n    model: \"qwen2.5-coder:7b\"\n    provider: ollama\n    api_base: \"{}\"\n{privacy}",
        mock.url
    );
    Config::from_yaml(&yaml, ConfigSource::File("t.yaml".into())).unwrap()
}

/// A settings file with a key and a password, as a task's context.
fn input() -> RoleInput {
    RoleInput {
        task: "Add a timeout setting next to the database settings.".into(),
        context: vec![ContextPiece {
            label: "app/settings.py:1-4".into(),
            text: format!(
                "DEBUG = False\nOPENAI_API_KEY = \"{OPENAI_KEY}\"\nDB_PASSWORD = \"{PASSWORD}\"\nDB_HOST = \"db.internal\"\n"
            ),
            first_line: 1,
        }],
        ..RoleInput::default()
    }
}

fn answer() -> Reply {
    let piece = json!({
        "model": "qwen2.5-coder:7b", "created_at": "2026-11-20T10:15:02.118734Z",
        "message": {"role": "assistant", "content": "```python\nDB_TIMEOUT = 30\n```\n"},
        "done": false
    });
    let done = json!({
        "model": "qwen2.5-coder:7b", "created_at": "2026-11-20T10:15:02.252018Z",
        "message": {"role": "assistant", "content": ""},
        "done": true, "done_reason": "stop", "prompt_eval_count": 38, "eval_count": 9
    });
    Reply::ndjson(&format!("{piece}\n{done}\n"))
}

/// Runs Hephaestus on the input; the body the mock received, as text.
async fn sent(privacy: &str, events: &Events) -> String {
    let mock = MockServer::start().await;
    mock.on("POST", OLLAMA_PATH, answer());
    let env = |_: &str| None::<String>;
    let orchestrator = Orchestrator::new(config(&mock, privacy), Arc::new(env));
    orchestrator
        .execute(
            Role::Hephaestus,
            &input(),
            "job-1",
            &CancellationToken::new(),
            events,
        )
        .await
        .unwrap();
    mock.only_request().body().to_string()
}

#[tokio::test]
async fn secrets_in_the_context_never_reach_the_endpoint() {
    let events = Events::default();
    let body = sent("", &events).await;

    assert!(!body.contains(OPENAI_KEY), "{body}");
    assert!(!body.contains(PASSWORD), "{body}");
    assert!(
        body.contains("OPENAI_API_KEY = \\\"<redacted:openai_key>\\\""),
        "{body}"
    );
    assert!(
        body.contains("DB_PASSWORD = \\\"<redacted:password>\\\""),
        "{body}"
    );
    // The lines around them go as they are, each still on its own line.
    assert!(body.contains("DB_HOST = \\\"db.internal\\\""), "{body}");
    assert_eq!(events.redacted(), [Event::Redacted { count: 2 }]);
    assert_eq!(
        events.redacted()[0].to_string(),
        "redacted 2 secrets from the prompt"
    );
}

#[tokio::test]
async fn a_local_endpoint_sees_the_context_as_is_only_when_allowed() {
    let events = Events::default();
    let body = sent("privacy:\n  redact_local: false\n", &events).await;

    assert!(body.contains(OPENAI_KEY), "{body}");
    assert!(body.contains(PASSWORD), "{body}");
    assert!(!body.contains("<redacted:"), "{body}");
    assert_eq!(events.redacted(), []);
}
