//! `workspace/executeCommand`: role commands, pipelines, routing, reports — each role or
//! pipeline a background job, answered at once with its progress token.

use std::sync::Arc;

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::lsp::commands::{self, PipelineArguments, Target, TargetArgument};
use crate::lsp::jobs::JobKind;
use crate::lsp::session::Session;
use crate::lsp::transport::REQUEST_ID_ARGUMENT;
use crate::router::route;
use crate::task::{PipelineRequest, RoleCommand};

pub async fn execute_command(
    session: &Arc<Session>,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    // `transport` appends the request's id, so the job can be cancelled by `$/cancelRequest`.
    let request = params
        .arguments
        .iter()
        .find_map(|a| a.get(REQUEST_ID_ARGUMENT))
        .filter(|id| !id.is_null())
        .map(Value::to_string);
    let argument = params.arguments.into_iter().next().unwrap_or(Value::Null);
    let name = params.command.as_str();
    if let Some(command) = commands::role_command(name) {
        let target = match serde_json::from_value(argument) {
            Ok(TargetArgument::Full(target)) => Ok(*target),
            Ok(TargetArgument::Lines(lines)) => session.lines_target(&lines),
            Err(_) => Err(
                "the argument is neither {uri, range, version} nor {path, startLine, endLine}"
                    .to_string(),
            ),
        };
        let target: Target = match target {
            Ok(target) => target,
            Err(err) => {
                // Said on screen too: Helix's `:lsp-workspace-command` shows no reply.
                let message = format!(
                    "{name} works on a selection: run it as a code action on the code (Helix: space a), or pass {{uri, range, version}} or {{path, startLine, endLine}} ({err})"
                );
                session
                    .client
                    .show_message(MessageType::ERROR, message.clone())
                    .await;
                return Err(Error::invalid_params(message));
            }
        };
        let Some(document) = session.documents.snapshot(&target.uri) else {
            return Err(Error::invalid_params(format!(
                "{} is not open",
                target.uri.as_str()
            )));
        };
        let mut target = target;
        if target.version != document.version
            && target.diagnostic.is_none()
            && session.is_cursor(&document, target.range)
        {
            // A cursor is resolved to what encloses it in the text it was placed in; that
            // text is gone, and a guess in the new one could replace the wrong lines.
            let message = format!(
                "{name}: the document changed since this action was offered (version {}, now {}): nothing was run — run it again on the code as it is now",
                target.version, document.version
            );
            session
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            return Err(Error::invalid_params(message));
        }
        if target.version == document.version {
            // Resolving may wait for a parse: on the blocking pool, not the async threads.
            let resolved = {
                let (session, target) = (session.clone(), target.clone());
                crate::background::blocking("finding the code to work on", move || {
                    match (command, &target.diagnostic) {
                        // A fix rewrites the statements the finding lies in, not only its
                        // columns.
                        (RoleCommand::Fix, _) => {
                            session.fix_range(&target.uri, &document, target.range)
                        }
                        // An explanation is about its diagnostic's range, as given.
                        (_, Some(_)) => target.range,
                        (_, None) => session.target_range(&target.uri, &document, target.range),
                    }
                })
                .await
            };
            target.range = resolved.map_err(|failed| Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
                message: failed.to_string().into(),
                data: None,
            })?;
        }
        let kind = JobKind::Role {
            command,
            target: Box::new(target),
        };
        return Ok(Some(
            json!({"job": session.jobs.start(session.clone(), kind, request)}),
        ));
    }
    match name {
        commands::ROUTE => {
            let task = argument.get("task").and_then(Value::as_str).unwrap_or("");
            let routed = route(&session.config(), task, None)
                .map_err(|err| Error::invalid_params(err.to_string()))?;
            Ok(Some(
                json!({"role": routed.role, "model": routed.model, "reasoning": routed.reasoning}),
            ))
        }
        commands::PIPELINE => {
            let arguments: PipelineArguments = serde_json::from_value(argument).map_err(|err| {
                Error::invalid_params(format!(
                    "{name} takes {{kind: feature|bugfix|review, name?, description?, bugId?, files?, depth?: quick|comprehensive}}: {err}"
                ))
            })?;
            let pipeline = PipelineRequest::new(
                arguments.kind,
                arguments.name,
                arguments.description,
                arguments.bug_id,
                arguments.files,
                arguments.depth,
            )
            .map_err(|err| Error::invalid_params(err.to_string()))?;
            let kind = JobKind::Pipeline(pipeline);
            Ok(Some(
                json!({"job": session.jobs.start(session.clone(), kind, request)}),
            ))
        }
        commands::METRICS => Ok(Some(
            json!({"job": session.jobs.start(session.clone(), JobKind::Metrics, request)}),
        )),
        commands::DOCTOR => Ok(Some(
            json!({"job": session.jobs.start(session.clone(), JobKind::Doctor, request)}),
        )),
        crate::lsp::completions::ACCEPTED => {
            crate::lsp::completions::accepted(session, &argument);
            Ok(None)
        }
        commands::CANCEL_ALL => Ok(Some(json!({"cancelled": session.jobs.cancel_all()}))),
        other => Err(Error::invalid_params(format!("unknown command {other}"))),
    }
}
