//! The one stream of events every provider produces, and its collected form.

use serde::Serialize;
use serde_json::Value;

/// Token counts. Providers report them differently (cumulative, snapshots, final only);
/// each `Usage` event is the total so far, so the last one wins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Why generation stopped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// Natural end or a stop sequence.
    Stop,
    /// The output cap was reached: the answer is cut off.
    Length,
    /// The model produced the forced tool call (Anthropic structured output).
    ToolUse,
    /// A safety or content filter stopped it.
    ContentFilter,
    /// The model declined.
    Refusal,
    /// Anything else, as the provider named it.
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    /// A piece of the answer (for structured output, a piece of the JSON).
    Text(String),
    Usage(Usage),
    Finish(FinishReason),
}

/// A whole answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub text: String,
    pub usage: Option<Usage>,
    pub finish: FinishReason,
    /// The parsed and validated JSON when the request had a schema.
    pub json: Option<Value>,
}
