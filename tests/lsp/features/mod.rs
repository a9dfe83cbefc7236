//! The language server end to end: the built binary on stdio, a scripted editor, and each
//! role's model played by an Ollama mock on 127.0.0.1 (configured in the workspace's
//! `config/multi_model.yaml`, fallback off). Waits are bounded guards, never measurements.

use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::editor::{ended, full_caps, is_progress, range, run};
use crate::support::lsp::{LspClient, WAIT};
use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{answer, config_yaml, ollama_agent};

const CHAT: &str = "/api/chat";

const APP: &str = "\
import os
import subprocess


def run(cmd):
    os.system(cmd)


def digest(password):
    import hashlib
    return hashlib.md5(password.encode()).hexdigest()
";

const ADD: &str = "\
def add(a, b):
    \"\"\"Add two numbers.\"\"\"
    pass
";

// --- the world: four mocks, a workspace, an editor ---------------------------------------

struct World {
    sisyphus: MockServer,
    hephaestus: MockServer,
    oracle: MockServer,
    librarian: MockServer,
    ws: TempDir,
    client: LspClient,
}

async fn world(capabilities: Value) -> World {
    let (sisyphus, hephaestus, oracle, librarian) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let ws = TempDir::new().unwrap();
    // These tests follow the model's findings; the offline pass has tests of its own
    // (tests/lsp/review.rs).
    let yaml = config_yaml(
        &[
            ollama_agent("sisyphus", &sisyphus),
            ollama_agent("hephaestus", &hephaestus),
            ollama_agent("oracle", &oracle),
            ollama_agent("librarian", &librarian),
        ],
        "review:\n  offline: false\n",
    );
    let config = ws.path().join("config/multi_model.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(config, yaml).unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize(capabilities, json!({})).await;
    World {
        sisyphus,
        hephaestus,
        oracle,
        librarian,
        ws,
        client,
    }
}

/// A stream that sends one piece and then nothing, keeping the connection open.
fn stalling() -> Reply {
    let first =
        json!({"model": "m:1", "message": {"role": "assistant", "content": "def "}, "done": false});
    Reply::ndjson(&format!("{first}\n")).stall()
}

fn review(findings: Value) -> Reply {
    answer(&json!({"summary": "Looked.", "findings": findings}).to_string())
}

fn finding(severity: &str, line: u32, quote: &str, title: &str, cwe: Value) -> Value {
    json!({"severity": severity, "category": "security", "line": line, "end_line": line,
           "quote": quote, "title": title, "description": "d.", "recommendation": "r.", "cwe": cwe})
}

/// The first `publishDiagnostics` for `uri` whose list satisfies `check`.
async fn published(client: &LspClient, uri: &str, check: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let found = client
        .wait_for(
            |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && check(m["params"]["diagnostics"].as_array().unwrap())
            },
            WAIT,
        )
        .await;
    let found = found.unwrap_or_else(|| panic!("no such diagnostics: {:#?}", client.received()));
    found["params"]["diagnostics"].as_array().unwrap().clone()
}

fn with_method(client: &LspClient, method: &str) -> Vec<Value> {
    client
        .received()
        .into_iter()
        .filter(|m| m["method"] == method)
        .collect()
}

/// Waits (bounded) until the mock has received a request.
async fn requested(mock: &MockServer) {
    for _ in 0..(WAIT.as_millis() / 10) {
        if !mock.requests().is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the model was never asked");
}

/// A round trip: every notification sent before it has been handled by the server.
async fn barrier(client: &LspClient) {
    let params =
        json!({"command": "multi-model.route", "arguments": [{"task": "write a function"}]});
    client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
}

fn titles_and_kinds(actions: &Value) -> Vec<(String, String)> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().into(),
                a["kind"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

// --- initialize ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn initialize_picks_utf8_when_offered_and_announces_the_commands_and_incremental_sync() {
    let ws = TempDir::new().unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    let caps = json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}});
    let result = client.initialize(caps, json!({})).await;
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    let commands = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap();
    for command in [
        "multi-model.plan",
        "multi-model.implement",
        "multi-model.review",
        "multi-model.examples",
        "multi-model.fix",
        "multi-model.explain",
        "multi-model.route",
        "multi-model.cancelAll",
    ] {
        assert!(
            commands.contains(&json!(command)),
            "{command} in {commands:?}"
        );
    }
    assert_eq!(result["serverInfo"]["name"], "multi-model");
}

