//! `multi-model review PATH...`: the offline security pass on every Python file (it has
//! rules for Python only), the Oracle model on every source file when it can be called, the
//! report on stdout, notes on stderr, exit 1 when a finding at or above --fail-on remains.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::args::{Cli, FormatArg, ReviewArgs};
use super::run::{CliObserver, cancel_on_ctrl_c, report_metrics_failures, runtime};
use super::{Failure, exit, load_config, workspace};
use crate::config::ProcessEnv;
use crate::orchestrator::{ExecuteError, Orchestrator, new_job_id};
use crate::review::{
    Baseline, FileReport, Finding, Rejections, Severity, candidates, fails, merge, read_source,
    review_input, review_source, sources,
};
use crate::role::Role;

pub(super) fn run(cli: &Cli, args: &ReviewArgs) -> Result<(), Failure> {
    let baseline = args
        .baseline
        .as_deref()
        .map(Baseline::load)
        .transpose()
        .map_err(Failure::usage)?;
    let collected = sources(&args.paths).map_err(Failure::usage)?;
    for (path, why) in &collected.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
    let root = workspace().unwrap_or_else(|| PathBuf::from("."));

    let model = if args.offline {
        None
    } else {
        let config = load_config(cli)?;
        let (orchestrator, recorder) = crate::orchestrator::recording_orchestrator(&config, &root);
        match orchestrator.unavailable(Role::Oracle, &ProcessEnv) {
            Some(reason) => {
                eprintln!(
                    "model review skipped: Oracle has no usable model ({reason}); \
                     showing the offline findings only"
                );
                None
            }
            None => Some((orchestrator, recorder, config.privacy.never_send.clone())),
        }
    };

    let mut tally = Tally {
        with_model: model.is_some(),
        ..Tally::default()
    };
    let mut reports = Vec::new();
    let mut texts = BTreeMap::new();
    let runtime = model.as_ref().map(|_| runtime()).transpose()?;
    for path in &collected.files {
        let display = display_path(path, &root);
        let text = match read_source(path) {
            Ok(text) => text,
            Err(why) => {
                eprintln!("skipped {display}: {why}");
                continue;
            }
        };
        let mut findings = match review_source(Some(path), None, &text) {
            Some(offline) => {
                if offline.syntax_errors {
                    eprintln!("note: {display} has syntax errors; reviewed the parts that parsed");
                }
                if let Some(depth) = offline.depth_capped {
                    eprintln!(
                        "note: {display} nests deeper than the value flow follows; analysed to depth {depth}"
                    );
                }
                tally.suppressed += offline.suppressed;
                offline.findings
            }
            None if model.is_none() => {
                tally.model_only += 1;
                continue;
            }
            None => {
                tally.model_only += 1;
                Vec::new()
            }
        };
        if let (Some((orchestrator, _, deny)), Some(runtime)) = (&model, &runtime) {
            if deny.denies(Path::new(&display)) {
                eprintln!("not sent to the model: {display} is on the never-send list");
            } else {
                findings = runtime.block_on(with_model(orchestrator, &display, &text, findings))?;
            }
        }
        reports.push(FileReport {
            path: display.clone(),
            findings,
        });
        texts.insert(display, text);
    }
    if let Some((_, recorder, _)) = &model {
        report_metrics_failures(recorder.as_deref());
    }

    if let Some(path) = &args.write_baseline {
        let mut accepted = Baseline::new();
        for report in &reports {
            accepted.accept(&report.path, &texts[&report.path], &report.findings);
        }
        accepted.save(path).map_err(Failure::other)?;
        eprintln!(
            "wrote {} accepted finding(s) to {}",
            accepted.findings.len(),
            path.display()
        );
        tally.baselined += accepted.findings.len();
        for report in &mut reports {
            report.findings.clear();
        }
    } else if let Some(baseline) = &baseline {
        for report in &mut reports {
            let findings = std::mem::take(&mut report.findings);
            let (kept, accepted) = baseline.filter(&report.path, &texts[&report.path], findings);
            report.findings = kept;
            tally.baselined += accepted;
        }
    }

    let failing = fails(&reports, args.fail_on.threshold());
    let min: Severity = args.min_severity.into();
    for report in &mut reports {
        let before = report.findings.len();
        report.findings.retain(|f| min <= f.severity);
        tally.hidden += before - report.findings.len();
    }
    print_report(args.format, &reports, &texts);
    tally.print(&reports, collected.files.len());

    if failing {
        let threshold = args
            .fail_on
            .threshold()
            .map(|s| s.to_string())
            .unwrap_or_default();
        return Err(Failure {
            message: format!("findings at or above {threshold} remain"),
            code: exit::FAILURE,
        });
    }
    Ok(())
}

