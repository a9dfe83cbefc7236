//! The configuration file exactly as written: every key optional, every value with its
//! source position so that validation can point at it. `resolve` turns this into `Config`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub agents: RawAgents,
    #[serde(default)]
    pub routing: RawRouting,
    #[serde(default)]
    pub performance: RawPerformance,
    /// Model id → its price. A map rather than a struct: model ids are the user's.
    pub pricing: Option<BTreeMap<String, Spanned<RawPrice>>>,
    #[serde(default)]
    pub privacy: RawPrivacy,
    #[serde(default)]
    pub context: RawContext,
    #[serde(default)]
    pub review: RawReview,
    #[serde(default)]
    pub completion: RawCompletion,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgents {
    pub sisyphus: Option<Spanned<RawAgent>>,
    pub hephaestus: Option<Spanned<RawAgent>>,
    pub oracle: Option<Spanned<RawAgent>>,
    pub librarian: Option<Spanned<RawAgent>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAgent {
    pub model: Option<Spanned<String>>,
    pub provider: Option<Spanned<String>>,
    pub api_key_env: Option<Spanned<String>>,
    pub api_base: Option<Spanned<String>>,
    pub max_tokens: Option<Spanned<i64>>,
    pub temperature: Option<Spanned<f64>>,
    pub fallback: Option<Spanned<Vec<Spanned<String>>>>,
    pub timeout_seconds: Option<Spanned<i64>>,
    pub first_byte_timeout_seconds: Option<Spanned<i64>>,
    pub connect_timeout_seconds: Option<Spanned<i64>>,
    pub context_tokens: Option<Spanned<i64>>,
    pub max_tokens_field: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRouting {
    pub auto_classify: Option<bool>,
    pub allow_manual_override: Option<bool>,
    pub enable_fallback: Option<bool>,
    pub primary: Option<Spanned<String>>,
    pub keywords: Option<RawKeywords>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawKeywords {
    pub planning: Option<Vec<Spanned<RawCue>>>,
    pub coding: Option<Vec<Spanned<RawCue>>>,
    pub review: Option<Vec<Spanned<RawCue>>>,
    pub search: Option<Vec<Spanned<RawCue>>>,
}

/// A routing cue: a word or phrase (weight 1, phrases 2), or one with an explicit weight.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawCue {
    Plain(String),
    Weighted { cue: String, weight: f64 },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPerformance {
    pub track_metrics: Option<bool>,
    pub metrics_file: Option<Spanned<String>>,
}

/// What a model costs, in USD per million tokens.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrice {
    pub input_per_million: Option<Spanned<f64>>,
    pub output_per_million: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPrivacy {
    pub redact_local: Option<bool>,
    pub never_send: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContext {
    pub exclude: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub share: RawShares,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawShares {
    pub sisyphus: Option<Spanned<f64>>,
    pub hephaestus: Option<Spanned<f64>>,
    pub oracle: Option<Spanned<f64>>,
    pub librarian: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReview {
    pub offline: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompletion {
    pub enabled: Option<bool>,
    pub api: Option<Spanned<String>>,
    pub debounce_ms: Option<Spanned<i64>>,
    pub max_lines: Option<Spanned<i64>>,
    pub max_tokens: Option<Spanned<i64>>,
    pub context_tokens: Option<Spanned<i64>>,
    /// Language id → on or off.
    pub languages: Option<BTreeMap<String, bool>>,
    pub agent: Option<Spanned<RawAgent>>,
}