#[tokio::test(flavor = "multi_thread")]
async fn initialize_uses_utf16_when_the_client_offers_nothing() {
    let ws = TempDir::new().unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    let result = client.initialize(json!({}), json!({})).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
}

// --- code actions --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn code_actions_on_a_selection_are_the_four_roles_and_ask_no_model() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let params = json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 18), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    assert_eq!(
        titles_and_kinds(&actions),
        pairs(&[
            ("Plan with Sisyphus", "refactor"),
            ("Implement with Hephaestus", "refactor.rewrite"),
            ("Review with Oracle", "refactor.multi-model.review"),
            (
                "Find examples with Librarian",
                "refactor.multi-model.examples"
            ),
        ])
    );
    let review = &actions[2]["command"];
    assert_eq!(review["command"], "multi-model.review");
    assert_eq!(review["arguments"][0]["uri"], uri);
    assert_eq!(review["arguments"][0]["range"], range(4, 0, 5, 18));
    for mock in [&w.sisyphus, &w.hephaestus, &w.oracle, &w.librarian] {
        assert!(mock.requests().is_empty(), "a code action asked a model");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn code_actions_at_a_cursor_cover_the_enclosing_function() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    // The cursor inside `digest`, on `import hashlib`.
    let params = json!({"textDocument": {"uri": uri}, "range": range(9, 6, 9, 6), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 4);
    for action in actions {
        assert_eq!(
            action["command"]["arguments"][0]["range"],
            range(8, 0, 10, 53),
            "{action}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn code_actions_on_our_finding_add_fix_and_explain() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "CRITICAL",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    let ours = published(&w.client, &uri, |d| d.len() == 1).await.remove(0);
    let theirs = json!({"range": range(5, 4, 5, 18), "message": "unused", "source": "pyright"});

    let context = json!({"diagnostics": [ours.clone(), theirs]});
    let params = json!({"textDocument": {"uri": uri}, "range": ours["range"], "context": context});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();

    let listed = titles_and_kinds(&actions);
    assert_eq!(
        listed.len(),
        6,
        "fix and explain once, for our finding only: {listed:?}"
    );
    // The four roles stay on top; each fix names its finding.
    let code = ours["code"].as_str().unwrap();
    assert_eq!(
        listed[4..],
        pairs(&[
            (&format!("Fix {code} (line 6) with Hephaestus"), "quickfix"),
            (&format!("Explain {code} (line 6)"), "quickfix")
        ])
    );
    assert_eq!(actions[4]["command"]["command"], "multi-model.fix");
    assert_eq!(actions[4]["diagnostics"][0], ours);
    assert_eq!(actions[5]["command"]["command"], "multi-model.explain");
}

/// Helix's `:lsp-workspace-command multi-model.plan` sends no arguments and shows no reply:
/// the user is told on screen what the command needs.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_command_without_arguments_says_on_screen_what_it_needs() {
    let w = world(full_caps()).await;
    let params = json!({"command": "multi-model.plan", "arguments": []});
    let refused = w.client.request("workspace/executeCommand", params).await;
    assert!(refused.is_err(), "{refused:?}");
    let shown = w
        .client
        .wait_for(|m| m["method"] == "window/showMessage", WAIT)
        .await
        .unwrap_or_else(|| panic!("nothing shown: {:#?}", w.client.received()));
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("works on a selection") && text.contains("code action"),
        "{text}"
    );
}

/// VS Code asks for one kind at a time (`context.only`) and drops, with a warning, any
/// action of another kind.
#[tokio::test(flavor = "multi_thread")]
async fn code_actions_honour_the_kinds_the_client_asks_for() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let ask = |only: Value| {
        json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 18),
               "context": {"diagnostics": [], "only": only}})
    };
    let refactors = w
        .client
        .request("textDocument/codeAction", ask(json!(["refactor"])))
        .await
        .unwrap();
    assert_eq!(titles_and_kinds(&refactors).len(), 4, "{refactors}");
    let fixes = w
        .client
        .request("textDocument/codeAction", ask(json!(["quickfix"])))
        .await
        .unwrap();
    assert_eq!(fixes, json!([]));
}

