//! Running a role: its prompt on its model, and on failure the fallback chain.
//!
//! One attempt at a time per job. Transient failures are retried on the same model with
//! backoff (the server's delay honoured); unavailable models are skipped at once; a context
//! overflow moves to a larger window; a cancel stops everything. Output of a failed attempt
//! is discarded, never mixed into the next. Every attempt is recorded.

mod advice;
mod pipeline;
mod recording;
mod retry;
mod run_dir;
mod synthesis;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::config::{AgentConfig, Availability, Config, Environment, ProviderKind};
use crate::providers::{
    ChatRequest, Completion, ErrorClass, ProviderClient, ProviderError, StreamEvent, Usage, collect,
};
use crate::redact;
use crate::role::Role;
use crate::roles::oracle::Candidate;
use crate::roles::{
    self, Fence, Note, Plan, Review, RoleError, RoleInput, RoleOutput, RolePrompt, Verdict,
};

pub use advice::one_line;
pub use pipeline::{PipelineError, PipelineReport, StepReport, run_pipeline};
pub use recording::{MetricsRecorder, recording_orchestrator};
pub use retry::RetryPolicy;
pub use run_dir::{RunDir, RunDirError};
pub use synthesis::{ReviewStatus, summary_markdown};

/// What a job reports while it runs (the CLI prints it; the language server turns it into
/// `$/progress`).
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A pipeline phase starts (1-based index).
    Phase {
        index: usize,
        total: usize,
        name: String,
    },
    /// An attempt starts on a model.
    Attempt {
        role: Role,
        served_by: Role,
        model: String,
        attempt: u32,
    },
    /// A piece of the answer streamed in.
    Text(String),
    /// The attempt failed: text streamed so far belongs to no answer.
    Discarded {
        served_by: Role,
        model: String,
        error: String,
    },
    /// Waiting before retrying the same model.
    Retry {
        model: String,
        delay: Duration,
        error: String,
    },
    /// Moving on to the next role's model.
    Fallback { from: Role, to: Role, error: String },
    /// Secrets were replaced in the prompt before it was sent.
    Redacted { count: usize },
    /// Still waiting for the attempt's first token, `waited` since it started (repeated
    /// every `WAITING_REPORT` so a stalled model is visible while it stalls).
    Waiting { model: String, waited: Duration },
}

/// How often a wait for the first token is reported.
pub const WAITING_REPORT: Duration = Duration::from_secs(2);
/// Retries on the same model after it stalled (a first-byte or idle timeout): a model
/// that stalls twice is not worth a third wait; the fallback chain is.
const MAX_STALL_RETRIES: u32 = 1;

/// Receives a job's events.
pub trait Observer: Send + Sync {
    fn event(&self, event: Event);
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {
    fn event(&self, _event: Event) {}
}

/// One model call, as metrics record it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttemptRecord {
    pub job: String,
    /// The role whose task it was.
    pub role: Role,
    /// The role whose model ran it.
    pub served_by: Role,
    pub model: String,
    pub provider: ProviderKind,
    pub started: SystemTime,
    pub duration: Duration,
    pub usage: Option<Usage>,
    /// `None` on success.
    pub error: Option<(ErrorClass, String)>,
    /// The role whose failure led to this attempt.
    pub fallback_from: Option<Role>,
    /// 1-based, counting every attempt of the job.
    pub attempt: u32,
}

/// Where attempt records go (the metrics file).
pub trait Recorder: Send + Sync {
    fn record(&self, attempt: &AttemptRecord);
}

/// A successful run.
#[derive(Clone, Debug)]
pub struct Served<T> {
    pub output: T,
    pub role: Role,
    pub served_by: Role,
    pub model: String,
    pub completion: Completion,
}

