//! `textDocument/inlineCompletion`: ghost text from Hephaestus's model while the user types.
//!
//! What makes it usable is mostly what happens around the model call: a suggestion already
//! made for this place (or one whose start was typed since) answers at once from the
//! cache; a request waits for typing to pause (the debounce) and gives way to a newer one;
//! a newer keystroke aborts the model call of an older one — its HTTP stream is dropped,
//! which closes the connection — unless what was typed is how the suggestion being
//! generated begins, then that call is kept and the rest of it offered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use dashmap::DashMap;
use ropey::Rope;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tower_lsp_server::ls_types::*;

use super::debounce::Debouncer;
use super::position::to_char;
use super::session::Session;
use crate::completion::{Cache, Cursor, Place, around, suggest};
use crate::config::{AgentConfig, Availability, Config, ProcessEnv};
use crate::metrics::{COMPLETION, COMPLETION_ACCEPTED, MetricsEntry, error_class_name};
use crate::providers::{ErrorClass, ProviderClient};
use crate::role::{Role, TaskType};

/// The command an accepted item runs: the server records the acceptance.
pub const ACCEPTED: &str = "multi-model.completionAccepted";

/// Bytes of text read either side of the cursor for the cache and the running call (they
/// compare the ends nearest the cursor, and what was typed since).
const KEY_BYTES: usize = 2048;
/// The most typed bytes a running model call may be kept for.
const MAX_TYPED_AHEAD: usize = 256;

/// The outcome of one model call, shared by every request that waits for it.
type Outcome = Option<Result<Option<String>, String>>;

/// A model call under way for a document.
struct Running {
    place: Place,
    /// The call's name in the metrics file, which an acceptance refers to.
    job: String,
    outcome: watch::Receiver<Outcome>,
    /// The model's text so far.
    so_far: Arc<std::sync::Mutex<String>>,
    abort: AbortHandle,
    /// Requests waiting for it; the last one to go away (cancelled) aborts it.
    waiters: Arc<AtomicUsize>,
}

/// The inline-completion state of a session.
#[derive(Default)]
pub struct Completions {
    debounce: Debouncer,
    cache: std::sync::Mutex<Cache>,
    running: DashMap<Uri, Running>,
    next_id: AtomicU64,
    /// Whether the user was told why completions are off (no key, a broken YAML).
    told: std::sync::atomic::AtomicBool,
}

/// Aborts the model call when the last request waiting for it is dropped (the client
/// cancelled it, or it was superseded).
struct Waiting {
    waiters: Arc<AtomicUsize>,
    abort: AbortHandle,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.waiters.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.abort.abort();
        }
    }
}

impl Completions {
    fn cached(&self, prefix: &str, suffix: &str) -> Option<String> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(prefix, suffix)
    }

    fn remember(&self, prefix: &str, suffix: &str, text: &str) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.put(prefix, suffix, text);
    }

    /// Forgets a closed document's running call.
    pub fn closed(&self, uri: &Uri) {
        if let Some((_, running)) = self.running.remove(uri) {
            running.abort.abort();
        }
        self.debounce.forget(uri);
    }
}

