//! Background jobs: each model task runs apart from the request that started it, reports
//! through `$/progress` (or messages, for clients without progress), and can be cancelled.

mod pipeline;
mod reports;
mod role;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::notification::Progress as ProgressNotification;
use tower_lsp_server::ls_types::*;
use tracing::Instrument;

use super::session::Session;
use crate::lsp::commands::Target;
use crate::orchestrator::{Event, Observer};
use crate::task::{PipelineRequest, RoleCommand};

/// What a job does.
pub enum JobKind {
    Role {
        command: RoleCommand,
        target: Box<Target>,
    },
    Pipeline(PipelineRequest),
    Metrics,
    Doctor,
}

/// Runs a job to its end: progress begins, the work runs, the result is delivered, progress ends.
pub async fn run(session: &Arc<Session>, token: &str, cancel: &CancellationToken, kind: JobKind) {
    // Fail closed: with a broken configuration the built-in defaults would send the code
    // to services the user never chose. The metrics report reads only a local file.
    if !matches!(kind, JobKind::Metrics)
        && let Err(refusal) = session.usable_config().await
    {
        let progress = JobProgress::begin(session, token, job_title(&kind), String::new()).await;
        session.log(MessageType::ERROR, refusal.clone());
        session
            .client
            .show_message(MessageType::ERROR, refusal)
            .await;
        progress
            .end("configuration broken: nothing sent".into())
            .await;
        return;
    }
    match kind {
        JobKind::Role { command, target } => {
            role::role_job(session, token, cancel, command, *target).await
        }
        JobKind::Pipeline(request) => pipeline::pipeline_job(session, token, cancel, request).await,
        JobKind::Metrics => reports::metrics_job(session).await,
        JobKind::Doctor => reports::doctor_job(session, token).await,
    }
    session.report_metrics_failures();
}

/// How much a message type matters, as its LSP number says (1, error, matters most).
fn importance(typ: MessageType) -> i32 {
    match typ {
        MessageType::ERROR => 1,
        MessageType::WARNING => 2,
        MessageType::INFO => 3,
        _ => 4,
    }
}

fn job_title(kind: &JobKind) -> String {
    match kind {
        JobKind::Role { command, .. } => command.title().to_string(),
        JobKind::Pipeline(request) => format!("{} pipeline", request.kind),
        JobKind::Metrics => "Metrics".into(),
        JobKind::Doctor => "Doctor".into(),
    }
}

impl JobKind {
    /// The span a job runs in, so that every line it logs says which job and what it does.
    /// At error level: the context is there whatever `MULTI_MODEL_LOG` lets through.
    fn span(&self, token: &str) -> tracing::Span {
        match self {
            JobKind::Role { command, .. } => tracing::error_span!(
                "job",
                token = %token,
                command = %command.title(),
                role = %command.role(),
            ),
            JobKind::Pipeline(request) => {
                tracing::error_span!("job", token = %token, pipeline = %request.kind)
            }
            JobKind::Metrics => tracing::error_span!("job", token = %token, command = %"metrics"),
            JobKind::Doctor => tracing::error_span!("job", token = %token, command = %"doctor"),
        }
    }
}

/// The running jobs, by progress token.
#[derive(Default)]
pub struct Jobs {
    running: DashMap<String, CancellationToken>,
    /// The job each `workspace/executeCommand` request started, by request id, so that a
    /// `$/cancelRequest` for that request cancels its job.
    by_request: DashMap<String, String>,
    next: AtomicU64,
}

impl Jobs {
    /// Starts a job and returns its progress token at once.
    pub fn start(&self, session: Arc<Session>, kind: JobKind, request: Option<String>) -> String {
        let token = format!(
            "multi-model/{}",
            self.next.fetch_add(1, Ordering::Relaxed) + 1
        );
        let cancel = CancellationToken::new();
        self.running.insert(token.clone(), cancel.clone());
        if let Some(request) = &request {
            self.by_request.insert(request.clone(), token.clone());
        }
        let job_token = token.clone();
        let span = kind.span(&token);
        tokio::spawn(
            async move {
                tracing::debug!("started");
                // In a task of its own, so that a panic in the job is reported, not lost with
                // the job (its progress would never end).
                let job = {
                    let (session, job_token) = (session.clone(), job_token.clone());
                    tokio::spawn(
                        async move { run(&session, &job_token, &cancel, kind).await }
                            .in_current_span(),
                    )
                };
                if let Err(error) = job.await {
                    let failed = crate::background::TaskFailed::new("the job", error);
                    session.log(MessageType::ERROR, failed.to_string());
                    session
                        .client
                        .show_message(MessageType::ERROR, failed.to_string())
                        .await;
                }
                session.jobs.running.remove(&job_token);
                if let Some(request) = request {
                    session.jobs.by_request.remove(&request);
                }
                tracing::debug!("ended");
            }
            .instrument(span),
        );
        token
    }

