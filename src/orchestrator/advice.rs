//! What a user is told when a role failed on every model it may use: one line that says
//! what failed and what to do, the same for the editor and the command line. The details
//! (every attempt, as `ExecuteError` displays them) go to the log.

use super::{ExecuteError, FailedAttempt};
use crate::providers::ErrorClass;

/// One line for a failed execution: attempts of the same model and cause counted once
/// ("3 attempts on claude-sonnet-5: HTTP 500"), then each fallback, then what to do.
pub fn one_line(err: &ExecuteError) -> String {
    let ExecuteError::Exhausted { role, attempts } = err else {
        return err.to_string();
    };
    let mut groups: Vec<(&FailedAttempt, usize)> = Vec::new();
    for attempt in attempts {
        match groups.last_mut() {
            Some((first, count))
                if first.served_by == attempt.served_by
                    && first.model == attempt.model
                    && first.class == attempt.class =>
            {
                *count += 1
            }
            _ => groups.push((attempt, 1)),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .enumerate()
        .map(|(i, (attempt, count))| {
            let tries = match count {
                1 => String::new(),
                n => format!("{n} attempts "),
            };
            let on = if i == 0 {
                format!("{tries}on {}", attempt.model)
            } else {
                format!(
                    "fell back to {} ({}{})",
                    attempt.served_by, tries, attempt.model
                )
            };
            format!("{on}: {}", first_line(&attempt.message))
        })
        .collect();
    let hint = groups.last().map_or("", |(last, _)| hint(last));
    format!("{role} failed — {} — {hint}", parts.join("; "))
}

/// What to do about the last failure, the one that ended the chain.
fn hint(attempt: &FailedAttempt) -> &'static str {
    match attempt.class {
        ErrorClass::Unavailable if attempt.message.contains("environment variable") => {
            "set it and restart the editor; `multi-model doctor` checks every role"
        }
        ErrorClass::Unavailable => "check the model id and your access: run `multi-model doctor`",
        ErrorClass::Transient if attempt.message.contains("cannot reach") => {
            "start the server (Ollama: `ollama serve`) or fix api_base; run `multi-model doctor`"
        }
        ErrorClass::Transient => "the provider is busy; try again later",
        ErrorClass::Request => "the request was refused; a smaller selection may help",
        ErrorClass::InvalidOutput => "the answer was unusable; try again or pick another model",
        ErrorClass::Cancelled => "cancelled",
    }
}

/// The first line of a provider's message, within reason: the line must fit a status bar.
fn first_line(message: &str) -> String {
    const MAX_CHARS: usize = 120;
    let line = message.lines().next().unwrap_or("").trim();
    match line.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    fn attempt(served_by: Role, model: &str, class: ErrorClass, message: &str) -> FailedAttempt {
        FailedAttempt {
            served_by,
            model: model.into(),
            class,
            message: message.into(),
            answer: None,
        }
    }

    #[test]
    fn repeated_attempts_are_counted_and_each_fallback_named_in_one_line() {
        let err = ExecuteError::Exhausted {
            role: Role::Oracle,
            attempts: vec![
                attempt(
                    Role::Oracle,
                    "claude-sonnet-5",
                    ErrorClass::Transient,
                    "HTTP 500",
                ),
                attempt(
                    Role::Oracle,
                    "claude-sonnet-5",
                    ErrorClass::Transient,
                    "HTTP 500",
                ),
                attempt(
                    Role::Oracle,
                    "claude-sonnet-5",
                    ErrorClass::Transient,
                    "HTTP 500",
                ),
                attempt(
                    Role::Sisyphus,
                    "gemini-3.1-pro-preview",
                    ErrorClass::Unavailable,
                    "environment variable GEMINI_API_KEY is not set\nmore",
                ),
            ],
        };
        assert_eq!(
            one_line(&err),
            "oracle failed — 3 attempts on claude-sonnet-5: HTTP 500; fell back to sisyphus \
             (gemini-3.1-pro-preview): environment variable GEMINI_API_KEY is not set — set it \
             and restart the editor; `multi-model doctor` checks every role"
        );
    }

    #[test]
    fn a_long_provider_message_is_cut_to_fit_one_line() {
        let long = "x".repeat(500);
        let err = ExecuteError::Exhausted {
            role: Role::Librarian,
            attempts: vec![attempt(Role::Librarian, "m", ErrorClass::Request, &long)],
        };
        let line = one_line(&err);
        assert!(!line.contains('\n') && line.chars().count() < 250, "{line}");
    }
}
