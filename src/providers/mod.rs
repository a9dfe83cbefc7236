//! The model back ends: one `Provider` trait, four wire formats, one HTTP client.
//!
//! A `Provider` is pure translation — a `ChatRequest` into an `HttpCall`, response bytes into
//! `StreamEvent`s and `ProviderError`s — so each wire format is testable and measurable
//! without a network. `ProviderClient` does the HTTP for all of them: timeouts, status
//! checks, streaming, cancellation (drop the stream and the connection closes).
//! Providers never see a role, a prompt template or an LSP type.

mod anthropic;
mod client;
mod error;
mod event;
pub mod framing;
mod gemini;
mod ollama;
mod openai;
mod request;
mod structured;
mod wire;

use std::fmt;

use reqwest::header::HeaderMap;

use crate::config::{AgentConfig, ApiKey, FillEndpoint, ProviderKind};
use framing::{Frame, Framing};

pub use client::{EventStream, ProviderClient, Timeouts, collect, shared_http_client};
pub use error::{ErrorClass, ProviderError, TimeoutPhase};
pub use event::{Completion, FinishReason, StreamEvent, Usage};
pub use request::{ChatRequest, FillRequest, Message, OutputSchema, Speaker};
pub use structured::parse_structured;

/// An HTTP request a provider wants made. Header values may hold the key: `Debug` hides them.
pub struct HttpCall {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
}

impl fmt::Debug for HttpCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("HttpCall")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

/// One page of a provider's model list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelPage {
    pub ids: Vec<String>,
    /// The token or cursor for the next page, when there is one.
    pub next: Option<String>,
}

/// Turns the frames of one streamed response into events.
pub trait StreamDecoder: Send {
    /// Decodes one frame. An error reported inside the stream is returned as `Err`.
    fn frame(&mut self, frame: &Frame, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError>;
    /// The end marker has been seen; nothing after it matters.
    fn done(&self) -> bool;
    /// At the end of the body: whether the response was complete.
    fn complete(&self) -> bool {
        self.done()
    }
}

/// A wire format: how to ask, and how to read the answer.
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;
    fn model(&self) -> &str;
    /// The chat call, streaming or not.
    fn chat(&self, request: &ChatRequest, stream: bool) -> HttpCall;
    /// A second way to ask for structured output, for servers that refuse the native one
    /// (llama.cpp's `json_object` with a `schema`). `request` already asks for the JSON in
    /// its prompt. `None`: the prompt alone must do.
    fn chat_json_fallback(
        &self,
        _request: &ChatRequest,
        _schema: &OutputSchema,
        _stream: bool,
    ) -> Option<HttpCall> {
        None
    }
    /// A fill-in-the-middle call at `endpoint`; `None` when this wire format has no such
    /// endpoint (the caller asks in a chat instead). Its stream is read by `decoder`.
    fn fill(
        &self,
        _endpoint: FillEndpoint,
        _request: &FillRequest,
        _stream: bool,
    ) -> Option<HttpCall> {
        None
    }
    fn framing(&self) -> Framing;
    fn decoder(&self) -> Box<dyn StreamDecoder>;
    /// The events of a whole non-streaming response body.
    fn decode_response(&self, body: &[u8]) -> Result<Vec<StreamEvent>, ProviderError>;
    /// The error a non-2xx response stands for.
    fn error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError;
    /// The model-list call, from the start or from a page token.
    fn models(&self, page: Option<&str>) -> HttpCall;
    fn decode_models(&self, body: &[u8]) -> Result<ModelPage, ProviderError>;
}

/// The provider for an agent's configuration.
pub fn provider_for(agent: &AgentConfig, key: Option<ApiKey>) -> Box<dyn Provider> {
    let model = agent.model.clone();
    let base = agent.api_base.trim_end_matches('/').to_string();
    match agent.provider {
        ProviderKind::OpenAi => Box::new(openai::OpenAi::new(
            base,
            model,
            key,
            agent.max_tokens_field,
        )),
        ProviderKind::Anthropic => Box::new(anthropic::Anthropic::new(base, model, key)),
        ProviderKind::Gemini => Box::new(gemini::Gemini::new(base, model, key)),
        ProviderKind::Ollama => {
            Box::new(ollama::Ollama::new(base, model, key, agent.context_tokens))
        }
    }
}
