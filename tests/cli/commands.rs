//! The command line as a user runs it: the built binary, a scratch workspace, no keys.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use tempfile::TempDir;

const KEY_VARS: [&str; 3] = ["GEMINI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"];

/// The binary, run in an empty workspace with an empty home and no API keys.
fn cli(workspace: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("multi-model").unwrap();
    cmd.current_dir(workspace.path())
        .env("HOME", workspace.path().join("home"))
        .env("XDG_CONFIG_HOME", workspace.path().join("xdg"));
    for var in KEY_VARS {
        cmd.env_remove(var);
    }
    cmd
}

fn workspace_with_config(yaml: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    write(&dir.path().join("config/multi_model.yaml"), yaml);
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn route_prints_role_model_and_reasoning() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args([
            "route",
            "--task",
            "Review authentication logic for vulnerabilities",
        ])
        .assert()
        .success()
        .stdout(contains(
            "Auto-routing to: oracle\nModel: claude-sonnet-5\n",
        ))
        .stdout(contains(
            "Reasoning: review task (\"review\", \"vulnerabilities\")",
        ));
}

#[test]
fn route_says_when_the_chosen_role_has_no_key() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args([
            "route",
            "--task",
            "Plan architecture for real-time notification system",
        ])
        .assert()
        .success()
        .stdout(contains("Auto-routing to: sisyphus"))
        .stdout(contains("GEMINI_API_KEY is not set"));
}

#[test]
fn route_with_a_role_is_manual() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args([
            "route",
            "--task",
            "find examples of retries",
            "--role",
            "oracle",
        ])
        .assert()
        .success()
        .stdout(contains("Manual routing to: oracle"));
}

#[test]
fn route_refuses_a_role_when_overrides_are_disabled() {
    let ws = workspace_with_config("routing:\n  allow_manual_override: false\n");
    cli(&ws)
        .args(["route", "--task", "x", "--role", "oracle"])
        .assert()
        .code(2)
        .stderr(contains("manual routing to oracle is disabled"));
}

#[test]
fn route_json_is_machine_readable() {
    let ws = TempDir::new().unwrap();
    let output = cli(&ws)
        .args(["route", "--task", "where is parse_config used?", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["role"], "librarian");
    assert_eq!(value["model"], "gpt-5.4-mini");
    assert_eq!(value["decision"]["by"], "classified");
    assert_eq!(value["available"], false);
}

#[test]
fn route_uses_the_workspace_configuration() {
    let ws = workspace_with_config("agents:\n  oracle:\n    model: gpt-5.4\n");
    cli(&ws)
        .args(["route", "--task", "audit the session handling"])
        .assert()
        .success()
        .stdout(contains("Model: gpt-5.4\nProvider: openai"));
}

#[test]
fn route_refuses_an_empty_task() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["route", "--task", "  "])
        .assert()
        .code(2)
        .stderr(contains("task description is empty"));
}

#[test]
fn config_check_lists_every_role_with_its_availability() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["config", "check"])
        .assert()
        .success()
        .stdout(contains("Configuration: built-in defaults"))
        .stdout(contains(
            "UNAVAILABLE: environment variable ANTHROPIC_API_KEY is not set",
        ))
        .stdout(contains("qwen2.5-coder:32b (ollama)"))
        .stdout(contains("1 of 4 roles available."));
}

#[test]
fn config_check_never_prints_a_key() {
    let ws = TempDir::new().unwrap();
    let secret = "sk-ant-secret-0123456789";
    let output = cli(&ws)
        .env("ANTHROPIC_API_KEY", secret)
        .args(["config", "check"])
        .output()
        .unwrap();
    let json = cli(&ws)
        .env("ANTHROPIC_API_KEY", secret)
        .args(["config", "check", "--json"])
        .output()
        .unwrap();
    let all = format!(
        "{}{}{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&json.stdout),
        String::from_utf8_lossy(&json.stderr)
    );
    assert!(
        all.contains("ANTHROPIC_API_KEY (set, value hidden)"),
        "{all}"
    );
    assert!(!all.contains("0123456789"), "{all}");
}

