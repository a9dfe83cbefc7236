//! Anthropic Messages (providers.md §2).

use std::collections::HashMap;

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ErrorClass, ProviderError};
use super::event::{FinishReason, StreamEvent, Usage};
use super::framing::{Frame, Framing};
use super::request::{ChatRequest, Speaker};
use super::wire::{ErrorParts, frame_json, json, status_error};
use super::{HttpCall, ModelPage, Provider, StreamDecoder};
use crate::config::{ApiKey, ProviderKind};

/// The API version every pinned client sends (providers.md §2.1). Sent exactly once.
const API_VERSION: &str = "2023-06-01";
/// The tool that carries structured output (forced tool use works on every Claude model).
const OUTPUT_TOOL: &str = "emit_output";

pub(crate) struct Anthropic {
    base: String,
    model: String,
    key: Option<ApiKey>,
}

impl Anthropic {
    pub fn new(base: String, model: String, key: Option<ApiKey>) -> Anthropic {
        Anthropic { base, model, key }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![("anthropic-version", API_VERSION.to_string())];
        if let Some(key) = &self.key {
            headers.push(("x-api-key", key.expose().to_string()));
        }
        headers
    }
}

impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn chat(&self, request: &ChatRequest, stream: bool) -> HttpCall {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.speaker {
                    Speaker::User => "user",
                    Speaker::Assistant => "assistant",
                };
                json!({"role": role, "content": m.content})
            })
            .collect();
        let mut body = json!({
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": stream,
        });
        if let Some(system) = &request.system {
            body["system"] = json!(system);
        }
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        if !request.stop.is_empty() {
            body["stop_sequences"] = json!(request.stop);
        }
        if let Some(schema) = &request.schema {
            body["tools"] = json!([{
                "name": OUTPUT_TOOL,
                "description": format!("Return the answer as `{}`.", schema.name),
                "input_schema": schema.schema,
            }]);
            body["tool_choice"] = json!({"type": "tool", "name": OUTPUT_TOOL});
        }
        HttpCall {
            method: Method::POST,
            url: format!("{}/v1/messages", self.base),
            headers: self.headers(),
            body: Some(body),
        }
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn decoder(&self) -> Box<dyn StreamDecoder> {
        Box::new(Decoder::default())
    }

    fn decode_response(&self, body: &[u8]) -> Result<Vec<StreamEvent>, ProviderError> {
        #[derive(Deserialize)]
        struct Response {
            #[serde(default)]
            content: Vec<Block>,
            stop_reason: Option<String>,
            usage: Option<WireUsage>,
            error: Option<WireError>,
        }
        #[derive(Deserialize)]
        struct Block {
            #[serde(rename = "type")]
            kind: String,
            text: Option<String>,
            input: Option<Value>,
        }
        let response: Response = json(&String::from_utf8_lossy(body))?;
        if let Some(error) = response.error {
            return Err(error.into_error());
        }
        let mut events = Vec::new();
        // Select blocks by type, never by position: thinking blocks may come first.
        for block in response.content {
            match (block.kind.as_str(), block.text, block.input) {
                ("text", Some(text), _) => events.push(StreamEvent::Text(text)),
                ("tool_use", _, Some(input)) => events.push(StreamEvent::Text(input.to_string())),
                _ => {}
            }
        }
        if let Some(usage) = response.usage {
            events.push(StreamEvent::Usage(usage.total()));
        }
        let reason = response.stop_reason.unwrap_or_else(|| "end_turn".into());
        if reason == "refusal" {
            return Err(ProviderError::Refused {
                reason: "the model refused to answer (stop_reason: refusal)".into(),
            });
        }
        events.push(StreamEvent::Finish(finish_reason(&reason)));
        Ok(events)
    }

    fn error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        let parsed: Option<Envelope> = serde_json::from_slice(body).ok();
        let error = parsed.and_then(|e| e.error);
        let class = error
            .as_ref()
            .and_then(|e| class_of_type(&e.kind))
            .filter(|_| status != 429 && status < 500);
        let parts = error.map(|e| ErrorParts {
            message: Some(e.message),
            code: Some(e.kind),
        });
        status_error(status, headers, body, parts, class)
    }

    fn models(&self, page: Option<&str>) -> HttpCall {
        let mut url = format!("{}/v1/models?limit=1000", self.base);
        if let Some(after) = page {
            url.push_str("&after_id=");
            url.extend(url::form_urlencoded::byte_serialize(after.as_bytes()));
        }
        HttpCall {
            method: Method::GET,
            url,
            headers: self.headers(),
            body: None,
        }
    }

    fn decode_models(&self, body: &[u8]) -> Result<ModelPage, ProviderError> {
        #[derive(Deserialize)]
        struct List {
            #[serde(default)]
            data: Vec<Entry>,
            #[serde(default)]
            has_more: bool,
            last_id: Option<String>,
        }
        #[derive(Deserialize)]
        struct Entry {
            id: String,
        }
        let list: List = json(&String::from_utf8_lossy(body))?;
        Ok(ModelPage {
            ids: list.data.into_iter().map(|e| e.id).collect(),
            next: if list.has_more { list.last_id } else { None },
        })
    }
}

