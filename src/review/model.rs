//! What the model review of a file needs around the orchestrator: the input, and whether
//! Oracle can be called at all.

use crate::config::{Availability, Environment};
use crate::orchestrator::Orchestrator;
use crate::role::Role;
use crate::roles::{ContextPiece, RoleInput};

/// The task given to Oracle with each file.
const TASK: &str = "Review this file for security vulnerabilities and logic errors that matter.";

/// The input of a model review of one whole file, labelled `label` (its path).
pub fn review_input(label: &str, text: &str) -> RoleInput {
    RoleInput {
        task: TASK.into(),
        context: vec![ContextPiece {
            label: label.into(),
            text: text.into(),
            first_line: 1,
        }],
        ..RoleInput::default()
    }
}

/// Why no model can review (every model Oracle may fall back to is unavailable: no key,
/// say), or `None` when one can be tried.
pub fn model_unavailable(orchestrator: &Orchestrator, env: &dyn Environment) -> Option<String> {
    let mut reasons = Vec::new();
    for role in orchestrator.chain(Role::Oracle) {
        let agent = orchestrator.config().agents.get(role);
        match agent.availability(env) {
            Availability::Available { .. } => return None,
            Availability::Unavailable { reason } => {
                reasons.push(format!("{role} ({}): {reason}", agent.model));
            }
        }
    }
    Some(reasons.join("; "))
}
