//! `RawConfig` to `Config`: defaults applied, providers inferred, every value checked.

use std::path::PathBuf;

use serde_saphyr::Spanned;

use super::DenyList;
use super::error::{ConfigError, SourcePos, closest};
use super::parse::pos;
use super::schema::{
    RawAgent, RawConfig, RawContext, RawCue, RawKeywords, RawPrice, RawPrivacy, RawShares,
};
use super::{
    AgentConfig, Agents, Config, ConfigSource, ContextConfig, Cue, Keywords, ModelPrice,
    PerformanceConfig, PrivacyConfig, ProviderKind, ReviewConfig, RoleShares, RoutingConfig,
    TokenLimitField,
};
use crate::role::Role;

const DEFAULT_MAX_TOKENS: u64 = 8192;
const DEFAULT_TIMEOUT_SECONDS: u64 = 30;
const DEFAULT_FIRST_BYTE_TIMEOUT_SECONDS: u64 = 60;
const DEFAULT_CONNECT_TIMEOUT_SECONDS: u64 = 10;
const MAX_TIMEOUT_SECONDS: i64 = 3600;
const MIN_CONTEXT_TOKENS: i64 = 1024;
const MAX_CONTEXT_TOKENS: i64 = 100_000_000;
const MAX_CUE_WEIGHT: f64 = 10.0;
/// Sisyphus plans over the whole workspace; the others need the selection and what it
/// touches, and answer faster with less.
const DEFAULT_SHARES: RoleShares = RoleShares {
    sisyphus: 0.8,
    hephaestus: 0.25,
    oracle: 0.5,
    librarian: 0.3,
};
const DEFAULT_METRICS_FILE: &str = ".agent/multi_model_metrics.json";

/// Resolves a parsed file. Agents it leaves out come from `base` (the built-in defaults);
/// with no base, every agent must be present.
pub(super) fn resolve(
    raw: RawConfig,
    origin: &str,
    base: Option<&Config>,
    source: ConfigSource,
) -> Result<Config, ConfigError> {
    let ctx = Ctx { origin };
    let agent = |role: Role, raw: Option<Spanned<RawAgent>>| -> Result<AgentConfig, ConfigError> {
        match (raw, base) {
            (Some(raw), _) => ctx.agent(role, raw),
            (None, Some(base)) => Ok(base.agents.get(role).clone()),
            (None, None) => Err(ConfigError::MissingKey {
                at: ctx.start(),
                key: "agents".into(),
                missing: role.name(),
            }),
        }
    };
    let agents = Agents {
        sisyphus: agent(Role::Sisyphus, raw.agents.sisyphus)?,
        hephaestus: agent(Role::Hephaestus, raw.agents.hephaestus)?,
        oracle: agent(Role::Oracle, raw.agents.oracle)?,
        librarian: agent(Role::Librarian, raw.agents.librarian)?,
    };

    let routing = RoutingConfig {
        auto_classify: raw.routing.auto_classify.unwrap_or(true),
        allow_manual_override: raw.routing.allow_manual_override.unwrap_or(true),
        enable_fallback: raw.routing.enable_fallback.unwrap_or(true),
        primary: match raw.routing.primary {
            Some(primary) => ctx.role("routing.primary", &primary)?,
            None => Role::Sisyphus,
        },
        keywords: match raw.routing.keywords {
            Some(keywords) => ctx.keywords(keywords)?,
            None => Keywords::default(),
        },
    };

    let metrics_file = match raw.performance.metrics_file {
        Some(file) if file.value.trim().is_empty() => {
            return Err(ConfigError::Invalid {
                at: ctx.at(&file),
                key: "performance.metrics_file".into(),
                message: "must be a file path (leave it out for the default)".into(),
            });
        }
        Some(file) => PathBuf::from(file.value),
        None => PathBuf::from(DEFAULT_METRICS_FILE),
    };
    let performance = PerformanceConfig {
        track_metrics: raw.performance.track_metrics.unwrap_or(true),
        metrics_file,
    };

    // Prices extend the base's: a file that prices one model keeps the built-in prices of
    // the others (and may override them).
    let mut pricing = base.map(|base| base.pricing.clone()).unwrap_or_default();
    for (model, price) in raw.pricing.unwrap_or_default() {
        let (model, price) = ctx.price(&model, price)?;
        pricing.insert(model, price);
    }

    let privacy = ctx.privacy(raw.privacy)?;
    let base_context = base.map(|base| &base.context);
    let context = ctx.context(raw.context, base_context)?;
    let review = ReviewConfig {
        offline: raw
            .review
            .offline
            .or(base.map(|base| base.review.offline))
            .unwrap_or(true),
    };

    let completion = ctx.completion(raw.completion, base.map(|base| &base.completion))?;

    Ok(Config {
        completion,
        source,
        agents,
        routing,
        performance,
        pricing,
        privacy,
        context,
        review,
    })
}

