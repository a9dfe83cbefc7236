//! The `completion` section: inline completion (ghost text) while typing — on or off, per
//! language, how long to wait after a keystroke, how much to suggest, and which model.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_saphyr::Spanned;

use super::resolve::Ctx;
use super::schema::RawCompletion;
use super::{AgentConfig, ConfigError, ProviderKind};
use crate::role::Role;

/// The endpoints that fill in the middle, each with its own path and body (the answer
/// comes in the shape of its API's chat or completion stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FillEndpoint {
    /// Ollama's `/api/generate` with `suffix`: the model's own FIM template is applied.
    Generate,
    /// OpenAI-compatible `/completions` with `suffix` (llama.cpp, vLLM, DeepSeek, LM Studio).
    Completions,
    /// Mistral's `/fim/completions` (Codestral).
    Fim,
}

/// How completions are asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompletionApi {
    /// By the agent's provider and endpoint (see [`CompletionConfig::api_for`]).
    Auto,
    /// A fill-in-the-middle endpoint.
    Fill(FillEndpoint),
    /// A chat prompt that asks for the middle only (models without a FIM endpoint).
    Chat,
}

impl CompletionApi {
    const NAMES: [&'static str; 5] = ["auto", "generate", "completions", "fim", "chat"];

    fn parse(name: &str) -> Option<CompletionApi> {
        Some(match name {
            "auto" => CompletionApi::Auto,
            "generate" => CompletionApi::Fill(FillEndpoint::Generate),
            "completions" => CompletionApi::Fill(FillEndpoint::Completions),
            "fim" => CompletionApi::Fill(FillEndpoint::Fim),
            "chat" => CompletionApi::Chat,
            _ => return None,
        })
    }
}

/// Inline completion, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompletionConfig {
    pub enabled: bool,
    pub api: CompletionApi,
    /// Quiet time after a keystroke before a model is asked.
    pub debounce_ms: u64,
    /// Most lines a suggestion at an empty line may have (mid-line it is always one).
    pub max_lines: usize,
    pub max_tokens: u64,
    /// Tokens of the file around the cursor and of what the syntax tree knows.
    pub context_tokens: usize,
    /// Language id → on or off; a language not listed follows `enabled`.
    pub languages: BTreeMap<String, bool>,
    /// A model of its own; `None`: the Hephaestus agent's.
    pub agent: Option<AgentConfig>,
}

impl Default for CompletionConfig {
    fn default() -> CompletionConfig {
        CompletionConfig {
            enabled: true,
            api: CompletionApi::Auto,
            debounce_ms: 150,
            max_lines: 8,
            max_tokens: 256,
            context_tokens: 2048,
            languages: BTreeMap::new(),
            agent: None,
        }
    }
}

impl CompletionConfig {
    /// Whether completions are offered in documents of `language_id`.
    pub fn enabled_for(&self, language_id: &str) -> bool {
        self.languages
            .get(language_id)
            .copied()
            .unwrap_or(self.enabled)
    }

    /// The agent that completes: the section's own, else `hephaestus`.
    pub fn agent<'a>(&'a self, hephaestus: &'a AgentConfig) -> &'a AgentConfig {
        self.agent.as_ref().unwrap_or(hephaestus)
    }

    /// How to ask `agent`. `auto`: Ollama's `/api/generate`; Mistral's FIM endpoint on its
    /// own service; a chat prompt for OpenAI's own service (it has no FIM model any more),
    /// Anthropic and Gemini; `/completions` with `suffix` for other OpenAI-compatible
    /// servers (llama.cpp, vLLM, DeepSeek).
    pub fn api_for(&self, agent: &AgentConfig) -> CompletionApi {
        if self.api != CompletionApi::Auto {
            return self.api;
        }
        match agent.provider {
            ProviderKind::Ollama => CompletionApi::Fill(FillEndpoint::Generate),
            ProviderKind::OpenAi if agent.api_base.contains("mistral.ai") => {
                CompletionApi::Fill(FillEndpoint::Fim)
            }
            ProviderKind::OpenAi if agent.api_base.contains("api.openai.com") => {
                CompletionApi::Chat
            }
            ProviderKind::OpenAi => CompletionApi::Fill(FillEndpoint::Completions),
            ProviderKind::Anthropic | ProviderKind::Gemini => CompletionApi::Chat,
        }
    }
}

