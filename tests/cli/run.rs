//! Running roles and pipelines from the command line against mock providers: the answer
//! on stdout, progress on stderr, metrics recorded, Ctrl-C cancelling cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::mock::{MockServer, Reply};

const CHAT: &str = "/api/chat";

fn answer(text: &str) -> Reply {
    let line = |content: &str, done: bool| {
        let mut v = json!({"model": "m:1", "message": {"role": "assistant", "content": content}, "done": done});
        if done {
            v["done_reason"] = json!("stop");
            v["prompt_eval_count"] = json!(12);
            v["eval_count"] = json!(7);
        }
        format!("{v}\n")
    };
    Reply::ndjson(&format!("{}{}", line(text, false), line("", true)))
}

/// A workspace whose four roles all use `mock`.
fn workspace(mock: &MockServer) -> TempDir {
    let ws = TempDir::new().unwrap();
    let agent = |name: &str| {
        format!(
            "  {name}: {{ model: \"m:1\", provider: ollama, api_base: \"{}\" }}\n",
            mock.url
        )
    };
    let yaml = format!(
        "agents:\n{}{}{}{}",
        agent("sisyphus"),
        agent("hephaestus"),
        agent("oracle"),
        agent("librarian")
    );
    write(&ws.path().join("config/multi_model.yaml"), &yaml);
    write(
        &ws.path().join("src/app.py"),
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n",
    );
    ws
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn command(ws: &TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_multi-model"));
    cmd.current_dir(ws.path())
        .env("HOME", ws.path().join("home"))
        .env("XDG_CONFIG_HOME", ws.path().join("xdg"))
        .stdin(Stdio::null());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn metrics(ws: &TempDir) -> Vec<Value> {
    let text = std::fs::read_to_string(ws.path().join(".agent/multi_model_metrics.json"))
        .unwrap_or_default();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn hephaestus_prints_the_code_and_records_the_attempt() {
    let mock = MockServer::start().await;
    mock.on(
        "POST",
        CHAT,
        answer("```python\ndef add(a, b):\n    return a + b\n```"),
    );
    let ws = workspace(&mock);
    let mut cmd = command(&ws);
    cmd.args(["--role", "hephaestus", "--task", "write add()"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "def add(a, b):\n    return a + b\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("hephaestus: asking m:1"));
    let entries = metrics(&ws);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["role"], "hephaestus");
    assert_eq!(entries[0]["success"], true);
    assert_eq!(entries[0]["tokens_used"], 19);
}

#[tokio::test(flavor = "multi_thread")]
async fn oracle_reviews_the_files_given_and_prints_a_report() {
    let mock = MockServer::start().await;
    let review = json!({"summary": "One problem.", "findings": [{"severity": "CRITICAL", "category": "security", "line": 4, "end_line": 4,
        "quote": "os.system(cmd)", "title": "Shell injection", "description": "cmd reaches a shell.", "recommendation": "Use subprocess.run with a list.", "cwe": "CWE-78"}]});
    mock.on("POST", CHAT, answer(&review.to_string()));
    let ws = workspace(&mock);
    let mut cmd = command(&ws);
    cmd.args(["--role", "oracle", "--task", "audit", "--files", "src/*.py"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("## CRITICAL Shell injection (CWE-78)"),
        "{stdout}"
    );
    let sent = mock.only_request().body.unwrap()["messages"].to_string();
    assert!(
        sent.contains("    4 | ") && sent.contains("os.system(cmd)"),
        "the file went with line numbers: {sent}"
    );
}

/// Sisyphus asked without files plans with the packed workspace, as in the editor.
#[tokio::test(flavor = "multi_thread")]
async fn sisyphus_without_files_is_given_the_packed_workspace() {
    let mock = MockServer::start().await;
    let plan = json!({"summary": "s", "steps": [{"id": "S1", "title": "t", "details": "d", "files": []}], "risks": [], "testing_strategy": "t"});
    mock.on("POST", CHAT, answer(&plan.to_string()));
    let ws = workspace(&mock);
    let mut cmd = command(&ws);
    cmd.args(["--role", "sisyphus", "--task", "plan a safer runner"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = mock.only_request().body.unwrap()["messages"].to_string();
    assert!(
        sent.contains("os.system(cmd)"),
        "src/app.py was packed: {sent}"
    );
}

/// At `--search-depth comprehensive` another role is given the packed workspace too; at the
/// default depth, only the task.
#[tokio::test(flavor = "multi_thread")]
async fn a_comprehensive_search_depth_gives_the_role_the_packed_workspace() {
    let mock = MockServer::start().await;
    let code = "```python\nimport shlex\n```";
    mock.on("POST", CHAT, answer(code))
        .on("POST", CHAT, answer(code));
    let ws = workspace(&mock);
    let ask = |depth: &str| {
        let mut cmd = command(&ws);
        cmd.args(["--role", "hephaestus", "--task", "write a safe runner"]);
        cmd.args(["--search-depth", depth]);
        cmd
    };
    assert!(run(ask("quick")).await.status.success());
    assert!(run(ask("comprehensive")).await.status.success());

    let sent: Vec<String> = mock
        .requests()
        .iter()
        .map(|r| r.body.as_ref().unwrap()["messages"].to_string())
        .collect();
    assert!(!sent[0].contains("os.system(cmd)"), "quick: {}", sent[0]);
    assert!(
        sent[1].contains("os.system(cmd)"),
        "comprehensive: {}",
        sent[1]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pipeline_run_prints_where_its_summary_is() {
    let mock = MockServer::start().await;
    let plan = json!({"summary": "s", "steps": [{"id": "S1", "title": "t", "details": "d", "files": []}], "risks": [], "testing_strategy": "t"});
    let findings = json!({"summary": "", "findings": []});
    let examples = json!({"examples": []});
    // One mock serves every role, in pipeline order: examples, review, assessment.
    mock.on("POST", CHAT, answer(&examples.to_string()))
        .on("POST", CHAT, answer(&findings.to_string()))
        .on("POST", CHAT, answer(&plan.to_string()));
    let ws = workspace(&mock);
    let mut cmd = command(&ws);
    cmd.args([
        "--pipeline",
        "review",
        "--files",
        "src/*.py",
        "--out",
        "run1",
    ]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(printed.ends_with("run1/summary.md"), "{printed:?}");
    assert!(ws.path().join("run1/summary.md").exists());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[1/3] Librarian finds similar code"),
        "{stderr}"
    );
    assert_eq!(metrics(&ws).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_into_the_same_directory_needs_force() {
    let mock = MockServer::start().await;
    let ws = workspace(&mock);
    std::fs::create_dir(ws.path().join("run1")).unwrap();
    let mut cmd = command(&ws);
    cmd.args([
        "--pipeline",
        "review",
        "--files",
        "src/*.py",
        "--out",
        "run1",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert!(mock.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_cancels_the_request_and_records_a_cancelled_attempt() {
    let mock = MockServer::start().await;
    let first = format!(
        "{}\n",
        json!({"model": "m:1", "message": {"role": "assistant", "content": "def "}, "done": false})
    );
    mock.on("POST", CHAT, Reply::ndjson(&first).stall());
    let ws = workspace(&mock);
    let mut cmd = command(&ws);
    cmd.args(["--role", "hephaestus", "--task", "write add()"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    // Wait until the request is in flight, then interrupt as a terminal would.
    for _ in 0..200 {
        if !mock.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(!mock.requests().is_empty(), "the request never arrived");
    tokio::time::sleep(Duration::from_millis(100)).await;
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancelled"));
    assert!(
        mock.client_hung_up(Duration::from_secs(10)).await,
        "the connection was not closed"
    );
    let entries = metrics(&ws);
    assert_eq!(entries.last().unwrap()["error_class"], "cancelled");
    assert_eq!(mock.requests().len(), 1, "no fallback after a cancel");
}

#[tokio::test(flavor = "multi_thread")]
async fn never_send_files_matched_by_files_are_not_sent() {
    let mock = MockServer::start().await;
    mock.on("POST", CHAT, answer("```python\npass\n```"));
    let ws = workspace(&mock);
    write(
        &ws.path().join("src/credentials.json"),
        "{\"secret\": \"do-not-send-me\"}",
    );
    let mut cmd = command(&ws);
    cmd.args(["--role", "hephaestus", "--task", "tidy", "--files", "src/*"]);
    let out = run(cmd).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("skipped src/credentials.json: on the never-send list")
    );
    let sent = mock.only_request().body.unwrap().to_string();
    assert!(!sent.contains("do-not-send-me"), "{sent}");
    assert!(
        sent.contains("os.system(cmd)"),
        "the other file still goes: {sent}"
    );
}

#[test]
fn the_librarian_without_a_usable_model_answers_from_the_workspace_index_and_says_so() {
    let ws = TempDir::new().unwrap();
    // A key variable nobody sets: the model is unavailable before any request is made.
    write(
        &ws.path().join("config/multi_model.yaml"),
        "agents:\n  librarian: { model: gpt-test, provider: openai, api_base: \"http://127.0.0.1:9/v1\", api_key_env: MULTI_MODEL_TEST_UNSET_KEY, fallback: [] }\nrouting:\n  enable_fallback: false\n",
    );
    write(
        &ws.path().join("app/users.py"),
        "def fetch_user(user_id, retries=3):\n    \"\"\"Load a user, retrying on failure.\"\"\"\n    return user_id\n\n\ndef unrelated():\n    return 2\n",
    );
    let out = command(&ws)
        .env_remove("MULTI_MODEL_TEST_UNSET_KEY")
        .args([
            "--role",
            "librarian",
            "--task",
            "examples of fetching a user with retries",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Ranked by the workspace index alone"),
        "{stdout}"
    );
    assert!(stdout.contains("MULTI_MODEL_TEST_UNSET_KEY"), "{stdout}");
    assert!(
        stdout.contains("1. [app/users.py:1](app/users.py#L1-L3)"),
        "{stdout}"
    );
}