#[test]
fn config_check_json_reports_availability_per_role() {
    let ws = TempDir::new().unwrap();
    let output = cli(&ws)
        .env("OPENAI_API_KEY", "k")
        .args(["config", "check", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let available: Vec<bool> = value["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["available"].as_bool().unwrap())
        .collect();
    assert_eq!(available, [false, true, false, true]);
    assert_eq!(value["config"]["agents"]["oracle"]["provider"], "anthropic");
}

#[test]
fn config_check_reports_a_broken_file_with_its_position() {
    let ws = TempDir::new().unwrap();
    let path = ws.path().join("bad.yaml");
    write(
        &path,
        "agents:\n  oracle:\n    model: claude-sonnet-5\n    temperature: 3\n",
    );
    cli(&ws)
        .args(["config", "check", "--config"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(contains(
            "bad.yaml:4:18: `agents.oracle.temperature`: 3 is outside 0.0–1.0",
        ));
}

#[test]
fn config_check_reports_a_missing_explicit_file() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["config", "check", "--config", "nowhere.yaml"])
        .assert()
        .code(2)
        .stderr(contains("nowhere.yaml: cannot read configuration file"));
}

/// A configuration whose every model sits on a port where nothing listens.
fn unreachable_config(ws: &TempDir) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let agent = |name: &str| {
        format!(
            "  {name}: {{ model: \"m:1\", provider: ollama, api_base: \"http://127.0.0.1:{port}\", connect_timeout_seconds: 1 }}\n"
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
}

#[test]
fn a_role_whose_models_are_all_unreachable_fails_listing_every_attempt() {
    let ws = TempDir::new().unwrap();
    unreachable_config(&ws);
    cli(&ws)
        .args(["--role", "oracle", "--task", "Audit the login flow"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(contains("oracle failed on every model it may use"))
        .stderr(contains(
            "oracle (m:1): Transient: cannot reach the endpoint",
        ))
        .stderr(contains("sisyphus (m:1): Transient"));
}

#[test]
fn a_role_without_its_key_says_which_variable_to_set() {
    let ws = TempDir::new().unwrap();
    write(
        &ws.path().join("config/multi_model.yaml"),
        "agents:\n  oracle: { model: claude-sonnet-5, fallback: [] }\nrouting:\n  enable_fallback: false\n",
    );
    cli(&ws)
        .args(["--role", "oracle", "--task", "Audit the login flow"])
        .assert()
        .code(1)
        .stderr(contains(
            "environment variable ANTHROPIC_API_KEY is not set",
        ));
}

#[test]
fn running_a_task_without_a_role_routes_it_first() {
    let ws = TempDir::new().unwrap();
    unreachable_config(&ws);
    cli(&ws)
        .args(["--task", "where is parse_config used?"])
        .assert()
        // The librarian's model cannot be reached: the workspace index answers instead.
        .success()
        .stderr(contains("Auto-routing to librarian"))
        .stdout(contains("Ranked by the workspace index alone"));
}

#[test]
fn files_matching_nothing_are_a_usage_error() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args([
            "--role",
            "oracle",
            "--task",
            "audit",
            "--files",
            "src/**/*.py",
        ])
        .assert()
        .code(2)
        .stderr(contains("no file under"));
}

#[test]
fn a_pipeline_without_its_inputs_is_a_usage_error() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--pipeline", "bugfix"])
        .assert()
        .code(2)
        .stderr(contains(
            "the bugfix pipeline needs --bug-id or --description",
        ));
}

#[test]
fn a_missing_spec_file_is_a_usage_error() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args([
            "--role",
            "hephaestus",
            "--task",
            "Implement UserAuth class per spec",
            "--spec-file",
            "spec.md",
        ])
        .assert()
        .code(2)
        .stderr(contains("cannot read spec file spec.md"));
}

#[test]
fn a_malformed_glob_is_a_usage_error() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--role", "oracle", "--task", "audit", "--files", "src/[a-"])
        .assert()
        .code(2)
        .stderr(contains("invalid file pattern `src/[a-`"));
}

#[test]
fn an_unknown_role_is_rejected_with_the_valid_ones() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--role", "athena", "--task", "x"])
        .assert()
        .code(2)
        .stderr(contains(
            "[possible values: sisyphus, hephaestus, oracle, librarian]",
        ));
}

#[test]
fn a_role_without_a_task_is_rejected() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--role", "oracle"])
        .assert()
        .code(2)
        .stderr(contains("--task"));
}

#[test]
fn an_unknown_search_depth_is_rejected() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--task", "x", "--search-depth", "deep"])
        .assert()
        .code(2)
        .stderr(contains("possible values: quick, comprehensive"));
}

#[test]
fn pipeline_options_need_a_pipeline() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["--task", "x", "--bug-id", "7"])
        .assert()
        .code(2);
}

#[test]
fn no_arguments_shows_help_and_fails() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .assert()
        .code(2)
        .stdout(contains("Usage: multi-model"));
}

#[test]
fn serve_accepts_stdio_and_exits_when_stdin_closes() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .args(["serve", "--stdio"])
        .write_stdin("")
        .assert()
        .success();
}

#[test]
fn help_shows_examples() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Examples:"));
}

#[test]
fn version_is_printed() {
    let ws = TempDir::new().unwrap();
    cli(&ws)
        .arg("--version")
        .assert()
        .success()
        .stdout(contains(concat!("multi-model ", env!("CARGO_PKG_VERSION"))));
}
