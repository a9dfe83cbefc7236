//! The four roles and the kinds of task they serve.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A specialist role. Each is served by the model configured under `agents.<role>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Strategic lead: plans features, architecture and refactorings.
    Sisyphus,
    /// Fast coder: implements specified code, tests and quick fixes.
    Hephaestus,
    /// Validator: logic and security review.
    Oracle,
    /// Retrieval: finds examples and documentation in the codebase.
    Librarian,
}

impl Role {
    /// All roles in their canonical order (the order of the configuration file).
    pub const ALL: [Role; 4] = [
        Role::Sisyphus,
        Role::Hephaestus,
        Role::Oracle,
        Role::Librarian,
    ];

    /// The configuration key and command-line spelling of the role.
    pub fn name(self) -> &'static str {
        match self {
            Role::Sisyphus => "sisyphus",
            Role::Hephaestus => "hephaestus",
            Role::Oracle => "oracle",
            Role::Librarian => "librarian",
        }
    }

    /// The kind of task this role is the specialist for.
    pub fn task_type(self) -> TaskType {
        match self {
            Role::Sisyphus => TaskType::Planning,
            Role::Hephaestus => TaskType::Coding,
            Role::Oracle => TaskType::Review,
            Role::Librarian => TaskType::Search,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Returned when a string names no role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}` (expected one of: sisyphus, hephaestus, oracle, librarian)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a task asks for; the router classifies task descriptions into these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskType {
    Planning,
    Coding,
    Review,
    Search,
}

impl TaskType {
    /// All task types, in the order used for tie-breaking by the router.
    pub const ALL: [TaskType; 4] = [
        TaskType::Planning,
        TaskType::Coding,
        TaskType::Review,
        TaskType::Search,
    ];

    /// The configuration key of the task type (`routing.keywords.<name>`).
    pub fn name(self) -> &'static str {
        match self {
            TaskType::Planning => "planning",
            TaskType::Coding => "coding",
            TaskType::Review => "review",
            TaskType::Search => "search",
        }
    }

    /// The role that specialises in this kind of task.
    pub fn role(self) -> Role {
        match self {
            TaskType::Planning => Role::Sisyphus,
            TaskType::Coding => Role::Hephaestus,
            TaskType::Review => Role::Oracle,
            TaskType::Search => Role::Librarian,
        }
    }
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_parse_case_insensitively() {
        assert_eq!("Oracle".parse::<Role>(), Ok(Role::Oracle));
        assert_eq!(" librarian ".parse::<Role>(), Ok(Role::Librarian));
    }

    #[test]
    fn unknown_role_lists_the_valid_ones() {
        let err = "athena".parse::<Role>().unwrap_err();
        assert!(
            err.to_string()
                .contains("sisyphus, hephaestus, oracle, librarian")
        );
    }

    #[test]
    fn each_role_is_the_specialist_of_its_task_type() {
        for role in Role::ALL {
            assert_eq!(role.task_type().role(), role);
        }
    }
}
