//! The Neovim plugin (`editors/nvim`) end to end: headless Neovim with only the plugin on
//! its runtimepath, the built server, and each role's model played by a mock on 127.0.0.1.
//! `editors/nvim/tests/e2e.lua` drives one scenario per Neovim run and writes down what the
//! editor then shows; these tests judge it. Without Neovim on PATH they skip and say so on
//! stderr — unless `MULTI_MODEL_REQUIRE_EDITORS=1` (set by `.ci/test`, which installs
//! Debian's package first), where a missing Neovim is a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::Command;

use crate::support::editor::keyless_agent;
use crate::support::mock::MockServer;
use crate::support::workspace::{answer, config_yaml, ollama_agent};

/// Whether Neovim is missing, in which case the test is skipped — said on stderr past the
/// test harness's capture, so that a plain `cargo test` shows what it did not run.
fn neovim_missing(test: &str) -> bool {
    let found = std::process::Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if found {
        return false;
    }
    assert!(
        std::env::var("MULTI_MODEL_REQUIRE_EDITORS").as_deref() != Ok("1"),
        "`nvim` is not on PATH and MULTI_MODEL_REQUIRE_EDITORS=1: install Debian's neovim"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: `nvim` is not on PATH (`bash .ci/test` installs it and runs every test)"
    );
    true
}

/// The whole Neovim run, its own waits included: a guard against hangs, not a measurement.
const NVIM_RUN: Duration = Duration::from_secs(90);

/// The key variable the Librarian is configured with and nobody sets.
const UNSET_KEY: &str = "MULTI_MODEL_E2E_UNSET_KEY";

const APP: &str = "\
import os
import subprocess


def run(cmd):
    os.system(cmd)


def digest(password):
    import hashlib
    return hashlib.md5(password.encode()).hexdigest()
";

/// Line 3 is the blank, indented line where the cursor waits for Hephaestus.
const ADD: &str = "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    \n";

/// The models: Oracle, Hephaestus and Sisyphus answer from mocks; the Librarian needs a key
/// that is not set, so it has no usable model.
struct Models {
    oracle: MockServer,
    hephaestus: MockServer,
    sisyphus: MockServer,
}

impl Models {
    async fn start() -> Models {
        Models {
            oracle: MockServer::start().await,
            hephaestus: MockServer::start().await,
            sisyphus: MockServer::start().await,
        }
    }

    /// Every role on its mock, except `unconfigured`, whose key variable is unset.
    fn config(&self, unconfigured: &str) -> String {
        let agent = |role: &str, mock: &MockServer| {
            if role == unconfigured {
                keyless_agent(
                    role,
                    &format!("{role}-model"),
                    "anthropic",
                    &mock.url,
                    UNSET_KEY,
                )
            } else {
                ollama_agent(role, mock)
            }
        };
        config_yaml(
            &[
                agent("oracle", &self.oracle),
                agent("hephaestus", &self.hephaestus),
                agent("sisyphus", &self.sisyphus),
                agent("librarian", &self.sisyphus),
            ],
            "",
        )
    }
}

fn finding(severity: &str, line: u32, quote: &str, title: &str) -> Value {
    json!({"severity": severity, "category": "security", "line": line, "end_line": line,
           "quote": quote, "title": title, "description": "d.", "recommendation": "r.", "cwe": null})
}