#[derive(Deserialize)]
struct Envelope {
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

impl WireError {
    fn into_error(self) -> ProviderError {
        ProviderError::InStream {
            class: class_of_type(&self.kind).unwrap_or(ErrorClass::Transient),
            code: Some(self.kind),
            message: self.message,
            retry_after: None,
        }
    }
}

/// Mid-stream errors arrive with HTTP 200, so their type is all there is to go on.
fn class_of_type(kind: &str) -> Option<ErrorClass> {
    match kind {
        "overloaded_error" | "api_error" | "rate_limit_error" | "timeout_error" => {
            Some(ErrorClass::Transient)
        }
        "authentication_error" | "permission_error" | "not_found_error" | "billing_error" => {
            Some(ErrorClass::Unavailable)
        }
        "invalid_request_error" | "request_too_large" => Some(ErrorClass::Request),
        _ => None,
    }
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "end_turn" | "stop_sequence" | "pause_turn" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolUse,
        "refusal" => FinishReason::Refusal,
        other => FinishReason::Other(other.to_string()),
    }
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: u64,
    #[serde(default)]
    cache_read_input_tokens: u64,
    output_tokens: Option<u64>,
}

impl WireUsage {
    fn total(&self) -> Usage {
        Usage {
            input_tokens: self.input_tokens
                + self.cache_creation_input_tokens
                + self.cache_read_input_tokens,
            output_tokens: self.output_tokens.unwrap_or(0),
        }
    }
}

/// One SSE payload. Flat rather than a tagged enum: serde decodes it in one pass.
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    message: Option<StartMessage>,
    index: Option<u64>,
    content_block: Option<BlockStart>,
    delta: Option<Delta>,
    usage: Option<WireUsage>,
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct StartMessage {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct BlockStart {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(rename = "type")]
    kind: Option<String>,
    text: Option<String>,
    partial_json: Option<String>,
    stop_reason: Option<String>,
}

#[derive(Default)]
struct Decoder {
    /// The kind of each content block, by index: text and tool input are the answer,
    /// thinking is not.
    blocks: HashMap<u64, String>,
    usage: Usage,
    done: bool,
}

impl StreamDecoder for Decoder {
    fn frame(&mut self, frame: &Frame, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        // Dispatch on the payload's `type`: proxies sometimes drop `event:` lines.
        let event: Event = frame_json(frame)?;
        match event.kind.as_str() {
            "message_start" => {
                if let Some(usage) = event.message.and_then(|m| m.usage) {
                    self.usage = usage.total();
                    out.push(StreamEvent::Usage(self.usage));
                }
            }
            "content_block_start" => {
                if let (Some(index), Some(block)) = (event.index, event.content_block) {
                    self.blocks.insert(index, block.kind);
                }
            }
            "content_block_delta" => {
                let block = event
                    .index
                    .and_then(|i| self.blocks.get(&i))
                    .map(String::as_str);
                if let Some(delta) = event.delta {
                    match (delta.kind.as_deref(), block) {
                        (Some("text_delta"), _) => push_text(out, delta.text),
                        (Some("input_json_delta"), Some("tool_use")) => {
                            push_text(out, delta.partial_json)
                        }
                        _ => {}
                    }
                }
            }
            "message_delta" => {
                if let Some(usage) = event.usage {
                    // Cumulative, not incremental; input counts appear here only sometimes.
                    if let Some(output) = usage.output_tokens {
                        self.usage.output_tokens = output;
                    }
                    let input = usage.total().input_tokens;
                    if 0 < input {
                        self.usage.input_tokens = input;
                    }
                    out.push(StreamEvent::Usage(self.usage));
                }
                if let Some(reason) = event.delta.and_then(|d| d.stop_reason) {
                    if reason == "refusal" {
                        return Err(ProviderError::Refused {
                            reason: "the model refused to answer (stop_reason: refusal)".into(),
                        });
                    }
                    out.push(StreamEvent::Finish(finish_reason(&reason)));
                }
            }
            "message_stop" => self.done = true,
            "error" => {
                let error = event.error.unwrap_or(WireError {
                    kind: String::new(),
                    message: "unspecified error".into(),
                });
                return Err(error.into_error());
            }
            _ => {}
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.done
    }
}

fn push_text(out: &mut Vec<StreamEvent>, text: Option<String>) {
    if let Some(text) = text.filter(|t| !t.is_empty()) {
        out.push(StreamEvent::Text(text));
    }
}