// --- Oracle: findings as diagnostics -----------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn review_answers_with_a_job_then_reports_progress_and_publishes_findings_at_the_quoted_lines()
 {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([
            // The model's lines are off by two; its quotes are not.
            finding(
                "CRITICAL",
                8,
                "os.system(cmd)",
                "Shell injection",
                json!("CWE-78")
            ),
            finding("HIGH", 7, "def run(cmd):", "Unchecked command", Value::Null),
            finding(
                "MEDIUM",
                9,
                "hashlib.md5(password.encode())",
                "Weak hash",
                json!("CWE-328")
            ),
            finding("LOW", 4, "import subprocess", "Unused import", Value::Null),
            finding(
                "HIGH",
                5,
                "eval(user_input)",
                "Eval of input",
                json!("CWE-95")
            ),
        ])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;

    let created = w
        .client
        .wait_for(
            |m| m["method"] == "window/workDoneProgress/create" && m["params"]["token"] == token,
            WAIT,
        )
        .await;
    assert_eq!(created.unwrap()["params"]["token"], token);
    let begin = w
        .client
        .wait_for(|m| is_progress(m, &token, "begin"), WAIT)
        .await
        .unwrap();
    assert_eq!(begin["params"]["value"]["title"], "Review with Oracle");
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    let end = ended(&w.client, &token).await;
    barrier(&w.client).await;
    let progress: Vec<Value> = with_method(&w.client, "$/progress")
        .into_iter()
        .filter(|m| m["params"]["token"] == token)
        .collect();
    assert!(progress.iter().any(|m| is_progress(m, &token, "report")));
    assert!(
        is_progress(progress.last().unwrap(), &token, "end"),
        "nothing after the end: {progress:#?}"
    );
    assert!(
        end["message"].as_str().unwrap().contains("1 dropped"),
        "{end}"
    );

    let diagnostics = published(&w.client, &uri, |d| !d.is_empty()).await;
    let at = |line: u32| {
        diagnostics
            .iter()
            .find(|d| d["range"]["start"]["line"] == line)
            .cloned()
    };
    let shell = at(5).expect("the shell injection on the line it quoted");
    assert_eq!(shell["range"], range(5, 4, 5, 18));
    assert_eq!(shell["severity"], 1);
    assert!(
        shell["source"].as_str().unwrap().starts_with("multi-model"),
        "{shell}"
    );
    assert_eq!(shell["code"], "CWE-78");
    assert_eq!(
        shell["codeDescription"]["href"],
        "https://cwe.mitre.org/data/definitions/78.html"
    );
    assert_eq!(at(4).expect("the HIGH finding")["severity"], 1);
    assert_eq!(at(10).expect("the MEDIUM finding")["severity"], 2);
    assert_eq!(at(1).expect("the LOW finding")["severity"], 3);
    assert_eq!(
        diagnostics.len(),
        4,
        "the finding quoting nothing is not published: {diagnostics:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_moves_down_when_lines_are_inserted_above_it() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "HIGH",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["range"]["start"]["line"] == 5
    })
    .await;

    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "# one\n# two\n"}]),
        )
        .await;

    let moved = published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["range"]["start"]["line"] == 7
    })
    .await;
    assert_eq!(moved[0]["range"], range(7, 4, 7, 18));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_lands_on_its_quoted_line_when_lines_were_inserted_above_during_the_review() {
    let w = world(full_caps()).await;
    let findings = json!([finding(
        "HIGH",
        6,
        "os.system(cmd)",
        "Shell injection",
        json!("CWE-78")
    )]);
    w.oracle.on(
        "POST",
        CHAT,
        review(findings).delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    requested(&w.oracle).await;

    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "# one\n# two\n"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    let diagnostics = published(&w.client, &uri, |d| !d.is_empty()).await;
    assert_eq!(
        diagnostics[0]["range"],
        range(7, 4, 7, 18),
        "{diagnostics:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_disappears_when_its_line_is_edited() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "HIGH",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| d.len() == 1).await;

    // `os.system(cmd)` becomes `os.system(shlex.quote(cmd))`.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(5, 14, 5, 17), "text": "shlex.quote(cmd)"}]),
        )
        .await;

    published(&w.client, &uri, <[Value]>::is_empty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_review_replaces_the_first_reviews_findings() {
    let w = world(full_caps()).await;
    w.oracle
        .on(
            "POST",
            CHAT,
            review(json!([finding(
                "HIGH",
                6,
                "os.system(cmd)",
                "Shell injection",
                json!("CWE-78")
            )])),
        )
        .on(
            "POST",
            CHAT,
            review(json!([finding(
                "MEDIUM",
                11,
                "hashlib.md5(password.encode())",
                "Weak hash",
                json!("CWE-328")
            )])),
        );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let first = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &first).await;
    published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["code"] == "CWE-78"
    })
    .await;

    let second = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &second).await;

    let now = published(&w.client, &uri, |d| {
        d.iter().any(|d| d["code"] == "CWE-328")
    })
    .await;
    assert_eq!(now.len(), 1, "the first review's finding is gone: {now:#?}");
}

