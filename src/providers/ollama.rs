//! Ollama's native API, `/api/chat` with NDJSON streams (providers.md §4).

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ErrorClass, ProviderError};
use super::event::{FinishReason, StreamEvent, Usage};
use super::framing::{Frame, Framing};
use super::request::{ChatRequest, FillRequest};
use super::wire::{
    ErrorParts, bearer, chat_messages, decode_whole, frame_json, json, status_error,
};
use super::{HttpCall, ModelPage, Provider, StreamDecoder};
use crate::config::{ApiKey, FillEndpoint, ProviderKind};

pub(crate) struct Ollama {
    base: String,
    model: String,
    /// Ollama's hosted API takes a bearer token; a local server needs none.
    key: Option<ApiKey>,
    /// Sent as `num_ctx` on every call: without it Ollama picks a window by VRAM and
    /// silently truncates longer prompts.
    context_tokens: u64,
}

impl Ollama {
    pub fn new(base: String, model: String, key: Option<ApiKey>, context_tokens: u64) -> Ollama {
        Ollama {
            base,
            model,
            key,
            context_tokens,
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        bearer(self.key.as_ref())
    }

    fn options(&self, max_tokens: u64, temperature: Option<f64>, stop: &[String]) -> Value {
        let mut options = json!({
            "num_predict": max_tokens,
            "num_ctx": self.context_tokens,
        });
        if let Some(temperature) = temperature {
            options["temperature"] = json!(temperature);
        }
        if !stop.is_empty() {
            options["stop"] = json!(stop);
        }
        options
    }
}

impl Provider for Ollama {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ollama
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn chat(&self, request: &ChatRequest, stream: bool) -> HttpCall {
        let messages = chat_messages(request);
        let options = self.options(request.max_tokens, request.temperature, &request.stop);
        // `stream` defaults to true: always say which.
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "stream": stream,
            "options": options,
        });
        if let Some(schema) = &request.schema {
            body["format"] = schema.schema.clone();
        }
        HttpCall {
            method: Method::POST,
            url: format!("{}/api/chat", self.base),
            headers: self.headers(),
            body: Some(body),
        }
    }

    /// `/api/generate` with `suffix` applies the model's own FIM template (qwen2.5-coder,
    /// codellama, starcoder2, deepseek-coder); its lines carry `response` for `message`.
    fn fill(
        &self,
        endpoint: FillEndpoint,
        request: &FillRequest,
        stream: bool,
    ) -> Option<HttpCall> {
        if endpoint != FillEndpoint::Generate {
            return None;
        }
        let body = json!({
            "model": self.model,
            "prompt": request.prefix,
            "suffix": request.suffix,
            "stream": stream,
            "options": self.options(request.max_tokens, request.temperature, &request.stop),
        });
        Some(HttpCall {
            method: Method::POST,
            url: format!("{}/api/generate", self.base),
            headers: self.headers(),
            body: Some(body),
        })
    }

    fn framing(&self) -> Framing {
        Framing::Ndjson
    }

    fn decoder(&self) -> Box<dyn StreamDecoder> {
        Box::new(Decoder::default())
    }

    /// A non-streaming response is the stream's final line with the whole message.
    fn decode_response(&self, body: &[u8]) -> Result<Vec<StreamEvent>, ProviderError> {
        decode_whole(Decoder::default(), body).map(|(events, _)| events)
    }

    fn error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        let message = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string));
        let message = match (status, message) {
            (404, Some(message)) => Some(format!("{message} (run `ollama pull {}`)", self.model)),
            (_, message) => message,
        };
        status_error(
            status,
            headers,
            body,
            Some(ErrorParts {
                message,
                code: None,
            }),
            None,
        )
    }

    fn models(&self, _page: Option<&str>) -> HttpCall {
        HttpCall {
            method: Method::GET,
            url: format!("{}/api/tags", self.base),
            headers: self.headers(),
            body: None,
        }
    }

    fn decode_models(&self, body: &[u8]) -> Result<ModelPage, ProviderError> {
        #[derive(Deserialize)]
        struct List {
            #[serde(default)]
            models: Vec<Entry>,
        }
        #[derive(Deserialize)]
        struct Entry {
            name: String,
        }
        let list: List = json(&String::from_utf8_lossy(body))?;
        Ok(ModelPage {
            ids: list.models.into_iter().map(|m| m.name).collect(),
            next: None,
        })
    }
}

#[derive(Deserialize)]
struct Line {
    message: Option<LineMessage>,
    /// `/api/generate`'s piece of the answer, where `/api/chat` has `message`.
    response: Option<String>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    /// Metrics are omitted when zero.
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct LineMessage {
    #[serde(default)]
    content: String,
}

#[derive(Default)]
struct Decoder {
    done: bool,
}

impl StreamDecoder for Decoder {
    fn frame(&mut self, frame: &Frame, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        let line: Line = frame_json(frame)?;
        if let Some(error) = line.error {
            let message = match error {
                Value::String(s) => s,
                other => other.to_string(),
            };
            return Err(ProviderError::InStream {
                class: ErrorClass::Transient,
                code: None,
                message,
                retry_after: None,
            });
        }
        let text = line.message.map(|m| m.content).or(line.response);
        if let Some(text) = text.filter(|text| !text.is_empty()) {
            out.push(StreamEvent::Text(text));
        }
        if line.done {
            self.done = true;
            out.push(StreamEvent::Usage(Usage {
                input_tokens: line.prompt_eval_count.unwrap_or(0),
                output_tokens: line.eval_count.unwrap_or(0),
            }));
            let reason = match line.done_reason.as_deref() {
                None | Some("stop") => FinishReason::Stop,
                Some("length") => FinishReason::Length,
                Some(other) => FinishReason::Other(other.to_string()),
            };
            out.push(StreamEvent::Finish(reason));
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.done
    }
}
