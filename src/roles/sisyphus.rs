//! Sisyphus, the strategic lead: a plan with numbered steps that later phases can be held to.

use std::fmt::Write;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Fence, RoleError, RoleInput, RolePrompt, from_json, user_message};
use crate::providers::{Completion, OutputSchema};
use crate::role::Role;

/// A plan. Steps carry ids (`S1`, `S2`, ...) so a review can say which were followed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub summary: String,
    pub steps: Vec<PlanStep>,
    pub risks: Vec<String>,
    pub testing_strategy: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub id: String,
    pub title: String,
    pub details: String,
    /// Files the step creates or changes.
    pub files: Vec<String>,
}

pub(super) fn prompt(input: &RoleInput, fence: &Fence) -> RolePrompt {
    let system = format!(
        "You are Sisyphus, the strategic lead of a team of AI engineers. You see the whole context \
         you are given and plan before anyone codes.\n\
         Consider: the existing patterns and conventions of the codebase; the impact on other \
         modules and their callers; security implications; the testing strategy; the order that \
         keeps the system working at every step.\n\
         Answer with a plan: a short summary; numbered steps with ids S1, S2, ... (each with a \
         title, the details an implementer needs, and the files it creates or changes); the risks; \
         the testing strategy.\n{}",
        fence.rule()
    );
    RolePrompt {
        system,
        user: user_message(input, fence, false, "Write the plan."),
        schema: Some(OutputSchema {
            name: "plan".into(),
            schema: schema(),
        }),
    }
}

/// OpenAI's strict mode needs every property required and no extras.
fn schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "steps": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": "string"},
                    "details": {"type": "string"},
                    "files": {"type": "array", "items": {"type": "string"}}
                },
                "required": ["id", "title", "details", "files"],
                "additionalProperties": false
            }},
            "risks": {"type": "array", "items": {"type": "string"}},
            "testing_strategy": {"type": "string"}
        },
        "required": ["summary", "steps", "risks", "testing_strategy"],
        "additionalProperties": false
    })
}

pub(super) fn parse(completion: &Completion) -> Result<Plan, RoleError> {
    let mut plan: Plan = from_json(Role::Sisyphus, completion)?;
    // The schema's `minItems: 1`: later phases are held to the steps.
    if plan.steps.is_empty() {
        return Err(RoleError::Malformed {
            role: Role::Sisyphus,
            message: "steps: the plan has no steps".into(),
        });
    }
    // Ids are what later phases are checked against: make them present and unique.
    let mut seen = std::collections::HashSet::new();
    for (i, step) in plan.steps.iter_mut().enumerate() {
        let id = step.id.trim().to_string();
        if id.is_empty() || !seen.insert(id.clone()) {
            step.id = format!("S{}", i + 1);
            seen.insert(step.id.clone());
        } else {
            step.id = id;
        }
    }
    Ok(plan)
}

impl Plan {
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# Plan\n\n{}\n\n## Steps\n\n", self.summary.trim());
        for (i, step) in self.steps.iter().enumerate() {
            let _ = writeln!(out, "{}. **{}: {}**", i + 1, step.id, step.title.trim());
            for line in step.details.trim().lines() {
                let _ = writeln!(out, "   {line}");
            }
            if !step.files.is_empty() {
                let files: Vec<String> = step.files.iter().map(|f| format!("`{f}`")).collect();
                let _ = writeln!(out, "   Files: {}", files.join(", "));
            }
            out.push('\n');
        }
        out.push_str("## Risks\n\n");
        if self.risks.is_empty() {
            out.push_str("None named.\n");
        }
        for risk in &self.risks {
            let _ = writeln!(out, "- {}", risk.trim());
        }
        let _ = write!(
            out,
            "\n## Testing strategy\n\n{}\n",
            self.testing_strategy.trim()
        );
        out
    }

    /// The step ids, in order.
    pub fn step_ids(&self) -> Vec<&str> {
        self.steps.iter().map(|s| s.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::FinishReason;

    fn completion(json: serde_json::Value) -> Completion {
        Completion {
            text: json.to_string(),
            usage: None,
            finish: FinishReason::Stop,
            json: Some(json),
        }
    }

    fn plan_json() -> serde_json::Value {
        json!({"summary": "Add login.", "steps": [
            {"id": "S1", "title": "Model", "details": "Add User.", "files": ["src/user.py"]},
            {"id": "S1", "title": "Route", "details": "Add /login.", "files": []}
        ], "risks": ["sessions"], "testing_strategy": "pytest"})
    }

    #[test]
    fn the_prompt_asks_for_conventions_impact_security_and_tests() {
        let prompt = prompt(
            &RoleInput {
                task: "plan auth".into(),
                ..RoleInput::default()
            },
            &Fence::new(),
        );
        for topic in ["conventions", "impact", "security", "testing strategy"] {
            assert!(prompt.system.contains(topic), "{topic}");
        }
        assert!(prompt.schema.is_some());
    }

    #[test]
    fn duplicate_step_ids_are_renumbered() {
        let plan = parse(&completion(plan_json())).unwrap();
        assert_eq!(plan.step_ids(), ["S1", "S2"]);
    }

    #[test]
    fn the_markdown_plan_numbers_its_steps_with_their_ids() {
        let markdown = parse(&completion(plan_json())).unwrap().to_markdown();
        assert!(markdown.contains("1. **S1: Model**"), "{markdown}");
        assert!(markdown.contains("Files: `src/user.py`"), "{markdown}");
        assert!(
            markdown.contains("## Testing strategy\n\npytest"),
            "{markdown}"
        );
    }

    #[test]
    fn a_field_of_the_wrong_type_is_malformed_naming_the_field_and_the_problem() {
        let mut answer = plan_json();
        answer["steps"][1]["title"] = json!(5);
        let err = parse(&completion(answer)).unwrap_err().to_string();
        assert!(
            err.contains("steps[1].title: invalid type: integer `5`, expected a string"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_field_is_malformed_naming_it() {
        let mut answer = plan_json();
        answer.as_object_mut().unwrap().remove("testing_strategy");
        let err = parse(&completion(answer)).unwrap_err().to_string();
        assert!(err.contains("missing field `testing_strategy`"), "{err}");
    }

    #[test]
    fn a_plan_without_steps_is_malformed() {
        let mut answer = plan_json();
        answer["steps"] = json!([]);
        let err = parse(&completion(answer)).unwrap_err().to_string();
        assert!(err.contains("steps: the plan has no steps"), "{err}");
    }
}
