//! The four wire formats, each against a mock speaking it exactly, and what every provider
//! shares (timeouts, cancellation, unreachable endpoints, secrecy).

use multi_model::config::{AgentConfig, ApiKey, Config, ConfigSource};
use multi_model::providers::ProviderClient;

use crate::support::mock::TEST_KEY;

mod anthropic;
mod gemini;
mod ollama;
mod openai;
mod transport;

/// An agent of `provider` pointed at the mock, with the given extra YAML lines.
fn agent(provider: &str, base: &str, model: &str, extra: &str) -> AgentConfig {
    let yaml = format!(
        "agents:\n  oracle:\n    model: \"{model}\"\n    provider: {provider}\n    api_base: \"{base}\"\n    api_key_env: TEST_API_KEY\n{extra}"
    );
    let config = Config::from_yaml(&yaml, ConfigSource::File("test.yaml".into())).unwrap();
    config.agents.oracle
}

/// A client for `agent` that sends `TEST_KEY`.
fn client(agent: &AgentConfig) -> ProviderClient {
    ProviderClient::new(agent, Some(ApiKey::new(TEST_KEY.to_string()))).unwrap()
}