// --- Hephaestus: one versioned edit ------------------------------------------------------

fn text_edits_for(client: &LspClient, uri: &str) -> Vec<Value> {
    with_method(client, "workspace/applyEdit")
        .into_iter()
        .flat_map(|m| {
            m["params"]["edit"]["documentChanges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c["textDocument"]["uri"] == uri)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_applies_one_versioned_edit_over_the_selection() {
    let w = world(full_caps()).await;
    w.hephaestus
        .on("POST", CHAT, answer("```python\nreturn a + b\n```"));
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["textDocument"]["version"], 1);
    assert_eq!(edits[0]["edits"][0]["range"], range(2, 4, 2, 8));
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

/// The context menu and the palette send the bare cursor (an empty range): the command
/// resolves it to the enclosing definition, as the lightbulb's code action does, so the
/// model sees the function and its code replaces whole lines.
#[tokio::test(flavor = "multi_thread")]
async fn implement_at_a_bare_cursor_works_on_the_enclosing_definition() {
    let w = world(full_caps()).await;
    let code = "```python\ndef add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n```";
    w.hephaestus.on("POST", CHAT, answer(code));
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(2, 6, 2, 6)).await;
    ended(&w.client, &token).await;

    let prompt = crate::support::workspace::prompt(&w.hephaestus);
    assert!(prompt.contains("def add(a, b):"), "{prompt}");
    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        edits[0]["edits"][0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_carries_the_selection_through_edits_above_it() {
    let w = world(full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nreturn a + b\n```").delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    // The user types above the selection while Hephaestus works.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "import math\n"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["textDocument"]["version"], 2);
    assert_eq!(edits[0]["edits"][0]["range"], range(3, 4, 3, 8));
    assert_eq!(
        w.client.text(&uri),
        "import math\ndef add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_changes_nothing_when_the_selection_was_edited_meanwhile() {
    let w = world(full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nreturn a + b\n```").delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    // The user rewrites the selection itself.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(2, 4, 2, 8), "text": "return b + a"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    assert!(
        text_edits_for(&w.client, &uri).is_empty(),
        "an edit was sent for the file"
    );
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return b + a\n"
    );
    let warnings: Vec<Value> = with_method(&w.client, "window/showMessage")
        .into_iter()
        .filter(|m| m["params"]["type"] == 2)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );
}

// --- Sisyphus: a plan opened as a document -------------------------------------------------

fn plan() -> Reply {
    answer(
        &json!({"summary": "Split run().", "steps": [
            {"id": "S1", "title": "Quote the command", "details": "Use shlex.", "files": ["src/app.py"]}
        ], "risks": ["callers"], "testing_strategy": "pytest"})
        .to_string(),
    )
}

fn path_of(uri: &Value) -> std::path::PathBuf {
    url::Url::parse(uri.as_str().unwrap())
        .unwrap()
        .to_file_path()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_creates_a_markdown_file_in_the_editor_and_shows_it() {
    let w = world(full_caps()).await;
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.plan", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    let edit = with_method(&w.client, "workspace/applyEdit").remove(0);
    let operations = &edit["params"]["edit"]["documentChanges"];
    assert_eq!(operations[0]["kind"], "create");
    let plan_uri = &operations[0]["uri"];
    let path = path_of(plan_uri);
    assert!(
        path.starts_with(w.ws.path().join(".agent/plans")),
        "{path:?}"
    );
    assert_eq!(path.extension().unwrap(), "md");
    let text = w.client.created(plan_uri.as_str().unwrap()).unwrap();
    assert!(text.contains("Quote the command"), "{text}");
    let shown = w
        .client
        .wait_for(|m| m["method"] == "window/showDocument", WAIT)
        .await
        .unwrap();
    assert_eq!(&shown["params"]["uri"], plan_uri);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_is_written_under_agent_plans_when_the_client_cannot_create_files() {
    let caps = json!({"window": {"workDoneProgress": true, "showDocument": {"support": true}},
                      "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true}}});
    let w = world(caps).await;
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.plan", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    let shown = w
        .client
        .wait_for(|m| m["method"] == "window/showDocument", WAIT)
        .await
        .unwrap();
    let path = path_of(&shown["params"]["uri"]);
    assert!(
        path.starts_with(w.ws.path().join(".agent/plans")),
        "{path:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("Quote the command"), "{text}");
}

// --- failures, cancellation, clients without progress --------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_role_ends_its_progress_and_shows_one_error_naming_role_model_and_remedy() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        Reply::json(404, &json!({"error": "model 'oracle-model:1' not found"})),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    let end = ended(&w.client, &token).await;
    assert!(end["message"].as_str().unwrap().contains("failed"), "{end}");

    let errors: Vec<Value> = with_method(&w.client, "window/showMessage")
        .into_iter()
        .filter(|m| m["params"]["type"] == 1)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0]["params"]["message"].as_str().unwrap();
    for expected in [
        "oracle",
        "oracle-model:1",
        "not found",
        "multi-model doctor",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_progress_stops_the_job_and_hangs_up_on_the_model() {
    let w = world(full_caps()).await;
    w.hephaestus.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    w.client
        .notify("window/workDoneProgress/cancel", json!({"token": token}))
        .await;

    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("cancelled"),
        "{end}"
    );
    assert!(
        w.hephaestus.client_hung_up(WAIT).await,
        "the model's stream was not closed"
    );
    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    assert_eq!(w.client.text(&uri), ADD);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_all_stops_every_running_job() {
    let w = world(full_caps()).await;
    w.hephaestus.on("POST", CHAT, stalling());
    w.oracle.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let implement = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    let review = run(&w.client, "multi-model.review", &uri, range(0, 0, 3, 0)).await;
    requested(&w.hephaestus).await;
    requested(&w.oracle).await;

    let params = json!({"command": "multi-model.cancelAll", "arguments": []});
    let answer = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    assert_eq!(answer["cancelled"], 2);

    for token in [&implement, &review] {
        let end = ended(&w.client, token).await;
        assert!(
            end["message"].as_str().unwrap().contains("cancelled"),
            "{end}"
        );
    }
    assert!(w.hephaestus.client_hung_up(WAIT).await);
    assert!(w.oracle.client_hung_up(WAIT).await);
    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    assert!(
        with_method(&w.client, "textDocument/publishDiagnostics")
            .iter()
            .all(|m| m["params"]["uri"] != uri)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_without_progress_support_gets_messages_at_start_and_end() {
    let caps =
        json!({"workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true}}});
    let w = world(caps).await;
    w.oracle.on("POST", CHAT, review(json!([])));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;

    let end = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("findings from")
            },
            WAIT,
        )
        .await;
    assert!(
        end.is_some(),
        "no message at the end: {:#?}",
        w.client.received()
    );
    let messages = with_method(&w.client, "window/showMessage");
    assert!(
        messages[0]["params"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Review with Oracle"),
        "{messages:#?}"
    );
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(with_method(&w.client, "$/progress").is_empty());
    assert!(with_method(&w.client, "window/workDoneProgress/create").is_empty());
}

// --- robustness ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_errors_and_the_server_keeps_serving() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let no_arguments = json!({"command": "multi-model.review"});
    let err = w
        .client
        .request("workspace/executeCommand", no_arguments)
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602, "{err}");
    let unknown = json!({"textDocument": {"uri": w.client.uri("nowhere.py")}, "range": range(0, 0, 0, 0), "context": {"diagnostics": []}});
    let err = w
        .client
        .request("textDocument/codeAction", unknown)
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602, "{err}");
    let bogus = json!({"command": "multi-model.nonsense", "arguments": [{}]});
    assert!(
        w.client
            .request("workspace/executeCommand", bogus)
            .await
            .is_err()
    );

    let params = json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 0), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    assert_eq!(actions.as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_to_closed_documents_or_past_the_end_do_not_crash_the_server() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let closed = w.client.uri("closed.py");
    w.client
        .change(
            &closed,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "x"}]),
        )
        .await;
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(40, 7, 99, 3), "text": "# end\n"}]),
        )
        .await;
    w.client
        .change(
            &uri,
            3,
            json!([{"range": range(0, 80, 0, 90), "text": "!"}]),
        )
        .await;

    let params = json!({"textDocument": {"uri": uri}, "range": range(999, 0, 999, 0), "context": {"diagnostics": []}});
    let actions = w.client.request("textDocument/codeAction", params).await;
    assert_eq!(actions.unwrap().as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn route_answers_role_model_and_reasoning_at_once() {
    let w = world(full_caps()).await;
    let params = json!({"command": "multi-model.route",
                        "arguments": [{"task": "Review this function for security vulnerabilities"}]});
    let routed = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    assert_eq!(routed["role"], "oracle");
    assert_eq!(routed["model"], "oracle-model:1");
    assert!(
        !routed["reasoning"].as_str().unwrap().is_empty(),
        "{routed}"
    );
    assert!(w.oracle.requests().is_empty());
}

// --- lifecycle -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_server_exits_when_stdin_closes() {
    let mut w = world(full_caps()).await;
    w.client.close_stdin().await;
    let status = w.client.wait_exit(WAIT).await.expect("the server exits");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_exits_after_shutdown_and_exit() {
    let mut w = world(full_caps()).await;
    let status = w
        .client
        .shutdown_and_exit()
        .await
        .expect("the server exits");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_command_request_stops_its_job() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 3, 0)).await;
    let id = w.client.last_request_id();
    requested(&w.oracle).await;

    w.client.notify("$/cancelRequest", json!({"id": id})).await;

    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("cancelled"),
        "{end}"
    );
    assert!(
        w.oracle.client_hung_up(WAIT).await,
        "the model's stream was not closed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_is_shown_on_the_file_and_a_fixed_one_clears_it() {
    let w = world(full_caps()).await;
    let path = w.ws.path().join("config/multi_model.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}  temprature: 2\n")).unwrap();
    let config_uri = tower_uri(&path);
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": config_uri, "type": 2}]}),
        )
        .await;

    let broken = published(&w.client, &config_uri, |d| !d.is_empty()).await;
    let lines = good.lines().count() as u64;
    assert_eq!(broken[0]["range"]["start"]["line"], lines, "{broken:?}");
    assert!(
        broken[0]["message"]
            .as_str()
            .unwrap()
            .contains("temprature"),
        "{broken:?}"
    );
    let shown = w
        .client
        .wait_for(
            |m| m["method"] == "window/showMessage" && m["params"]["type"] == 1,
            WAIT,
        )
        .await;
    assert!(
        shown.unwrap()["params"]["message"]
            .as_str()
            .unwrap()
            .contains("no model is called until it is fixed")
    );

    std::fs::write(&path, good).unwrap();
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": config_uri, "type": 2}]}),
        )
        .await;
    // The clearing publish must come after the broken one (the first load published one too).
    let last_is_clear = || {
        let for_config: Vec<Value> = with_method(&w.client, "textDocument/publishDiagnostics")
            .into_iter()
            .filter(|m| m["params"]["uri"] == config_uri)
            .collect();
        let broken_at = for_config
            .iter()
            .rposition(|m| !m["params"]["diagnostics"].as_array().unwrap().is_empty());
        broken_at.is_some_and(|at| {
            at + 1 < for_config.len()
                && for_config.last().unwrap()["params"]["diagnostics"]
                    .as_array()
                    .unwrap()
                    .is_empty()
        })
    };
    for _ in 0..200 {
        if last_is_clear() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(last_is_clear(), "{:#?}", w.client.received());
}

