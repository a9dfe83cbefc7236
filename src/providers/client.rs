//! The HTTP side shared by all providers: sending, timeouts, streaming, cancellation.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use tokio::time::timeout;

use super::error::{ProviderError, TimeoutPhase};
use super::event::{Completion, FinishReason, StreamEvent, Usage};
use super::framing::{Frame, FrameDecoder};
use super::request::{ChatRequest, FillRequest, OutputSchema};
use super::structured::parse_structured;
use super::{HttpCall, Provider, StreamDecoder, provider_for};
use crate::config::{AgentConfig, ApiKey, FillEndpoint};

/// A provider's answer as it arrives. Dropping it closes the connection.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<StreamEvent, ProviderError>> + Send>>;

/// Most a non-streamed body or an error body may hold; beyond it is not a chat answer.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// A provider listing more pages than this is not answering a model list.
const MAX_MODEL_PAGES: usize = 50;

/// How long to wait. There is no total cap: a stream that keeps producing is never cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// Until the response headers arrive (connecting included).
    pub first_byte: Duration,
    /// Between two chunks of the body.
    pub idle: Duration,
}

impl Timeouts {
    pub fn for_agent(agent: &AgentConfig) -> Timeouts {
        Timeouts {
            connect: Duration::from_secs(agent.connect_timeout_seconds),
            first_byte: Duration::from_secs(agent.first_byte_timeout_seconds),
            idle: Duration::from_secs(agent.timeout_seconds),
        }
    }
}

