//! The configuration: which model serves which role, how tasks are routed, where metrics go,
//! and what each model costs.
//!
//! The file format is documented in `config/multi_model.yaml`, which is also embedded as
//! the built-in default. Loading is `discover` (find the file) → `parse` (YAML to the raw
//! schema, positioned errors) → `resolve` (defaults, inference, validation).

mod api_key;
mod completion;
mod discovery;
mod error;
mod never_send;
mod parse;
mod provider_kind;
mod resolve;
mod schema;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde::Serialize;

use crate::role::{Role, TaskType};

pub use api_key::{ApiKey, Availability, Environment, ProcessEnv};
pub use completion::{CompletionApi, CompletionConfig, FillEndpoint};
pub use discovery::{ConfigSearch, ConfigStamp, discover};
pub use error::{ConfigError, SourcePos};
pub use never_send::{BadPattern, DenyList};
pub use provider_kind::ProviderKind;

/// The embedded default configuration: the documented file itself.
pub const DEFAULT_YAML: &str = include_str!("../../config/multi_model.yaml");

/// Where the effective configuration came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "path", rename_all = "snake_case")]
pub enum ConfigSource {
    File(PathBuf),
    BuiltIn,
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSource::File(path) => write!(f, "{}", path.display()),
            ConfigSource::BuiltIn => f.write_str("built-in defaults"),
        }
    }
}

/// The effective configuration, every default applied and every value validated.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    pub source: ConfigSource,
    pub agents: Agents,
    pub routing: RoutingConfig,
    pub performance: PerformanceConfig,
    /// Model id → price. A model not listed has no known price; its cost is reported as
    /// unknown rather than guessed.
    pub pricing: BTreeMap<String, ModelPrice>,
    pub privacy: PrivacyConfig,
    pub context: ContextConfig,
    pub review: ReviewConfig,
    /// Inline completion while typing.
    pub completion: CompletionConfig,
}

/// The Oracle's offline pass in the language server.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ReviewConfig {
    /// Run the offline security pass on open, save and change (diagnostics), and offer its
    /// findings to the Oracle model as candidates. `multi-model review` always runs it.
    pub offline: bool,
}

/// One agent per role; a role left out of the file keeps its built-in agent.
#[derive(Clone, Debug, Serialize)]
pub struct Agents {
    pub sisyphus: AgentConfig,
    pub hephaestus: AgentConfig,
    pub oracle: AgentConfig,
    pub librarian: AgentConfig,
}

impl Agents {
    pub fn get(&self, role: Role) -> &AgentConfig {
        match role {
            Role::Sisyphus => &self.sisyphus,
            Role::Hephaestus => &self.hephaestus,
            Role::Oracle => &self.oracle,
            Role::Librarian => &self.librarian,
        }
    }

    fn get_mut(&mut self, role: Role) -> &mut AgentConfig {
        match role {
            Role::Sisyphus => &mut self.sisyphus,
            Role::Hephaestus => &mut self.hephaestus,
            Role::Oracle => &mut self.oracle,
            Role::Librarian => &mut self.librarian,
        }
    }
}

impl Config {
    /// The configuration with the models an editor's settings name per role (empty names
    /// ignored). Only the model id changes: provider, endpoint and key stay as configured,
    /// so an override picks another model of the same service.
    pub fn with_models(mut self, models: &BTreeMap<Role, String>) -> Config {
        for (role, model) in models {
            let model = model.trim();
            if !model.is_empty() {
                self.agents.get_mut(*role).model = model.to_string();
            }
        }
        self
    }
}

/// The model that serves a role, and how to reach it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentConfig {
    pub model: String,
    pub provider: ProviderKind,
    /// Base URL without a trailing slash; the provider appends its paths.
    pub api_base: String,
    /// The environment variable holding the key; `None` for endpoints that need none.
    pub api_key_env: Option<String>,
    pub max_tokens: u64,
    /// Sent only when set: several current models reject any non-default value.
    pub temperature: Option<f64>,
    /// Roles tried, in order, when this one fails. Not transitive: this list is the chain.
    pub fallback: Vec<Role>,
    /// Longest wait between two chunks of a response.
    pub timeout_seconds: u64,
    /// Longest wait for the response to start (connecting included): long prompts and
    /// thinking models take a while before the first byte.
    pub first_byte_timeout_seconds: u64,
    /// Longest wait for the TCP/TLS connection.
    pub connect_timeout_seconds: u64,
    /// The model's context window, which bounds the prompt plus `max_tokens`.
    pub context_tokens: u64,
    /// The body field an OpenAI-compatible endpoint reads the output cap from; `None`
    /// lets the provider choose by endpoint and model.
    pub max_tokens_field: Option<TokenLimitField>,
}

