//! `multi-model --role ... --task ...` and `multi-model --pipeline ...`: the orchestrator,
//! with progress on stderr, the answer on stdout, and Ctrl-C cancelling cleanly.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use tokio_util::sync::CancellationToken;

use super::args::{Cli, RunArgs};
use super::{Failure, exit, load_config, workspace};
use crate::config::Config;
use crate::context::ContextPiece;
use crate::gather::task_context;
use crate::index::{WorkspaceIndex, candidate_pieces, local_answer, local_examples};
use crate::orchestrator::{
    Event, ExecuteError, MetricsRecorder, Observer, RunDir, WAITING_REPORT, new_job_id,
    recording_orchestrator, run_pipeline,
};
use crate::role::Role;
use crate::roles::{RoleInput, RoleOutput};
use crate::router::route;
use crate::task::Depth;
use crate::task::{PipelineRequest, TaskRequest};

pub(super) fn run(cli: &Cli) -> Result<(), Failure> {
    let args: &RunArgs = &cli.run;
    if let Some(kind) = args.pipeline {
        let request = PipelineRequest::new(
            kind.into(),
            args.name.clone(),
            args.description.clone(),
            args.bug_id.clone(),
            args.files.clone(),
            args.depth.map(Into::into).unwrap_or_default(),
        )
        .map_err(Failure::usage)?;
        let config = load_config(cli)?;
        return runtime()?.block_on(pipeline(config, request, args));
    }

    let Some(task) = &args.task else {
        let _ = Cli::command().print_help();
        return Err(Failure::usage(
            "give --task (with or without --role), --pipeline, or a subcommand",
        ));
    };
    let request = TaskRequest::new(
        args.role.map(Into::into),
        task.clone(),
        args.context.clone(),
        args.spec_file.as_deref(),
        args.files.clone(),
        args.search_depth.map(Into::into).unwrap_or_default(),
    )
    .map_err(Failure::usage)?;
    let config = load_config(cli)?;
    runtime()?.block_on(single(config, request))
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| Failure {
            message: format!("cannot start the async runtime: {err}"),
            code: exit::FAILURE,
        })
}

/// Runs one role on one task.
async fn single(config: Config, request: TaskRequest) -> Result<(), Failure> {
    let routed = route(&config, &request.task, request.role).map_err(Failure::usage)?;
    let role = routed.role;
    eprintln!(
        "{} {role} ({}): {}",
        if request.role.is_some() {
            "Manual routing to"
        } else {
            "Auto-routing to"
        },
        routed.model,
        routed.reasoning
    );
    let root = workspace().unwrap_or_else(|| PathBuf::from("."));
    let budget = config.context_budget(role);
    let mut context = files(
        &root,
        &request.files,
        &config,
        request.depth,
        (role, budget),
    )?;
    if let Some(extra) = &request.context {
        context.push(ContextPiece {
            label: "context given with --context".into(),
            text: extra.clone(),
            first_line: 1,
        });
    }
    // The Librarian ranks the workspace's definitions itself first: its model picks from
    // these candidates, and without a model they are the answer.
    let candidates = if role == Role::Librarian {
        let (root, exclude) = (root.clone(), config.context.exclude.clone());
        let config = config.clone();
        let task = request.task.clone();
        let ranked = crate::background::blocking("indexing the workspace", move || {
            let index = WorkspaceIndex::build(&root, &exclude)?;
            Ok::<_, crate::workspace::WorkspaceError>(local_examples(
                &index,
                &task,
                crate::index::CANDIDATES,
                None,
                crate::gather::model_reader(&config, |rel| {
                    std::fs::read_to_string(root.join(rel)).ok()
                }),
            ))
        })
        .await;
        match ranked {
            Ok(Ok(found)) => Some(found),
            Ok(Err(err)) => {
                eprintln!("warning: workspace context failed: {err}");
                None
            }
            Err(failed) => {
                eprintln!("warning: workspace context failed: {failed}");
                None
            }
        }
    } else {
        None
    };
    if let Some(candidates) = &candidates {
        context.extend(candidate_pieces(candidates));
    }
    let input = RoleInput {
        task: request.task.clone(),
        context,
        spec: request.spec.clone(),
        notes: Vec::new(),
    };

    // Only code is worth watching arrive; structured answers are JSON until rendered.
    let stream_code = role == Role::Hephaestus && std::io::stdout().is_terminal();
    let observer = CliObserver {
        stream_text: stream_code,
    };
    let (orchestrator, recorder) = recording_orchestrator(&config, &root);
    let cancel = cancel_on_ctrl_c();
    let result = orchestrator
        .execute(role, &input, &new_job_id(), &cancel, &observer)
        .await;
    report_metrics_failures(recorder.as_deref());
    let served = match result {
        Err(err) if role == Role::Librarian && !matches!(err, ExecuteError::Cancelled) => {
            let failure = execute_failure(err).message;
            let answer = local_answer(candidates, &failure);
            print!("{}", answer.to_markdown());
            let _ = std::io::stdout().flush();
            return Ok(());
        }
        result => result.map_err(execute_failure)?,
    };
    if served.served_by != role {
        eprintln!(
            "(answered by {}'s model {} after fallback)",
            served.served_by, served.model
        );
    }
    match &served.output {
        RoleOutput::Code(_) if stream_code => println!(),
        RoleOutput::Code(code) => print!("{}", code.joined()),
        other => print!("{}", other.to_markdown()),
    }
    let _ = std::io::stdout().flush();
    Ok(())
}

