//! The language server against ordinary files that used to break it (issue 12): a file
//! name that is not ASCII, a private key cut by a snippet, files on the never-send list,
//! a model that stalls, and an answer that is JSON instead of code. The built binary on
//! stdio, each role's model an Ollama mock on 127.0.0.1; waits are bounded guards.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::editor::{ended, full_caps, range, run, run_with_task, symbols_until};
use crate::support::lsp::LspClient;
use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{answer, config_yaml, ollama_agent, prompt, write};

const CHAT: &str = "/api/chat";

const APP: &str = "\
import os


def run(cmd):
    os.system(cmd)
";

/// The body of a private key: three lines, each of which must never reach a model.
const KEY_LINES: [&str; 3] = [
    "MIIEpAIBAAKCAQEAep8ChdLvBQGXzbKeazS6thfKsjuFAzN+ueh/jshLLjPNFXIv",
    "+3sYqJLccTbwrHXgliCL1da/7kdaTSKFL+xMgz1rzOS+o3+tIjzwnvbm2x8xzdXV",
    "2ptN7KcenGqb/HbCGZopmWKIFYzQuKK9ZGoNUqZYt5ouB/84Id41ubxHiPj/GP2p",
];

/// A key block (lines 3–7, 1-based) right above a definition (line 10): the Librarian's
/// candidate, five lines before the definition, starts after the `BEGIN` line.
fn tls_py() -> String {
    format!(
        "import ssl\n\nSERVER_KEY = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\"\"\"\n\n\ndef load_server_key():\n    \"\"\"Load the server's TLS key.\"\"\"\n    return ssl.load(SERVER_KEY)\n",
        KEY_LINES.join("\n")
    )
}

/// How many of the key's lines the text holds.
fn key_lines_in(text: &str) -> usize {
    KEY_LINES.iter().filter(|line| text.contains(*line)).count()
}

// --- the world: files, four mocks, an editor ----------------------------------------------

struct World {
    sisyphus: MockServer,
    hephaestus: MockServer,
    oracle: MockServer,
    librarian: MockServer,
    ws: TempDir,
    client: LspClient,
}

/// Writes `files` into a new workspace with `extra` configuration (after the agents), then
/// starts and initializes the server there. `hephaestus` is its configuration line, when it
/// is not the plain Ollama one.
async fn world(files: &[(&str, &str)], hephaestus: Option<&str>, extra: &str) -> World {
    let (sisyphus, hephaestus_mock, oracle, librarian) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let ws = TempDir::new().unwrap();
    for (rel, text) in files {
        write(ws.path(), rel, text);
    }
    let hephaestus_yaml = match hephaestus {
        Some(fields) => format!(
            "  hephaestus: {{ model: \"hephaestus-model:1\", provider: ollama, api_base: \"{}\", fallback: [], {fields} }}\n",
            hephaestus_mock.url
        ),
        None => ollama_agent("hephaestus", &hephaestus_mock),
    };
    let yaml = config_yaml(
        &[
            ollama_agent("sisyphus", &sisyphus),
            hephaestus_yaml,
            ollama_agent("oracle", &oracle),
            ollama_agent("librarian", &librarian),
        ],
        &format!("review:\n  offline: false\n{extra}"),
    );
    write(ws.path(), "config/multi_model.yaml", &yaml);
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize(full_caps(), json!({})).await;
    World {
        sisyphus,
        hephaestus: hephaestus_mock,
        oracle,
        librarian,
        ws,
        client,
    }
}

fn messages_shown(client: &LspClient) -> Vec<String> {
    client
        .received()
        .into_iter()
        .filter(|m| m["method"] == "window/showMessage")
        .filter_map(|m| m["params"]["message"].as_str().map(str::to_string))
        .collect()
}

/// Whether a shown message contains `part`, waiting (bounded) for it: a job's messages are
/// shown after its end, so they may arrive a moment after it.
async fn shown_eventually(client: &LspClient, part: &str) -> bool {
    client
        .wait_for(
            |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains(part))
            },
            std::time::Duration::from_secs(10),
        )
        .await
        .is_some()
}

/// The `$/progress` report messages of job `token`.
fn reports(client: &LspClient, token: &str) -> Vec<String> {
    client
        .received()
        .into_iter()
        .filter(|m| {
            m["method"] == "$/progress"
                && m["params"]["token"] == token
                && m["params"]["value"]["kind"] == "report"
        })
        .filter_map(|m| m["params"]["value"]["message"].as_str().map(str::to_string))
        .collect()
}

