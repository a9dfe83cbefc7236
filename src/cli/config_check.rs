//! `multi-model config check`: the resolved configuration and each role's availability.

use serde_json::json;

use super::args::{Cli, ConfigCheckArgs};
use super::{Failure, load_config, workspace};
use crate::config::{Availability, ConfigSearch, ConfigSource, ProcessEnv};
use crate::role::Role;

pub(super) fn run(cli: &Cli, args: &ConfigCheckArgs) -> Result<(), Failure> {
    let config = load_config(cli)?;
    let availability: Vec<(Role, Availability)> = Role::ALL
        .into_iter()
        .map(|role| (role, config.agents.get(role).availability(&ProcessEnv)))
        .collect();

    if args.json {
        let roles: Vec<_> = availability
            .iter()
            .map(|(role, available)| {
                let reason = match available {
                    Availability::Available { .. } => None,
                    Availability::Unavailable { reason } => Some(reason),
                };
                json!({ "role": role, "available": reason.is_none(), "reason": reason })
            })
            .collect();
        println!("{:#}", json!({ "config": config, "roles": roles }));
        return Ok(());
    }

    println!("Configuration: {}", config.source);
    if config.source == ConfigSource::BuiltIn && cli.config.is_none() {
        let workspace = workspace();
        let search = ConfigSearch {
            explicit: None,
            workspace: workspace.as_deref(),
            env: &ProcessEnv,
        };
        let searched: Vec<String> = search
            .candidates()
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        println!("  (no file found; looked for {})", searched.join(", "));
    }
    println!();
    for (role, available) in &availability {
        let agent = config.agents.get(*role);
        println!("{role}");
        println!("  model:           {} ({})", agent.model, agent.provider);
        println!("  api_base:        {}", agent.api_base);
        let key = match (&agent.api_key_env, available) {
            (None, _) => "none needed".to_string(),
            (Some(name), Availability::Available { .. }) => format!("{name} (set, value hidden)"),
            (Some(name), Availability::Unavailable { .. }) => format!("{name} (not usable)"),
        };
        println!("  api key:         {key}");
        let temperature = agent
            .temperature
            .map_or("provider default (not sent)".to_string(), |t| t.to_string());
        println!("  temperature:     {temperature}");
        println!("  max_tokens:      {}", agent.max_tokens);
        println!("  context_tokens:  {}", agent.context_tokens);
        println!("  timeout_seconds: {}", agent.timeout_seconds);
        let chain: Vec<String> = agent.fallback.iter().map(Role::to_string).collect();
        println!(
            "  fallback:        {}",
            if chain.is_empty() {
                "none".into()
            } else {
                chain.join(" → ")
            }
        );
        match available {
            Availability::Available { .. } => println!("  status:          available"),
            Availability::Unavailable { reason } => {
                println!("  status:          UNAVAILABLE: {reason}")
            }
        }
    }
    let routing = &config.routing;
    println!();
    println!(
        "routing: auto_classify={} allow_manual_override={} enable_fallback={} primary={}",
        routing.auto_classify,
        routing.allow_manual_override,
        routing.enable_fallback,
        routing.primary
    );
    let metrics = &config.performance;
    println!(
        "metrics: {} ({})",
        if metrics.track_metrics { "on" } else { "off" },
        metrics.metrics_file.display()
    );
    let usable = availability
        .iter()
        .filter(|(_, a)| matches!(a, Availability::Available { .. }))
        .count();
    println!();
    println!("{usable} of 4 roles available.");
    Ok(())
}