/// Answers one inline-completion request.
pub async fn inline_completion(
    session: &Arc<Session>,
    params: InlineCompletionParams,
) -> Option<InlineCompletionResponse> {
    let started = Instant::now();
    let uri = params.text_document_position.text_document.uri;
    let position = params.text_document_position.position;
    let config = session.config();
    let document = session.documents.snapshot(&uri)?;
    if !config.completion.enabled_for(&document.language_id) || !may_send(&config, &uri) {
        return None;
    }
    let (cursor, _) = to_char(&document.rope, position, session.encoding());
    let version = document.version;
    let (prefix_key, suffix_key) = key_text(&document.rope, cursor);
    let item = |text: String, job: &str| Some(response(session, text, position, job));

    if let Some(text) = session.completions.cached(&prefix_key, &suffix_key) {
        tracing::debug!(took = ?started.elapsed(), "inline completion from the cache");
        return item(text, "cached");
    }
    let completions = &session.completions;
    // Typing the start of what is being generated keeps that call; anything else ends it.
    let kept = completions.running.get(&uri).and_then(|running| {
        let typed = running
            .place
            .typed_since(&prefix_key, &suffix_key, MAX_TYPED_AHEAD)?
            .to_string();
        let so_far = running.so_far.lock().unwrap_or_else(|p| p.into_inner());
        if !(so_far.starts_with(&typed) || typed.starts_with(so_far.as_str())) {
            return None;
        }
        drop(so_far);
        running.waiters.fetch_add(1, Ordering::SeqCst);
        let guard = Waiting {
            waiters: running.waiters.clone(),
            abort: running.abort.clone(),
        };
        Some((typed, running.outcome.clone(), guard, running.job.clone()))
    });
    if let Some((typed, outcome, _guard, job)) = kept {
        let text = wait(outcome).await?;
        return text
            .strip_prefix(&typed)
            .filter(|rest| !rest.trim().is_empty())
            .and_then(|rest| item(rest.to_string(), &job));
    }
    if let Some((_, running)) = completions.running.remove(&uri) {
        running.abort.abort();
    }
    // Binary junk and megabyte lines are no code to complete. Checked after the older call
    // is ended: after an edit it is a pass over the whole text.
    if session.documents.not_text(&uri).is_some() {
        return None;
    }

    let ticket = completions.debounce.ticket(&uri);
    let delay = Duration::from_millis(config.completion.debounce_ms);
    // The prompt is made while the debounce waits (the parse after an edit, the window's
    // redaction): when typing pauses, only the model is left to wait for.
    let redact = {
        let agent = config.completion.agent(&config.agents.hephaestus);
        crate::redact::required(agent, &config.privacy)
    };
    let preparing = {
        let session = session.clone();
        let uri = uri.clone();
        let config = config.clone();
        // Spawned now, not when first awaited: it must run while the debounce waits.
        tokio::spawn(crate::background::blocking(
            "the prompt for a completion",
            move || {
                // A request superseded while it queued makes nothing.
                if !session.completions.debounce.is_latest(&uri, ticket) {
                    return None;
                }
                Some(prompt(
                    &session,
                    &uri,
                    &document,
                    cursor,
                    position.line,
                    &config,
                    redact,
                ))
            },
        ))
    };
    let pause = Instant::now();
    if !completions.debounce.settled(&uri, ticket, delay).await {
        return None;
    }
    let paused = pause.elapsed();
    let shown = preparing.await.ok()?.ok().flatten()?;
    let now = session.documents.snapshot(&uri)?;
    if now.version != version {
        // A newer request is on its way for the new text.
        return None;
    }
    // A broken YAML sends nothing: the defaults would send code where the user never chose.
    if let Err(error) = session.usable_config().await {
        tell_once(session, format!("inline completion is off: {error}"));
        return None;
    }
    let config = session.config();
    let agent = config.completion.agent(&config.agents.hephaestus).clone();
    if crate::redact::required(&agent, &config.privacy) && !redact {
        // The configuration changed meanwhile to an agent that needs redaction.
        return None;
    }
    let key = match agent.availability(&ProcessEnv) {
        Availability::Available { key } => key,
        Availability::Unavailable { reason } => {
            tell_once(session, format!("inline completion is off: {reason}"));
            return None;
        }
    };
    let client = match ProviderClient::new(&agent, key) {
        Ok(client) => client,
        Err(err) => {
            tell_once(session, format!("inline completion is off: {err}"));
            return None;
        }
    };

    let (send, outcome) = watch::channel(None);
    let so_far = Arc::new(std::sync::Mutex::new(String::new()));
    let model_us = Arc::new(AtomicU64::new(0));
    let waiters = Arc::new(AtomicUsize::new(1));
    let recorder = session.recorder();
    let completion_config = config.completion.clone();
    let job = format!(
        "completion-{}",
        completions.next_id.fetch_add(1, Ordering::Relaxed)
    );
    let call = {
        let (prefix_key, suffix_key) = (prefix_key.clone(), suffix_key.clone());
        let session = session.clone();
        let job = job.clone();
        let so_far = so_far.clone();
        let model_us = model_us.clone();
        tokio::spawn(async move {
            let mut attempt = Attempt::new(&agent, job, recorder);
            let tell = |text: &str| {
                *so_far.lock().unwrap_or_else(|p| p.into_inner()) = text.to_string();
            };
            let asked = Instant::now();
            let result = suggest(&client, &agent, &completion_config, &shown, tell).await;
            model_us.store(asked.elapsed().as_micros() as u64, Ordering::Relaxed);
            let outcome = match result {
                Ok(suggested) => {
                    attempt.finish(suggested.usage, None);
                    if let Some(text) = &suggested.text {
                        session.completions.remember(&prefix_key, &suffix_key, text);
                    }
                    Ok(suggested.text)
                }
                Err(err) => {
                    let message = err.to_string();
                    attempt.finish(None, Some((err.class(), message.clone())));
                    Err(message)
                }
            };
            let _ = send.send(Some(outcome));
        })
    };
    let guard = Waiting {
        waiters: waiters.clone(),
        abort: call.abort_handle(),
    };
    completions.running.insert(
        uri.clone(),
        Running {
            place: Place::new(&prefix_key, &suffix_key),
            job: job.clone(),
            outcome: outcome.clone(),
            so_far,
            abort: call.abort_handle(),
            waiters,
        },
    );
    let text = wait(outcome).await;
    drop(guard);
    // What the server itself spent: all but the pause for typing and the model's call
    // (from sending it to its last byte). `benches/inline_completion.py` reads this line.
    let model = Duration::from_micros(model_us.load(Ordering::Relaxed));
    tracing::debug!(
        own_us = started.elapsed().saturating_sub(paused + model).as_micros() as u64,
        paused_us = paused.as_micros() as u64,
        model_us = model.as_micros() as u64,
        "inline completion answered"
    );
    // Unless a newer call has taken its place.
    completions
        .running
        .remove_if(&uri, |_, running| running.job == job);
    item(text?, &job)
}