/// One failed attempt, for the final error.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailedAttempt {
    pub served_by: Role,
    pub model: String,
    pub class: ErrorClass,
    pub message: String,
    /// The model's answer when it could not be used (prose where code was asked): the
    /// user may still want to read it.
    pub answer: Option<String>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ExecuteError {
    #[error("cancelled")]
    Cancelled,
    #[error("{role} failed on every model it may use:\n{}", list(.attempts))]
    Exhausted {
        role: Role,
        attempts: Vec<FailedAttempt>,
    },
}

fn list(attempts: &[FailedAttempt]) -> String {
    attempts
        .iter()
        .map(|a| {
            format!(
                "  - {} ({}): {:?}: {}",
                a.served_by, a.model, a.class, a.message
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs roles for one configuration.
pub struct Orchestrator {
    config: Config,
    env: Arc<dyn Environment + Send + Sync>,
    retry: RetryPolicy,
    recorder: Option<Arc<dyn Recorder>>,
    /// One client per serving role, kept so each endpoint's learned behaviour (its
    /// structured-output mode) and connections carry over between attempts.
    clients: Mutex<HashMap<Role, Arc<ProviderClient>>>,
}

impl Orchestrator {
    pub fn new(config: Config, env: Arc<dyn Environment + Send + Sync>) -> Orchestrator {
        Orchestrator {
            config,
            env,
            retry: RetryPolicy::default(),
            recorder: None,
            clients: Mutex::new(HashMap::new()),
        }
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Orchestrator {
        self.retry = retry;
        self
    }

    pub fn with_recorder(mut self, recorder: Arc<dyn Recorder>) -> Orchestrator {
        self.recorder = Some(recorder);
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Runs `role` on `input`.
    pub async fn execute(
        &self,
        role: Role,
        input: &RoleInput,
        job: &str,
        cancel: &CancellationToken,
        observer: &dyn Observer,
    ) -> Result<Served<RoleOutput>, ExecuteError> {
        let prompt = roles::prompt(role, input, &Fence::new());
        self.run(
            role,
            &prompt,
            |c| roles::parse(role, input, c),
            job,
            cancel,
            observer,
        )
        .await
    }

    /// Runs an Oracle review that also judges `candidates` (the offline pass's findings):
    /// each is confirmed as a finding or rejected with a reason.
    pub async fn review(
        &self,
        input: &RoleInput,
        candidates: &[Candidate],
        job: &str,
        cancel: &CancellationToken,
        observer: &dyn Observer,
    ) -> Result<Served<Review>, ExecuteError> {
        let prompt = roles::oracle::review_prompt(input, candidates, &Fence::new());
        self.run(
            Role::Oracle,
            &prompt,
            |c| roles::oracle::parse_review(input, candidates, c),
            job,
            cancel,
            observer,
        )
        .await
    }

    /// Asks Oracle whether `work` followed `plan` and met the task.
    pub async fn verdict(
        &self,
        task: &str,
        plan: &Plan,
        work: &[Note],
        job: &str,
        cancel: &CancellationToken,
        observer: &dyn Observer,
    ) -> Result<Served<Verdict>, ExecuteError> {
        let prompt = roles::oracle::verdict_prompt(task, plan, work, &Fence::new());
        self.run(
            Role::Oracle,
            &prompt,
            |c| roles::oracle::parse_verdict(plan, c),
            job,
            cancel,
            observer,
        )
        .await
    }

    /// Runs a prompt on a free-text answer (documentation, assessments).
    pub async fn write(
        &self,
        role: Role,
        prompt: &RolePrompt,
        job: &str,
        cancel: &CancellationToken,
        observer: &dyn Observer,
    ) -> Result<Served<String>, ExecuteError> {
        self.run(role, prompt, |c| Ok(c.text.clone()), job, cancel, observer)
            .await
    }

    /// The roles whose models may serve `role`, in order: itself, its fallback chain, the
    /// primary role; each once.
    pub fn chain(&self, role: Role) -> Vec<Role> {
        let mut chain = vec![role];
        if self.config.routing.enable_fallback {
            for next in self
                .config
                .agents
                .get(role)
                .fallback
                .iter()
                .chain([&self.config.routing.primary])
            {
                if !chain.contains(next) {
                    chain.push(*next);
                }
            }
        }
        chain
    }

    /// Why no model can serve `role` (every model of its chain is unavailable: no key,
    /// say), or `None` when one can be tried.
    pub fn unavailable(&self, role: Role, env: &dyn Environment) -> Option<String> {
        let mut reasons = Vec::new();
        for role in self.chain(role) {
            let agent = self.config.agents.get(role);
            match agent.availability(env) {
                Availability::Available { .. } => return None,
                Availability::Unavailable { reason } => {
                    reasons.push(format!("{role} ({}): {reason}", agent.model));
                }
            }
        }
        Some(reasons.join("; "))
    }

    async fn run<T>(
        &self,
        role: Role,
        prompt: &RolePrompt,
        parse: impl Fn(&Completion) -> Result<T, RoleError>,
        job: &str,
        cancel: &CancellationToken,
        observer: &dyn Observer,
    ) -> Result<Served<T>, ExecuteError> {
        let mut failures: Vec<FailedAttempt> = Vec::new();
        let mut attempt_no = 0;
        let mut previous: Option<Role> = None;
        // After a context overflow, only larger windows are worth trying.
        let mut need_window_above: Option<u64> = None;

        for served_by in self.chain(role) {
            if cancel.is_cancelled() {
                return Err(ExecuteError::Cancelled);
            }
            let agent = self.config.agents.get(served_by);
            if need_window_above.is_some_and(|window| agent.context_tokens <= window) {
                continue;
            }
            if let (Some(from), Some(last)) = (previous, failures.last()) {
                observer.event(Event::Fallback {
                    from,
                    to: served_by,
                    error: last.message.clone(),
                });
            }
            let turn = Turn {
                job,
                role,
                served_by,
                agent,
                fallback_from: previous,
            };
            previous = Some(served_by);

            let key = match agent.availability(self.env.as_ref()) {
                Availability::Available { key } => key,
                Availability::Unavailable { reason } => {
                    attempt_no += 1;
                    let error = (ErrorClass::Unavailable, reason.clone());
                    self.record(&turn, attempt_no, Duration::ZERO, None, Some(error));
                    failures.push(FailedAttempt {
                        served_by,
                        model: agent.model.clone(),
                        class: ErrorClass::Unavailable,
                        message: reason,
                        answer: None,
                    });
                    continue;
                }
            };

            let mut retries = Retries::default();
            loop {
                attempt_no += 1;
                observer.event(Event::Attempt {
                    role,
                    served_by,
                    model: agent.model.clone(),
                    attempt: attempt_no,
                });
                let started = Instant::now();
                let result = self
                    .attempt_watched(&turn, key.clone(), prompt, observer, cancel)
                    .await;
                let outcome = result.and_then(|completion| match parse(&completion) {
                    Ok(output) => Ok((output, completion)),
                    Err(err) => Err(ProviderError::InvalidOutput {
                        message: err.to_string(),
                        raw: completion.text,
                    }),
                });
                let elapsed = started.elapsed();
                match outcome {
                    Ok((output, completion)) => {
                        self.record(&turn, attempt_no, elapsed, completion.usage, None);
                        return Ok(Served {
                            output,
                            role,
                            served_by,
                            model: agent.model.clone(),
                            completion,
                        });
                    }
                    Err(error) => {
                        let class = error.class();
                        let usage = match &error {
                            ProviderError::Incomplete { usage, .. } => *usage,
                            _ => None,
                        };
                        let failed = Some((class, error.to_string()));
                        self.record(&turn, attempt_no, elapsed, usage, failed);
                        if class == ErrorClass::Cancelled {
                            return Err(ExecuteError::Cancelled);
                        }
                        observer.event(Event::Discarded {
                            served_by,
                            model: agent.model.clone(),
                            error: error.to_string(),
                        });
                        failures.push(FailedAttempt {
                            served_by,
                            model: agent.model.clone(),
                            class,
                            message: error.to_string(),
                            answer: match &error {
                                ProviderError::InvalidOutput { raw, .. } => Some(raw.clone()),
                                _ => None,
                            },
                        });
                        if class == ErrorClass::Request && error.is_context_overflow() {
                            need_window_above = Some(agent.context_tokens);
                        }
                        let Some(delay) = retries.after(&self.retry, &error) else {
                            break;
                        };
                        observer.event(Event::Retry {
                            model: agent.model.clone(),
                            delay,
                            error: error.to_string(),
                        });
                        wait(delay, cancel).await?;
                    }
                }
            }
        }
        Err(ExecuteError::Exhausted {
            role,
            attempts: failures,
        })
    }

    /// One call: stream the answer, report its pieces, collect it.
    async fn attempt(
        &self,
        served_by: Role,
        agent: &AgentConfig,
        key: Option<crate::config::ApiKey>,
        prompt: &RolePrompt,
        observer: &dyn Observer,
        first_token: &AtomicBool,
    ) -> Result<Completion, ProviderError> {
        let client = self.client(served_by, agent, key)?;
        let request = self.outgoing(prompt, agent, observer);
        let events = client.stream(&request).await?;
        let events = events.inspect(|event| {
            if let Ok(StreamEvent::Text(piece)) = event {
                first_token.store(true, Ordering::Relaxed);
                observer.event(Event::Text(piece.clone()));
            }
        });
        collect(Box::pin(events), request.schema.as_ref()).await
    }

    /// The request as it may leave: secrets redacted, unless the endpoint is on this
    /// machine and the configuration lets local endpoints see them. Done here, at the last
    /// step before sending, so that every prompt — roles, verdicts, free text — passes it.
    fn outgoing(
        &self,
        prompt: &RolePrompt,
        agent: &AgentConfig,
        observer: &dyn Observer,
    ) -> ChatRequest {
        if !redact::required(agent, &self.config.privacy) {
            return prompt.request(agent);
        }
        let system = redact::redact(&prompt.system);
        let user = redact::redact(&prompt.user);
        let count = system.found.len() + user.found.len();
        if 0 < count {
            observer.event(Event::Redacted { count });
        }
        let redacted = RolePrompt {
            system: system.text,
            user: user.text,
            schema: prompt.schema.clone(),
        };
        redacted.request(agent)
    }

    fn client(
        &self,
        served_by: Role,
        agent: &AgentConfig,
        key: Option<crate::config::ApiKey>,
    ) -> Result<Arc<ProviderClient>, ProviderError> {
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = clients.get(&served_by) {
            return Ok(client.clone());
        }
        let client = Arc::new(ProviderClient::new(agent, key)?);
        clients.insert(served_by, client.clone());
        Ok(client)
    }

    /// Records attempt number `attempt` of `turn`, which took `duration`.
    fn record(
        &self,
        turn: &Turn<'_>,
        attempt: u32,
        duration: Duration,
        usage: Option<Usage>,
        error: Option<(ErrorClass, String)>,
    ) {
        if let Some(recorder) = &self.recorder {
            recorder.record(&AttemptRecord {
                job: turn.job.to_string(),
                role: turn.role,
                served_by: turn.served_by,
                model: turn.agent.model.clone(),
                provider: turn.agent.provider,
                started: SystemTime::now() - duration,
                duration,
                usage,
                error,
                fallback_from: turn.fallback_from,
                attempt,
            });
        }
    }

    /// One attempt of `turn`'s model, reporting `Event::Waiting` every `WAITING_REPORT`
    /// until the first token; a cancel ends it at once.
    async fn attempt_watched(
        &self,
        turn: &Turn<'_>,
        key: Option<crate::config::ApiKey>,
        prompt: &RolePrompt,
        observer: &dyn Observer,
        cancel: &CancellationToken,
    ) -> Result<Completion, ProviderError> {
        let started = Instant::now();
        let first_token = AtomicBool::new(false);
        let attempt = self.attempt(
            turn.served_by,
            turn.agent,
            key,
            prompt,
            observer,
            &first_token,
        );
        tokio::pin!(attempt);
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + WAITING_REPORT, WAITING_REPORT);
        loop {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => break Err(ProviderError::Cancelled),
                result = &mut attempt => break result,
                _ = ticks.tick(), if !first_token.load(Ordering::Relaxed) => {
                    observer.event(Event::Waiting {
                        model: turn.agent.model.clone(),
                        waited: started.elapsed(),
                    });
                }
            }
        }
    }
}

/// The retries one model has had, and so whether it gets another.
#[derive(Default)]
struct Retries {
    transient: u32,
    stalls: u32,
    invalid_output: bool,
}

impl Retries {
    /// The wait before retrying after `error`, or `None` when this model is done: transient
    /// errors back off (a stall is retried `MAX_STALL_RETRIES` times), an unusable answer
    /// is asked for once more at once, anything else goes to the fallback.
    fn after(&mut self, policy: &RetryPolicy, error: &ProviderError) -> Option<Duration> {
        match error.class() {
            ErrorClass::Transient if error.is_stall() => {
                self.stalls += 1;
                self.transient += 1;
                match self.stalls <= MAX_STALL_RETRIES {
                    true => policy.delay(self.transient, None, retry::jitter()),
                    false => None,
                }
            }
            ErrorClass::Transient => {
                self.transient += 1;
                policy.delay(self.transient, error.retry_after(), retry::jitter())
            }
            ErrorClass::InvalidOutput if !self.invalid_output => {
                self.invalid_output = true;
                Some(Duration::ZERO)
            }
            _ => None,
        }
    }
}

/// One model's turn in a job's fallback chain: what every attempt of it records.
struct Turn<'a> {
    job: &'a str,
    role: Role,
    served_by: Role,
    agent: &'a AgentConfig,
    /// The role whose model failed before this one, if any.
    fallback_from: Option<Role>,
}

/// Waits before a retry; a cancel ends the wait at once.
async fn wait(delay: Duration, cancel: &CancellationToken) -> Result<(), ExecuteError> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(ExecuteError::Cancelled),
        _ = tokio::time::sleep(delay) => Ok(()),
    }
}

/// A short random id grouping the attempts of one job.
pub fn new_job_id() -> String {
    let mut bytes = [0u8; 6];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Attempt {
                role,
                served_by,
                model,
                attempt,
            } if role == served_by => {
                write!(f, "{role}: asking {model} (attempt {attempt})")
            }
            Event::Attempt {
                role,
                served_by,
                model,
                attempt,
            } => {
                write!(
                    f,
                    "{role}: asking {served_by}'s model {model} (attempt {attempt})"
                )
            }
            Event::Phase { index, total, name } => write!(f, "[{index}/{total}] {name}"),
            Event::Text(_) => Ok(()),
            Event::Discarded { model, error, .. } => write!(f, "{model} failed: {error}"),
            Event::Retry { model, delay, .. } => {
                write!(f, "retrying {model} in {:.1}s", delay.as_secs_f64())
            }
            Event::Fallback { from, to, .. } => write!(f, "falling back from {from} to {to}"),
            Event::Redacted { count: 1 } => f.write_str("redacted 1 secret from the prompt"),
            Event::Redacted { count } => write!(f, "redacted {count} secrets from the prompt"),
            Event::Waiting { waited, .. } => {
                write!(f, "waiting for the first token ({} s)", waited.as_secs())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_retry_waits_exactly_the_delay() {
        let started = tokio::time::Instant::now();
        wait(Duration::from_secs(17), &CancellationToken::new())
            .await
            .unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(17));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancel_ends_the_wait_at_once() {
        let cancel = CancellationToken::new();
        let started = tokio::time::Instant::now();
        let waiting = wait(Duration::from_secs(60), &cancel);
        cancel.cancel();
        assert_eq!(waiting.await, Err(ExecuteError::Cancelled));
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
