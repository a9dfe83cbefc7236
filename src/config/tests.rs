//! The configuration file as a user meets it: what parses, what each mistake reports.

use super::*;

const ORIGINAL: &str = r#"
agents:
  sisyphus:
    model: gemini-1.5-pro
    api_key_env: GEMINI_API_KEY
    max_tokens: 8192
    temperature: 0.7
  hephaestus:
    model: qwen2.5-coder:32b
    api_base: "http://localhost:11434"
    max_tokens: 32768
    temperature: 0.3
  oracle:
    model: claude-3-5-sonnet-20241022
    api_key_env: ANTHROPIC_API_KEY
    max_tokens: 8192
    temperature: 0.5
  librarian:
    model: gpt-4o-mini
    api_key_env: OPENAI_API_KEY
    max_tokens: 16384
    temperature: 0.3
routing:
  auto_classify: true
  allow_manual_override: true
  enable_fallback: true
performance:
  track_metrics: true
  metrics_file: ".agent/multi_model_metrics.json"
"#;

fn load(yaml: &str) -> Result<Config, ConfigError> {
    Config::from_yaml(yaml, ConfigSource::File("cfg.yaml".into()))
}

fn error(yaml: &str) -> String {
    load(yaml).unwrap_err().to_string()
}

fn with_oracle(lines: &str) -> String {
    format!("agents:\n  oracle:\n    model: claude-sonnet-5\n{lines}")
}

#[test]
fn the_original_skill_configuration_loads() {
    let config = load(ORIGINAL).unwrap();
    let agents = &config.agents;
    assert_eq!(agents.sisyphus.provider, ProviderKind::Gemini);
    assert_eq!(agents.hephaestus.provider, ProviderKind::Ollama);
    assert_eq!(agents.hephaestus.api_base, "http://localhost:11434");
    assert_eq!(agents.hephaestus.max_tokens, 32768);
    assert_eq!(agents.oracle.provider, ProviderKind::Anthropic);
    assert_eq!(agents.oracle.temperature, Some(0.5));
    assert_eq!(agents.librarian.provider, ProviderKind::OpenAi);
    assert_eq!(
        agents.librarian.api_key_env.as_deref(),
        Some("OPENAI_API_KEY")
    );
    assert_eq!(
        config.performance.metrics_file,
        PathBuf::from(".agent/multi_model_metrics.json")
    );
}

#[test]
fn the_short_form_takes_defaults_for_everything_else() {
    let config = load("agents:\n  oracle:\n    model: claude-sonnet-5\n").unwrap();
    let oracle = &config.agents.oracle;
    assert_eq!(oracle.provider, ProviderKind::Anthropic);
    assert_eq!(oracle.api_base, "https://api.anthropic.com");
    assert_eq!(oracle.api_key_env.as_deref(), Some("ANTHROPIC_API_KEY"));
    assert_eq!(oracle.temperature, None);
    assert_eq!(oracle.fallback, [Role::Sisyphus]);
    assert_eq!(config.agents.sisyphus, Config::builtin().agents.sisyphus);
    assert!(config.routing.enable_fallback);
    assert_eq!(config.routing.primary, Role::Sisyphus);
}

#[test]
fn a_self_hosted_openai_compatible_server_needs_no_key() {
    let config = load("agents:\n  librarian:\n    model: Qwen/Qwen2.5-Coder-7B\n    api_base: http://localhost:8000/v1/\n").unwrap();
    let librarian = &config.agents.librarian;
    assert_eq!(librarian.provider, ProviderKind::OpenAi);
    assert_eq!(librarian.api_base, "http://localhost:8000/v1");
    assert_eq!(librarian.api_key_env, None);
}

#[test]
fn explicit_provider_beats_inference() {
    let config = load(&with_oracle(
        "    provider: openai\n    api_base: https://openrouter.ai/api/v1\n",
    ))
    .unwrap();
    assert_eq!(config.agents.oracle.provider, ProviderKind::OpenAi);
}

#[test]
fn unknown_agent_key_suggests_the_nearest() {
    assert_eq!(
        error(&with_oracle("    max_token: 10\n")),
        "cfg.yaml:4:5: unknown key `agents.oracle.max_token`; did you mean `max_tokens`?"
    );
}

