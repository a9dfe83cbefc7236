//! `doctor`: can each role be used right now? Key present, endpoint reachable, model listed.
//!
//! Calls go only to each agent's configured endpoint, to its model-list route.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde::Serialize;

use crate::config::{AgentConfig, Availability, Config, Environment, ProviderKind};
use crate::providers::{ProviderClient, ProviderError};
use crate::role::Role;

/// A doctor's check should answer in seconds, whatever the agent's patience for answers.
const CHECK_TIMEOUT_SECONDS: u64 = 15;
const CLOSEST_SHOWN: usize = 3;

/// What doctor found for one role.
#[derive(Clone, Debug, Serialize)]
pub struct RoleCheck {
    pub role: Role,
    pub provider: ProviderKind,
    pub model: String,
    pub endpoint: String,
    pub key: KeyStatus,
    /// `None` when the check could not be made (no key).
    pub reachable: Option<bool>,
    pub model_status: ModelStatus,
    /// How long the model-list call took.
    pub latency_ms: Option<u64>,
    pub usable: bool,
    /// What is wrong and what to do, when not usable.
    pub problem: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum KeyStatus {
    NotNeeded,
    Present { var: String },
    Missing { var: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ModelStatus {
    Listed,
    /// The endpoint answered but does not serve the model.
    NotAvailable {
        closest: Vec<String>,
    },
    NotChecked,
}

/// Checks every role, concurrently.
pub async fn check_all(config: &Config, env: &dyn Environment) -> Vec<RoleCheck> {
    join_all(Role::ALL.map(|role| check(role, config.agents.get(role), env))).await
}

/// Checks one role.
pub async fn check(role: Role, agent: &AgentConfig, env: &dyn Environment) -> RoleCheck {
    let mut result = RoleCheck {
        role,
        provider: agent.provider,
        model: agent.model.clone(),
        endpoint: agent.api_base.clone(),
        key: KeyStatus::NotNeeded,
        reachable: None,
        model_status: ModelStatus::NotChecked,
        latency_ms: None,
        usable: false,
        problem: None,
    };
    let key = match agent.availability(env) {
        Availability::Unavailable { reason } => {
            result.key = KeyStatus::Missing {
                var: agent.api_key_env.clone().unwrap_or_default(),
            };
            result.problem = Some(reason);
            return result;
        }
        Availability::Available { key } => key,
    };
    if let Some(var) = &agent.api_key_env {
        result.key = KeyStatus::Present { var: var.clone() };
    }

    let mut quick = agent.clone();
    quick.first_byte_timeout_seconds = quick.first_byte_timeout_seconds.min(CHECK_TIMEOUT_SECONDS);
    quick.timeout_seconds = quick.timeout_seconds.min(CHECK_TIMEOUT_SECONDS);
    let client = match ProviderClient::new(&quick, key) {
        Ok(client) => client,
        Err(err) => {
            result.problem = Some(err.to_string());
            return result;
        }
    };
    let started = Instant::now();
    let listed = client.list_models().await;
    result.latency_ms = Some(millis(started.elapsed()));
    match listed {
        Ok(ids) => {
            result.reachable = Some(true);
            if ids
                .iter()
                .any(|id| same_model(agent.provider, id, &agent.model))
            {
                result.model_status = ModelStatus::Listed;
                result.usable = true;
            } else {
                let closest = closest_ids(&agent.model, &ids);
                result.problem = Some(match closest.is_empty() {
                    true => format!(
                        "model `{}` is not available at {}",
                        agent.model, agent.api_base
                    ),
                    false => format!(
                        "model `{}` is not available at {}; closest: {}",
                        agent.model,
                        agent.api_base,
                        closest.join(", ")
                    ),
                });
                result.model_status = ModelStatus::NotAvailable { closest };
            }
        }
        Err(err) => {
            result.reachable = Some(!matches!(
                err,
                ProviderError::Connect { .. } | ProviderError::Timeout { .. }
            ));
            result.problem = Some(format!("{} model list: {err}", agent.provider));
        }
    }
    result
}

/// Ollama names without a tag mean `:latest`; Gemini lists may keep the `models/` prefix.
fn same_model(provider: ProviderKind, listed: &str, wanted: &str) -> bool {
    let normalise = |id: &str| -> String {
        let id = id.strip_prefix("models/").unwrap_or(id);
        match provider {
            ProviderKind::Ollama if !id.contains(':') => format!("{id}:latest"),
            _ => id.to_string(),
        }
    };
    normalise(listed) == normalise(wanted)
}

fn closest_ids(wanted: &str, ids: &[String]) -> Vec<String> {
    let mut scored: Vec<(f64, &String)> = ids
        .iter()
        .map(|id| (strsim::jaro_winkler(wanted, id), id))
        .filter(|(score, _)| 0.6 <= *score)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(CLOSEST_SHOWN)
        .map(|(_, id)| id.clone())
        .collect()
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_untagged_ollama_model_is_latest() {
        assert!(same_model(ProviderKind::Ollama, "llama3:latest", "llama3"));
        assert!(!same_model(ProviderKind::Ollama, "llama3:8b", "llama3"));
    }

    #[test]
    fn gemini_prefixes_are_ignored() {
        assert!(same_model(
            ProviderKind::Gemini,
            "models/gemini-3.1-pro-preview",
            "gemini-3.1-pro-preview"
        ));
    }

    #[test]
    fn closest_ids_rank_similar_names_first() {
        let ids: Vec<String> = [
            "gpt-5.5",
            "gpt-5.4-mini",
            "text-embedding-3-large",
            "gpt-5.4-nano",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let closest = closest_ids("gpt-4o-mini", &ids);
        assert_eq!(closest.first().map(String::as_str), Some("gpt-5.4-mini"));
        assert!(!closest.contains(&"text-embedding-3-large".to_string()));
    }
}
