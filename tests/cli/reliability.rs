//! The command line against files and models that used to break it (issue 12): a private
//! key cut by the Librarian's snippet, a never-send file in the index, a model that
//! stalls. The built binary in a scratch workspace; each model an Ollama mock on 127.0.0.1.

use std::process::{Command, Output, Stdio};

use serde_json::json;
use tempfile::TempDir;

use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{answer, config_yaml, ollama_agent, prompt, write};

const CHAT: &str = "/api/chat";

/// The body of a private key: three lines, each of which must never reach a model.
const KEY_LINES: [&str; 3] = [
    "MIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv",
    "+3sYqJLccTbwrHXgliCL1da/7kdaTSKFL+xMgz1rzOS+o3+tIjzwnvbm2x8xzdXV",
    "2ptN7KcenGqb/HbCGZopmWKIFYzQuKK9ZGoNUqZYt5ouB/84Id41ubxHiPj/GP2p",
];

/// A key block right above a definition: the candidate, five lines before the definition,
/// starts after the key's `BEGIN` line.
fn tls_py() -> String {
    format!(
        "import ssl\n\nSERVER_KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\"\"\"\n\n\ndef load_server_key():\n    \"\"\"Load the server's TLS key.\"\"\"\n    return ssl.load(SERVER_KEY)\n",
        KEY_LINES.join("\n")
    )
}

/// A workspace holding `files`, every role played by `mock` (the Hephaestus line with
/// `hephaestus` fields added), then `extra` configuration.
fn workspace(mock: &MockServer, files: &[(&str, &str)], hephaestus: &str, extra: &str) -> TempDir {
    let ws = TempDir::new().unwrap();
    for (rel, text) in files {
        write(ws.path(), rel, text);
    }
    let mut agents: Vec<String> = ["sisyphus", "oracle", "librarian"]
        .iter()
        .map(|role| ollama_agent(role, mock))
        .collect();
    agents.push(format!(
        "  hephaestus: {{ model: \"hephaestus-model:1\", provider: ollama, api_base: \"{}\", fallback: []{hephaestus} }}\n",
        mock.url
    ));
    write(
        ws.path(),
        "config/multi_model.yaml",
        &config_yaml(&agents, extra),
    );
    ws
}

async fn run(ws: &TempDir, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_multi-model"));
    cmd.current_dir(ws.path())
        .env("HOME", ws.path().join("home"))
        .env("XDG_CONFIG_HOME", ws.path().join("xdg"))
        .stdin(Stdio::null())
        .args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn examples() -> Reply {
    answer(&json!({"examples": []}).to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_librarians_candidate_cut_inside_a_key_block_sends_no_key_line() {
    let mock = MockServer::start().await;
    mock.on("POST", CHAT, examples());
    let ws = workspace(&mock, &[("app/tls.py", &tls_py())], "", "");

    let out = run(
        &ws,
        &["--role", "librarian", "--task", "load the server key"],
    )
    .await;

    assert!(out.status.success(), "{}", stderr(&out));
    let sent = prompt(&mock);
    assert!(sent.contains("candidate 1: app/tls.py:10-12"), "{sent}");
    let sent_key_lines = KEY_LINES.iter().filter(|l| sent.contains(*l)).count();
    assert_eq!(sent_key_lines, 0, "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_never_send_file_is_no_candidate_of_the_librarian() {
    let mock = MockServer::start().await;
    mock.on("POST", CHAT, examples());
    let vault = "def unlock_vault():\n    \"\"\"VAULT-DOC: opens the vault.\"\"\"\n    return 42\n";
    let ws = workspace(
        &mock,
        &[("vault/keys.py", vault)],
        "",
        "privacy:\n  never_send: [\"vault/**\"]\n",
    );

    let out = run(&ws, &["--role", "librarian", "--task", "unlock the vault"]).await;

    assert!(out.status.success(), "{}", stderr(&out));
    let sent = prompt(&mock);
    assert!(!sent.contains("VAULT-DOC"), "{sent}");
    assert!(!sent.contains("vault/keys.py"), "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_model_is_retried_once_and_the_wait_is_printed() {
    let mock = MockServer::start().await;
    // Headers, then nothing: the model never produces a token.
    mock.on("POST", CHAT, Reply::ndjson("").split_every(1).stall());
    let ws = workspace(&mock, &[], ", first_byte_timeout_seconds: 3", "");

    let out = run(&ws, &["--role", "hephaestus", "--task", "write add()"]).await;

    assert!(!out.status.success());
    assert_eq!(mock.requests().len(), 2, "one attempt and one retry");
    let log = stderr(&out);
    assert!(log.contains("waiting for the first token (2 s)"), "{log}");
    assert!(log.contains("no response within 3s"), "{log}");
}