#[test]
fn unknown_role_under_agents_suggests_the_nearest() {
    assert_eq!(
        error("agents:\n  oracel:\n    model: x\n"),
        "cfg.yaml:2:3: unknown key `agents.oracel`; did you mean `oracle`?"
    );
}

#[test]
fn wrong_type_reports_position_and_key() {
    let err = error(&with_oracle("    temperature: warm\n"));
    assert!(
        err.starts_with("cfg.yaml:4:18: `agents.oracle.temperature`:"),
        "{err}"
    );
}

#[test]
fn temperature_above_the_provider_range_is_rejected() {
    let err = error(&with_oracle("    temperature: 1.5\n"));
    assert!(
        err.starts_with("cfg.yaml:4:18: `agents.oracle.temperature`: 1.5 is outside 0.0–1.0"),
        "{err}"
    );
}

#[test]
fn negative_temperature_is_rejected() {
    let err = error("agents:\n  librarian:\n    model: gpt-5.4-mini\n    temperature: -0.1\n");
    assert!(
        err.contains("`agents.librarian.temperature`: -0.1 is outside"),
        "{err}"
    );
}

#[test]
fn zero_max_tokens_is_rejected() {
    let err = error(&with_oracle("    max_tokens: 0\n"));
    assert!(
        err.starts_with("cfg.yaml:4:17: `agents.oracle.max_tokens`: 0 is outside 1–"),
        "{err}"
    );
}

#[test]
fn max_tokens_beyond_the_context_window_is_rejected() {
    let err = error(&with_oracle(
        "    context_tokens: 8000\n    max_tokens: 9000\n",
    ));
    assert!(
        err.contains("`agents.oracle.max_tokens`: 9000 is outside 1–8000"),
        "{err}"
    );
}

#[test]
fn zero_timeout_is_rejected() {
    let err = error(&with_oracle("    timeout_seconds: 0\n"));
    assert!(err.contains("`agents.oracle.timeout_seconds`"), "{err}");
}

#[test]
fn unknown_provider_suggests_the_nearest() {
    assert_eq!(
        error(&with_oracle("    provider: antropic\n")),
        "cfg.yaml:4:15: `agents.oracle.provider`: unknown provider `antropic` (expected openai, anthropic, gemini or ollama); did you mean `anthropic`?"
    );
}

#[test]
fn unrecognisable_model_without_provider_asks_for_one() {
    let err = error("agents:\n  oracle:\n    model: my-finetune\n");
    assert!(
        err.starts_with("cfg.yaml:3:12: `agents.oracle.model`: cannot tell which provider"),
        "{err}"
    );
}

#[test]
fn agent_without_model_is_rejected() {
    let err = error("agents:\n  oracle:\n    temperature: 0.2\n");
    assert!(
        err.starts_with("cfg.yaml:3:5: `agents.oracle`: missing required key `model`"),
        "{err}"
    );
}

#[test]
fn unknown_role_in_fallback_suggests_the_nearest() {
    assert_eq!(
        error(&with_oracle("    fallback: [sisyphos]\n")),
        "cfg.yaml:4:16: `agents.oracle.fallback`: unknown role `sisyphos` (expected sisyphus, hephaestus, oracle or librarian); did you mean `sisyphus`?"
    );
}

#[test]
fn a_role_falling_back_to_itself_is_a_cycle() {
    let err = error(&with_oracle("    fallback: [sisyphus, oracle]\n"));
    assert_eq!(
        err,
        "cfg.yaml:4:26: `agents.oracle.fallback`: fallback cycle: oracle falls back to itself"
    );
}

#[test]
fn a_role_listed_twice_in_a_chain_is_rejected() {
    let err = error(&with_oracle(
        "    fallback:\n      - sisyphus\n      - sisyphus\n",
    ));
    assert!(
        err.starts_with("cfg.yaml:6:9: `agents.oracle.fallback`:"),
        "{err}"
    );
}

#[test]
fn mutual_fallback_between_two_roles_is_allowed() {
    // The original chains: sisyphus → oracle and oracle → sisyphus. Chains are not
    // followed transitively, so this is two finite chains, not a loop.
    let config = load("agents:\n  sisyphus:\n    model: gemini-3.1-pro-preview\n    fallback: [oracle]\n  oracle:\n    model: claude-sonnet-5\n    fallback: [sisyphus]\n").unwrap();
    assert_eq!(config.agents.oracle.fallback, [Role::Sisyphus]);
}

