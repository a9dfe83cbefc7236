//! `multi-model metrics`: the performance report of the workspace's metrics file.

use serde::Serialize;

use super::args::MetricsArgs;
use super::{Failure, exit, workspace};
use crate::config::Config;
use crate::metrics::{DamagedLine, MetricsFile, Report, report};

/// How many damaged lines the warning names before it says "and N more".
const DAMAGED_LINES_SHOWN: usize = 3;

pub(super) fn run(config: &Config, args: &MetricsArgs) -> Result<(), Failure> {
    let Some(root) = workspace() else {
        return Err(Failure {
            message: "cannot tell the workspace: the current directory is unreadable".into(),
            code: exit::FAILURE,
        });
    };
    let file = MetricsFile::in_workspace(&config.performance, &root);
    let log = file.read().map_err(|err| Failure {
        message: err.to_string(),
        code: exit::FAILURE,
    })?;
    if !log.damaged.is_empty() {
        eprintln!("{}", damaged_warning(&file, &log.damaged));
    }
    let path = file.path.display();
    let report = report(&log.entries, args.since);

    if args.json {
        if log.entries.is_empty() {
            eprintln!("no metrics recorded yet at {path}");
        }
        let output = JsonOutput {
            metrics_file: path.to_string(),
            damaged_lines: &log.damaged,
            report: &report,
        };
        let text = serde_json::to_string_pretty(&output)
            .expect("the report serialises: plain data, string keys");
        println!("{text}");
        return Ok(());
    }
    if log.entries.is_empty() {
        println!("no metrics recorded yet at {path}");
        return Ok(());
    }
    println!("Metrics file: {path}");
    print!("{report}");
    Ok(())
}

/// The `--json` document; a struct so that its keys keep this order.
#[derive(Serialize)]
struct JsonOutput<'a> {
    metrics_file: String,
    damaged_lines: &'a [DamagedLine],
    report: &'a Report,
}

/// `metrics file X: 2 damaged lines skipped (line 12: ...; line 30: ...)`.
fn damaged_warning(file: &MetricsFile, damaged: &[DamagedLine]) -> String {
    let n_damaged = damaged.len();
    let noun = if n_damaged == 1 { "line" } else { "lines" };
    let mut shown: Vec<String> = damaged
        .iter()
        .take(DAMAGED_LINES_SHOWN)
        .map(|line| format!("line {}: {}", line.line, line.reason))
        .collect();
    if DAMAGED_LINES_SHOWN < n_damaged {
        shown.push(format!("and {} more", n_damaged - DAMAGED_LINES_SHOWN));
    }
    format!(
        "metrics file {}: {n_damaged} damaged {noun} skipped ({})",
        file.path.display(),
        shown.join("; ")
    )
}
