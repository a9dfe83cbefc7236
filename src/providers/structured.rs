//! Structured output: the JSON value in an answer. Whether it has the shape a role asked
//! for is decided where the answer becomes a typed struct (`roles`), which names the field.

use serde_json::Value;

use super::error::ProviderError;
use super::wire::excerpt;

/// How many candidate starts the tolerant extraction tries before giving up.
const MAX_CANDIDATES: usize = 64;

/// Parses the answer as JSON. Servers without schema support wrap JSON in prose or fences,
/// so a value is also looked for in ```json fences and then at each `{` or `[`.
pub fn parse_structured(text: &str) -> Result<Value, ProviderError> {
    extract(text).ok_or_else(|| ProviderError::InvalidOutput {
        message: format!("the answer holds no JSON value: {}", excerpt(text)),
        raw: text.to_string(),
    })
}

fn extract(text: &str) -> Option<Value> {
    let trimmed = text.trim();
    if let Ok(value) = serde_json::from_str(trimmed) {
        return Some(value);
    }
    for fenced in fences(trimmed) {
        if let Ok(value) = serde_json::from_str(fenced.trim()) {
            return Some(value);
        }
    }
    trimmed
        .char_indices()
        .filter(|(_, c)| *c == '{' || *c == '[')
        .take(MAX_CANDIDATES)
        .find_map(|(start, _)| {
            serde_json::Deserializer::from_str(&trimmed[start..])
                .into_iter::<Value>()
                .next()
                .and_then(Result::ok)
        })
}

/// The bodies of Markdown code fences.
fn fences(text: &str) -> Vec<&str> {
    let mut bodies = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("```") {
        let after = &rest[open + 3..];
        let body_start = after.find('\n').map_or(after.len(), |n| n + 1);
        let body = &after[body_start..];
        let Some(close) = body.find("```") else { break };
        bodies.push(&body[..close]);
        rest = &body[close + 3..];
    }
    bodies
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn plain_json_is_parsed() {
        let value = parse_structured(r#" {"new_text": "x"} "#).unwrap();
        assert_eq!(value, json!({"new_text": "x"}));
    }

    #[test]
    fn json_in_a_fence_is_found() {
        let text = "Here you go:\n```json\n{\"new_text\": \"let count = 0;\"}\n```\nEnjoy.";
        assert_eq!(
            parse_structured(text).unwrap()["new_text"],
            "let count = 0;"
        );
    }

    #[test]
    fn json_surrounded_by_prose_is_found() {
        let text = "Sure! {\"new_text\": \"y\", \"count\": 2} Hope that helps {not json}.";
        assert_eq!(parse_structured(text).unwrap()["count"], 2);
    }

    #[test]
    fn an_answer_without_json_is_invalid_output() {
        let err = parse_structured("I cannot do that.").unwrap_err();
        assert!(matches!(err, ProviderError::InvalidOutput { .. }), "{err}");
        assert_eq!(err.class(), super::super::ErrorClass::InvalidOutput);
    }

    #[test]
    fn truncated_json_is_invalid_output() {
        assert!(parse_structured(r#"{"new_text": "abc"#).is_err());
    }
}