#[test]
fn unknown_primary_role_is_rejected() {
    let err = error("routing:\n  primary: zeus\n");
    assert!(
        err.starts_with("cfg.yaml:2:12: `routing.primary`: unknown role `zeus`"),
        "{err}"
    );
}

#[test]
fn a_key_pasted_into_api_key_env_is_rejected_without_echoing_it() {
    let secret = "sk-ant-api03-abcdefghijklmnop";
    let err = error(&with_oracle(&format!("    api_key_env: {secret}\n")));
    assert!(
        err.contains("`agents.oracle.api_key_env`: must be the NAME of an environment variable"),
        "{err}"
    );
    assert!(!err.contains("abcdefgh"), "{err}");
}

#[test]
fn api_base_must_be_an_http_url() {
    let err = error(&with_oracle("    api_base: localhost:8080\n"));
    assert!(
        err.contains("`agents.oracle.api_base`: `localhost:8080` is not an http(s) URL"),
        "{err}"
    );
}

#[test]
fn a_key_given_twice_is_rejected() {
    assert_eq!(
        error("agents:\n  oracle:\n    model: a\n  oracle:\n    model: b\n"),
        "cfg.yaml:4:3: `agents.oracle` appears twice; keep one"
    );
}

#[test]
fn yaml_syntax_errors_are_positioned() {
    let err = error("agents:\n  oracle:\n    model: [claude\n");
    assert!(err.starts_with("cfg.yaml:3:"), "{err}");
}

#[test]
fn tabs_for_indentation_are_a_positioned_syntax_error() {
    let err = error("agents:\n\toracle:\n");
    assert!(err.starts_with("cfg.yaml:2:"), "{err}");
}

#[test]
fn an_empty_file_is_reported_as_empty() {
    assert!(error("").contains("configuration file is empty"));
}

#[test]
fn configured_keywords_are_validated() {
    let err = error("routing:\n  keywords:\n    review:\n      - {cue: audit, weight: 0}\n");
    assert!(
        err.starts_with("cfg.yaml:4:9: `routing.keywords.review`: weight 0 is outside"),
        "{err}"
    );
}

#[test]
fn configured_keywords_accept_words_phrases_and_weights() {
    let config = load(
        "routing:\n  keywords:\n    review: [audit, \"is this ... safe\", {cue: cve, weight: 3}]\n",
    )
    .unwrap();
    let review = config.routing.keywords.review.unwrap();
    let weights: Vec<f64> = review.iter().map(|cue| cue.weight).collect();
    assert_eq!(weights, [1.0, 2.0, 3.0]);
    assert_eq!(config.routing.keywords.planning, None);
}

#[test]
fn one_missing_key_leaves_the_other_roles_available() {
    let config = load(ORIGINAL).unwrap();
    let env = |name: &str| (name != "ANTHROPIC_API_KEY").then(|| "key-value".to_string());
    for role in Role::ALL {
        let available = matches!(
            config.agents.get(role).availability(&env),
            Availability::Available { .. }
        );
        assert_eq!(available, role != Role::Oracle, "{role}");
    }
}

#[test]
fn the_embedded_defaults_are_valid() {
    let raw = parse::parse(DEFAULT_YAML, "<built-in>").unwrap();
    resolve::resolve(raw, "<built-in>", None, ConfigSource::BuiltIn).unwrap();
}

#[test]
fn the_defaults_keep_the_original_fallback_chains() {
    let agents = &Config::builtin().agents;
    assert_eq!(agents.sisyphus.fallback, [Role::Oracle]);
    assert_eq!(agents.hephaestus.fallback, [Role::Sisyphus]);
    assert_eq!(agents.oracle.fallback, [Role::Sisyphus]);
    assert_eq!(agents.librarian.fallback, [Role::Sisyphus]);
}

#[test]
fn the_defaults_use_each_provider() {
    let agents = &Config::builtin().agents;
    let providers: Vec<_> = Role::ALL.iter().map(|r| agents.get(*r).provider).collect();
    for kind in ProviderKind::ALL {
        assert!(providers.contains(&kind), "{kind} unused: {providers:?}");
    }
}

