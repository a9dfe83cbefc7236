//! The performance report: per role, per model, fallbacks, cancellations and cost.
//!
//! Cancelled attempts are counted, but not as failures (DESIGN §3): success rates and
//! durations are over the attempts that finished, tokens and cost over all of them (a
//! cancelled stream was still paid for).

use std::cmp::Reverse;
use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::Serialize;

use super::entry::{COMPLETION, COMPLETION_ACCEPTED, MetricsEntry};
use crate::config::ProviderKind;
use crate::role::Role;

/// What the recorded attempts add up to.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Only attempts that started at or after this instant are counted.
    pub since: Option<Timestamp>,
    /// Attempts counted.
    pub attempts: usize,
    /// One per role, in the canonical role order, roles without attempts included.
    pub roles: Vec<RoleStats>,
    /// One per model and provider, most used first.
    pub models: Vec<ModelStats>,
    pub fallbacks: Fallbacks,
    /// Attempts the user cancelled.
    pub cancelled: usize,
    pub cost: Cost,
    /// Inline completions: apart from the roles' tasks, which they would swamp.
    pub completions: CompletionStats,
}

/// Inline completions: model calls, how fast, and how often a suggestion was taken.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CompletionStats {
    /// Model calls made.
    pub calls: usize,
    /// Calls that gave way to a newer keystroke before they finished.
    pub cancelled: usize,
    /// Calls that finished with an answer.
    pub answered: usize,
    /// Suggestions the user accepted.
    pub accepted: usize,
    /// Accepted over answered; `None` when none was answered.
    pub acceptance_rate: Option<f64>,
    pub p50_duration_seconds: Option<f64>,
    pub p95_duration_seconds: Option<f64>,
    pub tokens: u64,
}

/// The original skill's per-role figures, plus the duration percentiles.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoleStats {
    pub role: Role,
    /// Attempts made for this role (the original report's "tasks"): a task that was
    /// retried or fell back counts once per attempt, under the role that made it.
    pub tasks: usize,
    pub successes: usize,
    pub cancelled: usize,
    /// Successes over finished (not cancelled) attempts; `None` when none finished.
    pub success_rate: Option<f64>,
    pub avg_duration_seconds: Option<f64>,
    /// Nearest-rank percentiles: always a duration that was actually recorded.
    pub p50_duration_seconds: Option<f64>,
    pub p95_duration_seconds: Option<f64>,
    pub total_tokens: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStats {
    pub model: String,
    pub provider: ProviderKind,
    pub attempts: usize,
    pub successes: usize,
    /// Successes over finished (not cancelled) attempts; `None` when none finished.
    pub success_rate: Option<f64>,
    pub tokens: u64,
    pub cost: Cost,
}

/// A sum of costs that says how much of it is known.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Cost {
    /// The sum of the priced attempts' costs; `None` when no attempt had a price.
    pub usd: Option<f64>,
    /// Attempts on models without a configured price, whose cost is not in `usd`.
    pub unpriced_attempts: usize,
}

/// Attempts that were made because another role failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Fallbacks {
    pub total: usize,
    /// Most frequent first.
    pub routes: Vec<FallbackRoute>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FallbackRoute {
    pub from: Role,
    pub to: Role,
    pub count: usize,
}