/// What `e2e.lua` saw, or a panic with everything needed to see why it saw nothing.
async fn nvim(scenario: &str, models: &Models, file: &str, text: &str) -> Value {
    let dir = TempDir::new().unwrap();
    let workspace = dir.path().join("ws");
    std::fs::create_dir_all(workspace.join("src")).unwrap();
    std::fs::write(
        workspace.join("pyproject.toml"),
        "[project]\nname = \"e2e\"\n",
    )
    .unwrap();
    let path = workspace.join("src").join(file);
    std::fs::write(&path, text).unwrap();
    // Outside the workspace, so only `initializationOptions.configPath` can find it.
    let config = dir.path().join("e2e-config.yaml");
    // The "no model" scenario leaves Hephaestus without its key; the others leave the
    // Librarian so, which they never call.
    let unconfigured = if scenario == "unconfigured" {
        "hephaestus"
    } else {
        "librarian"
    };
    std::fs::write(&config, models.config(unconfigured)).unwrap();
    let result = dir.path().join("observed.json");
    let home = dir.path().join("home");

    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/nvim/tests");
    let mut command = Command::new("nvim");
    command
        .args(["--headless", "--clean", "-u"])
        .arg(tests.join("minimal_init.lua"))
        .arg("-c")
        .arg(format!("luafile {}", tests.join("e2e.lua").display()))
        .current_dir(&workspace)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("MULTI_MODEL_SERVER", env!("CARGO_BIN_EXE_multi-model"))
        .env("MULTI_MODEL_CONFIG", &config)
        .env("MULTI_MODEL_SCENARIO", scenario)
        .env("MULTI_MODEL_FILE", &path)
        .env("MULTI_MODEL_RESULT", &result)
        .env_remove(UNSET_KEY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = match command.spawn() {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "`nvim` is not on PATH: the Neovim end-to-end tests need it \
             (`apt-get install -y neovim`; .ci/run installs it)"
        ),
        Err(err) => panic!("cannot start nvim: {err}"),
    };
    let output = tokio::time::timeout(NVIM_RUN, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("nvim ran longer than {NVIM_RUN:?} in scenario {scenario}"))
        .unwrap();
    let log = lsp_logs(&home);
    let observed: Value = std::fs::read_to_string(&result)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| {
            panic!(
                "e2e.lua wrote nothing ({}):\nstdout: {}\nstderr: {}\nlsp log:\n{log}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
    assert!(
        output.status.success() && observed["failure"].is_null(),
        "scenario {scenario} failed: {}\nobserved: {observed:#}\nlsp log:\n{log}",
        observed["failure"]
    );
    observed
}

/// Neovim's LSP log (the server's stderr lands there), wherever this version keeps it.
fn lsp_logs(home: &Path) -> String {
    ["state/nvim/lsp.log", "cache/nvim/lsp.log"]
        .iter()
        .map(|p| home.join(p))
        .filter_map(|p: PathBuf| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

fn notifications(observed: &Value) -> Vec<(String, u64)> {
    observed["notifications"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|n| {
                    (
                        n["message"].as_str().unwrap_or("").to_string(),
                        n["level"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `vim.log.levels.ERROR`.
const ERROR: u64 = 4;

#[tokio::test(flavor = "multi_thread")]
async fn the_code_action_menu_on_a_range_offers_the_four_roles() {
    if neovim_missing("the_code_action_menu_on_a_range_offers_the_four_roles") {
        return;
    }
    let models = Models::start().await;
    let observed = nvim("code_actions", &models, "app.py", APP).await;
    let titles: Vec<&str> = observed["titles"]
        .as_array()
        .expect("the menu's titles")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for role in [
        "Plan with Sisyphus",
        "Implement with Hephaestus",
        "Review with Oracle",
        "Find examples with Librarian",
    ] {
        assert!(titles.contains(&role), "{role:?} in {titles:?}");
    }
    assert!(models.oracle.requests().is_empty(), "listing asks no model");
}

async fn reviewed() -> (Models, Value) {
    let models = Models::start().await;
    // The model's line numbers are off by two; its quotes place the findings.
    let review = json!({"summary": "Looked.", "findings": [
        finding("CRITICAL", 8, "os.system(cmd)", "Shell injection"),
        finding("MEDIUM", 9, "return hashlib.md5(password.encode()).hexdigest()", "Weak hash"),
    ]});
    models
        .oracle
        .on("POST", "/api/chat", answer(&review.to_string()));
    let observed = nvim("review", &models, "app.py", APP).await;
    (models, observed)
}

#[tokio::test(flavor = "multi_thread")]
async fn review_from_the_code_action_menu_shows_the_oracles_findings_at_their_quoted_lines() {
    if neovim_missing(
        "review_from_the_code_action_menu_shows_the_oracles_findings_at_their_quoted_lines",
    ) {
        return;
    }
    let (_models, observed) = reviewed().await;
    let diagnostics = observed["diagnostics"].as_array().expect("diagnostics");
    let placed: Vec<(u64, &str)> = diagnostics
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(placed.len(), 2, "{diagnostics:#?}");
    assert_eq!(placed[0].0, 5, "os.system is on line 6: {diagnostics:#?}");
    assert!(placed[0].1.contains("Shell injection"), "{diagnostics:#?}");
    assert_eq!(placed[1].0, 10, "the md5 line is line 11: {diagnostics:#?}");
    for d in diagnostics {
        assert!(
            d["source"].as_str().unwrap().starts_with("multi-model"),
            "{d}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_shows_progress_when_it_begins_and_when_it_ends() {
    if neovim_missing("a_review_shows_progress_when_it_begins_and_when_it_ends") {
        return;
    }
    let (_models, observed) = reviewed().await;
    let messages: Vec<String> = notifications(&observed)
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Review with Oracle (oracle on oracle-model:1)")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("Review with Oracle: ") && m.contains("2 confirmed")),
        "{messages:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_puts_hephaestus_code_at_the_cursor() {
    if neovim_missing("implement_puts_hephaestus_code_at_the_cursor") {
        return;
    }
    let models = Models::start().await;
    models
        .hephaestus
        .on("POST", "/api/chat", answer("```python\nreturn a + b\n```"));
    let observed = nvim("implement", &models, "add.py", ADD).await;
    assert_eq!(
        observed["lines"],
        json!([
            "def add(a, b):",
            "    \"\"\"Add two numbers.\"\"\"",
            "    return a + b",
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_opens_in_a_buffer_under_agent_plans() {
    if neovim_missing("a_plan_opens_in_a_buffer_under_agent_plans") {
        return;
    }
    let models = Models::start().await;
    let plan = json!({"summary": "Split run().", "steps": [
        {"id": "S1", "title": "Quote the command", "details": "Use shlex.", "files": ["src/app.py"]}
    ], "risks": ["callers"], "testing_strategy": "pytest"});
    models
        .sisyphus
        .on("POST", "/api/chat", answer(&plan.to_string()));
    let observed = nvim("plan", &models, "app.py", APP).await;
    let opened = observed["opened"].as_str().expect("the buffer shown");
    assert!(opened.contains("/ws/.agent/plans/"), "{opened}");
    assert!(opened.ends_with(".md"), "{opened}");
    let text = observed["lines"].to_string();
    assert!(text.contains("Quote the command"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_without_a_usable_model_says_which_variable_to_set() {
    if neovim_missing("a_role_without_a_usable_model_says_which_variable_to_set") {
        return;
    }
    let models = Models::start().await;
    let observed = nvim("unconfigured", &models, "app.py", APP).await;
    let errors: Vec<String> = notifications(&observed)
        .into_iter()
        .filter(|(_, level)| *level == ERROR)
        .map(|(m, _)| m)
        .collect();
    assert_eq!(errors.len(), 1, "{observed:#}");
    for expected in ["hephaestus", UNSET_KEY, "multi-model doctor"] {
        assert!(
            errors[0].contains(expected),
            "{expected:?} in {}",
            errors[0]
        );
    }
    assert!(
        models.hephaestus.requests().is_empty() && models.sisyphus.requests().is_empty(),
        "no model was asked in its place"
    );
}
