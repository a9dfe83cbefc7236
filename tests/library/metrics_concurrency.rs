//! Two processes appending to one metrics file at the same time lose nothing.
//!
//! The writers are this test binary itself, run again with `WRITER_VAR` set so that only
//! `writer_process` does anything. Processes, not threads: the lock and the append must
//! hold between programs (the language server and a CLI run), not just within one.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use multi_model::config::ProviderKind;
use multi_model::metrics::{MetricsEntry, MetricsFile};
use multi_model::role::{Role, TaskType};
use tempfile::TempDir;

/// Set to `<metrics file>|<start file>|<writer id>` in a writer process.
const WRITER_VAR: &str = "MULTI_MODEL_TEST_METRICS_WRITER";
const ENTRIES_PER_WRITER: u32 = 1_000;

#[test]
fn two_processes_appending_at_once_lose_and_damage_no_entry() {
    let dir = TempDir::new().unwrap();
    let file = MetricsFile {
        path: dir.path().join(".agent/multi_model_metrics.json"),
    };
    let start = dir.path().join("start");

    let writers: Vec<Child> = ["a", "b"]
        .into_iter()
        .map(|id| spawn_writer(&file.path, &start, id))
        .collect();
    // Both are running (or about to): release them together so that their appends overlap.
    std::fs::write(&start, "").unwrap();
    for writer in writers {
        let output = writer.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "writer failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let log = file.read().unwrap();
    assert_eq!(log.damaged, []);
    assert_eq!(log.entries.len(), 2 * ENTRIES_PER_WRITER as usize);
    let seen: BTreeSet<(String, u32)> = log
        .entries
        .iter()
        .map(|entry| (entry.job.clone().unwrap(), entry.attempt))
        .collect();
    for id in ["a", "b"] {
        for n in 1..=ENTRIES_PER_WRITER {
            assert!(seen.contains(&(id.to_string(), n)), "{id} {n} missing");
        }
    }
}

/// The writer side: a no-op in a normal test run.
#[test]
fn writer_process() {
    let Ok(spec) = std::env::var(WRITER_VAR) else {
        return;
    };
    let mut parts = spec.split('|');
    let (Some(path), Some(start), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("{WRITER_VAR} is `{spec}`, expected `path|start|id`");
    };
    wait_for(Path::new(start));
    let file = MetricsFile { path: path.into() };
    for n in 1..=ENTRIES_PER_WRITER {
        file.append(&entry(id, n)).unwrap();
    }
}

fn spawn_writer(path: &Path, start: &Path, id: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &writer_test(), "--test-threads=1", "--quiet"])
        .env(
            WRITER_VAR,
            format!("{}|{}|{id}", path.display(), start.display()),
        )
        // Captured: the writer's own "test result" line must not count as this run's.
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `writer_process` as the test harness names it: its module path within this binary.
fn writer_test() -> String {
    match module_path!().split_once("::") {
        Some((_crate, module)) => format!("{module}::writer_process"),
        None => "writer_process".to_string(),
    }
}

/// Waits for the start signal; a bound only so that a broken parent cannot leave the
/// writer running forever.
fn wait_for(start: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !start.exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn entry(writer: &str, n: u32) -> MetricsEntry {
    let failed = n.is_multiple_of(7);
    MetricsEntry {
        timestamp: jiff::Timestamp::now(),
        role: Role::Librarian,
        task_type: TaskType::Search,
        model: "gpt-5.4-mini".into(),
        provider: ProviderKind::OpenAi,
        duration_seconds: 0.5,
        tokens_used: 300,
        input_tokens: 100,
        output_tokens: 200,
        success: !failed,
        error_class: failed.then(|| "transient".to_string()),
        // Long enough that a write split by the kernel would show up as a damaged line.
        error: failed.then(|| "x".repeat(2_000)),
        fallback_from: None,
        attempt: n,
        job: Some(writer.to_string()),
        cost_usd: None,
        kind: None,
    }
}