/// A YAML syntax error must not put the built-in defaults (cloud services) in place of the
/// user's local models: no job calls any model until the file is fixed, and a fix on disk
/// takes effect at the next job even when no client reports file changes.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_calls_no_model_until_fixed_on_disk() {
    let w = world(json!({"window": {"workDoneProgress": true}})).await;
    let path = w.ws.path().join("config/multi_model.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}routing: [unclosed\n")).unwrap();
    let uri = w.client.uri("app.py");
    w.client.open(&uri, APP).await;
    w.oracle.on("POST", CHAT, review(json!([])));

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("nothing sent"),
        "{end}"
    );
    let refusal = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains("no model was called"))
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("no refusal shown: {:#?}", w.client.received()));
    let text = refusal["params"]["message"].as_str().unwrap();
    let lines = good.lines().count() + 1;
    assert!(
        text.contains(&format!("multi_model.yaml:{lines}:")),
        "the refusal names file:line:col: {text}"
    );
    assert!(w.oracle.requests().is_empty(), "a model was called");

    // Fixed on disk, no didChangeWatchedFiles: the next job reads it again.
    std::fs::write(&path, &good).unwrap();
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    assert_eq!(
        w.oracle.requests().len(),
        1,
        "the fixed configuration was not used"
    );
}

