//! Pipelines against four mock providers (one per role): what each step receives, what
//! lands in the run directory, and what the summary concludes.

use std::path::Path;
use std::sync::Arc;

use multi_model::config::{Config, ConfigSource};
use multi_model::context::ContextPiece;
use multi_model::orchestrator::{Orchestrator, Quiet, RunDir, run_pipeline};
use multi_model::task::{Depth, PipelineKind, PipelineRequest};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

use crate::support::mock::{MockServer, Reply};

const CHAT: &str = "/api/chat";

/// An Ollama NDJSON answer whose content is `text`, in two pieces.
fn answer(text: &str) -> Reply {
    let (a, b) = text.split_at(text.len() / 2);
    let line = |content: &str, done: bool| {
        let mut v = json!({"model": "m:1", "message": {"role": "assistant", "content": content}, "done": done});
        if done {
            v["done_reason"] = json!("stop");
            v["prompt_eval_count"] = json!(10);
            v["eval_count"] = json!(5);
        }
        format!("{v}\n")
    };
    Reply::ndjson(&format!(
        "{}{}{}",
        line(a, false),
        line(b, false),
        line("", true)
    ))
}

fn json_answer(value: Value) -> Reply {
    answer(&value.to_string())
}

fn plan() -> Value {
    json!({"summary": "Add a login function.", "steps": [
        {"id": "S1", "title": "Write login()", "details": "Check the password hash.", "files": ["src/auth.py"]},
        {"id": "S2", "title": "Test login()", "details": "Cover a wrong password.", "files": ["tests/test_auth.py"]}
    ], "risks": ["timing attacks"], "testing_strategy": "pytest"})
}

fn code() -> Reply {
    answer(
        "```python path=src/auth.py\ndef login(user, password):\n    \"\"\"Log in.\"\"\"\n    return check(user, password)\n```\n",
    )
}

fn review(findings: Value) -> Reply {
    json_answer(json!({"summary": "Looked at login.", "findings": findings}))
}

fn finding(severity: &str) -> Value {
    json!({"severity": severity, "category": "security", "line": 3, "end_line": 3, "quote": "return check(user, password)",
           "title": "No rate limit", "description": "Brute force.", "recommendation": "Limit attempts.", "cwe": "CWE-307"})
}

fn verdict(s2_followed: bool) -> Reply {
    json_answer(
        json!({"steps": [{"id": "S1", "followed": true, "note": "ok"}, {"id": "S2", "followed": s2_followed, "note": "no test"}],
                       "requirements_met": s2_followed, "unmet_requirements": if s2_followed { json!([]) } else { json!(["a test"]) }, "summary": ""}),
    )
}

struct Mocks {
    sisyphus: MockServer,
    hephaestus: MockServer,
    oracle: MockServer,
    librarian: MockServer,
}

async fn mocks() -> Mocks {
    Mocks {
        sisyphus: MockServer::start().await,
        hephaestus: MockServer::start().await,
        oracle: MockServer::start().await,
        librarian: MockServer::start().await,
    }
}

fn orchestrator(m: &Mocks) -> Orchestrator {
    let agent = |url: &str| {
        format!("{{ model: \"m:1\", provider: ollama, api_base: \"{url}\", fallback: [] }}")
    };
    let yaml = format!(
        "agents:\n  sisyphus: {}\n  hephaestus: {}\n  oracle: {}\n  librarian: {}\nrouting:\n  enable_fallback: false\n",
        agent(&m.sisyphus.url),
        agent(&m.hephaestus.url),
        agent(&m.oracle.url),
        agent(&m.librarian.url)
    );
    let config = Config::from_yaml(&yaml, ConfigSource::File("t.yaml".into())).unwrap();
    Orchestrator::new(config, Arc::new(|_: &str| None))
}

fn request(kind: PipelineKind) -> PipelineRequest {
    match kind {
        PipelineKind::Feature => PipelineRequest::new(
            kind,
            Some("user-auth".into()),
            Some("JWT login".into()),
            None,
            vec![],
            Depth::Quick,
        ),
        PipelineKind::Bugfix => PipelineRequest::new(
            kind,
            None,
            Some("login accepts empty passwords".into()),
            Some("BUG-7".into()),
            vec![],
            Depth::Quick,
        ),
        PipelineKind::Review => PipelineRequest::new(
            kind,
            None,
            None,
            None,
            vec!["src/*.py".into()],
            Depth::Quick,
        ),
    }
    .unwrap()
}

fn context() -> Vec<ContextPiece> {
    vec![ContextPiece {
        label: "src/users.py".into(),
        text: "def check(user, password):\n    return True\n".into(),
        first_line: 1,
    }]
}

