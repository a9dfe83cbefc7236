//! The one request type every provider receives.

use serde_json::Value;

use crate::config::AgentConfig;

/// Who said a message. The system prompt is separate (`ChatRequest::system`): three of
/// the four wire formats put it outside the message list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Speaker {
    User,
    Assistant,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub speaker: Speaker,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            speaker: Speaker::User,
            content: content.into(),
        }
    }
}

/// A JSON schema the answer must follow. Each provider sends it in its native mode; the
/// role that asked holds the answer to it when it reads the answer into its typed struct.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputSchema {
    /// `[a-zA-Z0-9_-]`, at most 64 characters (OpenAI's rule, the strictest).
    pub name: String,
    pub schema: Value,
}

/// A chat call, independent of the wire format.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub system: Option<String>,
    pub messages: Vec<Message>,
    pub max_tokens: u64,
    /// Sent only when set: several current models reject any non-default value.
    pub temperature: Option<f64>,
    /// Sent only when non-empty.
    pub stop: Vec<String>,
    pub schema: Option<OutputSchema>,
}

impl ChatRequest {
    /// A one-turn request with the agent's limits and sampling settings.
    pub fn new(
        agent: &AgentConfig,
        system: Option<String>,
        user: impl Into<String>,
    ) -> ChatRequest {
        ChatRequest {
            system,
            messages: vec![Message::user(user)],
            max_tokens: agent.max_tokens,
            temperature: agent.temperature,
            stop: Vec::new(),
            schema: None,
        }
    }
}

/// A fill-in-the-middle call: the model writes what goes between `prefix` and `suffix`.
#[derive(Clone, Debug, PartialEq)]
pub struct FillRequest {
    pub prefix: String,
    pub suffix: String,
    pub max_tokens: u64,
    /// Sent only when set.
    pub temperature: Option<f64>,
    /// Sent only when non-empty.
    pub stop: Vec<String>,
}