/// The name of the output cap in an OpenAI Chat Completions body. OpenAI's reasoning
/// models (gpt-5, o-series) reject `max_tokens`; many compatible servers know only it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenLimitField {
    MaxTokens,
    MaxCompletionTokens,
}

impl TokenLimitField {
    /// The spelling in the request body and in the configuration file.
    pub fn name(self) -> &'static str {
        match self {
            TokenLimitField::MaxTokens => "max_tokens",
            TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
        }
    }
}

/// How tasks find their role.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoutingConfig {
    pub auto_classify: bool,
    pub allow_manual_override: bool,
    pub enable_fallback: bool,
    /// The last resort after a role's fallback chain (the original skill's "primary model").
    pub primary: Role,
    /// Routing cues per task type that replace the router's built-in ones.
    pub keywords: Keywords,
}

/// Routing cues the configuration sets per task type; `None` keeps the router's built-in
/// cues for that type, a list replaces them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Keywords {
    pub planning: Option<Vec<Cue>>,
    pub coding: Option<Vec<Cue>>,
    pub review: Option<Vec<Cue>>,
    pub search: Option<Vec<Cue>>,
}

impl Keywords {
    pub fn get(&self, task: TaskType) -> Option<&[Cue]> {
        match task {
            TaskType::Planning => self.planning.as_deref(),
            TaskType::Coding => self.coding.as_deref(),
            TaskType::Review => self.review.as_deref(),
            TaskType::Search => self.search.as_deref(),
        }
    }
}

/// A word or phrase that points a task at a task type, with how strongly it does.
/// In a phrase, `...` stands for up to four words ("is this ... safe").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cue {
    pub text: String,
    pub weight: f64,
}

/// Metrics recording.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerformanceConfig {
    pub track_metrics: bool,
    /// Relative paths are relative to the workspace root.
    pub metrics_file: PathBuf,
}

/// What may leave the machine (see `crate::redact`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrivacyConfig {
    /// Redact prompts for endpoints on this machine too. On by default: a "local" port can
    /// be a tunnel or a proxy to a hosted service, and the file cannot tell.
    pub redact_local: bool,
    /// Files never sent: the built-in list plus the configured globs.
    pub never_send: DenyList,
}

/// What the roles are shown of the workspace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ContextConfig {
    /// Gitignore-syntax patterns, relative to the workspace root, never used as context:
    /// not packed for Sisyphus, not indexed for the Librarian.
    pub exclude: Vec<String>,
    /// Per role, the share (0 < share ≤ 1) of its window left for context once its answer
    /// and instructions are provided for.
    pub share: RoleShares,
}

/// A share per role (see `ContextConfig::share`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RoleShares {
    pub sisyphus: f64,
    pub hephaestus: f64,
    pub oracle: f64,
    pub librarian: f64,
}

impl RoleShares {
    pub fn get(&self, role: Role) -> f64 {
        match role {
            Role::Sisyphus => self.sisyphus,
            Role::Hephaestus => self.hephaestus,
            Role::Oracle => self.oracle,
            Role::Librarian => self.librarian,
        }
    }
}

/// Tokens kept free in every prompt for the role's instructions and the fences.
const PROMPT_OVERHEAD_TOKENS: u64 = 2_000;

impl Config {
    /// How many tokens of context `role` may be sent: its share of what its window holds
    /// beside its answer and instructions (at least 1,000).
    pub fn context_budget(&self, role: Role) -> usize {
        let agent = self.agents.get(role);
        let room = agent
            .context_tokens
            .saturating_sub(agent.max_tokens)
            .saturating_sub(PROMPT_OVERHEAD_TOKENS);
        let tokens = (room as f64 * self.context.share.get(role)) as u64;
        usize::try_from(tokens.max(1_000)).unwrap_or(usize::MAX)
    }
}

/// What a model costs, in USD per million tokens (finite, never negative).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ModelPrice {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

impl Config {
    /// The built-in defaults (the embedded `config/multi_model.yaml`).
    pub fn builtin() -> &'static Config {
        static BUILTIN: OnceLock<Config> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let raw = parse::parse(DEFAULT_YAML, "<built-in>")
                .expect("the embedded default configuration parses (unit-tested)");
            resolve::resolve(raw, "<built-in>", None, ConfigSource::BuiltIn)
                .expect("the embedded default configuration is valid (unit-tested)")
        })
    }

    /// Parses and validates configuration text. `origin` names it in errors.
    pub fn from_yaml(text: &str, source: ConfigSource) -> Result<Config, ConfigError> {
        let origin = source.to_string();
        let raw = parse::parse(text, &origin)?;
        resolve::resolve(raw, &origin, Some(Config::builtin()), source)
    }
}

#[cfg(test)]
mod tests;