async fn run(
    m: &Mocks,
    kind: PipelineKind,
    dir: &Path,
) -> Result<multi_model::orchestrator::PipelineReport, multi_model::orchestrator::PipelineError> {
    let run_dir = RunDir::create(dir.to_path_buf(), false).unwrap();
    run_pipeline(
        &orchestrator(m),
        &request(kind),
        context(),
        &run_dir,
        "job1",
        &CancellationToken::new(),
        &Quiet,
    )
    .await
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Everything a request sent, as one string (system and user messages).
fn sent(mock: &MockServer, index: usize) -> String {
    mock.requests()[index].body.as_ref().unwrap()["messages"].to_string()
}

async fn feature_mocks(findings: Value, s2_followed: bool) -> Mocks {
    let m = mocks().await;
    m.sisyphus.on("POST", CHAT, json_answer(plan()));
    m.hephaestus.on("POST", CHAT, code());
    m.oracle
        .on("POST", CHAT, review(findings))
        .on("POST", CHAT, verdict(s2_followed));
    m.librarian.on(
        "POST",
        CHAT,
        answer("# user-auth\n\nCall `login(user, password)`.\n"),
    );
    m
}

#[tokio::test]
async fn the_feature_pipeline_writes_every_output_and_a_summary() {
    let m = feature_mocks(json!([]), true).await;
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    run(&m, PipelineKind::Feature, &dir).await.unwrap();
    assert!(read(&dir, "plan.md").contains("1. **S1: Write login()**"));
    assert!(read(&dir, "implementation/src/auth.py").starts_with("def login(user, password):"));
    assert!(read(&dir, "review_report.md").contains("No issues found."));
    assert!(read(&dir, "docs.md").contains("Call `login(user, password)`"));
    let summary = read(&dir, "summary.md");
    assert!(
        summary.contains("## Review: Code Review Passed"),
        "{summary}"
    );
    assert!(
        summary.contains("- Plan followed: yes\n- All requirements met: yes"),
        "{summary}"
    );
    assert!(!dir.join("incomplete.md").exists());
}

#[tokio::test]
async fn each_feature_step_receives_what_the_one_before_produced() {
    let m = feature_mocks(json!([]), true).await;
    let tmp = TempDir::new().unwrap();
    run(&m, PipelineKind::Feature, &tmp.path().join("run"))
        .await
        .unwrap();
    assert!(sent(&m.sisyphus, 0).contains("JWT login"));
    assert!(
        sent(&m.hephaestus, 0).contains("Check the password hash."),
        "the plan is Hephaestus's spec"
    );
    assert!(
        sent(&m.oracle, 0).contains("return check(user, password)"),
        "Oracle reviews the new code"
    );
    assert!(
        sent(&m.oracle, 1).contains("Judge every step: S1, S2."),
        "the verdict names the plan's step ids"
    );
    assert!(
        sent(&m.librarian, 0).contains("def login"),
        "Librarian documents the new code"
    );
}

#[tokio::test]
async fn findings_of_medium_severity_or_more_mean_issues_found_by_severity() {
    let m = feature_mocks(json!([finding("HIGH"), finding("LOW")]), true).await;
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    run(&m, PipelineKind::Feature, &dir).await.unwrap();
    let summary = read(&dir, "summary.md");
    assert!(
        summary.contains("## Review: Issues Found\n\n- HIGH: 1\n- LOW: 1"),
        "{summary}"
    );
    assert!(
        summary.contains("Fix HIGH (line 3): No rate limit"),
        "{summary}"
    );
}

#[tokio::test]
async fn low_findings_alone_still_pass_review() {
    let m = feature_mocks(json!([finding("LOW")]), true).await;
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    run(&m, PipelineKind::Feature, &dir).await.unwrap();
    assert!(read(&dir, "summary.md").contains("Code Review Passed"));
}

#[tokio::test]
async fn a_step_judged_not_followed_means_the_plan_was_not_followed() {
    let m = feature_mocks(json!([]), false).await;
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let report = run(&m, PipelineKind::Feature, &dir).await.unwrap();
    assert!(!report.verdict.as_ref().unwrap().plan_followed);
    let summary = read(&dir, "summary.md");
    assert!(
        summary.contains("- Plan followed: no\n- All requirements met: no"),
        "{summary}"
    );
    assert!(summary.contains("Complete plan step S2"), "{summary}");
    assert!(
        summary.contains("Meet the requirement: a test"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_failed_step_leaves_no_summary_but_says_where_it_stopped() {
    let m = mocks().await;
    m.sisyphus.on("POST", CHAT, json_answer(plan()));
    m.hephaestus.on(
        "POST",
        CHAT,
        Reply::json(404, &json!({"error": "model 'm:1' not found"})),
    );
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let err = run(&m, PipelineKind::Feature, &dir).await.unwrap_err();
    assert!(err.to_string().starts_with("implement:"), "{err}");
    assert!(dir.join("plan.md").exists());
    assert!(!dir.join("summary.md").exists());
    assert!(read(&dir, "incomplete.md").contains("implement:"));
    assert!(
        m.oracle.requests().is_empty(),
        "no step runs after a failure"
    );
}

#[tokio::test]
async fn the_bugfix_pipeline_analyses_verifies_fixes_and_verifies_again() {
    let m = mocks().await;
    m.sisyphus.on("POST", CHAT, json_answer(plan()));
    m.oracle
        .on("POST", CHAT, review(json!([])))
        .on("POST", CHAT, review(json!([])))
        .on("POST", CHAT, verdict(true));
    m.hephaestus.on("POST", CHAT, code());
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let report = run(&m, PipelineKind::Bugfix, &dir).await.unwrap();
    let phases: Vec<&str> = report.steps.iter().map(|s| s.phase.as_str()).collect();
    assert_eq!(
        phases,
        ["analyse", "verify analysis", "fix", "verify fix", "verdict"]
    );
    assert!(sent(&m.sisyphus, 0).contains("BUG-7"));
    assert!(
        sent(&m.oracle, 0).contains("Check this analysis"),
        "Oracle verifies the analysis first"
    );
    assert!(
        sent(&m.hephaestus, 0).contains("Looked at login."),
        "the fix sees Oracle's check"
    );
    for file in [
        "plan.md",
        "analysis_review.md",
        "implementation/src/auth.py",
        "review_report.md",
        "summary.md",
    ] {
        assert!(dir.join(file).exists(), "{file}");
    }
}

#[tokio::test]
async fn the_review_pipeline_finds_similar_code_reviews_and_assesses() {
    let m = mocks().await;
    m.librarian.on("POST", CHAT, json_answer(json!({"examples": [{"path": "src/users.py", "start_line": 1, "end_line": 2, "snippet": "def check", "explanation": "same check"}]})));
    m.oracle.on("POST", CHAT, review(json!([{"severity": "CRITICAL", "category": "security", "line": 2, "end_line": 2, "quote": "return True", "title": "Accepts any password", "description": "d", "recommendation": "r", "cwe": "CWE-287"}])));
    m.sisyphus.on("POST", CHAT, json_answer(plan()));
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let report = run(&m, PipelineKind::Review, &dir).await.unwrap();
    assert_eq!(report.review.as_ref().unwrap().findings.len(), 1);
    assert!(
        sent(&m.oracle, 0).contains("same check"),
        "Oracle sees the similar code"
    );
    assert!(
        sent(&m.sisyphus, 0).contains("Accepts any password"),
        "Sisyphus sees the findings"
    );
    let summary = read(&dir, "summary.md");
    assert!(
        summary.contains("## Review: Issues Found\n\n- CRITICAL: 1"),
        "{summary}"
    );
    for file in ["examples.md", "review_report.md", "architecture.md"] {
        assert!(dir.join(file).exists(), "{file}");
    }
}

#[tokio::test]
async fn an_existing_run_directory_is_not_overwritten() {
    let tmp = TempDir::new().unwrap();
    assert!(RunDir::create(tmp.path().to_path_buf(), false).is_err());
}

/// The pipeline's Oracle is given the offline pass's findings on the code it reviews, as
/// the editor's Oracle is, and its report lists them.
#[tokio::test]
async fn the_review_pipelines_oracle_is_given_the_offline_findings() {
    let m = mocks().await;
    m.librarian
        .on("POST", CHAT, json_answer(json!({"examples": []})));
    m.oracle.on("POST", CHAT, review(json!([])));
    m.sisyphus.on("POST", CHAT, json_answer(plan()));
    let tmp = TempDir::new().unwrap();
    let run_dir = RunDir::create(tmp.path().join("run"), false).unwrap();
    let shell = ContextPiece {
        label: "src/app.py".into(),
        text: "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n".into(),
        first_line: 1,
    };
    run_pipeline(
        &orchestrator(&m),
        &request(PipelineKind::Review),
        vec![shell],
        &run_dir,
        "job1",
        &CancellationToken::new(),
        &Quiet,
    )
    .await
    .unwrap();

    let oracle = sent(&m.oracle, 0);
    assert!(oracle.contains("Static pass (offline rules)"), "{oracle}");
    assert!(oracle.contains("src/app.py:5 HIGH MM-PY-"), "{oracle}");
    let report = read(&tmp.path().join("run"), "review_report.md");
    assert!(report.contains("src/app.py:5 HIGH MM-PY-"), "{report}");
}