/// What the model is shown at `cursor` (a char index) of `document`: with the tree when a
/// fresh one is at hand for this version, with the index's definitions when it is built.
fn prompt(
    session: &Arc<Session>,
    uri: &Uri,
    document: &super::documents::Document,
    cursor: usize,
    line: u32,
    config: &Config,
    redact: bool,
) -> crate::completion::Around {
    session.documents.keep_tree(uri);
    let parsed = session
        .documents
        .parsed(uri)
        .filter(|(_, _, version)| *version == document.version)
        .map(|(parsed, _, _)| parsed);
    let text = document.rope.to_string();
    let rel = crate::lsp::indexing::relative(session, uri);
    let label = rel.clone().unwrap_or_else(|| uri.to_string());
    let path = uri.to_file_path();
    let cursor = Cursor {
        text: &text,
        offset: document.rope.char_to_byte(cursor),
        line: line as usize,
        parsed: parsed.as_ref(),
        language: crate::syntax::language_for(path.as_deref(), Some(&document.language_id)),
        label: &label,
        rel: rel.as_deref(),
    };
    let read =
        crate::gather::model_reader(config, |rel: &str| crate::lsp::indexing::read(session, rel));
    let tokens = config.completion.context_tokens;
    session
        .index
        .read(|index| around(&cursor, tokens, redact, Some(index), &read))
        .unwrap_or_else(|| around(&cursor, tokens, redact, None, &read))
}

/// Records that the user accepted a suggestion (the item's command).
pub fn accepted(session: &Arc<Session>, argument: &serde_json::Value) {
    let Some(recorder) = session.recorder() else {
        return;
    };
    let job = argument
        .get("id")
        .and_then(|a| a.as_str())
        .map(str::to_string);
    let model = argument
        .get("model")
        .and_then(|a| a.as_str())
        .unwrap_or_default()
        .to_string();
    let config = session.config();
    let agent = config.completion.agent(&config.agents.hephaestus);
    recorder.append(&MetricsEntry {
        timestamp: jiff::Timestamp::now(),
        role: Role::Hephaestus,
        task_type: TaskType::Coding,
        model,
        provider: agent.provider,
        duration_seconds: 0.0,
        tokens_used: 0,
        input_tokens: 0,
        output_tokens: 0,
        success: true,
        error_class: None,
        error: None,
        fallback_from: None,
        attempt: 1,
        job,
        cost_usd: None,
        kind: Some(COMPLETION_ACCEPTED.into()),
    });
}

