//! Which wire format an agent speaks, and the defaults that follow from it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The four provider wire formats (see shared/providers.md). Deserialisable because metrics
/// records name the provider of each attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenAI Chat Completions, and every OpenAI-compatible server (vLLM, llama.cpp, LM Studio).
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Google Gemini API (v1beta).
    Gemini,
    /// Ollama's native `/api/chat`.
    Ollama,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 4] = [
        ProviderKind::OpenAi,
        ProviderKind::Anthropic,
        ProviderKind::Gemini,
        ProviderKind::Ollama,
    ];

    /// The spelling used in the configuration file.
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
        }
    }

    /// The URL the provider's paths are appended to (providers.md §0).
    pub fn default_api_base(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "https://api.openai.com/v1",
            ProviderKind::Anthropic => "https://api.anthropic.com",
            ProviderKind::Gemini => "https://generativelanguage.googleapis.com/v1beta",
            ProviderKind::Ollama => "http://localhost:11434",
        }
    }

    /// The conventional key variable, used when the agent talks to the provider's own
    /// service and names none. Self-hosted endpoints get no default: most need no key.
    pub fn conventional_key_env(self) -> Option<&'static str> {
        match self {
            ProviderKind::OpenAi => Some("OPENAI_API_KEY"),
            ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
            ProviderKind::Gemini => Some("GEMINI_API_KEY"),
            ProviderKind::Ollama => None,
        }
    }

    /// A conservative context window for models the configuration says nothing about.
    /// Users set `context_tokens` for the real window of their model.
    pub fn default_context_tokens(self) -> u64 {
        match self {
            ProviderKind::OpenAi => 128_000,
            ProviderKind::Anthropic => 200_000,
            ProviderKind::Gemini => 1_048_576,
            // Ollama's default num_ctx depends on VRAM; 32K is what coder models ship with.
            ProviderKind::Ollama => 32_768,
        }
    }

    /// The highest temperature the provider accepts.
    pub fn max_temperature(self) -> f64 {
        match self {
            ProviderKind::Anthropic => 1.0,
            ProviderKind::OpenAi | ProviderKind::Gemini | ProviderKind::Ollama => 2.0,
        }
    }

    /// Guesses the provider of an agent that does not name one. The endpoint decides
    /// first (it fixes the wire format), then the key variable, then the model name.
    pub fn infer(model: &str, api_base: Option<&str>, api_key_env: Option<&str>) -> Option<Self> {
        api_base
            .and_then(Self::from_api_base)
            .or_else(|| api_key_env.and_then(Self::from_key_env))
            .or_else(|| Self::from_model(model))
    }

    fn from_api_base(base: &str) -> Option<Self> {
        let base = base.trim_end_matches('/').to_ascii_lowercase();
        if base.contains("anthropic.com") {
            Some(ProviderKind::Anthropic)
        } else if base.contains("generativelanguage.googleapis.com") {
            Some(ProviderKind::Gemini)
        } else if base.ends_with("/v1") || base.contains("openai.com") {
            // vLLM, llama.cpp, LM Studio and Ollama's own shim all serve OpenAI's format under /v1.
            Some(ProviderKind::OpenAi)
        } else if base.ends_with(":11434") {
            Some(ProviderKind::Ollama)
        } else {
            None
        }
    }

    fn from_key_env(name: &str) -> Option<Self> {
        let name = name.to_ascii_uppercase();
        if name.starts_with("ANTHROPIC") || name.starts_with("CLAUDE") {
            Some(ProviderKind::Anthropic)
        } else if name.starts_with("GEMINI") || name.starts_with("GOOGLE") {
            Some(ProviderKind::Gemini)
        } else if name.starts_with("OPENAI") {
            Some(ProviderKind::OpenAi)
        } else {
            None
        }
    }

    fn from_model(model: &str) -> Option<Self> {
        let model = model.to_ascii_lowercase();
        let model = model.strip_prefix("models/").unwrap_or(&model);
        if model.starts_with("claude") {
            Some(ProviderKind::Anthropic)
        } else if model.starts_with("gemini") {
            Some(ProviderKind::Gemini)
        } else if ["gpt-", "chatgpt", "o1", "o3", "o4"]
            .iter()
            .any(|prefix| model.starts_with(prefix))
        {
            Some(ProviderKind::OpenAi)
        } else if model.contains(':') {
            // `name:tag` is how Ollama names pulled models (qwen2.5-coder:32b).
            Some(ProviderKind::Ollama)
        } else {
            None
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ProviderKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProviderKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(s.trim()))
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_decides_before_the_model_name() {
        let kind = ProviderKind::infer("claude-sonnet-5", Some("http://localhost:8000/v1"), None);
        assert_eq!(kind, Some(ProviderKind::OpenAi));
    }

    #[test]
    fn ollama_native_endpoint_is_recognised() {
        let kind = ProviderKind::infer("llama3", Some("http://localhost:11434/"), None);
        assert_eq!(kind, Some(ProviderKind::Ollama));
    }

    #[test]
    fn ollama_openai_shim_is_openai_format() {
        let kind = ProviderKind::infer("llama3", Some("http://localhost:11434/v1"), None);
        assert_eq!(kind, Some(ProviderKind::OpenAi));
    }

    #[test]
    fn model_names_identify_hosted_providers() {
        assert_eq!(
            ProviderKind::infer("gemini-3.1-pro-preview", None, None),
            Some(ProviderKind::Gemini)
        );
        assert_eq!(
            ProviderKind::infer("claude-sonnet-5", None, None),
            Some(ProviderKind::Anthropic)
        );
        assert_eq!(
            ProviderKind::infer("gpt-5.4-mini", None, None),
            Some(ProviderKind::OpenAi)
        );
        assert_eq!(
            ProviderKind::infer("qwen2.5-coder:32b", None, None),
            Some(ProviderKind::Ollama)
        );
    }

    #[test]
    fn key_variable_identifies_the_provider_of_an_unknown_model() {
        let kind = ProviderKind::infer("my-finetune", None, Some("ANTHROPIC_API_KEY"));
        assert_eq!(kind, Some(ProviderKind::Anthropic));
    }

    #[test]
    fn unknown_model_without_other_hints_is_not_guessed() {
        assert_eq!(ProviderKind::infer("my-finetune", None, None), None);
    }
}
