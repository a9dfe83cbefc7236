//! The Neovim plugin (`editors/nvim`) end to end: Neovim with only the plugin on its
//! runtimepath, the built server, and each role's model played by a mock on 127.0.0.1.
//! `editors/nvim/tests/e2e.lua` drives one scenario per Neovim run and writes down what the
//! editor then shows; these tests judge it. That Neovim runs embedded in a headless one
//! (`editors/nvim/tests/screen.lua`) that attaches an 80-column UI and counts each time the
//! editor stops for "Press ENTER" — a Neovim without a UI never does. Without Neovim on PATH they skip and say so on
//! stderr — unless `MULTI_MODEL_REQUIRE_EDITORS=1` (set by `.ci/test`, which installs
//! Debian's package first), where a missing Neovim is a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::process::Command;

use crate::support::editor::keyless_agent;
use crate::support::mock::{MockServer, Reply};
use crate::support::workspace::{GENERATE, answer, config_yaml, generated, ollama_agent, prompt};

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

/// The width of the screen the tests give Neovim: a common terminal's, where long messages
/// used to stop the editor.
const COLUMNS: u64 = 80;

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

/// Put before a good configuration, an unknown key on line 2; `e2e.lua` corrects it to
/// `track_metrics` where a scenario fixes the file.
const BROKEN_KEY: &str = "performance:\n  track_metrix: true\n";

