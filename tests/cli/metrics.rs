//! `multi-model metrics` as a user runs it: the built binary in a scratch workspace.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use multi_model::config::ProviderKind;
use multi_model::metrics::{MetricsEntry, MetricsFile};
use multi_model::role::Role;
use predicates::prelude::*;
use predicates::str::contains;
use tempfile::TempDir;

/// The binary, run in `workspace` with an empty home.
fn cli(workspace: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("multi-model").unwrap();
    cmd.current_dir(workspace.path())
        .env("HOME", workspace.path().join("home"))
        .env("XDG_CONFIG_HOME", workspace.path().join("xdg"));
    cmd
}

fn default_file(workspace: &TempDir) -> MetricsFile {
    MetricsFile {
        path: workspace.path().join(".agent/multi_model_metrics.json"),
    }
}

fn attempt(timestamp: &str, role: Role, seconds: f64, success: bool) -> MetricsEntry {
    MetricsEntry {
        timestamp: timestamp.parse().unwrap(),
        role,
        task_type: role.task_type(),
        model: "claude-sonnet-5".into(),
        provider: ProviderKind::Anthropic,
        duration_seconds: seconds,
        tokens_used: 1_500,
        input_tokens: 1_000,
        output_tokens: 500,
        success,
        error_class: (!success).then(|| "transient".to_string()),
        error: None,
        fallback_from: None,
        attempt: 1,
        job: Some("job-1".into()),
        cost_usd: Some(0.01),
        kind: None,
    }
}

/// Two sisyphus attempts (one failed) on 2026-11-24 and one oracle attempt the day before.
fn workspace_with_entries() -> TempDir {
    let ws = TempDir::new().unwrap();
    let file = default_file(&ws);
    file.append(&attempt("2026-11-23T12:00:00Z", Role::Oracle, 3.0, true))
        .unwrap();
    file.append(&attempt("2026-11-24T09:00:00Z", Role::Sisyphus, 2.0, true))
        .unwrap();
    file.append(&attempt("2026-11-24T10:00:00Z", Role::Sisyphus, 4.0, false))
        .unwrap();
    ws
}

fn json_of(ws: &TempDir, args: &[&str]) -> serde_json::Value {
    let output = cli(ws).args(args).output().unwrap();
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn append_raw(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn metrics_on_an_empty_workspace_says_nothing_is_recorded_yet() {
    let ws = TempDir::new().unwrap();
    let path = default_file(&ws).path;
    cli(&ws)
        .arg("metrics")
        .assert()
        .success()
        .stdout(contains(format!(
            "no metrics recorded yet at {}",
            path.display()
        )));
    assert!(!path.exists(), "reading must not create the file");
}

#[test]
fn metrics_prints_the_report_per_role_then_models_fallbacks_and_cost() {
    let ws = workspace_with_entries();
    cli(&ws)
        .arg("metrics")
        .assert()
        .success()
        .stdout(contains("=== Multi-Model Performance Report ===\n3 attempts\n"))
        .stdout(contains(
            "SISYPHUS:\n  Tasks: 2\n  Success Rate: 50.0%\n  Avg Duration: 3.00s (p50 2.00s, p95 4.00s)\n  Total Tokens: 3,000\n",
        ))
        .stdout(contains("ORACLE:\n  Tasks: 1\n  Success Rate: 100.0%\n"))
        .stdout(contains("claude-sonnet-5  anthropic  3"))
        .stdout(contains("Fallbacks: 0 of 3 attempts\n"))
        .stdout(contains("Total cost: $0.0300"));
}

#[test]
fn metrics_json_is_machine_readable() {
    let ws = workspace_with_entries();
    let value = json_of(&ws, &["metrics", "--json"]);
    let report = &value["report"];
    assert_eq!(report["attempts"], 3);
    assert_eq!(report["roles"][0]["role"], "sisyphus");
    assert_eq!(report["roles"][0]["success_rate"], 0.5);
    assert_eq!(report["roles"][0]["p95_duration_seconds"], 4.0);
    assert_eq!(report["models"][0]["provider"], "anthropic");
    assert_eq!(report["cost"]["unpriced_attempts"], 0);
    assert_eq!(value["damaged_lines"], serde_json::json!([]));
}

#[test]
fn metrics_since_a_date_counts_only_attempts_from_that_day_on() {
    let ws = workspace_with_entries();
    let value = json_of(&ws, &["metrics", "--json", "--since", "2026-11-24"]);
    assert_eq!(value["report"]["attempts"], 2);
    assert_eq!(value["report"]["since"], "2026-11-24T00:00:00Z");
    cli(&ws)
        .args(["metrics", "--since", "2026-11-24T09:30:00Z"])
        .assert()
        .success()
        .stdout(contains("1 attempt since 2026-11-24T09:30:00Z"));
}

#[test]
fn metrics_since_refuses_what_is_not_a_date() {
    let ws = workspace_with_entries();
    cli(&ws)
        .args(["metrics", "--since", "last week"])
        .assert()
        .code(2)
        .stderr(contains("`last week` is not a date (like 2026-11-24"));
}

#[test]
fn metrics_with_a_damaged_line_warns_and_still_reports() {
    let ws = workspace_with_entries();
    let path = default_file(&ws).path;
    append_raw(&path, b"{\"timestamp\": \"2026-11-24T11:00:00Z\", \"ro");
    default_file(&ws)
        .append(&attempt("2026-11-24T12:00:00Z", Role::Sisyphus, 1.0, true))
        .unwrap();
    cli(&ws)
        .arg("metrics")
        .assert()
        .success()
        .stderr(contains(format!(
            "metrics file {}: 1 damaged line skipped (line 4: incomplete entry",
            path.display()
        )))
        .stdout(contains("4 attempts\n"));
}

#[test]
fn metrics_reads_the_configured_file_even_when_tracking_is_off() {
    let ws = TempDir::new().unwrap();
    let config = ws.path().join("config/multi_model.yaml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        "performance:\n  track_metrics: false\n  metrics_file: logs/metrics.jsonl\n",
    )
    .unwrap();
    let file = MetricsFile {
        path: PathBuf::from(ws.path()).join("logs/metrics.jsonl"),
    };
    file.append(&attempt("2026-11-24T09:00:00Z", Role::Librarian, 1.0, true))
        .unwrap();
    cli(&ws)
        .arg("metrics")
        .assert()
        .success()
        .stdout(contains("LIBRARIAN:\n  Tasks: 1\n"))
        .stdout(contains("no metrics").not());
}