/// The editor's jobs go to the same metrics file as the command line's, and `Show metrics`
/// reports them.
#[tokio::test(flavor = "multi_thread")]
async fn editor_jobs_are_recorded_in_the_metrics_file_and_reported() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, review(json!([])));
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("app.py");
    w.client.open(&uri, APP).await;
    for command in ["multi-model.review", "multi-model.plan"] {
        let token = run(&w.client, command, &uri, range(0, 0, 11, 0)).await;
        ended(&w.client, &token).await;
    }

    let file = w.ws.path().join(".agent/multi_model_metrics.json");
    let log = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let roles: Vec<&str> = entries
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["oracle", "sisyphus"], "{log}");
    assert!(entries.iter().all(|e| e["success"] == true), "{log}");

    let params = json!({"command": "multi-model.metrics", "arguments": []});
    w.client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    let report = w
        .client
        .wait_for(
            |m| {
                m["method"] == "workspace/applyEdit"
                    && m["params"]["edit"]["documentChanges"][0]["uri"]
                        .as_str()
                        .is_some_and(|u| u.contains("metrics"))
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("no metrics report: {:#?}", w.client.received()));
    let report_uri = report["params"]["edit"]["documentChanges"][0]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    let text = w.client.created(&report_uri).unwrap();
    assert!(!text.contains("No metrics recorded yet"), "{text}");
    assert!(
        text.contains("oracle-model:1") && text.contains("sisyphus-model:1"),
        "{text}"
    );
}