impl Ctx<'_> {
    /// The completion section; what it leaves out comes from `base`, else the defaults.
    pub(super) fn completion(
        &self,
        raw: RawCompletion,
        base: Option<&CompletionConfig>,
    ) -> Result<CompletionConfig, ConfigError> {
        let defaults = base.cloned().unwrap_or_default();
        let api = match raw.api {
            None => defaults.api,
            Some(name) => {
                CompletionApi::parse(name.value.trim()).ok_or_else(|| ConfigError::Invalid {
                    at: self.at(&name),
                    key: "completion.api".into(),
                    message: format!(
                        "`{}` is not one of {}",
                        name.value,
                        CompletionApi::NAMES.join(", ")
                    ),
                })?
            }
        };
        let int = |raw: Option<Spanned<i64>>, key: &str, min: i64, max: i64, default: u64| {
            raw.map_or(Ok(default), |n| {
                self.int_in(&n, &format!("completion.{key}"), min, max)
            })
        };
        let agent = match raw.agent {
            Some(agent) => {
                Some(self.agent_under("completion.agent".into(), Role::Hephaestus, agent)?)
            }
            None => defaults.agent,
        };
        let mut languages = defaults.languages;
        languages.extend(raw.languages.unwrap_or_default());
        Ok(CompletionConfig {
            enabled: raw.enabled.unwrap_or(defaults.enabled),
            api,
            debounce_ms: int(
                raw.debounce_ms,
                "debounce_ms",
                0,
                5000,
                defaults.debounce_ms,
            )?,
            max_lines: int(
                raw.max_lines,
                "max_lines",
                1,
                200,
                defaults.max_lines as u64,
            )? as usize,
            max_tokens: int(raw.max_tokens, "max_tokens", 1, 8192, defaults.max_tokens)?,
            context_tokens: int(
                raw.context_tokens,
                "context_tokens",
                64,
                32768,
                defaults.context_tokens as u64,
            )? as usize,
            languages,
            agent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigSource};

    fn load(yaml: &str) -> Result<Config, ConfigError> {
        Config::from_yaml(yaml, ConfigSource::File("cfg.yaml".into()))
    }

    #[test]
    fn the_built_in_configuration_completes_with_hephaestus_on_ollamas_generate() {
        let config = Config::builtin();
        let completion = &config.completion;
        assert!(completion.enabled_for("python"));
        let agent = completion.agent(&config.agents.hephaestus);
        assert_eq!(agent.model, config.agents.hephaestus.model);
        assert_eq!(
            completion.api_for(agent),
            CompletionApi::Fill(FillEndpoint::Generate)
        );
    }

    #[test]
    fn a_file_sets_the_section_and_a_model_of_its_own() {
        let config = load(
            "completion:\n  debounce_ms: 80\n  max_lines: 3\n  languages: {markdown: false}\n  agent: {model: codestral-latest, provider: openai, api_base: \"https://codestral.mistral.ai/v1\"}\n",
        )
        .unwrap();
        let completion = &config.completion;
        assert_eq!(completion.debounce_ms, 80);
        assert_eq!(completion.max_lines, 3);
        assert!(!completion.enabled_for("markdown"));
        assert!(completion.enabled_for("rust"));
        let agent = completion.agent(&config.agents.hephaestus);
        assert_eq!(agent.model, "codestral-latest");
        assert_eq!(
            completion.api_for(agent),
            CompletionApi::Fill(FillEndpoint::Fim)
        );
    }

    #[test]
    fn auto_picks_the_endpoint_by_provider_and_service() {
        let check = |yaml_agent: &str, expect: CompletionApi| {
            let yaml = format!("completion:\n  agent: {yaml_agent}\n");
            let config = load(&yaml).unwrap();
            let completion = &config.completion;
            let agent = completion.agent(&config.agents.hephaestus);
            assert_eq!(completion.api_for(agent), expect, "{yaml_agent}");
        };
        check(
            "{model: gpt-5.4-mini, api_key_env: OPENAI_API_KEY}",
            CompletionApi::Chat,
        );
        check(
            "{model: deepseek-coder, provider: openai, api_base: \"http://127.0.0.1:8080/v1\"}",
            CompletionApi::Fill(FillEndpoint::Completions),
        );
        check(
            "{model: claude-haiku-4-5, api_key_env: ANTHROPIC_API_KEY}",
            CompletionApi::Chat,
        );
        check(
            "{model: gemini-3-flash, api_key_env: GEMINI_API_KEY}",
            CompletionApi::Chat,
        );
    }

    #[test]
    fn an_explicit_api_is_used_as_written() {
        let config = load("completion:\n  api: chat\n").unwrap();
        let agent = config.completion.agent(&config.agents.hephaestus);
        assert_eq!(config.completion.api_for(agent), CompletionApi::Chat);
    }

    #[test]
    fn mistakes_in_the_section_name_the_key() {
        let error = |yaml: &str| load(yaml).unwrap_err().to_string();
        assert!(error("completion:\n  api: fill\n").contains("completion.api"));
        assert!(error("completion:\n  debounce_ms: -1\n").contains("completion.debounce_ms"));
        assert!(error("completion:\n  max_lines: 0\n").contains("completion.max_lines"));
        assert!(error("completion:\n  agent: {provider: ollama}\n").contains("completion.agent"));
        assert!(error("completion:\n  debounce: 10\n").contains("debounce"));
    }
}