/// The text either side of the cursor that identifies its place.
fn key_text(rope: &Rope, cursor: usize) -> (String, String) {
    let start = rope.byte_to_char(rope.char_to_byte(cursor).saturating_sub(KEY_BYTES));
    let end_byte = (rope.char_to_byte(cursor) + KEY_BYTES).min(rope.len_bytes());
    let end = rope.byte_to_char(end_byte);
    (
        rope.slice(start..cursor).to_string(),
        rope.slice(cursor..end).to_string(),
    )
}

/// Completions send the document to the completion model: never a document the
/// configuration keeps from every model.
fn may_send(config: &Config, uri: &Uri) -> bool {
    let denied = uri
        .to_file_path()
        .is_some_and(|path| config.privacy.never_send.denies(&path));
    !denied
}

fn tell_once(session: &Arc<Session>, message: String) {
    if !session.completions.told.swap(true, Ordering::SeqCst) {
        session.log(MessageType::WARNING, message);
    }
}

async fn wait(mut outcome: watch::Receiver<Outcome>) -> Option<String> {
    let outcome = outcome.wait_for(Option::is_some).await.ok()?.clone()?;
    outcome.ok().flatten()
}

fn response(
    session: &Arc<Session>,
    text: String,
    at: Position,
    job: &str,
) -> InlineCompletionResponse {
    let config = session.config();
    let model = config
        .completion
        .agent(&config.agents.hephaestus)
        .model
        .clone();
    InlineCompletionResponse::Array(vec![InlineCompletionItem {
        insert_text: text,
        filter_text: None,
        range: Some(Range { start: at, end: at }),
        command: Some(Command {
            title: "Accept".into(),
            command: ACCEPTED.into(),
            arguments: Some(vec![serde_json::json!({"id": job, "model": model})]),
        }),
        insert_text_format: None,
    }])
}

/// One model call in the metrics file; a call dropped before it finished (superseded,
/// cancelled) is recorded as cancelled.
struct Attempt {
    entry: Option<MetricsEntry>,
    started: Instant,
    recorder: Option<Arc<crate::orchestrator::MetricsRecorder>>,
}

impl Attempt {
    fn new(
        agent: &AgentConfig,
        job: String,
        recorder: Option<Arc<crate::orchestrator::MetricsRecorder>>,
    ) -> Attempt {
        Attempt {
            entry: Some(MetricsEntry {
                timestamp: jiff::Timestamp::try_from(SystemTime::now())
                    .unwrap_or_else(|_| jiff::Timestamp::now()),
                role: Role::Hephaestus,
                task_type: TaskType::Coding,
                model: agent.model.clone(),
                provider: agent.provider,
                duration_seconds: 0.0,
                tokens_used: 0,
                input_tokens: 0,
                output_tokens: 0,
                success: false,
                error_class: Some(error_class_name(ErrorClass::Cancelled).into()),
                error: None,
                fallback_from: None,
                attempt: 1,
                job: Some(job),
                cost_usd: None,
                kind: Some(COMPLETION.into()),
            }),
            started: Instant::now(),
            recorder,
        }
    }

    fn finish(
        &mut self,
        usage: Option<crate::providers::Usage>,
        error: Option<(ErrorClass, String)>,
    ) {
        if let Some(entry) = &mut self.entry {
            let usage = usage.unwrap_or_default();
            entry.input_tokens = usage.input_tokens;
            entry.output_tokens = usage.output_tokens;
            entry.tokens_used = usage.input_tokens + usage.output_tokens;
            entry.success = error.is_none();
            entry.error_class = error
                .as_ref()
                .map(|(class, _)| error_class_name(*class).into());
            entry.error = error.map(|(_, message)| message);
            if let Some(recorder) = &self.recorder {
                entry.cost_usd =
                    recorder.cost(&entry.model, usage.input_tokens, usage.output_tokens);
            }
        }
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if let (Some(mut entry), Some(recorder)) = (self.entry.take(), &self.recorder) {
            entry.duration_seconds = self.started.elapsed().as_secs_f64();
            recorder.append(&entry);
        }
    }
}