/// The model's review of one file merged into its offline findings; on failure, the
/// offline findings with a warning (Ctrl-C ends the whole review).
async fn with_model(
    orchestrator: &Orchestrator,
    display: &str,
    text: &str,
    offline: Vec<Finding>,
) -> Result<Vec<Finding>, Failure> {
    let offered = candidates(&offline);
    let cancel = cancel_on_ctrl_c();
    let observer = CliObserver { stream_text: false };
    let input = review_input(display, text);
    match orchestrator
        .review(&input, &offered, &new_job_id(), &cancel, &observer)
        .await
    {
        Ok(served) => {
            let rejections = Rejections::for_file(&offline);
            let merged = merge(text, offline, &served.output, &served.model, rejections);
            if 0 < merged.unanchored {
                eprintln!(
                    "note: {} model finding(s) for {display} quoted no line of the file and were dropped",
                    merged.unanchored
                );
            }
            Ok(merged.findings)
        }
        Err(ExecuteError::Cancelled) => Err(Failure {
            message: "cancelled".into(),
            code: exit::CANCELLED,
        }),
        Err(err) => {
            eprintln!("warning: model review of {display} failed; offline findings only: {err}");
            Ok(offline)
        }
    }
}

fn print_report(format: FormatArg, reports: &[FileReport], texts: &BTreeMap<String, String>) {
    match format {
        FormatArg::Text => print!("{}", crate::review::text(reports)),
        FormatArg::Json => println!(
            "{}",
            serde_json::to_string_pretty(&crate::review::json(reports)).unwrap_or_default()
        ),
        FormatArg::Sarif => println!(
            "{}",
            serde_json::to_string_pretty(&crate::review::sarif(reports, texts)).unwrap_or_default()
        ),
    }
}

/// How a path is named in reports and baselines: relative to the current directory when
/// under it, `/`-separated.
fn display_path(path: &Path, root: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let relative = absolute
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    let shown = relative.to_string_lossy().replace('\\', "/");
    shown
        .strip_prefix("./")
        .map(str::to_string)
        .unwrap_or(shown)
}

/// What the report leaves out, for the closing line on stderr.
#[derive(Default)]
struct Tally {
    suppressed: usize,
    baselined: usize,
    hidden: usize,
    /// Files in languages the offline pass has no rules for (it is Python-only).
    model_only: usize,
    /// A model reviewed the files.
    with_model: bool,
}

impl Tally {
    fn print(&self, reports: &[FileReport], files: usize) {
        let shown: usize = reports.iter().map(|r| r.findings.len()).sum();
        let mut line = format!("{shown} finding(s) in {files} file(s)");
        let mut left_out = Vec::new();
        if 0 < self.suppressed {
            left_out.push(format!("{} suppressed", self.suppressed));
        }
        if 0 < self.baselined {
            left_out.push(format!("{} in the baseline", self.baselined));
        }
        if 0 < self.hidden {
            left_out.push(format!("{} below --min-severity", self.hidden));
        }
        if !left_out.is_empty() {
            line.push_str(&format!(" ({})", left_out.join(", ")));
        }
        eprintln!("{line}");
        if 0 < self.model_only {
            let how = if self.with_model {
                "reviewed by the model only"
            } else {
                "not reviewed (no model)"
            };
            eprintln!(
                "note: the offline pass has rules for Python only; {} file(s) in other languages {how}",
                self.model_only
            );
        }
    }
}