/// Adds up the entries that started at or after `since` (all of them without it).
pub fn report(entries: &[MetricsEntry], since: Option<Timestamp>) -> Report {
    let in_period: Vec<&MetricsEntry> = entries
        .iter()
        .filter(|entry| since.is_none_or(|since| since <= entry.timestamp))
        .collect();
    let completions = completion_stats(&in_period);
    // Completion calls are model calls: they count for their model and its cost.
    let calls: Vec<&MetricsEntry> = in_period
        .iter()
        .copied()
        .filter(|entry| entry.kind.as_deref() != Some(COMPLETION_ACCEPTED))
        .collect();
    let counted: Vec<&MetricsEntry> = calls
        .iter()
        .copied()
        .filter(|entry| entry.kind.is_none())
        .collect();

    let roles = Role::ALL
        .into_iter()
        .map(|role| {
            let of_role: Vec<&MetricsEntry> = counted
                .iter()
                .copied()
                .filter(|entry| entry.role == role)
                .collect();
            role_stats(role, &of_role)
        })
        .collect();

    let mut by_model: BTreeMap<(&str, ProviderKind), Vec<&MetricsEntry>> = BTreeMap::new();
    for entry in &calls {
        by_model
            .entry((entry.model.as_str(), entry.provider))
            .or_default()
            .push(entry);
    }
    let mut models: Vec<ModelStats> = by_model
        .into_iter()
        .map(|((model, provider), of_model)| {
            let finished = Finished::of(&of_model);
            ModelStats {
                model: model.to_string(),
                provider,
                attempts: of_model.len(),
                successes: finished.successes,
                success_rate: finished.success_rate(),
                tokens: of_model.iter().map(|entry| entry.tokens_used).sum(),
                cost: cost(&of_model),
            }
        })
        .collect();
    // Stable: equal counts keep the model-name order of the map.
    models.sort_by_key(|model| Reverse(model.attempts));

    let mut by_route: BTreeMap<(Role, Role), usize> = BTreeMap::new();
    for entry in &counted {
        if let Some(from) = entry.fallback_from {
            *by_route.entry((from, entry.role)).or_default() += 1;
        }
    }
    let mut routes: Vec<FallbackRoute> = by_route
        .into_iter()
        .map(|((from, to), count)| FallbackRoute { from, to, count })
        .collect();
    routes.sort_by_key(|route| Reverse(route.count));
    let fallbacks = Fallbacks {
        total: routes.iter().map(|route| route.count).sum(),
        routes,
    };

    Report {
        since,
        attempts: counted.len(),
        roles,
        models,
        fallbacks,
        cancelled: counted.iter().filter(|entry| entry.is_cancelled()).count(),
        cost: cost(&calls),
        completions,
    }
}

fn completion_stats(entries: &[&MetricsEntry]) -> CompletionStats {
    let calls: Vec<&MetricsEntry> = entries
        .iter()
        .copied()
        .filter(|entry| entry.kind.as_deref() == Some(COMPLETION))
        .collect();
    let accepted = entries
        .iter()
        .filter(|entry| entry.kind.as_deref() == Some(COMPLETION_ACCEPTED))
        .count();
    let finished = Finished::of(&calls);
    let mut durations: Vec<f64> = calls
        .iter()
        .filter(|entry| !entry.is_cancelled())
        .map(|entry| entry.duration_seconds)
        .collect();
    durations.sort_by(f64::total_cmp);
    CompletionStats {
        calls: calls.len(),
        cancelled: calls.len() - finished.count,
        answered: finished.successes,
        accepted,
        acceptance_rate: (0 < finished.successes)
            .then(|| accepted as f64 / finished.successes as f64),
        p50_duration_seconds: percentile(&durations, 50),
        p95_duration_seconds: percentile(&durations, 95),
        tokens: calls.iter().map(|entry| entry.tokens_used).sum(),
    }
}

/// Returned when `--since` (or its equivalent) is neither a date nor a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a date (like 2026-11-24, meaning midnight UTC) or an RFC 3339 timestamp with an offset (like 2026-11-24T09:30:00Z)"
)]
pub struct InvalidSince(pub String);

