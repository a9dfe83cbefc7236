//! Provider errors, classified so the orchestrator can decide: retry, fall back, or stop.

use std::time::Duration;

use serde::Serialize;

use super::event::Usage;

/// What the orchestrator does about an error (DESIGN §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Rate limits, overload, 5xx, resets, timeouts: retry with backoff, then fall back.
    Transient,
    /// Bad key, no access, unknown model, quota or billing exhausted: fall back at once.
    Unavailable,
    /// The request itself is wrong (too long, bad parameter): not retried.
    Request,
    /// The user cancelled: stop, report nothing as a failure.
    Cancelled,
    /// The answer came back but does not parse or validate.
    InvalidOutput,
}

/// Where a timeout struck.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeoutPhase {
    /// Waiting for the response headers (includes connecting).
    FirstByte,
    /// Waiting for the next chunk of a stream.
    Idle,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// A non-2xx response.
    #[error("HTTP {status}{}: {message}{}", code_text(.code), retry_text(.retry_after))]
    Status {
        status: u16,
        class: ErrorClass,
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// An error reported inside a 200 response's stream.
    #[error("error inside the response stream{}: {message}{}", code_text(.code), retry_text(.retry_after))]
    InStream {
        class: ErrorClass,
        code: Option<String>,
        message: String,
        retry_after: Option<Duration>,
    },
    /// The stream ended before its end marker; what arrived is kept apart in `partial`.
    #[error("the response ended early ({} characters received, no end marker)", .partial.chars().count())]
    Incomplete {
        partial: String,
        usage: Option<Usage>,
    },
    #[error("no {} within {}s", match .phase { TimeoutPhase::FirstByte => "response", TimeoutPhase::Idle => "new data" }, .after.as_secs())]
    Timeout {
        phase: TimeoutPhase,
        after: Duration,
    },
    #[error("cannot reach the endpoint: {message}")]
    Connect { message: String },
    /// A 200 response that does not follow the provider's format.
    #[error("unexpected response: {message}")]
    Protocol { message: String },
    #[error("invalid output: {message}")]
    InvalidOutput { message: String, raw: String },
    /// The provider or model declined (refusal, blocked prompt).
    #[error("the model declined: {reason}")]
    Refused { reason: String },
    #[error("environment variable {var} is not set")]
    MissingKey { var: String },
    #[error("cancelled")]
    Cancelled,
}

fn code_text(code: &Option<String>) -> String {
    code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

fn retry_text(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("; retry after {:.1}s", d.as_secs_f64()))
        .unwrap_or_default()
}

impl ProviderError {
    pub fn class(&self) -> ErrorClass {
        match self {
            ProviderError::Status { class, .. } | ProviderError::InStream { class, .. } => *class,
            ProviderError::Incomplete { .. }
            | ProviderError::Timeout { .. }
            | ProviderError::Connect { .. }
            | ProviderError::Protocol { .. } => ErrorClass::Transient,
            ProviderError::InvalidOutput { .. } => ErrorClass::InvalidOutput,
            ProviderError::Refused { .. } => ErrorClass::Request,
            ProviderError::MissingKey { .. } => ErrorClass::Unavailable,
            ProviderError::Cancelled => ErrorClass::Cancelled,
        }
    }

    /// Whether the model stalled: no response, or no new data, within the timeout.
    pub fn is_stall(&self) -> bool {
        matches!(self, ProviderError::Timeout { .. })
    }

