//! OpenAI Chat Completions, and every OpenAI-compatible server (providers.md §1).

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ErrorClass, ProviderError};
use super::event::{FinishReason, StreamEvent, Usage};
use super::framing::{Frame, Framing};
use super::request::{ChatRequest, FillRequest, OutputSchema};
use super::wire::{ErrorParts, bearer, chat_messages, code_text, frame_json, json, status_error};
use super::{HttpCall, ModelPage, Provider, StreamDecoder};
use crate::config::{ApiKey, FillEndpoint, ProviderKind, TokenLimitField};

pub(crate) struct OpenAi {
    base: String,
    model: String,
    key: Option<ApiKey>,
    max_tokens_field: &'static str,
}

impl OpenAi {
    pub fn new(
        base: String,
        model: String,
        key: Option<ApiKey>,
        field: Option<TokenLimitField>,
    ) -> OpenAi {
        let field = field.unwrap_or_else(|| default_token_field(&base, &model));
        OpenAi {
            base,
            model,
            key,
            max_tokens_field: field.name(),
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        bearer(self.key.as_ref())
    }
}

/// OpenAI's own service and its reasoning models wherever they are served (Azure,
/// OpenRouter, LiteLLM pass the body through) reject `max_tokens`; other compatible servers
/// (vLLM, llama.cpp, LM Studio) often know only `max_tokens`.
fn default_token_field(base: &str, model: &str) -> TokenLimitField {
    if base.contains("api.openai.com") || is_reasoning_model(model) {
        TokenLimitField::MaxCompletionTokens
    } else {
        TokenLimitField::MaxTokens
    }
}

/// gpt-5 and the o-series (o1, o3, o4-mini …), also behind a router's vendor prefix
/// (`openai/gpt-5.4-mini`).
fn is_reasoning_model(model: &str) -> bool {
    let name = model
        .rsplit('/')
        .next()
        .unwrap_or(model)
        .to_ascii_lowercase();
    if name.starts_with("gpt-5") {
        return true;
    }
    let mut chars = name.chars();
    chars.next() == Some('o') && chars.next().is_some_and(|c| c.is_ascii_digit())
}

impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OpenAi
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn chat(&self, request: &ChatRequest, stream: bool) -> HttpCall {
        let messages = chat_messages(request);
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "stream": stream,
        });
        body[self.max_tokens_field] = json!(request.max_tokens);
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        if !request.stop.is_empty() {
            body["stop"] = json!(request.stop);
        }
        if stream {
            body["stream_options"] = json!({"include_usage": true});
        }
        if let Some(schema) = &request.schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": schema.name, "strict": true, "schema": schema.schema},
            });
        }
        HttpCall {
            method: Method::POST,
            url: format!("{}/chat/completions", self.base),
            headers: self.headers(),
            body: Some(body),
        }
    }

    fn chat_json_fallback(
        &self,
        request: &ChatRequest,
        schema: &OutputSchema,
        stream: bool,
    ) -> Option<HttpCall> {
        let mut call = self.chat(request, stream);
        if let Some(body) = &mut call.body {
            body["response_format"] = json!({"type": "json_object", "schema": schema.schema});
        }
        Some(call)
    }

    /// `/completions` answers in `choices[].text`, Mistral's `/fim/completions` in the chat
    /// shape; the one decoder reads both.
    fn fill(
        &self,
        endpoint: FillEndpoint,
        request: &FillRequest,
        stream: bool,
    ) -> Option<HttpCall> {
        let path = match endpoint {
            FillEndpoint::Completions => "completions",
            FillEndpoint::Fim => "fim/completions",
            FillEndpoint::Generate => return None,
        };
        let mut body = json!({
            "model": self.model,
            "prompt": request.prefix,
            "suffix": request.suffix,
            "max_tokens": request.max_tokens,
            "stream": stream,
        });
        if let Some(temperature) = request.temperature {
            body["temperature"] = json!(temperature);
        }
        if !request.stop.is_empty() {
            body["stop"] = json!(request.stop);
        }
        Some(HttpCall {
            method: Method::POST,
            url: format!("{}/{path}", self.base),
            headers: self.headers(),
            body: Some(body),
        })
    }

    fn framing(&self) -> Framing {
        Framing::Sse
    }

    fn decoder(&self) -> Box<dyn StreamDecoder> {
        Box::new(Decoder::default())
    }

    fn decode_response(&self, body: &[u8]) -> Result<Vec<StreamEvent>, ProviderError> {
        let response: Response = json(&String::from_utf8_lossy(body))?;
        if let Some(error) = response.error {
            return Err(in_stream_error(&error));
        }
        let mut events = Vec::new();
        let choice =
            response
                .choices
                .into_iter()
                .next()
                .ok_or_else(|| ProviderError::Protocol {
                    message: "the response has no choices".into(),
                })?;
        if let Some(refusal) = choice.message.refusal.filter(|r| !r.is_empty()) {
            return Err(ProviderError::Refused { reason: refusal });
        }
        if let Some(content) = choice.message.content.or(choice.text) {
            events.push(StreamEvent::Text(content));
        }
        if let Some(usage) = response.usage {
            events.push(StreamEvent::Usage(usage.into()));
        }
        events.push(StreamEvent::Finish(finish_reason(
            choice.finish_reason.as_deref().unwrap_or("stop"),
        )));
        Ok(events)
    }

    fn error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let parts = parsed.as_ref().map(error_parts);
        let quota = parts.as_ref().and_then(|p| p.code.as_deref()) == Some("insufficient_quota")
            || parsed
                .as_ref()
                .and_then(|v| v.pointer("/error/type"))
                .and_then(Value::as_str)
                == Some("insufficient_quota");
        let class = match parts.as_ref().and_then(|p| p.code.as_deref()) {
            _ if quota => Some(ErrorClass::Unavailable),
            Some("model_not_found") | Some("invalid_api_key") => Some(ErrorClass::Unavailable),
            _ => None,
        };
        status_error(status, headers, body, parts, class)
    }

    fn models(&self, _page: Option<&str>) -> HttpCall {
        HttpCall {
            method: Method::GET,
            url: format!("{}/models", self.base),
            headers: self.headers(),
            body: None,
        }
    }

    fn decode_models(&self, body: &[u8]) -> Result<ModelPage, ProviderError> {
        #[derive(Deserialize)]
        struct List {
            #[serde(default)]
            data: Vec<Entry>,
        }
        #[derive(Deserialize)]
        struct Entry {
            id: String,
        }
        let list: List = json(&String::from_utf8_lossy(body))?;
        Ok(ModelPage {
            ids: list.data.into_iter().map(|e| e.id).collect(),
            next: None,
        })
    }
}

