//! The report jobs: the metrics report and the doctor's table, as documents.

use std::path::PathBuf;
use std::sync::Arc;

use super::JobProgress;
use crate::config::ProcessEnv;
use crate::lsp::edit::{ResultDoc, open_markdown};
use crate::lsp::session::Session;

pub(super) async fn metrics_job(session: &Arc<Session>) {
    let config = session.config();
    let root = session.workspace().unwrap_or_else(|| PathBuf::from("."));
    let file = crate::metrics::MetricsFile::in_workspace(&config.performance, &root);
    let text = match file.read() {
        Ok(log) if log.entries.is_empty() => format!(
            "# Metrics\n\nNo metrics recorded yet at {}.\n",
            file.path.display()
        ),
        Ok(log) => format!(
            "# Metrics\n\n```\n{}\n```\n",
            crate::metrics::report(&log.entries, None)
        ),
        Err(err) => format!("# Metrics\n\n{err}\n"),
    };
    open_markdown(session, ResultDoc::Report, "metrics", &text).await;
}

pub(super) async fn doctor_job(session: &Arc<Session>, token: &str) {
    let progress = JobProgress::begin(
        session,
        token,
        "Doctor".into(),
        "checking keys, endpoints and models".into(),
    )
    .await;
    let config = session.config();
    let checks = crate::health::check_all(&config, &ProcessEnv).await;
    let mut text = String::from(
        "# Doctor\n\n| role | provider | model | usable | problem |\n|---|---|---|---|---|\n",
    );
    for check in &checks {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            check.role,
            check.provider,
            check.model,
            if check.usable { "yes" } else { "**no**" },
            check.problem.as_deref().unwrap_or("")
        ));
    }
    open_markdown(session, ResultDoc::Report, "doctor", &text).await;
    let usable = checks.iter().filter(|c| c.usable).count();
    progress
        .end(format!("{usable} of {} roles usable", checks.len()))
        .await;
}