    /// The delay the server asked for before a retry, if it named one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Status { retry_after, .. }
            | ProviderError::InStream { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the prompt did not fit the model's window (a larger-window role may help).
    pub fn is_context_overflow(&self) -> bool {
        let (code, message) = match self {
            ProviderError::Status { code, message, .. }
            | ProviderError::InStream { code, message, .. } => {
                (code.as_deref().unwrap_or(""), message.to_ascii_lowercase())
            }
            _ => return false,
        };
        code == "context_length_exceeded"
            || message.contains("maximum context length")
            || message.contains("prompt is too long")
            || message.contains("longer than the context length")
            || (message.contains("input token count") && message.contains("exceeds"))
    }

    /// Replaces every occurrence of `secret` in the error's text, in case a server echoed it.
    pub(crate) fn redact(mut self, secret: &str) -> ProviderError {
        if secret.is_empty() {
            return self;
        }
        let scrub = |text: &mut String| {
            if text.contains(secret) {
                *text = text.replace(secret, "<redacted>");
            }
        };
        match &mut self {
            ProviderError::Status { message, code, .. }
            | ProviderError::InStream { message, code, .. } => {
                scrub(message);
                if let Some(code) = code {
                    scrub(code);
                }
            }
            ProviderError::Connect { message } | ProviderError::Protocol { message } => {
                scrub(message)
            }
            ProviderError::InvalidOutput { message, raw } => {
                scrub(message);
                scrub(raw);
            }
            ProviderError::Refused { reason } => scrub(reason),
            ProviderError::Incomplete { partial, .. } => scrub(partial),
            ProviderError::Timeout { .. }
            | ProviderError::MissingKey { .. }
            | ProviderError::Cancelled => {}
        }
        self
    }
}

/// The class of an HTTP status when the body says nothing more specific.
pub(crate) fn class_of_status(status: u16) -> ErrorClass {
    match status {
        408 | 409 | 425 | 429 | 499 | 500..=599 => ErrorClass::Transient,
        401..=404 => ErrorClass::Unavailable,
        _ => ErrorClass::Request,
    }
}

/// `retry-after-ms` (milliseconds, OpenAI), then `retry-after` (seconds or an HTTP date).
pub(crate) fn retry_after_from_headers(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && ms.is_finite()
        && 0.0 <= ms
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && 0.0 <= seconds).then(|| Duration::from_secs_f64(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A protobuf duration string as Gemini's `RetryInfo.retryDelay` has it: `"34s"`, `"1.5s"`.
pub(crate) fn parse_proto_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    (seconds.is_finite() && 0.0 <= seconds).then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after-ms", "1500"), ("retry-after", "30")]);
        assert_eq!(
            retry_after_from_headers(&h),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_seconds_are_read() {
        assert_eq!(
            retry_after_from_headers(&headers(&[("retry-after", "17")])),
            Some(Duration::from_secs(17))
        );
    }

    #[test]
    fn retry_after_http_date_in_the_past_means_now() {
        let h = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(retry_after_from_headers(&h), Some(Duration::ZERO));
    }

    #[test]
    fn garbage_retry_after_is_ignored() {
        assert_eq!(
            retry_after_from_headers(&headers(&[("retry-after", "soon")])),
            None
        );
    }

    #[test]
    fn proto_durations_parse() {
        assert_eq!(parse_proto_duration("34s"), Some(Duration::from_secs(34)));
        assert_eq!(
            parse_proto_duration("1.5s"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_proto_duration("34"), None);
    }

    #[test]
    fn statuses_map_to_classes() {
        assert_eq!(class_of_status(429), ErrorClass::Transient);
        assert_eq!(class_of_status(529), ErrorClass::Transient);
        assert_eq!(class_of_status(401), ErrorClass::Unavailable);
        assert_eq!(class_of_status(404), ErrorClass::Unavailable);
        assert_eq!(class_of_status(400), ErrorClass::Request);
        assert_eq!(class_of_status(413), ErrorClass::Request);
    }

    #[test]
    fn redaction_removes_an_echoed_key() {
        let err = ProviderError::Status {
            status: 401,
            class: ErrorClass::Unavailable,
            code: None,
            message: "bad key sk-secret-123".into(),
            retry_after: None,
        }
        .redact("sk-secret-123");
        assert!(!err.to_string().contains("sk-secret-123"), "{err}");
    }
}
