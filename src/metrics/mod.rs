//! Performance tracking: one record per model attempt, kept in a file, added up in a report.
//!
//! The file is JSON Lines — one `MetricsEntry` object per line — even though its default
//! name (`.agent/multi_model_metrics.json`, the original skill's) ends in `.json`:
//! - recording is an append of one line; a single JSON array would have to be read and
//!   rewritten for every model call;
//! - a crash can tear at most the line being written, which the reader reports and skips;
//!   every other entry stays readable (a torn array loses the whole file);
//! - several processes (the language server, a CLI run, CI) append to the same file at
//!   once: each takes an exclusive advisory lock and writes its whole line in one write.
//!
//! Writers: build a `MetricsEntry` per attempt (`cost_usd` from [`cost_usd`]) and
//! `MetricsFile::in_workspace(..).append(..)` it when `performance.track_metrics` is on.
//! Readers: `read` then [`report`]; reading never depends on `track_metrics`.

mod entry;
mod file;
mod render;
mod report;

use std::collections::BTreeMap;

use crate::config::ModelPrice;

pub use entry::{CANCELLED, COMPLETION, COMPLETION_ACCEPTED, MetricsEntry, error_class_name};
pub use file::{DamagedLine, MetricsError, MetricsFile, MetricsLog, Operation};
pub use report::{
    Cost, FallbackRoute, Fallbacks, InvalidSince, ModelStats, Report, RoleStats, parse_since,
    report,
};

/// What `input_tokens` in and `output_tokens` out cost on `model`, in USD; `None` when
/// the configuration (`pricing:`) has no price for it — unknown, never guessed.
pub fn cost_usd(
    pricing: &BTreeMap<String, ModelPrice>,
    model: &str,
    input_tokens: u64,
    output_tokens: u64,
) -> Option<f64> {
    let price = pricing.get(model)?;
    let cost = input_tokens as f64 * price.input_per_million
        + output_tokens as f64 * price.output_per_million;
    Some(cost / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn cost_is_tokens_times_the_price_per_million() {
        let pricing = BTreeMap::from([(
            "claude-sonnet-5".to_string(),
            ModelPrice {
                input_per_million: 3.0,
                output_per_million: 15.0,
            },
        )]);
        let cost = cost_usd(&pricing, "claude-sonnet-5", 1_000_000, 200_000).unwrap();
        assert!((cost - 6.0).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn an_unpriced_model_has_no_cost() {
        assert_eq!(cost_usd(&BTreeMap::new(), "gpt-5.4-mini", 10, 10), None);
    }

    #[test]
    fn the_default_local_model_is_free_and_hosted_ones_are_unpriced() {
        let config = Config::builtin();
        let local = &config.agents.hephaestus.model;
        assert_eq!(cost_usd(&config.pricing, local, 5_000, 5_000), Some(0.0));
        for hosted in [
            &config.agents.sisyphus,
            &config.agents.oracle,
            &config.agents.librarian,
        ] {
            assert_eq!(cost_usd(&config.pricing, &hosted.model, 1, 1), None);
        }
    }
}
