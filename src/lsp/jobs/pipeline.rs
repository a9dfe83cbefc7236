//! A pipeline job (feature, bugfix, review) in the workspace's run directory, its summary
//! opened at the end.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::*;

use super::{JobProgress, ProgressObserver};
use crate::gather::task_context;
use crate::lsp::edit::{ResultDoc, open_markdown};
use crate::lsp::session::Session;
use crate::orchestrator::{RunDir, new_job_id, run_pipeline};
use crate::role::Role;

pub(super) async fn pipeline_job(
    session: &Arc<Session>,
    token: &str,
    cancel: &CancellationToken,
    request: crate::task::PipelineRequest,
) {
    let root = session.workspace().unwrap_or_else(|| PathBuf::from("."));
    let progress = Arc::new(
        JobProgress::begin(
            session,
            token,
            format!("{} pipeline", request.kind),
            "starting".into(),
        )
        .await,
    );
    let observer = ProgressObserver::attach(progress.clone());
    let config = session.config();
    // The same context as the command line's pipelines (`gather::task_context`).
    let (files, depth, first) = (
        request.files.clone(),
        request.depth,
        request.kind.first_role(),
    );
    let budget = config.context_budget(Role::Oracle);
    let (config_for, root_for) = (config.clone(), root.clone());
    let gathered = crate::background::blocking("gathering the pipeline's context", move || {
        task_context(&config_for, &root_for, &files, depth, (first, budget))
    })
    .await;
    let context = match gathered {
        Ok(Ok(context)) => context.pieces,
        Ok(Err(err)) => {
            progress.end(err.to_string()).await;
            return;
        }
        Err(failed) => {
            progress.end(failed.to_string()).await;
            return;
        }
    };
    let name = request.label();
    let dir = match RunDir::create(RunDir::default_for(&root, &request), false) {
        Ok(dir) => dir,
        Err(err) => {
            progress.end(err.to_string()).await;
            return;
        }
    };
    let result = run_pipeline(
        &session.orchestrator(),
        &request,
        context,
        &dir,
        &new_job_id(),
        cancel,
        &observer,
    )
    .await;
    observer.finish().await;
    let end = match result {
        Ok(_) => {
            let summary =
                std::fs::read_to_string(dir.path().join("summary.md")).unwrap_or_default();
            open_markdown(session, ResultDoc::Summary, &name, &summary).await;
            format!("done: {}", dir.path().display())
        }
        Err(err) if err.is_cancelled() => "cancelled".into(),
        Err(err) => {
            let first = err.to_string();
            let first = first.lines().next().unwrap_or_default();
            progress
                .tell(
                    MessageType::ERROR,
                    format!(
                        "{first}; finished steps are in {}\n{err}",
                        dir.path().display()
                    ),
                )
                .await;
            "failed".into()
        }
    };
    progress.end(end).await;
}
