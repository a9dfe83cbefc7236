//! The VS Code extension (`editors/vscode`) end to end in a real VS Code: code-server's
//! workbench driven by Debian's Chromium (`editors/vscode/e2e/run.mjs`), with the packaged
//! extension, this build's server and every role's model played by a mock on 127.0.0.1.
//! The script runs the scenarios in one VS Code session and prints a PASS or FAIL line for
//! each; this test passes when all pass. Without code-server, Chromium or the packaged
//! extension it skips and says so on stderr — unless `MULTI_MODEL_REQUIRE_EDITORS=1` (set
//! by `.ci/test`, which installs them first), where anything missing is a failure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

/// The whole suite, its own bounded waits included: a guard against hangs, not a
/// measurement.
const SUITE_RUN: Duration = Duration::from_secs(600);

/// code-server's entry point as `.ci/vscode-e2e-setup` installs it, unless named.
fn code_server() -> PathBuf {
    if let Some(path) = std::env::var_os("MULTI_MODEL_CODE_SERVER") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("MULTI_MODEL_E2E_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache/multi-model-e2e"))
        })
        .unwrap_or_default();
    cache.join("code-server-4.100.3/node_modules/code-server/out/node/entry.js")
}

fn on_path(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What the suite needs and is missing, if anything.
fn missing(extension: &Path) -> Option<String> {
    if !on_path("node") {
        return Some("`node` is not on PATH".into());
    }
    if !code_server().is_file() {
        return Some(format!(
            "code-server is not installed at {}",
            code_server().display()
        ));
    }
    if !Path::new("/usr/lib/chromium/chromium").is_file() && !on_path("chromium") {
        return Some("Debian's chromium is not installed".into());
    }
    if !extension.join("node_modules/playwright-core").is_dir() {
        return Some("editors/vscode has no node_modules (npm ci)".into());
    }
    if !extension.join("multi-model.vsix").is_file() {
        return Some("editors/vscode/multi-model.vsix is not built (npm run package)".into());
    }
    None
}

#[tokio::test(flavor = "multi_thread")]
async fn the_vscode_extension_in_a_real_vscode() {
    let test = "the_vscode_extension_in_a_real_vscode";
    let extension = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    if let Some(why) = missing(&extension) {
        assert!(
            std::env::var("MULTI_MODEL_REQUIRE_EDITORS").as_deref() != Ok("1"),
            "{why} and MULTI_MODEL_REQUIRE_EDITORS=1: run .ci/vscode-e2e-setup and npm ci && npm run package in editors/vscode"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: {why} (bash .ci/test installs it)"
        );
        return;
    }
    let mut command = Command::new("node");
    command
        .arg(extension.join("e2e/run.mjs"))
        .current_dir(&extension)
        .env("MULTI_MODEL_SERVER", env!("CARGO_BIN_EXE_multi-model"))
        .env("MULTI_MODEL_CODE_SERVER", code_server())
        .env("MULTI_MODEL_VSIX", extension.join("multi-model.vsix"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().expect("node starts");
    let output = tokio::time::timeout(SUITE_RUN, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("the VS Code suite ran longer than {SUITE_RUN:?}"))
        .expect("the suite's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Each scenario's line, past the harness's capture, so that a passing run shows what
    // it checked too.
    eprint!("{stdout}");
    assert!(
        output.status.success(),
        "the VS Code suite failed ({}):\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("PASS "))
            && !stdout.lines().any(|l| l.starts_with("FAIL ")),
        "{stdout}"
    );
}