/// The original skill's fallback chains: Sisyphus → Oracle; the others → Sisyphus.
fn default_fallback(role: Role) -> Vec<Role> {
    match role {
        Role::Sisyphus => vec![Role::Oracle],
        Role::Hephaestus | Role::Oracle | Role::Librarian => vec![Role::Sisyphus],
    }
}

pub(super) struct Ctx<'a> {
    pub(super) origin: &'a str,
}

impl Ctx<'_> {
    pub(super) fn at<T>(&self, spanned: &Spanned<T>) -> SourcePos {
        pos(self.origin, &spanned.referenced)
    }

    fn start(&self) -> SourcePos {
        SourcePos {
            origin: self.origin.to_string(),
            line: 1,
            column: 1,
        }
    }

    fn agent(&self, role: Role, raw: Spanned<RawAgent>) -> Result<AgentConfig, ConfigError> {
        self.agent_under(format!("agents.{role}"), role, raw)
    }

    /// An agent written under `prefix` (`agents.<role>`, `completion.agent`); `role` gives
    /// its default fallback chain.
    pub(super) fn agent_under(
        &self,
        prefix: String,
        role: Role,
        raw: Spanned<RawAgent>,
    ) -> Result<AgentConfig, ConfigError> {
        let key = |field: &str| format!("{prefix}.{field}");
        let agent_at = self.at(&raw);
        let raw = raw.value;

        let Some(model) = raw.model else {
            return Err(ConfigError::MissingKey {
                at: agent_at,
                key: prefix,
                missing: "model",
            });
        };
        if model.value.trim().is_empty() {
            return Err(ConfigError::Invalid {
                at: self.at(&model),
                key: key("model"),
                message: "must name a model".into(),
            });
        }

        if let Some(env) = &raw.api_key_env {
            let is_var_name = !env.value.is_empty()
                && !env.value.starts_with(|c: char| c.is_ascii_digit())
                && env
                    .value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !is_var_name {
                // Do not echo the value: people paste the key itself here.
                return Err(ConfigError::Invalid {
                    at: self.at(env),
                    key: key("api_key_env"),
                    message: "must be the NAME of an environment variable (like ANTHROPIC_API_KEY), never the key itself".into(),
                });
            }
        }

        let provider = match &raw.provider {
            Some(provider) => provider.value.parse::<ProviderKind>().map_err(|()| {
                ConfigError::UnknownProvider {
                    at: self.at(provider),
                    key: key("provider"),
                    value: provider.value.clone(),
                    suggestion: closest(&provider.value, ProviderKind::ALL.map(ProviderKind::name)),
                }
            })?,
            None => ProviderKind::infer(
                &model.value,
                raw.api_base.as_ref().map(|b| b.value.as_str()),
                raw.api_key_env.as_ref().map(|e| e.value.as_str()),
            )
            .ok_or_else(|| ConfigError::UnknownProviderForModel {
                at: self.at(&model),
                key: key("model"),
                model: model.value.clone(),
            })?,
        };

        let api_base = match &raw.api_base {
            Some(base) => self.api_base(base, &key("api_base"))?,
            None => provider.default_api_base().to_string(),
        };
        let api_key_env = match raw.api_key_env {
            Some(env) => Some(env.value),
            None if api_base == provider.default_api_base() => {
                provider.conventional_key_env().map(str::to_string)
            }
            None => None,
        };

        let context_tokens = match &raw.context_tokens {
            Some(n) => self.int_in(
                n,
                &key("context_tokens"),
                MIN_CONTEXT_TOKENS,
                MAX_CONTEXT_TOKENS,
            )?,
            None => provider.default_context_tokens(),
        };
        let max_tokens = match &raw.max_tokens {
            Some(n) => self.int_in(n, &key("max_tokens"), 1, context_tokens as i64)?,
            None => DEFAULT_MAX_TOKENS.min(context_tokens),
        };
        let timeout_seconds = match &raw.timeout_seconds {
            Some(n) => self.int_in(n, &key("timeout_seconds"), 1, MAX_TIMEOUT_SECONDS)?,
            None => DEFAULT_TIMEOUT_SECONDS,
        };
        let first_byte_timeout_seconds = match &raw.first_byte_timeout_seconds {
            Some(n) => self.int_in(
                n,
                &key("first_byte_timeout_seconds"),
                1,
                MAX_TIMEOUT_SECONDS,
            )?,
            None => DEFAULT_FIRST_BYTE_TIMEOUT_SECONDS,
        };
        let connect_timeout_seconds = match &raw.connect_timeout_seconds {
            Some(n) => self.int_in(n, &key("connect_timeout_seconds"), 1, 300)?,
            None => DEFAULT_CONNECT_TIMEOUT_SECONDS,
        };

        let temperature = match raw.temperature {
            Some(t) => {
                let max = provider.max_temperature();
                if !(t.value.is_finite() && 0.0 <= t.value && t.value <= max) {
                    return Err(ConfigError::OutOfRange {
                        at: self.at(&t),
                        key: key("temperature"),
                        message: format!(
                            "{} is outside 0.0–{max:.1}, the range {provider} accepts",
                            t.value
                        ),
                    });
                }
                Some(t.value)
            }
            None => None,
        };

        let max_tokens_field = match &raw.max_tokens_field {
            Some(field) => Some(self.token_limit_field(field, &key("max_tokens_field"))?),
            None => None,
        };

        let fallback = match raw.fallback {
            Some(list) => self.fallback(role, list, &key("fallback"))?,
            None => default_fallback(role),
        };

        Ok(AgentConfig {
            model: model.value.trim().to_string(),
            provider,
            api_base,
            api_key_env,
            max_tokens,
            temperature,
            fallback,
            timeout_seconds,
            first_byte_timeout_seconds,
            connect_timeout_seconds,
            context_tokens,
            max_tokens_field,
        })
    }

    fn token_limit_field(
        &self,
        field: &Spanned<String>,
        key: &str,
    ) -> Result<TokenLimitField, ConfigError> {
        let all = [
            TokenLimitField::MaxTokens,
            TokenLimitField::MaxCompletionTokens,
        ];
        all.into_iter()
            .find(|f| f.name() == field.value.trim())
            .ok_or_else(|| ConfigError::Invalid {
                at: self.at(field),
                key: key.to_string(),
                message: format!(
                    "`{}` is not a token limit field; use `max_tokens` or `max_completion_tokens`",
                    field.value
                ),
            })
    }

    fn api_base(&self, base: &Spanned<String>, key: &str) -> Result<String, ConfigError> {
        let trimmed = base.value.trim().trim_end_matches('/');
        let valid = url::Url::parse(trimmed)
            .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
        if !valid {
            return Err(ConfigError::Invalid {
                at: self.at(base),
                key: key.to_string(),
                message: format!("`{}` is not an http(s) URL", base.value),
            });
        }
        Ok(trimmed.to_string())
    }

    pub(super) fn int_in(
        &self,
        n: &Spanned<i64>,
        key: &str,
        min: i64,
        max: i64,
    ) -> Result<u64, ConfigError> {
        if n.value < min || max < n.value {
            return Err(ConfigError::OutOfRange {
                at: self.at(n),
                key: key.to_string(),
                message: format!("{} is outside {min}–{max}", n.value),
            });
        }
        Ok(n.value as u64)
    }

    fn role(&self, key: &str, name: &Spanned<String>) -> Result<Role, ConfigError> {
        name.value
            .parse::<Role>()
            .map_err(|_| ConfigError::UnknownRole {
                at: self.at(name),
                key: key.to_string(),
                value: name.value.clone(),
                suggestion: closest(&name.value, Role::ALL.map(Role::name)),
            })
    }

    fn fallback(
        &self,
        role: Role,
        list: Spanned<Vec<Spanned<String>>>,
        key: &str,
    ) -> Result<Vec<Role>, ConfigError> {
        let mut chain = Vec::new();
        for entry in &list.value {
            let next = self.role(key, entry)?;
            if next == role {
                return Err(ConfigError::FallbackCycle {
                    at: self.at(entry),
                    key: key.to_string(),
                    message: format!("{role} falls back to itself"),
                });
            }
            if chain.contains(&next) {
                return Err(ConfigError::FallbackCycle {
                    at: self.at(entry),
                    key: key.to_string(),
                    message: format!("{next} appears twice in the chain of {role}"),
                });
            }
            chain.push(next);
        }
        Ok(chain)
    }

    fn price(
        &self,
        model: &str,
        raw: Spanned<RawPrice>,
    ) -> Result<(String, ModelPrice), ConfigError> {
        let model = model.trim();
        if model.is_empty() {
            return Err(ConfigError::Invalid {
                at: self.at(&raw),
                key: "pricing".into(),
                message: "a price needs a model id as its key".into(),
            });
        }
        let prefix = format!("pricing.{model}");
        let price_at = self.at(&raw);
        let per_million =
            |value: Option<Spanned<f64>>, field: &'static str| -> Result<f64, ConfigError> {
                let Some(value) = value else {
                    return Err(ConfigError::MissingKey {
                        at: price_at.clone(),
                        key: prefix.clone(),
                        missing: field,
                    });
                };
                if !(value.value.is_finite() && 0.0 <= value.value) {
                    return Err(ConfigError::OutOfRange {
                        at: self.at(&value),
                        key: format!("{prefix}.{field}"),
                        message: format!(
                            "{} is not a price: USD per million tokens, 0 or more",
                            value.value
                        ),
                    });
                }
                Ok(value.value)
            };
        let price = ModelPrice {
            input_per_million: per_million(raw.value.input_per_million, "input_per_million")?,
            output_per_million: per_million(raw.value.output_per_million, "output_per_million")?,
        };
        Ok((model.to_string(), price))
    }

    fn privacy(&self, raw: RawPrivacy) -> Result<PrivacyConfig, ConfigError> {
        let patterns = raw.never_send.unwrap_or_default();
        let written: Vec<String> = patterns.iter().map(|p| p.value.clone()).collect();
        let never_send = DenyList::new(&written).map_err(|err| ConfigError::Invalid {
            at: patterns
                .get(err.index)
                .map_or_else(|| self.start(), |p| self.at(p)),
            key: "privacy.never_send".into(),
            message: err.to_string(),
        })?;
        Ok(PrivacyConfig {
            redact_local: raw.redact_local.unwrap_or(true),
            never_send,
        })
    }

    /// The context section; what it leaves out comes from `base`, else the built-in shares.
    fn context(
        &self,
        raw: RawContext,
        base: Option<&ContextConfig>,
    ) -> Result<ContextConfig, ConfigError> {
        let exclude = match raw.exclude {
            Some(patterns) => {
                for pattern in &patterns {
                    let mut builder = ignore::gitignore::GitignoreBuilder::new("/");
                    let invalid = |message: String| ConfigError::Invalid {
                        at: self.at(pattern),
                        key: "context.exclude".into(),
                        message,
                    };
                    if pattern.value.trim().is_empty() {
                        return Err(invalid("an empty pattern names no file".into()));
                    }
                    builder
                        .add_line(None, &pattern.value)
                        .map_err(|err| invalid(err.to_string()))?;
                }
                patterns.into_iter().map(|p| p.value).collect()
            }
            None => base.map(|b| b.exclude.clone()).unwrap_or_default(),
        };
        let defaults = base.map_or(DEFAULT_SHARES, |b| b.share);
        let RawShares {
            sisyphus,
            hephaestus,
            oracle,
            librarian,
        } = raw.share;
        let share = |name: &str, raw: Option<Spanned<f64>>, default: f64| match raw {
            None => Ok(default),
            Some(value) if 0.0 < value.value && value.value <= 1.0 => Ok(value.value),
            Some(value) => Err(ConfigError::Invalid {
                at: self.at(&value),
                key: format!("context.share.{name}"),
                message: format!(
                    "{} is not a share: give a fraction above 0 and at most 1",
                    value.value
                ),
            }),
        };
        Ok(ContextConfig {
            exclude,
            share: RoleShares {
                sisyphus: share("sisyphus", sisyphus, defaults.sisyphus)?,
                hephaestus: share("hephaestus", hephaestus, defaults.hephaestus)?,
                oracle: share("oracle", oracle, defaults.oracle)?,
                librarian: share("librarian", librarian, defaults.librarian)?,
            },
        })
    }

    fn keywords(&self, raw: RawKeywords) -> Result<Keywords, ConfigError> {
        let cues = |name: &str,
                    list: Option<Vec<Spanned<RawCue>>>|
         -> Result<Option<Vec<Cue>>, ConfigError> {
            list.map(|list| list.into_iter().map(|cue| self.cue(name, cue)).collect())
                .transpose()
        };
        Ok(Keywords {
            planning: cues("planning", raw.planning)?,
            coding: cues("coding", raw.coding)?,
            review: cues("review", raw.review)?,
            search: cues("search", raw.search)?,
        })
    }

    fn cue(&self, task: &str, raw: Spanned<RawCue>) -> Result<Cue, ConfigError> {
        let at = self.at(&raw);
        let key = format!("routing.keywords.{task}");
        let (text, weight) = match raw.value {
            RawCue::Plain(text) => {
                let weight = if text.split_whitespace().count() > 1 {
                    2.0
                } else {
                    1.0
                };
                (text, weight)
            }
            RawCue::Weighted { cue, weight } => (cue, weight),
        };
        let text = text.trim().to_lowercase();
        if text.is_empty()
            || text
                .split_whitespace()
                .all(|word| word == "..." || word == "^")
        {
            return Err(ConfigError::Invalid {
                at,
                key,
                message: "a cue must contain a word".into(),
            });
        }
        if !(weight.is_finite() && 0.0 < weight && weight <= MAX_CUE_WEIGHT) {
            return Err(ConfigError::OutOfRange {
                at,
                key,
                message: format!("weight {weight} is outside (0, {MAX_CUE_WEIGHT}]"),
            });
        }
        Ok(Cue { text, weight })
    }
}