/// The text edits the server asked the editor to apply to `uri`.
fn edits_to(client: &LspClient, uri: &str) -> Vec<Value> {
    client
        .received()
        .iter()
        .filter(|m| m["method"] == "workspace/applyEdit")
        .flat_map(|m| {
            m["params"]["edit"]["documentChanges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c["textDocument"]["uri"] == uri)
        .collect()
}

fn plan_answer() -> Reply {
    answer(
        &json!({"summary": "Quote it.", "steps": [
            {"id": "S1", "title": "Quote the command", "details": "Use shlex.", "files": ["src/app.py"]}
        ], "risks": [], "testing_strategy": "pytest"})
        .to_string(),
    )
}

// --- item 2: a file name that is not ASCII ------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_in_a_workspace_with_a_non_ascii_file_name_is_given_the_packed_workspace() {
    let files = [
        ("src/app.py", APP),
        (
            "abcde€.md",
            "# Notes\n\nSHELL-NOTES: commands come from the admin form.\n",
        ),
        ("docs/ñandú.md", "Deployment guide.\n"),
    ];
    let w = world(&files, None, "").await;
    w.sisyphus.on("POST", CHAT, plan_answer());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.plan", &uri, range(3, 0, 4, 18)).await;
    let end = ended(&w.client, &token).await;

    let sent = prompt(&w.sisyphus);
    assert!(sent.contains("abcde€.md"), "the manifest names it: {sent}");
    assert!(sent.contains("SHELL-NOTES"), "its text is packed: {sent}");
    assert!(sent.contains("docs/ñandú.md"), "{sent}");
    assert!(
        !messages_shown(&w.client)
            .iter()
            .any(|m| m.contains("workspace context failed")),
        "{:#?}",
        messages_shown(&w.client)
    );
    assert!(end["message"].as_str().unwrap().contains("plan"), "{end}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_that_cannot_be_packed_is_a_warning_not_an_empty_workspace() {
    let w = world(&[("src/app.py", APP)], None, "").await;
    w.sisyphus.on("POST", CHAT, plan_answer());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    // The workspace folder goes away under the server: the walk cannot read it.
    let root = w.ws.path().to_path_buf();
    let moved = root.with_extension("gone");
    std::fs::rename(&root, &moved).unwrap();

    let token = run(&w.client, "multi-model.plan", &uri, range(3, 0, 4, 18)).await;
    ended(&w.client, &token).await;
    // The job's metrics entry may have made the folder anew.
    let _ = std::fs::remove_dir_all(&root);
    std::fs::rename(&moved, &root).unwrap();

    assert!(
        shown_eventually(&w.client, "workspace context failed: ").await,
        "{:#?}",
        messages_shown(&w.client)
    );
}

// --- item 3: secrets found on the whole file ----------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_librarians_candidate_cut_inside_a_key_block_sends_no_key_line() {
    let tls = tls_py();
    let main =
        "from app.tls import load_server_key\n\n\ndef start():\n    return load_server_key()\n";
    let w = world(&[("app/tls.py", &tls), ("app/main.py", main)], None, "").await;
    let examples = json!({"examples": [{"path": "app/tls.py", "start_line": 10, "end_line": 12,
                                        "snippet": "def load_server_key():",
                                        "explanation": "loads the key"}]});
    w.librarian.on("POST", CHAT, answer(&examples.to_string()));
    symbols_until(&w.client, "load_server_key", |found| !found.is_empty()).await;
    let uri = w.client.uri("app/main.py");
    w.client.open(&uri, main).await;

    let task = Some("load the server key");
    let token = run_with_task(
        &w.client,
        "multi-model.examples",
        &uri,
        range(4, 4, 4, 28),
        task,
    )
    .await;
    ended(&w.client, &token).await;

    let sent = prompt(&w.librarian);
    assert!(sent.contains("candidate 1: app/tls.py:10-12"), "{sent}");
    assert_eq!(key_lines_in(&sent), 0, "{sent}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_selection_that_starts_inside_a_key_block_sends_no_key_line() {
    let tls = tls_py();
    let w = world(&[("app/tls.py", &tls)], None, "").await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.oracle.on("POST", CHAT, answer(&empty.to_string()));
    let uri = w.client.uri("app/tls.py");
    w.client.open(&uri, &tls).await;

    // From the key's second line to the end of the function.
    let token = run(&w.client, "multi-model.review", &uri, range(4, 0, 12, 0)).await;
    ended(&w.client, &token).await;

    let sent = prompt(&w.oracle);
    assert!(sent.contains("def load_server_key"), "{sent}");
    assert_eq!(key_lines_in(&sent), 0, "{sent}");
}

const VAULT: &str = "\
def unlock_vault():
    \"\"\"VAULT-DOC: opens the vault with the master passphrase.\"\"\"
    return 42
";

const STARTS: &str = "\
from vault.keys import unlock_vault


def start():
    return unlock_vault()
";

#[tokio::test(flavor = "multi_thread")]
async fn a_never_send_files_definitions_reach_no_model_through_the_index() {
    let files = [("vault/keys.py", VAULT), ("app/main.py", STARTS)];
    let w = world(&files, None, "privacy:\n  never_send: [\"vault/**\"]\n").await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.oracle.on("POST", CHAT, answer(&empty.to_string()));
    let examples = json!({"examples": []});
    w.librarian.on("POST", CHAT, answer(&examples.to_string()));
    // The user's own editor still finds the symbol: nothing leaves the machine that way.
    let symbols = symbols_until(&w.client, "unlock_vault", |found| !found.is_empty()).await;
    assert_eq!(symbols[0]["name"], "unlock_vault");
    let uri = w.client.uri("app/main.py");
    w.client.open(&uri, STARTS).await;

    let review = run(&w.client, "multi-model.review", &uri, range(3, 0, 4, 25)).await;
    ended(&w.client, &review).await;
    let task = Some("unlock the vault");
    let search = run_with_task(
        &w.client,
        "multi-model.examples",
        &uri,
        range(4, 4, 4, 25),
        task,
    )
    .await;
    ended(&w.client, &search).await;

    for (role, mock) in [("oracle", &w.oracle), ("librarian", &w.librarian)] {
        let sent = prompt(mock);
        assert!(sent.contains("def start():"), "{role}: {sent}");
        assert!(!sent.contains("VAULT-DOC"), "{role}: {sent}");
        assert!(!sent.contains("vault/keys.py"), "{role}: {sent}");
    }
}

// --- item 6: a model that stalls ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_model_is_retried_once_and_the_wait_shows_in_progress() {
    let w = world(
        &[("src/app.py", APP)],
        Some("first_byte_timeout_seconds: 3"),
        "",
    )
    .await;
    // Headers, then nothing: the model never produces a token.
    w.hephaestus
        .on("POST", CHAT, Reply::ndjson("").split_every(1).stall());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(4, 4, 4, 18)).await;
    let end = ended(&w.client, &token).await;

    assert_eq!(
        w.hephaestus.requests().len(),
        2,
        "one attempt and one retry"
    );
    let reports = reports(&w.client, &token);
    assert!(
        reports
            .iter()
            .any(|r| r.ends_with("— waiting for the first token (2 s)")),
        "{reports:#?}"
    );
    assert!(
        shown_eventually(&w.client, "no response within 3s").await,
        "{:#?}",
        messages_shown(&w.client)
    );
    assert_eq!(end["message"], "hephaestus failed");
}

// --- item 7: an answer that is JSON -------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_json_answer_to_a_coding_task_opens_as_a_document_and_is_not_inserted() {
    let w = world(&[("src/app.py", APP)], None, "").await;
    w.hephaestus
        .on("POST", CHAT, answer("{\"findings\": \"oops\"}"));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(4, 4, 4, 18)).await;
    let end = ended(&w.client, &token).await;

    assert_eq!(edits_to(&w.client, &uri), Vec::<Value>::new());
    assert_eq!(w.client.text(&uri), APP);
    let documents = w.client.shown_documents();
    assert_eq!(documents.len(), 1, "{documents:#?}");
    assert!(documents[0].0.contains("/.agent/code/"), "{documents:#?}");
    assert!(
        documents[0].1.contains("{\"findings\": \"oops\"}"),
        "{documents:#?}"
    );
    let why = "answered with JSON, not code for this python file: nothing was applied";
    assert!(
        shown_eventually(&w.client, why).await,
        "{:#?}",
        messages_shown(&w.client)
    );
    assert!(end["message"].as_str().unwrap().contains(why), "{end}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_answer_for_a_json_file_is_inserted() {
    let settings = "{\n  \"retries\": 1\n}\n";
    let w = world(&[("config/settings.json", settings)], None, "").await;
    w.hephaestus
        .on("POST", CHAT, answer("```json\n{\n  \"retries\": 3\n}\n```"));
    let uri = w.client.uri("config/settings.json");
    w.client.open(&uri, settings).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(0, 0, 3, 0)).await;
    ended(&w.client, &token).await;

    assert_eq!(edits_to(&w.client, &uri).len(), 1);
    assert_eq!(w.client.text(&uri), "{\n  \"retries\": 3\n}\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prose_answer_to_a_coding_task_opens_as_a_document_and_is_not_inserted() {
    let w = world(&[("src/app.py", APP)], None, "").await;
    let prose = "You should quote the command with shlex before running it.";
    w.hephaestus.on("POST", CHAT, answer(prose));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(4, 4, 4, 18)).await;
    let end = ended(&w.client, &token).await;

    assert_eq!(edits_to(&w.client, &uri), Vec::<Value>::new());
    let documents = w.client.shown_documents();
    assert_eq!(documents.len(), 1, "{documents:#?}");
    assert!(documents[0].1.contains(prose), "{documents:#?}");
    assert!(
        end["message"]
            .as_str()
            .unwrap()
            .contains("answered in prose, not code: nothing was applied"),
        "{end}"
    );
}
