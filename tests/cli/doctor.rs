//! `multi-model doctor` against mock providers on 127.0.0.1, run as the real binary.

use std::path::PathBuf;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::mock::{MockServer, Reply, TEST_KEY};

/// Four mocks, one per provider, each listing the given models.
struct Mocks {
    gemini: MockServer,
    ollama: MockServer,
    anthropic: MockServer,
    openai: MockServer,
}

async fn mocks(gemini: &[&str], ollama: &[&str], anthropic: &[&str], openai: &[&str]) -> Mocks {
    let m = Mocks {
        gemini: MockServer::start().await,
        ollama: MockServer::start().await,
        anthropic: MockServer::start().await,
        openai: MockServer::start().await,
    };
    let names = |ids: &[&str], prefix: &str| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"name": format!("{prefix}{id}"), "supportedGenerationMethods": ["generateContent"]}))
            .collect()
    };
    m.gemini.on(
        "GET",
        "/v1beta/models",
        Reply::json(200, &json!({"models": names(gemini, "models/")})),
    );
    m.ollama.on(
        "GET",
        "/api/tags",
        Reply::json(200, &json!({"models": names(ollama, "")})),
    );
    let ids = |ids: &[&str]| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"id": id, "type": "model"}))
            .collect()
    };
    m.anthropic.on(
        "GET",
        "/v1/models",
        Reply::json(200, &json!({"data": ids(anthropic), "has_more": false})),
    );
    m.openai.on(
        "GET",
        "/v1/models",
        Reply::json(200, &json!({"object": "list", "data": ids(openai)})),
    );
    m
}

fn config(m: &Mocks, dir: &TempDir) -> PathBuf {
    let yaml = format!(
        r#"agents:
  sisyphus:   {{ model: gemini-3.1-pro-preview, provider: gemini, api_base: "{}/v1beta", api_key_env: MM_GEMINI }}
  hephaestus: {{ model: "qwen2.5-coder:32b", provider: ollama, api_base: "{}" }}
  oracle:     {{ model: claude-sonnet-5, provider: anthropic, api_base: "{}", api_key_env: MM_ANTHROPIC }}
  librarian:  {{ model: gpt-5.4-mini, provider: openai, api_base: "{}/v1", api_key_env: MM_OPENAI }}
"#,
        m.gemini.url, m.ollama.url, m.anthropic.url, m.openai.url
    );
    let path = dir.path().join("doctor.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs the binary off the async runtime (the mocks live on it).
async fn doctor(config: PathBuf, keys: &[(&str, &str)], json: bool) -> Run {
    let keys: Vec<(String, String)> = keys
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_multi-model"));
        cmd.arg("doctor").arg("--config").arg(&config);
        if json {
            cmd.arg("--json");
        }
        for var in ["MM_GEMINI", "MM_ANTHROPIC", "MM_OPENAI"] {
            cmd.env_remove(var);
        }
        cmd.envs(keys);
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

const ALL_KEYS: [(&str, &str); 3] = [
    ("MM_GEMINI", TEST_KEY),
    ("MM_ANTHROPIC", TEST_KEY),
    ("MM_OPENAI", TEST_KEY),
];

#[tokio::test(flavor = "multi_thread")]
async fn every_role_usable_exits_zero() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &["qwen2.5-coder:32b"],
        &["claude-sonnet-5"],
        &["gpt-5.4-mini"],
    )
    .await;
    let dir = TempDir::new().unwrap();
    let run = doctor(config(&m, &dir), &ALL_KEYS, false).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout.matches(" ok").count(), 4, "{}", run.stdout);
    assert!(run.stdout.contains("MM_GEMINI set"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retired_model_is_not_available_with_the_closest_ids() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &["qwen2.5-coder:32b"],
        &["claude-sonnet-5"],
        &["gpt-5.4-mini", "gpt-5.5", "whisper-1"],
    )
    .await;
    let dir = TempDir::new().unwrap();
    let path = config(&m, &dir);
    let yaml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("gpt-5.4-mini", "gpt-4o-mini");
    std::fs::write(&path, yaml).unwrap();
    let run = doctor(path, &ALL_KEYS, false).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("NOT AVAILABLE"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("librarian: model `gpt-4o-mini` is not available"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("closest: gpt-5.4-mini"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("1 of 4 roles are not usable"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_is_named_and_its_endpoint_not_called() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &["qwen2.5-coder:32b"],
        &["claude-sonnet-5"],
        &["gpt-5.4-mini"],
    )
    .await;
    let dir = TempDir::new().unwrap();
    let run = doctor(
        config(&m, &dir),
        &[("MM_ANTHROPIC", TEST_KEY), ("MM_OPENAI", TEST_KEY)],
        false,
    )
    .await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("MM_GEMINI MISSING"), "{}", run.stdout);
    assert!(m.gemini.requests().is_empty());
    assert_eq!(run.stdout.matches(" ok").count(), 3, "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_key_is_reported_without_showing_it() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &["qwen2.5-coder:32b"],
        &[],
        &["gpt-5.4-mini"],
    )
    .await;
    let anthropic = MockServer::start().await;
    anthropic.on("GET", "/v1/models", Reply::json(401, &json!({"type": "error", "error": {"type": "authentication_error", "message": format!("invalid x-api-key {TEST_KEY}")}})));
    let m = Mocks { anthropic, ..m };
    let dir = TempDir::new().unwrap();
    let run = doctor(config(&m, &dir), &ALL_KEYS, false).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("oracle: anthropic model list: HTTP 401 (authentication_error)"),
        "{}",
        run.stdout
    );
    assert!(!format!("{}{}", run.stdout, run.stderr).contains(TEST_KEY));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_endpoint_is_marked() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &[],
        &["claude-sonnet-5"],
        &["gpt-5.4-mini"],
    )
    .await;
    let dir = TempDir::new().unwrap();
    let path = config(&m, &dir);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let yaml = std::fs::read_to_string(&path)
        .unwrap()
        .replace(&m.ollama.url, &format!("http://127.0.0.1:{port}"));
    std::fs::write(&path, yaml).unwrap();
    let run = doctor(path, &ALL_KEYS, false).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("UNREACHABLE"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn json_output_lists_each_role() {
    let m = mocks(
        &["gemini-3.1-pro-preview"],
        &["qwen2.5-coder:32b"],
        &["claude-sonnet-5"],
        &["gpt-5.4-mini"],
    )
    .await;
    let dir = TempDir::new().unwrap();
    let run = doctor(config(&m, &dir), &ALL_KEYS, true).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["usable"], true);
    let roles = value["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 4);
    assert_eq!(roles[1]["role"], "hephaestus");
    assert_eq!(roles[1]["key"]["status"], "not_needed");
    assert_eq!(roles[0]["model_status"]["status"], "listed");
    assert!(roles[0]["latency_ms"].is_u64());
}