/// Parses the start of a report period: a date (midnight UTC, the zone entries are
/// recorded in) or a full RFC 3339 timestamp.
pub fn parse_since(text: &str) -> Result<Timestamp, InvalidSince> {
    let text = text.trim();
    let invalid = || InvalidSince(text.to_string());
    if let Ok(timestamp) = text.parse::<Timestamp>() {
        return Ok(timestamp);
    }
    // Only a bare date: jiff's date parser would also accept a date-time and drop the
    // time, and a timestamp without an offset is ambiguous, so it is refused.
    let is_bare_date = text.len() == "2026-11-24".len();
    if !is_bare_date {
        return Err(invalid());
    }
    let date: Date = text.parse().map_err(|_| invalid())?;
    TimeZone::UTC
        .to_timestamp(date.to_datetime(Time::midnight()))
        .map_err(|_| invalid())
}

fn role_stats(role: Role, entries: &[&MetricsEntry]) -> RoleStats {
    let finished = Finished::of(entries);
    let mut durations: Vec<f64> = entries
        .iter()
        .filter(|entry| !entry.is_cancelled())
        .map(|entry| entry.duration_seconds)
        .collect();
    durations.sort_by(f64::total_cmp);
    let avg_duration_seconds =
        (!durations.is_empty()).then(|| durations.iter().sum::<f64>() / durations.len() as f64);
    RoleStats {
        role,
        tasks: entries.len(),
        successes: finished.successes,
        cancelled: entries.len() - finished.count,
        success_rate: finished.success_rate(),
        avg_duration_seconds,
        p50_duration_seconds: percentile(&durations, 50),
        p95_duration_seconds: percentile(&durations, 95),
        total_tokens: entries.iter().map(|entry| entry.tokens_used).sum(),
    }
}

/// The attempts that ran to an end, success or failure (the cancelled ones did not).
struct Finished {
    count: usize,
    successes: usize,
}

impl Finished {
    fn of(entries: &[&MetricsEntry]) -> Finished {
        let finished = entries.iter().filter(|entry| !entry.is_cancelled());
        Finished {
            count: finished.clone().count(),
            successes: finished.filter(|entry| entry.success).count(),
        }
    }

