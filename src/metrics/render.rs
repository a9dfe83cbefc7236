//! The report as text for a terminal: the original skill's per-role lines, then models,
//! fallbacks, cancellations and cost.

use std::fmt;

use super::report::{Cost, Report};

/// The terminal rendering: the original skill's report per role, then models, fallbacks,
/// cancellations and cost.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "=== Multi-Model Performance Report ===")?;
        match self.since {
            Some(since) => writeln!(f, "{} since {since}", attempts(self.attempts))?,
            None => writeln!(f, "{}", attempts(self.attempts))?,
        }
        for role in &self.roles {
            writeln!(f)?;
            writeln!(f, "{}:", role.role.name().to_uppercase())?;
            writeln!(f, "  Tasks: {}", thousands(role.tasks as u64))?;
            if role.tasks == 0 {
                continue;
            }
            writeln!(f, "  Success Rate: {}", rate(role.success_rate))?;
            match (
                role.avg_duration_seconds,
                role.p50_duration_seconds,
                role.p95_duration_seconds,
            ) {
                (Some(avg), Some(p50), Some(p95)) => writeln!(
                    f,
                    "  Avg Duration: {avg:.2}s (p50 {p50:.2}s, p95 {p95:.2}s)"
                )?,
                _ => writeln!(f, "  Avg Duration: -")?,
            }
            writeln!(f, "  Total Tokens: {}", thousands(role.total_tokens))?;
            if 0 < role.cancelled {
                writeln!(f, "  Cancelled: {}", role.cancelled)?;
            }
        }

        if !self.models.is_empty() {
            writeln!(f)?;
            writeln!(f, "MODELS:")?;
            let header = ["MODEL", "PROVIDER", "ATTEMPTS", "SUCCESS", "TOKENS", "COST"];
            let rows: Vec<[String; 6]> = self
                .models
                .iter()
                .map(|model| {
                    [
                        model.model.clone(),
                        model.provider.to_string(),
                        thousands(model.attempts as u64),
                        rate(model.success_rate),
                        thousands(model.tokens),
                        cost_text(&model.cost),
                    ]
                })
                .collect();
            let mut widths = header.map(str::len);
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let mut line = |cells: &[String]| -> fmt::Result {
                let padded: Vec<String> = cells
                    .iter()
                    .zip(widths)
                    .map(|(cell, width)| format!("{cell:<width$}"))
                    .collect();
                writeln!(f, "  {}", padded.join("  ").trim_end())
            };
            line(&header.map(String::from))?;
            for row in &rows {
                line(row)?;
            }
        }

        writeln!(f)?;
        writeln!(
            f,
            "Fallbacks: {} of {}",
            thousands(self.fallbacks.total as u64),
            attempts(self.attempts)
        )?;
        for route in &self.fallbacks.routes {
            writeln!(f, "  {} -> {}: {}", route.from, route.to, route.count)?;
        }
        writeln!(
            f,
            "Cancelled: {} (not counted as failures)",
            thousands(self.cancelled as u64)
        )?;
        let completions = &self.completions;
        if 0 < completions.calls {
            let ms = |s: Option<f64>| s.map_or("-".into(), |s| format!("{:.0} ms", s * 1000.0));
            writeln!(
                f,
                "Inline completions: {} model calls ({} gave way to newer typing), p50 {}, p95 {}; {} accepted of {} answered ({})",
                thousands(completions.calls as u64),
                thousands(completions.cancelled as u64),
                ms(completions.p50_duration_seconds),
                ms(completions.p95_duration_seconds),
                thousands(completions.accepted as u64),
                thousands(completions.answered as u64),
                rate(completions.acceptance_rate),
            )?;
        }
        writeln!(f, "Total cost: {}", cost_text(&self.cost))
    }
}

fn rate(rate: Option<f64>) -> String {
    rate.map_or("-".to_string(), |rate| format!("{:.1}%", rate * 100.0))
}

fn cost_text(cost: &Cost) -> String {
    match (cost.usd, cost.unpriced_attempts) {
        (None, _) => "unknown (no price configured)".to_string(),
        (Some(usd), 0) => format!("${usd:.4}"),
        (Some(usd), unpriced) => {
            format!("${usd:.4} + unknown ({} unpriced)", attempts(unpriced))
        }
    }
}

/// `1 attempt`, `2,000 attempts`.
fn attempts(n: usize) -> String {
    let noun = if n == 1 { "attempt" } else { "attempts" };
    format!("{} {noun}", thousands(n as u64))
}

/// `12345` as `12,345`, like the original report's token counts.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if 0 < i && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;
    use crate::metrics::{MetricsEntry, report};
    use crate::role::Role;

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
            error_class: None,
            error: None,
            fallback_from: None,
            attempt: 1,
            job: None,
            cost_usd: None,
            kind: None,
        }
    }

    #[test]
    fn with_no_price_at_all_the_cost_is_unknown_not_zero() {
        let report = report(&[attempt(Role::Oracle, 1.0, true)], None);
        assert_eq!(report.cost.usd, None);
        assert!(
            report
                .to_string()
                .contains("Total cost: unknown (no price configured)"),
            "{report}"
        );
    }

    #[test]
    fn the_text_report_keeps_the_original_per_role_lines() {
        let mut entries = vec![
            attempt(Role::Sisyphus, 2.0, true),
            attempt(Role::Sisyphus, 4.0, false),
        ];
        entries[0].tokens_used = 12_000;
        let text = report(&entries, None).to_string();
        assert!(
            text.contains(
                "SISYPHUS:\n  Tasks: 2\n  Success Rate: 50.0%\n  Avg Duration: 3.00s (p50 2.00s, p95 4.00s)\n  Total Tokens: 12,030\n"
            ),
            "{text}"
        );
        assert!(text.contains("HEPHAESTUS:\n  Tasks: 0\n"), "{text}");
        assert!(text.contains("MODELS:\n  MODEL "), "{text}");
    }

    #[test]
    fn large_counts_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