/// `{"error": {"message", "type", "code"}}`, `{"error": "text"}` or vLLM's older flat shape.
fn error_parts(body: &Value) -> ErrorParts {
    let error = body.get("error").unwrap_or(body);
    match error {
        Value::String(message) => ErrorParts {
            message: Some(message.clone()),
            code: None,
        },
        _ => ErrorParts {
            message: error
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_string),
            code: error.get("code").and_then(code_text).or_else(|| {
                error
                    .get("type")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            }),
        },
    }
}

fn in_stream_error(error: &Value) -> ProviderError {
    let parts = error_parts(&json!({"error": error}));
    let kind = error.get("type").and_then(Value::as_str).unwrap_or("");
    let class = match (kind, parts.code.as_deref()) {
        (_, Some("insufficient_quota")) => ErrorClass::Unavailable,
        ("invalid_request_error", _) => ErrorClass::Request,
        _ => ErrorClass::Transient,
    };
    ProviderError::InStream {
        class,
        code: parts.code,
        message: parts.message.unwrap_or_else(|| "unspecified error".into()),
        retry_after: None,
    }
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "content_filter" => FinishReason::ContentFilter,
        "tool_calls" | "function_call" => FinishReason::ToolUse,
        other => FinishReason::Other(other.to_string()),
    }
}

#[derive(Deserialize)]
struct Response {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    message: ResponseMessage,
    /// The legacy completions shape (`/completions`, fill in the middle).
    text: Option<String>,
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct ResponseMessage {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    /// The legacy completions shape (`/completions`, fill in the middle).
    text: Option<String>,
    finish_reason: Option<String>,
}

#[derive(Default, Deserialize)]
struct Delta {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(usage: WireUsage) -> Usage {
        Usage {
            input_tokens: usage.prompt_tokens,
            output_tokens: usage.completion_tokens,
        }
    }
}

#[derive(Default)]
struct Decoder {
    done: bool,
    finished: bool,
    refusal: String,
}

impl StreamDecoder for Decoder {
    fn frame(&mut self, frame: &Frame, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        if frame.data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let chunk: Chunk = frame_json(frame)?;
        if let Some(error) = chunk.error {
            return Err(in_stream_error(&error));
        }
        // The usage chunk has no choices: never index choices[0] blindly.
        for choice in chunk.choices {
            let text = choice.delta.content.or(choice.text);
            if let Some(text) = text.filter(|t| !t.is_empty()) {
                out.push(StreamEvent::Text(text));
            }
            if let Some(refusal) = choice.delta.refusal {
                self.refusal.push_str(&refusal);
            }
            if let Some(reason) = choice.finish_reason {
                if !self.refusal.is_empty() {
                    return Err(ProviderError::Refused {
                        reason: std::mem::take(&mut self.refusal),
                    });
                }
                self.finished = true;
                out.push(StreamEvent::Finish(finish_reason(&reason)));
            }
        }
        if let Some(usage) = chunk.usage {
            out.push(StreamEvent::Usage(usage.into()));
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.done
    }

    /// Servers that never send `[DONE]` are complete once a finish reason arrived.
    fn complete(&self) -> bool {
        self.done || self.finished
    }
}
