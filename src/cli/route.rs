//! `multi-model route`: which role a task goes to, and why.

use serde_json::json;

use super::Failure;
use super::args::RouteArgs;
use crate::config::{Availability, Config, ProcessEnv};
use crate::router::{Decision, route};

pub(super) fn run(config: &Config, args: &RouteArgs) -> Result<(), Failure> {
    let route = route(config, &args.task, args.role.map(Into::into)).map_err(Failure::usage)?;
    let agent = config.agents.get(route.role);
    let unavailable = match agent.availability(&ProcessEnv) {
        Availability::Available { .. } => None,
        Availability::Unavailable { reason } => Some(reason),
    };

    if args.json {
        let value = json!({
            "role": route.role,
            "model": route.model,
            "provider": agent.provider,
            "decision": route.decision,
            "reasoning": route.reasoning,
            "available": unavailable.is_none(),
            "unavailable_reason": unavailable,
        });
        println!("{value:#}");
        return Ok(());
    }

    let how = match route.decision {
        Decision::Manual => "Manual routing to",
        Decision::Classified(_) | Decision::Primary => "Auto-routing to",
    };
    println!("{how}: {}", route.role);
    println!("Model: {}", route.model);
    println!("Provider: {}", agent.provider);
    println!("Reasoning: {}", route.reasoning);
    if let Some(reason) = unavailable {
        println!("Note: {} is unavailable: {reason}", route.role);
    }
    Ok(())
}
