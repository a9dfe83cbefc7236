//! Google Gemini API, v1beta (providers.md §3).

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ErrorClass, ProviderError, parse_proto_duration};
use super::event::{FinishReason, StreamEvent, Usage};
use super::framing::{Frame, Framing};
use super::request::{ChatRequest, Speaker};
use super::wire::{ErrorParts, decode_whole, frame_json, status_error};
use super::{HttpCall, ModelPage, Provider, StreamDecoder};
use crate::config::{ApiKey, ProviderKind};

pub(crate) struct Gemini {
    base: String,
    model: String,
    key: Option<ApiKey>,
}

impl Gemini {
    pub fn new(base: String, model: String, key: Option<ApiKey>) -> Gemini {
        // models.list names carry a `models/` prefix; the path template adds its own.
        let model = model.strip_prefix("models/").unwrap_or(&model).to_string();
        Gemini { base, model, key }
    }

    /// The key goes in a header, never in the URL: URLs end up in logs.
    fn headers(&self) -> Vec<(&'static str, String)> {
        match &self.key {
            Some(key) => vec![("x-goog-api-key", key.expose().to_string())],
            None => Vec::new(),
        }
    }
}

impl Provider for Gemini {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Gemini
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn chat(&self, request: &ChatRequest, stream: bool) -> HttpCall {
        let contents: Vec<Value> = request
            .messages
            .iter()
            .map(|m| {
                let role = match m.speaker {
                    Speaker::User => "user",
                    Speaker::Assistant => "model",
                };
                json!({"role": role, "parts": [{"text": m.content}]})
            })
            .collect();
        let mut config = json!({"maxOutputTokens": request.max_tokens});
        if let Some(temperature) = request.temperature {
            config["temperature"] = json!(temperature);
        }
        if !request.stop.is_empty() {
            config["stopSequences"] = json!(request.stop);
        }
        if let Some(schema) = &request.schema {
            // responseJsonSchema takes standard JSON Schema; responseSchema rejects
            // `$schema`, `title`, `const` and more.
            config["responseMimeType"] = json!("application/json");
            config["responseJsonSchema"] = schema.schema.clone();
        }
        let mut body = json!({"contents": contents, "generationConfig": config});
        if let Some(system) = &request.system {
            body["systemInstruction"] = json!({"parts": [{"text": system}]});
        }
        // Built with format!, not Url::join: `gemini-x:generateContent` would parse as a scheme.
        let url = if stream {
            format!(
                "{}/models/{}:streamGenerateContent?alt=sse",
                self.base, self.model
            )
        } else {
            format!("{}/models/{}:generateContent", self.base, self.model)
        };
        HttpCall {
            method: Method::POST,
            url,
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

    /// A non-streaming response has the shape of one stream chunk.
    fn decode_response(&self, body: &[u8]) -> Result<Vec<StreamEvent>, ProviderError> {
        let (mut events, finished) = decode_whole(Decoder::default(), body)?;
        if !finished {
            events.push(StreamEvent::Finish(FinishReason::Stop));
        }
        Ok(events)
    }

    fn error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> ProviderError {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        match parsed.as_ref().and_then(rpc_status) {
            Some(rpc) => {
                let class = rpc.class(status);
                let mut error = status_error(status, headers, body, Some(rpc.parts()), Some(class));
                if let ProviderError::Status { retry_after, .. } = &mut error {
                    *retry_after = retry_after.or(rpc.retry_delay);
                }
                error
            }
            None => status_error(status, headers, body, None, None),
        }
    }

    fn models(&self, page: Option<&str>) -> HttpCall {
        let mut url = format!("{}/models?pageSize=1000", self.base);
        if let Some(token) = page {
            // Tokens are base64: a raw `+` would reach the server as a space.
            url.push_str("&pageToken=");
            url.extend(url::form_urlencoded::byte_serialize(token.as_bytes()));
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
        #[serde(rename_all = "camelCase")]
        struct List {
            #[serde(default)]
            models: Vec<Entry>,
            next_page_token: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Entry {
            name: String,
            supported_generation_methods: Option<Vec<String>>,
        }
        let list: List = super::wire::json(&String::from_utf8_lossy(body))?;
        let ids = list
            .models
            .into_iter()
            .filter(|m| {
                m.supported_generation_methods
                    .as_ref()
                    .is_none_or(|methods| methods.iter().any(|x| x == "generateContent"))
            })
            .map(|m| {
                m.name
                    .strip_prefix("models/")
                    .unwrap_or(&m.name)
                    .to_string()
            })
            .collect();
        Ok(ModelPage {
            ids,
            next: list.next_page_token.filter(|t| !t.is_empty()),
        })
    }
}

/// A `google.rpc.Status`, possibly wrapped in a one-element array.
struct RpcStatus {
    code: Option<u16>,
    status: String,
    message: Option<String>,
    reason: Option<String>,
    per_day_quota: bool,
    retry_delay: Option<std::time::Duration>,
}

impl RpcStatus {
    fn class(&self, http_status: u16) -> ErrorClass {
        let status = self.code.unwrap_or(http_status);
        match (status, self.status.as_str(), self.reason.as_deref()) {
            // An invalid key is 400 INVALID_ARGUMENT here, not 401.
            (_, _, Some("API_KEY_INVALID")) => ErrorClass::Unavailable,
            (
                _,
                "FAILED_PRECONDITION" | "PERMISSION_DENIED" | "UNAUTHENTICATED" | "NOT_FOUND",
                _,
            ) => ErrorClass::Unavailable,
            (429, _, _) if self.per_day_quota => ErrorClass::Unavailable,
            (402, _, _) => ErrorClass::Unavailable,
            _ => super::error::class_of_status(status),
        }
    }

    fn parts(&self) -> ErrorParts {
        ErrorParts {
            message: self.message.clone(),
            code: Some(self.reason.clone().unwrap_or_else(|| self.status.clone()))
                .filter(|c| !c.is_empty()),
        }
    }
}

fn rpc_status(body: &Value) -> Option<RpcStatus> {
    let body = match body {
        Value::Array(items) if items.len() == 1 => &items[0],
        other => other,
    };
    let error = body.get("error")?;
    let details = error.get("details").and_then(Value::as_array);
    let detail_of = |suffix: &str| {
        details.into_iter().flatten().find(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with(suffix))
        })
    };
    let per_day_quota = detail_of("QuotaFailure")
        .and_then(|q| q.get("violations"))
        .and_then(Value::as_array)
        .is_some_and(|violations| {
            violations.iter().any(|v| {
                v.get("quotaId")
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.contains("PerDay"))
            })
        });
    Some(RpcStatus {
        code: error
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u16::try_from(c).ok()),
        status: error
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string),
        reason: detail_of("ErrorInfo")
            .and_then(|i| i.get("reason"))
            .and_then(Value::as_str)
            .map(str::to_string),
        per_day_quota,
        retry_delay: detail_of("RetryInfo")
            .and_then(|r| r.get("retryDelay"))
            .and_then(Value::as_str)
            .and_then(parse_proto_duration),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Chunk {
    #[serde(default)]
    candidates: Vec<Candidate>,
    usage_metadata: Option<UsageMetadata>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content {
    /// Absent when thinking used the whole output budget.
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
struct Part {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    thoughts_token_count: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        other => FinishReason::Other(other.to_ascii_lowercase()),
    }
}

/// Gemini's stream has no end marker: it ends at EOF, complete once a finish reason came.
#[derive(Default)]
struct Decoder {
    finished: bool,
}

impl StreamDecoder for Decoder {
    fn frame(&mut self, frame: &Frame, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError> {
        let chunk: Chunk = frame_json(frame)?;
        if let Some(error) = chunk.error {
            let rpc = rpc_status(&json!({"error": error}));
            let (class, parts, retry_after) = match &rpc {
                Some(rpc) => (rpc.class(500), rpc.parts(), rpc.retry_delay),
                None => (
                    ErrorClass::Transient,
                    ErrorParts {
                        message: None,
                        code: None,
                    },
                    None,
                ),
            };
            return Err(ProviderError::InStream {
                class,
                code: parts.code,
                message: parts.message.unwrap_or_else(|| "unspecified error".into()),
                retry_after,
            });
        }
        if let Some(reason) = chunk.prompt_feedback.and_then(|f| f.block_reason) {
            return Err(ProviderError::Refused {
                reason: format!("the prompt was blocked ({reason})"),
            });
        }
        if let Some(candidate) = chunk.candidates.into_iter().next() {
            for part in candidate.content.map(|c| c.parts).unwrap_or_default() {
                if let Some(text) = part.text.filter(|t| !part.thought && !t.is_empty()) {
                    out.push(StreamEvent::Text(text));
                }
            }
            if let Some(reason) = candidate.finish_reason {
                self.finished = true;
                out.push(StreamEvent::Finish(finish_reason(&reason)));
            }
        }
        // A running snapshot on every chunk; thinking tokens are billed as output.
        if let Some(usage) = chunk.usage_metadata {
            out.push(StreamEvent::Usage(Usage {
                input_tokens: usage.prompt_token_count,
                output_tokens: usage.candidates_token_count + usage.thoughts_token_count,
            }));
        }
        Ok(())
    }

    /// There is no end marker to stop at; read to EOF.
    fn done(&self) -> bool {
        false
    }

    fn complete(&self) -> bool {
        self.finished
    }
}
