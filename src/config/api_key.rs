//! API keys: read only from the environment variable an agent names, never shown.

use std::fmt;

use super::AgentConfig;
use crate::role::Role;

/// Where environment variables are read from. Tests pass a map; the tool passes the process.
pub trait Environment: Send + Sync {
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl<F: Fn(&str) -> Option<String> + Send + Sync> Environment for F {
    fn var(&self, name: &str) -> Option<String> {
        self(name)
    }
}

/// A secret. It has no `Display`, and `Debug` prints a placeholder, so a key cannot reach
/// a log line, an error message or a panic by accident; `expose` is the one way out.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: String) -> Self {
        ApiKey(key)
    }

    /// The key itself, for building the request's auth header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// Whether an agent can be called right now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// Ready; `key` is `None` for endpoints that need none.
    Available { key: Option<ApiKey> },
    /// Not callable; `reason` says what to do about it.
    Unavailable { reason: String },
}

impl AgentConfig {
    /// Looks up the agent's key. A missing or empty variable makes the agent unavailable.
    pub fn availability(&self, env: &dyn Environment) -> Availability {
        let Some(name) = &self.api_key_env else {
            return Availability::Available { key: None };
        };
        match env.var(name) {
            Some(value) if !value.trim().is_empty() => Availability::Available {
                key: Some(ApiKey::new(value.trim().to_string())),
            },
            Some(_) => Availability::Unavailable {
                reason: format!(
                    "environment variable {name} is empty; set it to your {} API key",
                    self.provider
                ),
            },
            None => Availability::Unavailable {
                reason: format!(
                    "environment variable {name} is not set; export it with your {} API key",
                    self.provider
                ),
            },
        }
    }
}

impl super::Config {
    /// The roles whose own key variable is unset or empty, each with the variable's name,
    /// in role order: what a user is warned of before the first job fails for it.
    pub fn missing_keys(&self, env: &dyn Environment) -> Vec<(Role, String)> {
        Role::ALL
            .into_iter()
            .filter_map(|role| {
                let agent = self.agents.get(role);
                let name = agent.api_key_env.clone()?;
                matches!(agent.availability(env), Availability::Unavailable { .. })
                    .then_some((role, name))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const SECRET: &str = "sk-test-0123456789abcdef";

    fn env_with(name: &'static str, value: &'static str) -> impl Fn(&str) -> Option<String> {
        move |var: &str| (var == name).then(|| value.to_string())
    }

    #[test]
    fn key_debug_output_hides_the_secret() {
        let key = ApiKey::new(SECRET.to_string());
        let shown = format!(
            "{key:?} {:?}",
            Availability::Available {
                key: Some(key.clone())
            }
        );
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("0123"), "{shown}");
    }

    #[test]
    fn missing_variable_makes_the_agent_unavailable_and_names_it() {
        let oracle = &Config::builtin().agents.oracle;
        let name = oracle.api_key_env.clone().unwrap();
        match oracle.availability(&|_: &str| None) {
            Availability::Unavailable { reason } => assert!(reason.contains(&name), "{reason}"),
            other => panic!("expected unavailable, got {other:?}"),
        }
    }

    #[test]
    fn empty_variable_makes_the_agent_unavailable() {
        let oracle = &Config::builtin().agents.oracle;
        let name = oracle.api_key_env.clone().unwrap();
        let env = move |var: &str| (var == name).then(|| "  ".to_string());
        assert!(matches!(
            oracle.availability(&env),
            Availability::Unavailable { .. }
        ));
    }

    #[test]
    fn set_variable_yields_the_key() {
        let librarian = &Config::builtin().agents.librarian;
        let env = env_with("OPENAI_API_KEY", SECRET);
        assert_eq!(
            librarian.availability(&env),
            Availability::Available {
                key: Some(ApiKey::new(SECRET.to_string()))
            }
        );
    }

    #[test]
    fn keyless_endpoints_are_available_without_any_variable() {
        let hephaestus = &Config::builtin().agents.hephaestus;
        assert_eq!(
            hephaestus.availability(&|_: &str| None),
            Availability::Available { key: None }
        );
    }

    #[test]
    fn missing_keys_name_each_role_whose_variable_is_unset() {
        let env = env_with("OPENAI_API_KEY", SECRET);
        let missing = Config::builtin().missing_keys(&env);
        let roles: Vec<Role> = missing.iter().map(|(role, _)| *role).collect();
        // Hephaestus (local Ollama) needs no key; the Librarian's is set.
        assert_eq!(roles, [Role::Sisyphus, Role::Oracle]);
        assert!(missing.iter().all(|(_, name)| name.ends_with("_API_KEY")));
    }
}