#[test]
fn the_defaults_name_no_retired_model() {
    let retired = [
        "gemini-1.5-pro",
        "claude-3-5-sonnet-20241022",
        "gpt-4o-mini",
        "gemini-2.5-pro",
        "gpt-5-mini",
    ];
    for role in Role::ALL {
        let model = &Config::builtin().agents.get(role).model;
        assert!(
            !retired.contains(&model.as_str()),
            "{role} uses retired {model}"
        );
    }
}

#[test]
fn prices_in_the_file_extend_the_built_in_ones() {
    let config =
        load("pricing:\n  claude-sonnet-5: {input_per_million: 3, output_per_million: 15.5}\n")
            .unwrap();
    assert_eq!(
        config.pricing["claude-sonnet-5"],
        ModelPrice {
            input_per_million: 3.0,
            output_per_million: 15.5
        }
    );
    assert_eq!(
        config.pricing["qwen2.5-coder:32b"],
        Config::builtin().pricing["qwen2.5-coder:32b"]
    );
}

#[test]
fn a_price_in_the_file_overrides_the_built_in_one() {
    let config = load(
        "pricing:\n  \"qwen2.5-coder:32b\": {input_per_million: 0.1, output_per_million: 0.2}\n",
    )
    .unwrap();
    assert_eq!(config.pricing["qwen2.5-coder:32b"].output_per_million, 0.2);
}

#[test]
fn the_built_in_prices_are_the_local_model_only() {
    let pricing = &Config::builtin().pricing;
    let models: Vec<&str> = pricing.keys().map(String::as_str).collect();
    assert_eq!(models, ["qwen2.5-coder:32b"]);
    assert_eq!(
        pricing["qwen2.5-coder:32b"],
        ModelPrice {
            input_per_million: 0.0,
            output_per_million: 0.0
        }
    );
}

#[test]
fn a_negative_price_is_rejected_with_its_position() {
    assert_eq!(
        error("pricing:\n  claude-sonnet-5: {input_per_million: -1, output_per_million: 15}\n"),
        "cfg.yaml:2:40: `pricing.claude-sonnet-5.input_per_million`: -1 is not a price: USD per million tokens, 0 or more"
    );
}

#[test]
fn an_infinite_or_nan_price_is_rejected() {
    for value in [".inf", ".nan"] {
        let err = error(&format!(
            "pricing:\n  gpt-5.4-mini:\n    input_per_million: 1\n    output_per_million: {value}\n"
        ));
        assert!(
            err.starts_with("cfg.yaml:4:25: `pricing.gpt-5.4-mini.output_per_million`:"),
            "{err}"
        );
    }
}

#[test]
fn a_price_needs_both_directions() {
    assert_eq!(
        error("pricing:\n  claude-sonnet-5:\n    input_per_million: 3\n"),
        "cfg.yaml:3:5: `pricing.claude-sonnet-5`: missing required key `output_per_million`"
    );
}

#[test]
fn a_misspelt_price_field_suggests_the_nearest() {
    assert_eq!(
        error(
            "pricing:\n  claude-sonnet-5:\n    input_per_millon: 3\n    output_per_million: 15\n"
        ),
        "cfg.yaml:3:5: unknown key `pricing.claude-sonnet-5.input_per_millon`; did you mean `input_per_million`?"
    );
}

#[test]
fn a_price_that_is_not_a_number_names_its_key() {
    let err = error(
        "pricing:\n  claude-sonnet-5:\n    input_per_million: cheap\n    output_per_million: 15\n",
    );
    assert!(
        err.starts_with("cfg.yaml:3:24: `pricing.claude-sonnet-5.input_per_million`:"),
        "{err}"
    );
}

#[test]
fn a_model_priced_twice_is_rejected() {
    assert_eq!(
        error(
            "pricing:\n  gpt-5.4-mini: {input_per_million: 1, output_per_million: 2}\n  gpt-5.4-mini: {input_per_million: 1, output_per_million: 2}\n"
        ),
        "cfg.yaml:3:3: `pricing.gpt-5.4-mini` appears twice; keep one"
    );
}

#[test]
fn a_price_without_a_model_id_is_rejected() {
    let err = error("pricing:\n  \"\": {input_per_million: 1, output_per_million: 2}\n");
    assert!(
        err.starts_with("cfg.yaml:2:7: `pricing`: a price needs a model id"),
        "{err}"
    );
}

