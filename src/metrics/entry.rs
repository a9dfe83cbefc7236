//! One record per model attempt, the unit everything else in metrics counts.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::ProviderKind;
use crate::providers::ErrorClass;
use crate::role::{Role, TaskType};

/// One attempt of one model at one task: a retry of the same model and each step down a
/// fallback chain are attempts of their own.
///
/// The first six fields carry the original skill's names (`timestamp`, `role`, `task_type`,
/// `duration_seconds`, `tokens_used`, `success`), so its tooling still reads the file.
/// Unknown fields are ignored when reading, so a newer writer never damages an older reader.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsEntry {
    /// When the attempt started, RFC 3339 in UTC (`2026-11-24T09:30:00.25Z`).
    pub timestamp: Timestamp,
    pub role: Role,
    pub task_type: TaskType,
    pub model: String,
    pub provider: ProviderKind,
    pub duration_seconds: f64,
    /// `input_tokens + output_tokens`: the original skill's single count.
    pub tokens_used: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub success: bool,
    /// For a failed attempt, the class of its error: `transient`, `unavailable`, `request`,
    /// `cancelled` or `invalid_output` (see [`error_class_name`]).
    pub error_class: Option<String>,
    /// For a failed attempt, what went wrong (free text, no key material).
    pub error: Option<String>,
    /// The role whose failure led to this attempt; `None` for the first choice.
    pub fallback_from: Option<Role>,
    /// The 1-based position of this attempt among the attempts of its job.
    pub attempt: u32,
    /// Groups the attempts of one task or pipeline.
    pub job: Option<String>,
    /// What the attempt cost in USD; `None` when the model has no configured price.
    pub cost_usd: Option<f64>,
    /// What kind of work: absent for a role's task; [`COMPLETION`] for an inline
    /// completion, [`COMPLETION_ACCEPTED`] when the user accepted one (`job` names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The `kind` of an inline completion's model call.
pub const COMPLETION: &str = "completion";
/// The `kind` of the record that a shown completion was accepted.
pub const COMPLETION_ACCEPTED: &str = "completion_accepted";

/// The class an attempt ended in for cancellations, which are not failures (DESIGN §3).
pub const CANCELLED: &str = "cancelled";

/// The `error_class` spelling of a provider error class, so that every writer spells the
/// classes the way the report counts them.
pub fn error_class_name(class: ErrorClass) -> &'static str {
    match class {
        ErrorClass::Transient => "transient",
        ErrorClass::Unavailable => "unavailable",
        ErrorClass::Request => "request",
        ErrorClass::Cancelled => CANCELLED,
        ErrorClass::InvalidOutput => "invalid_output",
    }
}

impl MetricsEntry {
    /// Whether the attempt was cancelled by the user rather than finished or failed.
    pub fn is_cancelled(&self) -> bool {
        self.error_class.as_deref() == Some(CANCELLED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_class_names_match_the_provider_classes_serialised_names() {
        for class in [
            ErrorClass::Transient,
            ErrorClass::Unavailable,
            ErrorClass::Request,
            ErrorClass::Cancelled,
            ErrorClass::InvalidOutput,
        ] {
            assert_eq!(
                serde_json::to_value(class).unwrap(),
                error_class_name(class)
            );
        }
    }

    #[test]
    fn an_entry_is_one_json_object_with_the_original_field_names() {
        let entry = MetricsEntry {
            timestamp: "2026-11-24T09:30:00Z".parse().unwrap(),
            role: Role::Oracle,
            task_type: TaskType::Review,
            model: "claude-sonnet-5".into(),
            provider: ProviderKind::Anthropic,
            duration_seconds: 1.5,
            tokens_used: 30,
            input_tokens: 10,
            output_tokens: 20,
            success: true,
            error_class: None,
            error: None,
            fallback_from: Some(Role::Sisyphus),
            attempt: 2,
            job: Some("job-1".into()),
            cost_usd: None,
            kind: None,
        };
        let value = serde_json::to_value(&entry).unwrap();
        assert_eq!(value["timestamp"], "2026-11-24T09:30:00Z");
        assert_eq!(value["role"], "oracle");
        assert_eq!(value["task_type"], "review");
        assert_eq!(value["provider"], "anthropic");
        assert_eq!(value["duration_seconds"], 1.5);
        assert_eq!(value["tokens_used"], 30);
        assert_eq!(value["success"], true);
        assert_eq!(value["fallback_from"], "sisyphus");
        let back: MetricsEntry = serde_json::from_value(value).unwrap();
        assert_eq!(back, entry);
    }
}