/// Runs a pipeline into a fresh run directory.
async fn pipeline(config: Config, request: PipelineRequest, args: &RunArgs) -> Result<(), Failure> {
    let root = workspace().unwrap_or_else(|| PathBuf::from("."));
    // Packed for the smallest window the pipeline will meet (Oracle's); its planning phase
    // sees the workspace, as the editor's Sisyphus does.
    let budget = config.context_budget(Role::Oracle);
    let first = request.kind.first_role();
    let context = files(
        &root,
        &request.files,
        &config,
        request.depth,
        (first, budget),
    )?;
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| RunDir::default_for(&root, &request));
    let dir = RunDir::create(path, args.force).map_err(Failure::usage)?;
    eprintln!("Run directory: {}", dir.path().display());

    let observer = CliObserver { stream_text: false };
    let (orchestrator, recorder) = recording_orchestrator(&config, &root);
    let cancel = cancel_on_ctrl_c();
    let result = run_pipeline(
        &orchestrator,
        &request,
        context,
        &dir,
        &new_job_id(),
        &cancel,
        &observer,
    )
    .await;
    report_metrics_failures(recorder.as_deref());
    match result {
        Ok(report) => {
            println!("{}", dir.path().join("summary.md").display());
            eprintln!(
                "{} pipeline finished: {} files in {}",
                report.kind,
                report.files.len(),
                dir.path().display()
            );
            Ok(())
        }
        Err(err) if err.is_cancelled() => Err(Failure {
            message: format!("cancelled; finished steps are in {}", dir.path().display()),
            code: exit::CANCELLED,
        }),
        Err(err) => Err(Failure {
            message: format!("{err}\nfinished steps are in {}", dir.path().display()),
            code: exit::FAILURE,
        }),
    }
}

/// The task's context from the core (`gather::task_context`), saying what was left out.
fn files(
    root: &Path,
    patterns: &[String],
    config: &Config,
    depth: Depth,
    (role, budget): (Role, usize),
) -> Result<Vec<ContextPiece>, Failure> {
    let context =
        task_context(config, root, patterns, depth, (role, budget)).map_err(Failure::usage)?;
    for (path, why) in &context.skipped {
        eprintln!("skipped {}: {why}", path.display());
    }
    for label in &context.denied {
        eprintln!("skipped {label}: on the never-send list (privacy.never_send)");
    }
    Ok(context.pieces)
}

pub(super) fn report_metrics_failures(recorder: Option<&MetricsRecorder>) {
    if let Some(failure) = recorder.and_then(|r| r.take_failures().into_iter().next()) {
        eprintln!("warning: metrics not recorded: {failure}");
    }
}

/// A token cancelled by the first Ctrl-C: requests are aborted and the job unwinds.
pub(super) fn cancel_on_ctrl_c() -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling…");
            token.cancel();
        }
    });
    cancel
}

fn execute_failure(err: ExecuteError) -> Failure {
    match err {
        ExecuteError::Cancelled => Failure {
            message: "cancelled".into(),
            code: exit::CANCELLED,
        },
        other => Failure {
            message: format!("{}\n{other}", crate::orchestrator::one_line(&other)),
            code: exit::FAILURE,
        },
    }
}

/// Progress to stderr; answer text to stdout only when asked to stream it.
pub(super) struct CliObserver {
    pub stream_text: bool,
}

impl Observer for CliObserver {
    fn event(&self, event: Event) {
        match event {
            Event::Text(piece) if self.stream_text => {
                print!("{piece}");
                let _ = std::io::stdout().flush();
            }
            Event::Text(_) => {}
            Event::Discarded { .. } if self.stream_text => {
                eprintln!("\n[the text above is discarded: {event}]");
            }
            // A line on the first report, then about every ten seconds: a terminal log,
            // not a ticker.
            Event::Waiting { waited, .. } => {
                let secs = waited.as_secs();
                if secs < 2 * WAITING_REPORT.as_secs() || secs % 10 < WAITING_REPORT.as_secs() {
                    eprintln!("{event}");
                }
            }
            other => eprintln!("{other}"),
        }
    }
}