    pub fn cancel(&self, token: &str) -> bool {
        match self.running.get(token) {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels the job started by the request `id`, if it still runs.
    pub fn cancel_request(&self, id: &str) -> bool {
        match self.by_request.get(id).map(|token| token.clone()) {
            Some(token) => self.cancel(&token),
            None => false,
        }
    }

    pub fn cancel_all(&self) -> usize {
        let mut count = 0;
        for entry in self.running.iter() {
            entry.value().cancel();
            count += 1;
        }
        count
    }
}

/// A job's progress in the editor: `$/progress` when the client supports it, messages
/// otherwise.
pub struct JobProgress {
    session: Arc<Session>,
    token: Option<ProgressToken>,
    /// What the user must read, kept for after the end where the client shows only its
    /// latest status message (Helix), which the end would overwrite.
    notices: std::sync::Mutex<Vec<(MessageType, String)>>,
}

impl JobProgress {
    pub async fn begin(
        session: &Arc<Session>,
        token: &str,
        title: String,
        message: String,
    ) -> JobProgress {
        let mut progress = JobProgress {
            session: session.clone(),
            token: None,
            notices: std::sync::Mutex::new(Vec::new()),
        };
        if session.caps().progress {
            let token = ProgressToken::String(token.to_string());
            if session
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
            {
                progress.token = Some(token);
            }
        }
        match &progress.token {
            Some(_) => {
                progress
                    .send(WorkDoneProgress::Begin(WorkDoneProgressBegin {
                        title,
                        cancellable: Some(true),
                        message: Some(message),
                        percentage: None,
                    }))
                    .await
            }
            None => {
                session
                    .client
                    .show_message(MessageType::INFO, format!("{title}: {message}"))
                    .await
            }
        }
        progress
    }

    pub async fn report(&self, message: String) {
        if self.token.is_some() {
            self.send(WorkDoneProgress::Report(WorkDoneProgressReport {
                cancellable: Some(true),
                message: Some(message),
                percentage: None,
            }))
            .await;
        }
    }

    /// Logs `message` and shows its first line: at once, or — where the client shows only
    /// its latest status message — after the job's end, the most important last.
    pub async fn tell(&self, typ: MessageType, message: String) {
        self.session.log(typ, message.clone());
        let line = message.lines().next().unwrap_or_default().to_string();
        if self.session.caps().shows_latest_message_only {
            self.notices
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((typ, line));
        } else {
            self.session.client.show_message(typ, line).await;
        }
    }

    pub async fn end(&self, message: String) {
        self.send_end(message).await;
        let mut notices =
            std::mem::take(&mut *self.notices.lock().unwrap_or_else(|p| p.into_inner()));
        // MessageType numbers run from 1 (error) to 4 (log): errors go last.
        notices.sort_by_key(|(typ, _)| std::cmp::Reverse(importance(*typ)));
        for (typ, line) in notices {
            self.session.client.show_message(typ, line).await;
        }
    }

    async fn send_end(&self, message: String) {
        match &self.token {
            Some(_) => {
                self.send(WorkDoneProgress::End(WorkDoneProgressEnd {
                    message: Some(message),
                }))
                .await
            }
            None => {
                self.session
                    .client
                    .show_message(MessageType::INFO, message)
                    .await
            }
        }
    }

    async fn send(&self, value: WorkDoneProgress) {
        if let Some(token) = &self.token {
            let params = ProgressParams {
                token: token.clone(),
                value: ProgressParamsValue::WorkDone(value),
            };
            self.session
                .client
                .send_notification::<ProgressNotification>(params)
                .await;
        }
    }
}

/// Forwards orchestrator events to a job's progress, streamed tokens at most a few times a
/// second (the estimate: four characters a token).
pub struct ProgressObserver {
    sender: mpsc::UnboundedSender<Event>,
    reporter: tokio::task::JoinHandle<()>,
}

impl Observer for ProgressObserver {
    fn event(&self, event: Event) {
        let _ = self.sender.send(event);
    }
}

impl ProgressObserver {
    /// The observer, and the task that turns its events into reports (ends with it).
    pub fn attach(progress: Arc<JobProgress>) -> ProgressObserver {
        let (sender, mut events) = mpsc::unbounded_channel::<Event>();
        let reporter = tokio::spawn(async move {
            let mut streamed = 0usize;
            let mut last_report = Instant::now() - Duration::from_secs(1);
            let mut current = String::new();
            while let Some(event) = events.recv().await {
                match event {
                    Event::Text(piece) => {
                        streamed += piece.chars().count();
                        if Duration::from_millis(250) <= last_report.elapsed() {
                            last_report = Instant::now();
                            progress
                                .report(format!("{current} — ~{} tokens", streamed / 4))
                                .await;
                        }
                    }
                    // Beside the attempt it belongs to, updated as the seconds pass.
                    Event::Waiting { .. } => {
                        progress.report(format!("{current} — {event}")).await;
                    }
                    Event::Attempt { .. } | Event::Phase { .. } => {
                        streamed = 0;
                        current = event.to_string();
                        progress.report(current.clone()).await;
                    }
                    other => progress.report(other.to_string()).await,
                }
            }
        });
        ProgressObserver { sender, reporter }
    }

    /// Stops observing once every event is reported: a report after the progress `end`
    /// would break the protocol.
    pub async fn finish(self) {
        drop(self.sender);
        let _ = self.reporter.await;
    }
}
