//! Test support shared by the integration tests.

#![allow(dead_code)]

pub mod editor;
pub mod lsp;
pub mod mock;

use multi_model::config::{AgentConfig, ApiKey, Config, ConfigSource};
use multi_model::providers::ProviderClient;

/// The key the provider tests send; it must never show up anywhere.
pub const TEST_KEY: &str = "test-key-7f3a9c2e51d8b604";

/// An agent of `provider` pointed at the mock, with the given extra YAML lines.
pub fn agent(provider: &str, base: &str, model: &str, extra: &str) -> AgentConfig {
    let yaml = format!(
        "agents:\n  oracle:\n    model: \"{model}\"\n    provider: {provider}\n    api_base: \"{base}\"\n    api_key_env: TEST_API_KEY\n{extra}"
    );
    let config = Config::from_yaml(&yaml, ConfigSource::File("test.yaml".into())).unwrap();
    config.agents.oracle
}

/// A client for `agent` that sends `TEST_KEY`.
pub fn client(agent: &AgentConfig) -> ProviderClient {
    ProviderClient::new(agent, Some(ApiKey::new(TEST_KEY.to_string()))).unwrap()
}

/// 100,000 levels of each kind of nesting the grammar has; indentation 2,000 levels deep
/// (100,000 would take 5 GB of spaces, and files over 4 MiB are not reviewed).
pub fn deep_python_files() -> Vec<(&'static str, String)> {
    const N: usize = 100_000;
    const INDENTS: usize = 2_000;
    let indented: String = (0..INDENTS)
        .map(|i| format!("{}if x:\n", " ".repeat(i)))
        .chain([format!("{}eval(x)\n", " ".repeat(INDENTS))])
        .collect();
    vec![
        ("unary.py", format!("x = {}1\n", "-".repeat(N))),
        (
            "binary.py",
            format!("x = {}\n", vec!["'ab'"; N].join(" + ")),
        ),
        (
            "brackets.py",
            format!("x = {}1{}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "calls.py",
            format!("x = {}1{}\n", "f(".repeat(N), ")".repeat(N)),
        ),
        ("indented.py", indented),
    ]
}

/// Writes `text` at `rel` under `root`, making its directories.
pub fn write(root: &std::path::Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