/// The process-wide HTTP client for a connect timeout (one in practice: agents rarely
/// differ). Sharing it shares connection pools, TLS sessions and HTTP/2 connections.
pub fn shared_http_client(connect: Duration) -> Result<reqwest::Client, ProviderError> {
    static CLIENTS: OnceLock<Mutex<HashMap<Duration, reqwest::Client>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(|| {
        // reqwest is built without a crypto provider (its default, aws-lc-rs, is a slow C
        // build) and panics building a client while none is installed. An error means a
        // provider is installed already, which reqwest then uses: nothing to do.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Default::default()
    });
    let mut clients = clients
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(client) = clients.get(&connect) {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .connect_timeout(connect)
        .user_agent(concat!("multi-model/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|err| ProviderError::Connect {
            message: format!("cannot set up the HTTP client: {err}"),
        })?;
    clients.insert(connect, client.clone());
    Ok(client)
}

/// Talks to one agent's model.
pub struct ProviderClient {
    http: reqwest::Client,
    provider: Box<dyn Provider>,
    timeouts: Timeouts,
    /// Kept to scrub it from any error text a server might echo.
    key: Option<ApiKey>,
    /// How this endpoint accepts structured output: `SCHEMA_NATIVE`, `SCHEMA_FALLBACK`
    /// (the provider's second way) or `SCHEMA_PROMPT` (the schema in the prompt only).
    schema_mode: AtomicU8,
}

const SCHEMA_NATIVE: u8 = 0;
const SCHEMA_FALLBACK: u8 = 1;
const SCHEMA_PROMPT: u8 = 2;

impl ProviderClient {
    pub fn new(agent: &AgentConfig, key: Option<ApiKey>) -> Result<ProviderClient, ProviderError> {
        let timeouts = Timeouts::for_agent(agent);
        Ok(ProviderClient {
            http: shared_http_client(timeouts.connect)?,
            provider: provider_for(agent, key.clone()),
            timeouts,
            key,
            schema_mode: AtomicU8::new(SCHEMA_NATIVE),
        })
    }

    /// Starts a streamed call; the events follow as they arrive.
    pub async fn stream(&self, request: &ChatRequest) -> Result<EventStream, ProviderError> {
        let sent = tokio::time::Instant::now();
        let response = self.send_chat(request, true).await?;
        Ok(self.events(response, sent))
    }

    /// Starts a streamed fill-in-the-middle call at `endpoint`; `None` when this wire
    /// format has no such endpoint.
    pub async fn fill_stream(
        &self,
        endpoint: FillEndpoint,
        request: &FillRequest,
    ) -> Option<Result<EventStream, ProviderError>> {
        let call = self.provider.fill(endpoint, request, true)?;
        let sent = tokio::time::Instant::now();
        Some(
            self.send(call)
                .await
                .map(|response| self.events(response, sent)),
        )
    }

    /// The model this client talks to, as its provider names it.
    pub fn model(&self) -> &str {
        self.provider.model()
    }

    fn events(&self, response: reqwest::Response, sent: tokio::time::Instant) -> EventStream {
        let state = StreamState {
            body: response.bytes_stream().boxed(),
            frames: FrameDecoder::new(self.provider.framing()),
            decoder: self.provider.decoder(),
            first_byte: Some((sent + self.timeouts.first_byte, self.timeouts.first_byte)),
            idle: self.timeouts.idle,
            key: self.key.clone(),
            pending: VecDeque::new(),
            failure: None,
            text: String::new(),
            usage: None,
            ended: false,
        };
        Box::pin(stream::unfold(state, StreamState::next))
    }

    /// A streamed call, collected (with a schema, its JSON parsed).
    pub async fn stream_collect(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let events = self.stream(request).await?;
        collect(events, request.schema.as_ref()).await
    }

    /// A non-streaming call: the same events, from one response body.
    pub async fn complete(&self, request: &ChatRequest) -> Result<Completion, ProviderError> {
        let response = self.send_chat(request, false).await?;
        let body = read_body(response, self.timeouts.idle)
            .await
            .map_err(|e| self.scrub(e))?;
        let events = self
            .provider
            .decode_response(&body)
            .map_err(|e| self.scrub(e))?;
        collect(
            stream::iter(events.into_iter().map(Ok)),
            request.schema.as_ref(),
        )
        .await
    }

    /// Every model id the endpoint lists, across pages.
    pub async fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let mut ids = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_MODEL_PAGES {
            let response = self.send(self.provider.models(page.as_deref())).await?;
            let body = read_body(response, self.timeouts.idle)
                .await
                .map_err(|e| self.scrub(e))?;
            let listed = self
                .provider
                .decode_models(&body)
                .map_err(|e| self.scrub(e))?;
            ids.extend(listed.ids);
            match listed.next {
                Some(next) if page.as_deref() != Some(next.as_str()) => page = Some(next),
                _ => return Ok(ids),
            }
        }
        Ok(ids)
    }

    /// Sends a chat call. A server that refuses the native structured-output mode is asked
    /// again in the provider's fallback mode, then with the schema in the prompt only.
    /// The mode that worked is remembered, so a server is asked the wrong way only once.
    async fn send_chat(
        &self,
        request: &ChatRequest,
        stream: bool,
    ) -> Result<reqwest::Response, ProviderError> {
        let Some(schema) = &request.schema else {
            return self.send(self.provider.chat(request, stream)).await;
        };
        let in_prompt = without_native_schema(request);
        let mut mode = self.schema_mode.load(Ordering::Relaxed);
        loop {
            let call = match mode {
                SCHEMA_NATIVE => Some(self.provider.chat(request, stream)),
                SCHEMA_FALLBACK => self.provider.chat_json_fallback(&in_prompt, schema, stream),
                _ => Some(self.provider.chat(&in_prompt, stream)),
            };
            let Some(call) = call else {
                mode += 1;
                continue;
            };
            match self.send(call).await {
                Err(error) if mode < SCHEMA_PROMPT && schema_mode_rejected(&error) => mode += 1,
                other => {
                    self.schema_mode.store(mode, Ordering::Relaxed);
                    return other;
                }
            }
        }
    }

    async fn send(&self, call: HttpCall) -> Result<reqwest::Response, ProviderError> {
        let mut builder = self.http.request(call.method, &call.url);
        for (name, value) in call.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &call.body {
            builder = builder.json(body);
        }
        let response = match timeout(self.timeouts.first_byte, builder.send()).await {
            Err(_) => {
                return Err(ProviderError::Timeout {
                    phase: TimeoutPhase::FirstByte,
                    after: self.timeouts.first_byte,
                });
            }
            Ok(Err(err)) => return Err(self.scrub(transport_error(&err, self.timeouts.first_byte))),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let headers = response.headers().clone();
        // An unreadable error body still leaves the status to report.
        let body = read_body(response, self.timeouts.idle)
            .await
            .unwrap_or_default();
        Err(self.scrub(self.provider.error(status.as_u16(), &headers, &body)))
    }

    fn scrub(&self, error: ProviderError) -> ProviderError {
        match &self.key {
            Some(key) => error.redact(key.expose()),
            None => error,
        }
    }
}

/// Whether a server refused the native structured-output mode itself (llama-cpp-python
/// answers 500 "type must be 'text' or 'json_object'" to `json_schema`).
fn schema_mode_rejected(error: &ProviderError) -> bool {
    let ProviderError::Status {
        status, message, ..
    } = error
    else {
        return false;
    };
    let message = message.to_ascii_lowercase();
    *status != 429
        && (400..600).contains(status)
        && [
            "response_format",
            "json_schema",
            "json_object",
            "responsejsonschema",
        ]
        .iter()
        .any(|word| message.contains(word))
}

/// The same request asking for the JSON in the prompt instead; the answer is still
/// extracted, and checked by the role that asked.
fn without_native_schema(request: &ChatRequest) -> ChatRequest {
    let mut plain = request.clone();
    if let Some(schema) = plain.schema.take() {
        let instruction = format!(
            "Answer with a single JSON value and nothing else. It must match this JSON Schema:\n{}",
            schema.schema
        );
        plain.system = Some(match plain.system {
            Some(system) => format!("{system}\n\n{instruction}"),
            None => instruction,
        });
    }
    plain
}

/// Collects a stream into one answer; with a schema, the answer must hold a JSON value.
pub async fn collect(
    mut events: impl Stream<Item = Result<StreamEvent, ProviderError>> + Unpin,
    schema: Option<&OutputSchema>,
) -> Result<Completion, ProviderError> {
    let mut text = String::new();
    let mut usage = None;
    let mut finish = None;
    while let Some(event) = events.next().await {
        match event? {
            StreamEvent::Text(piece) => text.push_str(&piece),
            StreamEvent::Usage(u) => usage = Some(u),
            StreamEvent::Finish(reason) => finish = Some(reason),
        }
    }
    let finish = finish.unwrap_or(FinishReason::Stop);
    if finish == FinishReason::Refusal {
        return Err(ProviderError::Refused { reason: text });
    }
    let json = match schema {
        Some(_) if finish == FinishReason::Length => {
            return Err(ProviderError::InvalidOutput {
                message: "the answer was cut off at max_tokens before its JSON was complete; raise max_tokens".into(),
                raw: text,
            });
        }
        Some(_) => Some(parse_structured(&text)?),
        None => None,
    };
    Ok(Completion {
        text,
        usage,
        finish,
        json,
    })
}

struct StreamState {
    body: BoxStream<'static, reqwest::Result<Bytes>>,
    frames: FrameDecoder,
    decoder: Box<dyn StreamDecoder>,
    idle: Duration,
    key: Option<ApiKey>,
    pending: VecDeque<StreamEvent>,
    /// An error to report once the events before it are delivered.
    failure: Option<ProviderError>,
    /// Until the first chunk: when the first-byte timeout runs out, and its length.
    first_byte: Option<(tokio::time::Instant, Duration)>,
    /// The answer so far, kept apart in `Incomplete` if the stream breaks.
    text: String,
    usage: Option<Usage>,
    ended: bool,
}

impl StreamState {
    async fn next(mut self) -> Option<(Result<StreamEvent, ProviderError>, StreamState)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some((Ok(event), self));
            }
            if let Some(failure) = self.failure.take() {
                let failure = match &self.key {
                    Some(key) => failure.redact(key.expose()),
                    None => failure,
                };
                return Some((Err(failure), self));
            }
            if self.ended {
                return None;
            }
            // Until the body's first chunk, the first-byte deadline holds (servers send
            // the headers at once and think before the first token); then the idle one.
            let (wait, phase, after) = match self.first_byte.take() {
                Some((deadline, after)) => (
                    deadline.saturating_duration_since(tokio::time::Instant::now()),
                    TimeoutPhase::FirstByte,
                    after,
                ),
                None => (self.idle, TimeoutPhase::Idle, self.idle),
            };
            match timeout(wait, self.body.next()).await {
                Err(_) => self.fail(ProviderError::Timeout { phase, after }),
                Ok(Some(Ok(chunk))) => {
                    let mut frames = Vec::new();
                    self.frames.push(&chunk, &mut frames);
                    self.decode(&frames);
                }
                Ok(Some(Err(_))) => self.fail_incomplete(),
                Ok(None) => {
                    let mut frames = Vec::new();
                    self.frames.finish(&mut frames);
                    self.decode(&frames);
                    if !self.ended && !self.decoder.complete() {
                        self.fail_incomplete();
                    }
                    self.ended = true;
                }
            }
        }
    }

    fn decode(&mut self, frames: &[Frame]) {
        let mut events = Vec::new();
        for frame in frames {
            if let Err(error) = self.decoder.frame(frame, &mut events) {
                self.fail(error);
                break;
            }
            if self.decoder.done() {
                // Nothing after the end marker matters; dropping the body ends the request.
                self.ended = true;
                break;
            }
        }
        for event in &events {
            match event {
                StreamEvent::Text(piece) => self.text.push_str(piece),
                StreamEvent::Usage(usage) => self.usage = Some(*usage),
                StreamEvent::Finish(_) => {}
            }
        }
        self.pending.extend(events);
    }

    fn fail(&mut self, error: ProviderError) {
        if self.failure.is_none() {
            self.failure = Some(error);
        }
        self.ended = true;
    }

    fn fail_incomplete(&mut self) {
        let partial = std::mem::take(&mut self.text);
        self.fail(ProviderError::Incomplete {
            partial,
            usage: self.usage,
        });
    }
}

async fn read_body(response: reqwest::Response, idle: Duration) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    let mut chunks = response.bytes_stream();
    loop {
        match timeout(idle, chunks.next()).await {
            Err(_) => {
                return Err(ProviderError::Timeout {
                    phase: TimeoutPhase::Idle,
                    after: idle,
                });
            }
            Ok(None) => return Ok(body),
            Ok(Some(Err(err))) => return Err(transport_error(&err, idle)),
            Ok(Some(Ok(chunk))) => {
                if MAX_BODY_BYTES < body.len() + chunk.len() {
                    return Err(ProviderError::Protocol {
                        message: format!(
                            "the response is larger than {} MB",
                            MAX_BODY_BYTES / (1024 * 1024)
                        ),
                    });
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

fn transport_error(err: &reqwest::Error, waited: Duration) -> ProviderError {
    if err.is_timeout() {
        return ProviderError::Timeout {
            phase: TimeoutPhase::FirstByte,
            after: waited,
        };
    }
    // The source chain holds the useful part ("connection refused", "dns error").
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    ProviderError::Connect { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_can_be_built_with_the_installed_crypto_provider() {
        let client = shared_http_client(Duration::from_secs(3));
        assert!(client.is_ok(), "{:?}", client.err());
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