fn tower_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// A review with one shell-injection finding on `os.system(cmd)`, then its diagnostic.
/// `next` is what Oracle answers after the review (the mock repeats a route's last reply).
async fn reviewed(w: &World, uri: &str, next: Option<Reply>) -> Value {
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "CRITICAL",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    if let Some(next) = next {
        w.oracle.on("POST", CHAT, next);
    }
    w.client.open(uri, APP).await;
    let token = run(&w.client, "multi-model.review", uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, uri, |d| d.len() == 1).await.remove(0)
}

/// A review of one function replaces the model's findings there, not in the whole file; a
/// review of the whole file replaces them all.
#[tokio::test(flavor = "multi_thread")]
async fn a_review_replaces_the_models_findings_only_in_the_code_it_reviewed() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let shell = reviewed(&w, &uri, Some(review(json!([])))).await;

    // `digest` alone, where the model now finds nothing.
    let token = run(&w.client, "multi-model.review", &uri, range(8, 0, 10, 53)).await;
    ended(&w.client, &token).await;
    let last = with_method(&w.client, "textDocument/publishDiagnostics")
        .into_iter()
        .rfind(|m| m["params"]["uri"] == uri)
        .unwrap();
    assert_eq!(last["params"]["diagnostics"], json!([shell]), "{last}");

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| d.is_empty()).await;
}

