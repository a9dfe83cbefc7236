//! The four roles: what each is asked (prompt building) and what its answer means (parsing).
//!
//! The prompts carry the original skill's model-specific advice. Workspace text always goes
//! through a `Fence`; answers that must be structured come back as validated JSON.

mod fence;
pub mod hephaestus;
pub mod librarian;
pub mod oracle;
pub mod sisyphus;

use serde::Serialize;

use crate::config::AgentConfig;
use crate::context::ContextPiece;
use crate::providers::{ChatRequest, Completion, OutputSchema};
use crate::role::Role;

pub use fence::Fence;
pub use hephaestus::{Code, CodeBlock};
pub use librarian::{Example, Examples};
pub use oracle::{Reported, Review, StepVerdict, Verdict};
pub use sisyphus::{Plan, PlanStep};

/// Earlier output handed to a later step (a plan to implement, code to review).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    pub label: String,
    pub text: String,
}

/// What a role works on.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RoleInput {
    pub task: String,
    pub context: Vec<ContextPiece>,
    pub spec: Option<String>,
    pub notes: Vec<Note>,
}

/// A prompt ready to send.
#[derive(Clone, Debug, PartialEq)]
pub struct RolePrompt {
    pub system: String,
    pub user: String,
    pub schema: Option<OutputSchema>,
}

impl RolePrompt {
    /// The request for an agent: its limits, this prompt.
    pub fn request(&self, agent: &AgentConfig) -> ChatRequest {
        let mut request = ChatRequest::new(agent, Some(self.system.clone()), self.user.clone());
        request.schema = self.schema.clone();
        request
    }
}

/// A role's parsed answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RoleOutput {
    Plan(Plan),
    Code(Code),
    Review(Review),
    Examples(Examples),
}

impl RoleOutput {
    /// The answer as a Markdown document for people.
    pub fn to_markdown(&self) -> String {
        match self {
            RoleOutput::Plan(plan) => plan.to_markdown(),
            RoleOutput::Code(code) => code.to_markdown(),
            RoleOutput::Review(review) => review.to_markdown(),
            RoleOutput::Examples(examples) => examples.to_markdown(),
        }
    }
}

/// An answer that does not do what the role was asked.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum RoleError {
    #[error("the answer holds no code (prose only); Hephaestus must answer with complete code")]
    ProseOnly,
    #[error("the answer is not what {role} was asked for: {message}")]
    Malformed { role: Role, message: String },
}

/// The prompt for a role.
pub fn prompt(role: Role, input: &RoleInput, fence: &Fence) -> RolePrompt {
    match role {
        Role::Sisyphus => sisyphus::prompt(input, fence),
        Role::Hephaestus => hephaestus::prompt(input, fence),
        Role::Oracle => oracle::prompt(input, fence),
        Role::Librarian => librarian::prompt(input, fence),
    }
}

/// Reads a role's answer.
pub fn parse(
    role: Role,
    input: &RoleInput,
    completion: &Completion,
) -> Result<RoleOutput, RoleError> {
    match role {
        Role::Sisyphus => sisyphus::parse(completion).map(RoleOutput::Plan),
        Role::Hephaestus => hephaestus::parse(completion).map(RoleOutput::Code),
        Role::Oracle => oracle::parse(input, completion).map(RoleOutput::Review),
        Role::Librarian => librarian::parse(completion).map(RoleOutput::Examples),
    }
}

/// The user message shared by all roles: the task, the spec, earlier notes, the context.
fn user_message(input: &RoleInput, fence: &Fence, numbered: bool, closing: &str) -> String {
    let mut out = format!("Task: {}\n", input.task.trim());
    if let Some(spec) = &input.spec {
        out.push_str("\nSpecification:\n");
        out.push_str(&fence.wrap_text("specification", spec));
    }
    for note in &input.notes {
        out.push_str(&format!("\n{}:\n", note.label));
        out.push_str(&fence.wrap_text(&note.label, &note.text));
    }
    if input.context.is_empty() {
        out.push_str("\n(No workspace content was given.)\n");
    } else {
        out.push_str("\nWorkspace content:\n");
        for piece in &input.context {
            out.push_str(&fence.wrap(piece, numbered));
        }
    }
    out.push('\n');
    out.push_str(closing);
    out
}

/// Deserialises a structured answer. The typed struct is the check that the answer has
/// the schema's shape; a misfit names the field (`steps[0].title: invalid type: ...`).
fn from_json<T: serde::de::DeserializeOwned>(
    role: Role,
    completion: &Completion,
) -> Result<T, RoleError> {
    let value = completion
        .json
        .clone()
        .ok_or_else(|| RoleError::Malformed {
            role,
            message: "no structured answer".into(),
        })?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let problem = err.into_inner();
        RoleError::Malformed {
            role,
            message: match path.as_str() {
                "." => problem.to_string(),
                _ => format!("{path}: {problem}"),
            },
        }
    })
}
