//! `multi-model --role ... --task ...` and `multi-model --pipeline ...`.
//!
//! The requests are parsed and checked now; executing them arrives with the orchestration
//! issue. Until then this says so plainly and exits non-zero, without pretending.

use clap::CommandFactory;

use super::args::{Cli, RunArgs};
use super::{Failure, load_config};
use crate::request::{PipelineRequest, TaskRequest};
use crate::router::route;

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
        load_config(cli)?;
        return Err(Failure::not_built(format!(
            "running pipelines is not built yet (it arrives with the orchestration issue); the {} pipeline request is valid, and nothing was sent to any model",
            request.kind
        )));
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
    let route = route(&config, &request.task, request.role).map_err(Failure::usage)?;
    Err(Failure::not_built(format!(
        "running roles is not built yet (it arrives with the orchestration issue); this task would go to {} on {}, and nothing was sent to any model",
        route.role, route.model
    )))
}