#[test]
fn privacy_defaults_to_redacting_local_endpoints_too() {
    let config = load(ORIGINAL).unwrap();
    assert!(config.privacy.redact_local);
    let env = std::path::Path::new(".env");
    assert!(config.privacy.never_send.denies(env));
}

#[test]
fn configured_never_send_globs_add_to_the_built_in_ones() {
    let config = load(
        "privacy:\n  redact_local: false\n  never_send: [\"*.tfvars\", \"deploy/vault/**\"]\n",
    )
    .unwrap();
    assert!(!config.privacy.redact_local);
    let deny = &config.privacy.never_send;
    for path in ["infra/prod.tfvars", "deploy/vault/token", "certs/tls.key"] {
        assert!(deny.denies(std::path::Path::new(path)), "{path}");
    }
    assert!(!deny.denies(std::path::Path::new("src/main.rs")));
}

#[test]
fn a_never_send_pattern_that_is_not_a_glob_is_rejected_with_its_position() {
    assert_eq!(
        error("privacy:\n  never_send:\n    - \"*.tfvars\"\n    - \"[abc\"\n"),
        "cfg.yaml:4:7: `privacy.never_send`: `[abc` is not a valid glob: unclosed character class; missing ']'"
    );
}

#[test]
fn an_empty_never_send_pattern_is_rejected() {
    assert_eq!(
        error("privacy:\n  never_send: [\"\"]\n"),
        "cfg.yaml:2:16: `privacy.never_send`: an empty pattern names no file"
    );
}

#[test]
fn never_send_must_be_a_list() {
    let err = error("privacy:\n  never_send: \"*.tfvars\"\n");
    assert!(
        err.starts_with("cfg.yaml:2:15: `privacy.never_send`:"),
        "{err}"
    );
}

#[test]
fn a_misspelt_privacy_key_suggests_the_nearest() {
    assert_eq!(
        error("privacy:\n  redact_locals: false\n"),
        "cfg.yaml:2:3: unknown key `privacy.redact_locals`; did you mean `redact_local`?"
    );
}

#[test]
fn redact_local_must_be_a_flag() {
    let err = error("privacy:\n  redact_local: sometimes\n");
    assert!(
        err.starts_with("cfg.yaml:2:17: `privacy.redact_local`:"),
        "{err}"
    );
}

#[test]
fn the_offline_review_pass_is_on_unless_turned_off() {
    assert!(load(ORIGINAL).unwrap().review.offline);
    assert!(!load("review:\n  offline: false\n").unwrap().review.offline);
}

#[test]
fn context_shares_and_excludes_are_read_and_default_per_role() {
    let config = load("context:\n  exclude: [\"fixtures/\"]\n  share:\n    oracle: 0.2\n").unwrap();
    assert_eq!(config.context.exclude, ["fixtures/"]);
    assert_eq!(config.context.share.oracle, 0.2);
    assert_eq!(config.context.share.sisyphus, 0.8);
}

#[test]
fn a_share_outside_zero_to_one_is_an_error_at_its_position() {
    assert_eq!(
        error("context:\n  share:\n    librarian: 1.5\n"),
        "cfg.yaml:3:16: `context.share.librarian`: 1.5 is not a share: give a fraction above 0 and at most 1"
    );
}

#[test]
fn the_context_budget_is_the_roles_share_of_its_window() {
    let config = load(
        "agents:\n  oracle: { model: m:1, api_base: \"http://localhost:1\", context_tokens: 100000, max_tokens: 8000 }\ncontext:\n  share:\n    oracle: 0.5\n",
    )
    .unwrap();
    assert_eq!(
        config.context_budget(Role::Oracle),
        (100_000 - 8_000 - 2_000) / 2
    );
}

#[test]
fn editor_model_overrides_replace_only_the_model_id() {
    let config = load(ORIGINAL).unwrap();
    let before = config.agents.oracle.clone();
    let models = std::collections::BTreeMap::from([(Role::Oracle, "claude-other".to_string())]);
    let after = config.with_models(&models).agents.oracle;
    assert_eq!(after.model, "claude-other");
    assert_eq!(after.provider, before.provider);
    assert_eq!(after.api_key_env, before.api_key_env);
}