/// Runs a command on a diagnostic the way the code action carries it.
async fn run_on_finding(w: &World, command: &str, uri: &str, diagnostic: &Value) -> String {
    let target = json!({"uri": uri, "range": diagnostic["range"], "version": w.client.version(uri), "diagnostic": diagnostic});
    let params = json!({"command": command, "arguments": [target]});
    let answer = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    answer["job"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn fix_with_hephaestus_replaces_the_flagged_code_and_sends_the_finding() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let diagnostic = reviewed(&w, &uri, None).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nsubprocess.run(shlex.split(cmd), check=True)\n```\n"),
    );

    let token = run_on_finding(&w, "multi-model.fix", &uri, &diagnostic).await;
    ended(&w.client, &token).await;

    let sent = w.hephaestus.only_request().body.unwrap()["messages"].to_string();
    assert!(
        sent.contains("Shell injection"),
        "the fix is asked for the finding: {sent}"
    );
    let text = w.client.text(&uri);
    assert!(
        text.contains("    subprocess.run(shlex.split(cmd), check=True)\n"),
        "{text}"
    );
    assert!(!text.contains("os.system(cmd)"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_finding_opens_oracles_explanation() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let explanation = answer("## Why\n\n`cmd` reaches a shell.\n");
    let diagnostic = reviewed(&w, &uri, Some(explanation)).await;

    let token = run_on_finding(&w, "multi-model.explain", &uri, &diagnostic).await;
    ended(&w.client, &token).await;

    let created: Vec<String> = with_method(&w.client, "workspace/applyEdit")
        .iter()
        .filter_map(|m| {
            m["params"]["edit"]["documentChanges"][0]["uri"]
                .as_str()
                .map(str::to_string)
        })
        .filter(|u| u.contains("/.agent/explanations/"))
        .collect();
    assert_eq!(created.len(), 1, "{:#?}", w.client.received());
    let text = w.client.created(&created[0]).unwrap();
    assert!(text.contains("`cmd` reaches a shell."), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn examples_with_librarian_open_a_list_with_file_and_line_links() {
    let w = world(full_caps()).await;
    w.librarian.on(
        "POST",
        CHAT,
        answer(&json!({"examples": [{"path": "src/app.py", "start_line": 5, "end_line": 6, "snippet": "def run(cmd):\n    os.system(cmd)", "explanation": "runs a command"}]}).to_string()),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.examples", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    let edit = with_method(&w.client, "workspace/applyEdit").remove(0);
    let doc_uri = edit["params"]["edit"]["documentChanges"][0]["uri"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(doc_uri.contains("/.agent/examples/"), "{doc_uri}");
    let text = w.client.created(&doc_uri).unwrap();
    assert!(text.contains("[src/app.py:5](src/app.py#L5-L6)"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_path_sent_in_settings_takes_effect_without_a_restart() {
    let w = world(full_caps()).await;
    let other = w.ws.path().join("other.yaml");
    std::fs::write(&other, "agents:\n  oracle: { model: \"swapped-model:1\", provider: ollama, api_base: \"http://127.0.0.1:9\" }\n").unwrap();
    let settings = json!({"settings": {"multiModel": {"configPath": other}}});
    w.client
        .notify("workspace/didChangeConfiguration", settings)
        .await;
    let logged = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/logMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains("other.yaml"))
            },
            WAIT,
        )
        .await;
    assert!(logged.is_some(), "{:#?}", w.client.received());
    let routed = w
        .client
        .request(
            "workspace/executeCommand",
            json!({"command": "multi-model.route", "arguments": [{"task": "audit the login"}]}),
        )
        .await
        .unwrap();
    assert_eq!(routed["model"], "swapped-model:1");
}
