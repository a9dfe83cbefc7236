//! Small pieces the four wire formats share.

use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::Value;

use serde_json::json;

use super::StreamDecoder;
use super::error::{ErrorClass, ProviderError, class_of_status, retry_after_from_headers};
use super::event::StreamEvent;
use super::framing::Frame;
use super::request::{ChatRequest, Speaker};
use crate::config::ApiKey;

/// Parses a frame's JSON, or says which frame was not JSON.
pub(crate) fn json<T: DeserializeOwned>(data: &str) -> Result<T, ProviderError> {
    serde_json::from_str(data).map_err(|err| ProviderError::Protocol {
        message: format!("malformed JSON in the response ({err}): {}", excerpt(data)),
    })
}

pub(crate) fn frame_json<T: DeserializeOwned>(frame: &Frame) -> Result<T, ProviderError> {
    json(&frame.data)
}

/// The start of a text, for messages: bodies can be whole HTML pages.
pub(crate) fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let text = text.trim();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A string or a number (vLLM and llama.cpp put the HTTP code where OpenAI has a string).
pub(crate) fn code_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The parts of an error body every format has, however it spells them.
pub(crate) struct ErrorParts {
    pub message: Option<String>,
    pub code: Option<String>,
}

/// A status error from whatever the body holds; unparseable bodies (gateways' HTML) still
/// give a message.
pub(crate) fn status_error(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    parts: Option<ErrorParts>,
    class: Option<ErrorClass>,
) -> ProviderError {
    let (message, code) = match parts {
        Some(ErrorParts { message, code }) => (message, code),
        None => (None, None),
    };
    let message = message.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        if text.trim().is_empty() {
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no message")
                .to_string()
        } else {
            excerpt(&text)
        }
    });
    let mut class = class.unwrap_or_else(|| class_of_status(status));
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => class = ErrorClass::Transient,
        Some("false") if class == ErrorClass::Transient => class = ErrorClass::Request,
        _ => {}
    }
    ProviderError::Status {
        status,
        class,
        code,
        message,
        retry_after: retry_after_from_headers(headers),
    }
}

/// `Authorization: Bearer <key>` when there is a key (OpenAI, Ollama's hosted API).
pub(crate) fn bearer(key: Option<&ApiKey>) -> Vec<(&'static str, String)> {
    match key {
        Some(key) => vec![("authorization", format!("Bearer {}", key.expose()))],
        None => Vec::new(),
    }
}

/// Chat-format messages with the system prompt first (OpenAI and Ollama share the shape).
pub(crate) fn chat_messages(request: &ChatRequest) -> Vec<Value> {
    let mut messages = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({"role": "system", "content": system}));
    }
    for message in &request.messages {
        let role = match message.speaker {
            Speaker::User => "user",
            Speaker::Assistant => "assistant",
        };
        messages.push(json!({"role": role, "content": message.content}));
    }
    messages
}

/// Decodes a whole non-streamed body with a stream decoder, for formats whose response
/// has the shape of one stream chunk (Gemini, Ollama).
pub(crate) fn decode_whole(
    mut decoder: impl StreamDecoder,
    body: &[u8],
) -> Result<(Vec<StreamEvent>, bool), ProviderError> {
    let mut events = Vec::new();
    let frame = Frame {
        event: None,
        data: String::from_utf8_lossy(body).into_owned(),
    };
    decoder.frame(&frame, &mut events)?;
    Ok((events, decoder.complete()))
}