    fn success_rate(&self) -> Option<f64> {
        (0 < self.count).then(|| self.successes as f64 / self.count as f64)
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with at least
/// `percent` % of the values at or below it. Integer arithmetic, so that 95 % of 100
/// values is exactly the 95th.
fn percentile(sorted: &[f64], percent: usize) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

fn cost(entries: &[&MetricsEntry]) -> Cost {
    let priced: Vec<f64> = entries.iter().filter_map(|entry| entry.cost_usd).collect();
    Cost {
        usd: (!priced.is_empty()).then(|| priced.iter().sum()),
        unpriced_attempts: entries.len() - priced.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::TaskType;

    fn attempt(role: Role, seconds: f64, success: bool) -> MetricsEntry {
        MetricsEntry {
            timestamp: "2026-11-24T09:30:00Z".parse().unwrap(),
            role,
            task_type: role.task_type(),
            model: format!("{role}-model"),
            provider: ProviderKind::OpenAi,
            duration_seconds: seconds,
            tokens_used: 30,
            input_tokens: 10,
            output_tokens: 20,
            success,
            error_class: (!success).then(|| "transient".to_string()),
            error: None,
            fallback_from: None,
            attempt: 1,
            job: None,
            cost_usd: None,
            kind: None,
        }
    }

    fn completion(kind: &str, seconds: f64, cancelled: bool) -> MetricsEntry {
        MetricsEntry {
            kind: Some(kind.to_string()),
            error_class: cancelled.then(|| crate::metrics::CANCELLED.to_string()),
            ..attempt(Role::Hephaestus, seconds, !cancelled)
        }
    }

    #[test]
    fn completions_are_counted_apart_from_the_roles_tasks() {
        let entries = [
            attempt(Role::Hephaestus, 4.0, true),
            completion(COMPLETION, 0.2, false),
            completion(COMPLETION, 0.4, false),
            completion(COMPLETION, 0.1, true),
            completion(COMPLETION_ACCEPTED, 0.0, false),
        ];
        let report = report(&entries, None);
        assert_eq!(stats(&report, Role::Hephaestus).tasks, 1);
        assert_eq!(report.attempts, 1);
        let completions = &report.completions;
        assert_eq!(completions.calls, 3);
        assert_eq!(completions.cancelled, 1);
        assert_eq!(completions.answered, 2);
        assert_eq!(completions.accepted, 1);
        assert_eq!(completions.acceptance_rate, Some(0.5));
        assert_eq!(completions.p95_duration_seconds, Some(0.4));
        assert_eq!(
            report.models[0].attempts, 4,
            "the calls count for their model"
        );
        let text = report.to_string();
        assert!(text.contains("Inline completions: 3 model calls"), "{text}");
    }

    fn stats(report: &Report, role: Role) -> &RoleStats {
        report
            .roles
            .iter()
            .find(|stats| stats.role == role)
            .unwrap()
    }

    #[test]
    fn percentiles_are_recorded_durations_by_nearest_rank() {
        let entries: Vec<MetricsEntry> = (1..=100)
            .rev()
            .map(|s| attempt(Role::Oracle, s as f64, true))
            .collect();
        let oracle = stats(&report(&entries, None), Role::Oracle).clone();
        assert_eq!(oracle.p50_duration_seconds, Some(50.0));
        assert_eq!(oracle.p95_duration_seconds, Some(95.0));
        assert_eq!(oracle.avg_duration_seconds, Some(50.5));
    }

    #[test]
    fn a_single_attempt_is_its_own_p50_and_p95() {
        let report = report(&[attempt(Role::Librarian, 2.5, true)], None);
        let librarian = stats(&report, Role::Librarian);
        assert_eq!(librarian.p50_duration_seconds, Some(2.5));
        assert_eq!(librarian.p95_duration_seconds, Some(2.5));
    }

    #[test]
    fn success_rate_and_tokens_are_per_role() {
        let entries = [
            attempt(Role::Sisyphus, 1.0, true),
            attempt(Role::Sisyphus, 1.0, true),
            attempt(Role::Sisyphus, 1.0, true),
            attempt(Role::Sisyphus, 1.0, false),
            attempt(Role::Oracle, 1.0, false),
        ];
        let report = report(&entries, None);
        let sisyphus = stats(&report, Role::Sisyphus);
        assert_eq!(sisyphus.tasks, 4);
        assert_eq!(sisyphus.successes, 3);
        assert_eq!(sisyphus.success_rate, Some(0.75));
        assert_eq!(sisyphus.total_tokens, 120);
        assert_eq!(stats(&report, Role::Oracle).success_rate, Some(0.0));
        assert_eq!(stats(&report, Role::Hephaestus).tasks, 0);
        assert_eq!(stats(&report, Role::Hephaestus).success_rate, None);
    }

    #[test]
    fn cancelled_attempts_are_counted_but_are_not_failures() {
        let mut cancelled = attempt(Role::Hephaestus, 90.0, false);
        cancelled.error_class = Some("cancelled".into());
        let entries = [attempt(Role::Hephaestus, 1.0, true), cancelled];
        let report = report(&entries, None);
        let hephaestus = stats(&report, Role::Hephaestus);
        assert_eq!(report.cancelled, 1);
        assert_eq!(hephaestus.tasks, 2);
        assert_eq!(hephaestus.cancelled, 1);
        assert_eq!(hephaestus.success_rate, Some(1.0));
        assert_eq!(hephaestus.p95_duration_seconds, Some(1.0));
        assert_eq!(hephaestus.total_tokens, 60);
    }

    #[test]
    fn fallbacks_are_counted_by_route() {
        let mut entries = vec![
            attempt(Role::Hephaestus, 1.0, false),
            attempt(Role::Sisyphus, 1.0, false),
            attempt(Role::Oracle, 1.0, true),
        ];
        entries[1].fallback_from = Some(Role::Hephaestus);
        entries[2].fallback_from = Some(Role::Sisyphus);
        let mut again = attempt(Role::Sisyphus, 1.0, true);
        again.fallback_from = Some(Role::Hephaestus);
        entries.push(again);

        let fallbacks = report(&entries, None).fallbacks;
        assert_eq!(fallbacks.total, 3);
        assert_eq!(
            fallbacks.routes,
            [
                FallbackRoute {
                    from: Role::Hephaestus,
                    to: Role::Sisyphus,
                    count: 2
                },
                FallbackRoute {
                    from: Role::Sisyphus,
                    to: Role::Oracle,
                    count: 1
                },
            ]
        );
    }

    #[test]
    fn cost_sums_the_priced_attempts_and_counts_the_unpriced() {
        let mut priced = attempt(Role::Oracle, 1.0, true);
        priced.cost_usd = Some(0.25);
        let mut also_priced = priced.clone();
        also_priced.cost_usd = Some(0.5);
        let mut unpriced = attempt(Role::Librarian, 1.0, true);
        unpriced.model = "unpriced-model".into();
        let report = report(&[priced, also_priced, unpriced], None);

        assert_eq!(
            report.cost,
            Cost {
                usd: Some(0.75),
                unpriced_attempts: 1
            }
        );
        let oracle_model = &report.models[0];
        assert_eq!(oracle_model.model, "oracle-model");
        assert_eq!(oracle_model.attempts, 2);
        assert_eq!(oracle_model.cost.usd, Some(0.75));
        let unpriced_model = &report.models[1];
        assert_eq!(
            unpriced_model.cost,
            Cost {
                usd: None,
                unpriced_attempts: 1
            }
        );
    }

    #[test]
    fn models_are_told_apart_by_provider() {
        let mut local = attempt(Role::Hephaestus, 1.0, true);
        local.provider = ProviderKind::Ollama;
        let mut compatible = local.clone();
        compatible.provider = ProviderKind::OpenAi;
        let report = report(&[local, compatible.clone(), compatible], None);
        let providers: Vec<(ProviderKind, usize)> = report
            .models
            .iter()
            .map(|model| (model.provider, model.attempts))
            .collect();
        assert_eq!(
            providers,
            [(ProviderKind::OpenAi, 2), (ProviderKind::Ollama, 1)]
        );
    }

    #[test]
    fn since_counts_only_attempts_from_then_on() {
        let mut old = attempt(Role::Oracle, 1.0, true);
        old.timestamp = "2026-11-23T23:59:59Z".parse().unwrap();
        let mut new = attempt(Role::Oracle, 1.0, false);
        new.timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
        let since = parse_since("2026-11-24").unwrap();
        let report = report(&[old, new], Some(since));
        assert_eq!(report.attempts, 1);
        assert_eq!(stats(&report, Role::Oracle).success_rate, Some(0.0));
    }

    #[test]
    fn since_takes_a_date_as_midnight_utc_or_a_full_timestamp() {
        assert_eq!(
            parse_since("2026-11-24").unwrap(),
            "2026-11-24T00:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_since("2026-11-24T10:00:00+02:00").unwrap(),
            "2026-11-24T08:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn since_refuses_what_is_not_a_date_or_timestamp() {
        for text in [
            "yesterday",
            "2026-13-01",
            "2026-11-24T10:00:00",
            "24/11/2026",
        ] {
            let err = parse_since(text).unwrap_err();
            assert!(
                err.to_string().contains("is not a date (like 2026-11-24"),
                "{text}: {err}"
            );
        }
    }

    #[test]
    fn task_types_need_not_match_the_role() {
        // A fallback runs a coding task on sisyphus: it counts under the role that ran it.
        let mut entry = attempt(Role::Sisyphus, 1.0, true);
        entry.task_type = TaskType::Coding;
        let report = report(&[entry], None);
        assert_eq!(stats(&report, Role::Sisyphus).tasks, 1);
        assert_eq!(stats(&report, Role::Hephaestus).tasks, 0);
    }
}