/// What `e2e.lua` saw, with what the screen saw under `screen` (`prompts`: each stop for
/// "Press ENTER"), or a panic with everything needed to see why it saw nothing.
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
    let yaml = if scenario.starts_with("config_") {
        format!("{BROKEN_KEY}{}", models.config(unconfigured))
    } else {
        models.config(unconfigured)
    };
    std::fs::write(&config, yaml).unwrap();
    let result = dir.path().join("observed.json");
    let screen = dir.path().join("screen.json");
    let home = dir.path().join("home");

    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/nvim/tests");
    let mut command = Command::new("nvim");
    command
        .args(["--headless", "--clean", "-u", "NONE", "-c"])
        .arg(format!("luafile {}", tests.join("screen.lua").display()))
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
        .env("MULTI_MODEL_SCREEN", &screen)
        .env("MULTI_MODEL_COLUMNS", COLUMNS.to_string())
        .env(
            "MULTI_MODEL_INLINE",
            if scenario == "inline_off" {
                "off"
            } else {
                "on"
            },
        )
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
    let read = |path: &Path| -> Option<Value> {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|s| serde_json::from_str(&s).ok())
    };
    let seen = read(&screen);
    let mut observed = read(&result).unwrap_or_else(|| {
        panic!(
            "e2e.lua wrote nothing ({}):\nscreen: {seen:?}\nstdout: {}\nstderr: {}\nlsp log:\n{log}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let seen = seen.unwrap_or_else(|| panic!("screen.lua wrote nothing: {observed:#}"));
    assert!(
        output.status.success() && observed["failure"].is_null() && seen["exit"] == 0,
        "scenario {scenario} failed: {}\nscreen: {seen}\nobserved: {observed:#}\nlsp log:\n{log}",
        observed["failure"]
    );
    observed["screen"] = seen;
    // For a look at what a scenario showed, whether its test passes or not.
    if std::env::var_os("MULTI_MODEL_E2E_SHOW").is_some() {
        eprintln!("{scenario}: {observed:#}");
    }
    observed
}

/// Each time the editor stopped for "Press ENTER" (or "-- More --"), with what it had shown.
fn prompts(observed: &Value) -> Vec<Value> {
    observed["screen"]["prompts"]
        .as_array()
        .cloned()
        .expect("the screen's count of prompts")
}

/// Asserts the editor never stopped for "Press ENTER" at 80 columns.
fn assert_no_prompt(observed: &Value) {
    assert_eq!(observed["columns"], COLUMNS, "{observed:#}");
    let stops = prompts(observed);
    assert!(
        stops.is_empty(),
        "stopped {} time(s) for Press ENTER: {stops:?}\n:messages:\n{}\nechoed: {:#}",
        stops.len(),
        observed["messages"].as_str().unwrap_or(""),
        observed["echoes"]
    );
}

/// The lines the plugin echoed, each asserted to be one line that fits beside the ruler and
/// kept out of `:messages`.
fn echoed_lines(observed: &Value) -> Vec<String> {
    let echoes = observed["echoes"].as_array().expect("echoes");
    echoes
        .iter()
        .map(|e| {
            let text = e["text"].as_str().unwrap().to_string();
            let width = e["width"].as_u64().unwrap();
            assert!(!text.contains('\n'), "one line: {text:?}");
            assert!(
                text.chars().count() as u64 <= width,
                "{text:?} is wider than the {width} columns left for messages"
            );
            assert_eq!(e["history"], false, "kept out of :messages: {text:?}");
            text
        })
        .collect()
}

/// The plugin's log (`:MultiModelLog`): each entry in full, with its `vim.log.levels` level.
fn log_of(observed: &Value) -> Vec<(String, u64)> {
    observed["log"]
        .as_array()
        .expect("the log")
        .iter()
        .map(|l| {
            (
                l["text"].as_str().unwrap_or("").to_string(),
                l["level"].as_u64().unwrap_or(0),
            )
        })
        .collect()
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
    let echoed = echoed_lines(&observed);
    assert!(
        echoed
            .iter()
            .any(|m| m.contains("Review with Oracle: oracle on oracle-model:1")),
        "{echoed:#?}"
    );
    let end = echoed.last().expect("the last line");
    assert!(end.starts_with("Review with Oracle: "), "{echoed:#?}");
    // In full in the log, where the line had no room for it.
    let log: Vec<String> = log_of(&observed).into_iter().map(|(m, _)| m).collect();
    assert!(
        log.iter()
            .any(|m| m.contains("Review with Oracle (oracle on oracle-model:1)")),
        "{log:#?}"
    );
    assert!(
        log.iter()
            .any(|m| m.starts_with("Review with Oracle: ") && m.contains("2 confirmed")),
        "{log:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_successful_review_at_80_columns_never_stops_for_press_enter() {
    if neovim_missing("a_successful_review_at_80_columns_never_stops_for_press_enter") {
        return;
    }
    let (_models, observed) = reviewed().await;
    assert_no_prompt(&observed);
    // Every line fits and stays out of `:messages` (asserted while reading them).
    assert!(!echoed_lines(&observed).is_empty());
}

/// TypeScript: no offline pass stands in for the model, so the review fails outright.
const SEARCH_TS: &str = "\
export function search(db: Db, term: string) {
  return db.query(`SELECT * FROM items WHERE name = '${term}'`);
}
";

/// A review whose model answers 500 to every attempt (retried, then given up).
async fn failed_review(scenario: &str) -> (Models, Value) {
    let models = Models::start().await;
    let failure = Reply::raw(
        500,
        "application/json",
        r#"{"error": "the GPU node is out of memory while loading oracle-model:1; try again later or pick a smaller model"}"#,
    )
    .header("retry-after-ms", "10");
    models.oracle.on("POST", "/api/chat", failure);
    let observed = nvim(scenario, &models, "search.ts", SEARCH_TS).await;
    (models, observed)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_review_at_80_columns_never_stops_for_press_enter_and_ends_on_one_line() {
    if neovim_missing(
        "a_failed_review_at_80_columns_never_stops_for_press_enter_and_ends_on_one_line",
    ) {
        return;
    }
    let (models, observed) = failed_review("review_fails").await;
    assert!(
        models.oracle.requests().len() > 1,
        "the model was retried before the review failed"
    );
    assert_no_prompt(&observed);
    let echoed = echoed_lines(&observed);
    let last = echoed.last().expect("a last line");
    // The server sends the error after the job's end, so that it is what stays on screen.
    assert!(
        last.contains("oracle failed"),
        "the screen ends on the failure: {echoed:#?}"
    );
    assert!(
        last.ends_with(":MultiModelLog"),
        "a line cut short says where the rest is: {last:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn multi_model_log_shows_the_whole_failure() {
    if neovim_missing("multi_model_log_shows_the_whole_failure") {
        return;
    }
    let (_models, observed) = failed_review("log").await;
    let window = &observed["log_window"];
    assert_eq!(window["name"], "multi-model://log", "{window:#}");
    assert_eq!(window["windows"], 2, "a split beside the code: {window:#}");
    let text = window["lines"]
        .as_array()
        .expect("the log's lines")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n");
    // The model's own words, which no echoed line had room for.
    assert!(
        text.contains("pick a smaller model"),
        "the server's error in full:\n{text}"
    );
    assert!(text.contains("ERROR"), "levels are shown:\n{text}");
    assert!(
        text.contains("Review with Oracle: "),
        "the job's end is there too:\n{text}"
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
async fn implement_without_words_asks_for_the_instruction_and_an_empty_answer_sends_none() {
    if neovim_missing(
        "implement_without_words_asks_for_the_instruction_and_an_empty_answer_sends_none",
    ) {
        return;
    }
    let models = Models::start().await;
    models
        .hephaestus
        .on("POST", "/api/chat", answer("```python\nreturn a + b\n```"));
    let observed = nvim("implement", &models, "add.py", ADD).await;
    assert!(
        observed["asked"]
            .as_str()
            .is_some_and(|p| p.contains("Implement")),
        "{observed:#}"
    );
    let told = prompt(&models.hephaestus);
    assert!(!told.contains("The developer asks"), "{told}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_answer_to_the_instruction_prompt_reaches_hephaestus() {
    if neovim_missing("the_answer_to_the_instruction_prompt_reaches_hephaestus") {
        return;
    }
    let models = Models::start().await;
    models.hephaestus.on(
        "POST",
        "/api/chat",
        answer("```python\nreturn math.fsum([a, b])\n```"),
    );
    let observed = nvim("implement_asks", &models, "add.py", ADD).await;
    let told = prompt(&models.hephaestus);
    assert!(told.contains("The developer asks: use math.fsum"), "{told}");
    assert_eq!(observed["lines"][2], "    return math.fsum([a, b])");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plan_opens_in_a_buffer_under_agent_plans() {
    if neovim_missing("a_plan_opens_in_a_buffer_under_agent_plans") {
        return;
    }
    let models = Models::start().await;
    models
        .sisyphus
        .on("POST", "/api/chat", answer(&plan().to_string()));
    let observed = nvim("plan", &models, "app.py", APP).await;
    let opened = observed["opened"].as_str().expect("the buffer shown");
    assert!(opened.contains("/ws/.agent/plans/"), "{opened}");
    assert!(opened.ends_with(".md"), "{opened}");
    let text = observed["lines"].to_string();
    assert!(text.contains("Quote the command"), "{text}");
}

fn plan() -> Value {
    json!({"summary": "Split run().", "steps": [
        {"id": "S1", "title": "Quote the command", "details": "Use shlex.", "files": ["src/app.py"]}
    ], "risks": ["callers"], "testing_strategy": "pytest"})
}

#[tokio::test(flavor = "multi_thread")]
async fn words_after_a_range_command_reach_sisyphus_as_the_instruction() {
    if neovim_missing("words_after_a_range_command_reach_sisyphus_as_the_instruction") {
        return;
    }
    let models = Models::start().await;
    models
        .sisyphus
        .on("POST", "/api/chat", answer(&plan().to_string()));
    let observed = nvim("plan_with_instruction", &models, "app.py", APP).await;
    assert!(observed["asked"].is_null(), "words given: nothing asked");
    let told = prompt(&models.sisyphus);
    assert!(told.contains("The developer asks: make it async"), "{told}");
    assert!(told.contains("def run(cmd):"), "the selected lines: {told}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_without_a_usable_model_says_which_variable_to_set() {
    if neovim_missing("a_role_without_a_usable_model_says_which_variable_to_set") {
        return;
    }
    let models = Models::start().await;
    let observed = nvim("unconfigured", &models, "app.py", APP).await;
    let errors: Vec<String> = log_of(&observed)
        .into_iter()
        .filter(|(_, level)| *level == ERROR)
        .map(|(m, _)| m)
        .collect();
    assert!(!errors.is_empty(), "{observed:#}");
    let said = errors.join("\n");
    for expected in ["hephaestus", UNSET_KEY, "multi-model doctor"] {
        assert!(said.contains(expected), "{expected:?} in {said}");
    }
    assert_no_prompt(&observed);
    let echoed = echoed_lines(&observed);
    let last = echoed.last().expect("a last line");
    assert!(last.contains("hephaestus"), "{echoed:#?}");
    assert!(
        models.hephaestus.requests().is_empty() && models.sisyphus.requests().is_empty(),
        "no model was asked in its place"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_shows_its_error_on_the_yaml_buffer() {
    if neovim_missing("a_broken_configuration_shows_its_error_on_the_yaml_buffer") {
        return;
    }
    let models = Models::start().await;
    let observed = nvim("config_error", &models, "app.py", APP).await;
    let diagnostics = observed["config_diagnostics"]
        .as_array()
        .expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["line"], 1, "`track_metrix` is on line 2");
    assert_eq!(diagnostics[0]["severity"], ERROR_SEVERITY);
    assert!(
        diagnostics[0]["message"]
            .as_str()
            .unwrap()
            .contains("track_metrix"),
        "{diagnostics:#?}"
    );
    // Drawn, not only stored: as virtual text or a sign on that line.
    let drawn = observed["virtual_text"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["line"] == 1)
        || observed["signs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["lnum"] == 2);
    assert!(drawn, "{observed:#}");
    assert_no_prompt(&observed);
}

/// `vim.diagnostic.severity.ERROR`.
const ERROR_SEVERITY: u64 = 1;

#[tokio::test(flavor = "multi_thread")]
async fn saving_the_corrected_configuration_clears_its_error() {
    if neovim_missing("saving_the_corrected_configuration_clears_its_error") {
        return;
    }
    let models = Models::start().await;
    let observed = nvim("config_fixed", &models, "app.py", APP).await;
    assert_eq!(observed["config_diagnostics"], json!([]), "{observed:#}");
    let log: Vec<String> = log_of(&observed).into_iter().map(|(m, _)| m).collect();
    assert!(
        log.iter()
            .any(|m| m.starts_with("configuration: ") && m.ends_with("e2e-config.yaml")),
        "the server read the file again: {log:#?}"
    );
}

/// An empty body for inline completion: line 5 is where the user types.
const AREA: &str = "import math\n\n\ndef area(r):\n    \n";

/// What the model fills in after `    a`: two lines, the second indented like the first.
const FILLED: &str = "rea = math.pi * r * r\n    return area\n";

/// The bodies of the fill-in-the-middle requests Hephaestus's mock received.
fn generate_requests(models: &Models) -> Vec<Value> {
    models
        .hephaestus
        .requests()
        .into_iter()
        .filter(|r| r.uri == GENERATE)
        .map(|r| r.body().clone())
        .collect()
}

async fn inline(scenario: &str) -> (Models, Value) {
    let models = Models::start().await;
    models.hephaestus.on("POST", GENERATE, generated(FILLED));
    let observed = nvim(scenario, &models, "area.py", AREA).await;
    (models, observed)
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_in_an_empty_body_shows_the_models_text_as_ghost_text_and_tab_accepts_it() {
    if neovim_missing(
        "typing_in_an_empty_body_shows_the_models_text_as_ghost_text_and_tab_accepts_it",
    ) {
        return;
    }
    let (models, observed) = inline("inline_accept").await;
    assert_eq!(
        observed["offered"], true,
        "the client said it shows inline completions"
    );
    // The first line at the cursor (line 5, after `    a`), the second below it.
    let ghost = observed["ghost"].as_array().expect("the ghost text");
    assert_eq!(ghost.len(), 1, "{ghost:#?}");
    assert_eq!(ghost[0]["row"], 4, "{ghost:#?}");
    assert_eq!(ghost[0]["col"], 5, "{ghost:#?}");
    assert_eq!(ghost[0]["text"], "rea = math.pi * r * r", "{ghost:#?}");
    assert_eq!(ghost[0]["lines"], json!(["    return area"]), "{ghost:#?}");
    assert!(
        ghost[0]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g == "MultiModelGhost"),
        "{ghost:#?}"
    );
    // Drawn: the line reads as if typed, the next line below it.
    let rows: Vec<&str> = observed["screen_rows"]
        .as_array()
        .expect("the screen")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(rows[0], "    area = math.pi * r * r", "{rows:#?}");
    assert_eq!(rows[1], "    return area", "{rows:#?}");
    assert_eq!(observed["mode_shown"], "i");

    assert_eq!(
        observed["lines"],
        json!([
            "import math",
            "",
            "",
            "def area(r):",
            "    area = math.pi * r * r",
            "    return area",
        ])
    );
    assert_eq!(
        observed["cursor"],
        json!([6, 15]),
        "the cursor at the end of the text"
    );
    assert_eq!(observed["mode_accepted"], "i", "still typing");
    assert_eq!(observed["user_tab"], 0, "the user's own <Tab> did not run");

    let asked = generate_requests(&models);
    let first = asked.first().expect("a fill-in-the-middle request");
    assert!(
        first["prompt"]
            .as_str()
            .unwrap()
            .ends_with("def area(r):\n    a"),
        "{first}"
    );
    assert_eq!(first["suffix"], "\n", "{first}");
    // The server recorded the acceptance the client reported (the item's command).
    assert!(
        observed["metrics"]
            .as_str()
            .unwrap_or("")
            .contains("completion_accepted"),
        "{observed:#}"
    );
    assert_no_prompt(&observed);
}

#[tokio::test(flavor = "multi_thread")]
async fn typing_clears_the_ghost_text_and_the_dismiss_and_accept_keys_type_themselves_without_one()
{
    if neovim_missing(
        "typing_clears_the_ghost_text_and_the_dismiss_and_accept_keys_type_themselves_without_one",
    ) {
        return;
    }
    let (_models, observed) = inline("inline_typing").await;
    let typed = observed["typed"].as_array().expect("each change typed");
    // At each keystroke the ghost text was gone before anything else ran.
    assert!(typed.iter().all(|t| t["ghosts"] == 0), "{typed:#?}");
    let ar = typed
        .iter()
        .find(|t| t["line"] == "    ar")
        .expect("`r` typed");
    assert_eq!(ar["ghosts"], 0);
    // The rest of the suggestion, from where the typing left it.
    let after = &observed["ghost_after_typing"][0];
    assert_eq!(after["text"], "ea = math.pi * r * r", "{observed:#}");
    assert_eq!(observed["mode_dismissed"], "i");
    assert_eq!(observed["line_dismissed"], "    ar", "<C-]> typed nothing");
    let tabbed = observed["line_tab"].as_str().unwrap();
    assert!(
        tabbed.starts_with("    ar") && tabbed.len() > 6 && tabbed[6..].trim().is_empty(),
        "a Tab with nothing shown indents: {tabbed:?}"
    );
    assert_eq!(
        observed["user_tab"], 1,
        "with nothing shown, <Tab> ran the mapping it had before"
    );
    assert_eq!(observed["ghost_normal"], json!([]), "none in Normal mode");
    assert_no_prompt(&observed);
}

#[tokio::test(flavor = "multi_thread")]
async fn inline_completion_turned_off_asks_no_model_and_leaves_tab_alone() {
    if neovim_missing("inline_completion_turned_off_asks_no_model_and_leaves_tab_alone") {
        return;
    }
    let (models, observed) = inline("inline_off").await;
    assert!(
        observed["offered"].is_null(),
        "not announced, so not offered: {observed:#}"
    );
    assert_eq!(observed["mapped"], "", "<Tab> not mapped");
    assert_eq!(observed["ghost"], json!([]));
    let tabbed = observed["line_tab"].as_str().unwrap();
    assert!(
        tabbed.starts_with("    a") && tabbed.len() > 5,
        "{tabbed:?}"
    );
    assert!(
        generate_requests(&models).is_empty(),
        "no request reached the model"
    );
    assert!(models.hephaestus.requests().is_empty());
}
