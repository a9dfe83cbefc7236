//! The synthesis: one Markdown summary of a pipeline run. Verdicts come from structured
//! answers (findings, per-step judgements), never from reading prose.

use std::fmt::Write;

use serde::Serialize;

use super::pipeline::PipelineReport;
use crate::finding::Severity;
use crate::roles::Review;

/// The review's outcome for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ReviewStatus {
    /// No finding of medium severity or above.
    Passed,
    IssuesFound,
}

impl ReviewStatus {
    pub fn of(review: &Review) -> ReviewStatus {
        match review
            .findings
            .iter()
            .any(|f| Severity::Medium <= f.severity)
        {
            true => ReviewStatus::IssuesFound,
            false => ReviewStatus::Passed,
        }
    }
}

/// `summary.md`: plan, implementation, review status with issues by severity, whether the
/// plan was followed and the requirements met, and next steps.
pub fn summary_markdown(report: &PipelineReport) -> String {
    let mut out = format!("# {} pipeline: {}\n\n", report.kind, report.name);
    let _ = writeln!(out, "Task: {}\n", report.task.trim());

    out.push_str("## Steps\n\n");
    for step in &report.steps {
        let served = if step.role == step.served_by {
            String::new()
        } else {
            format!(", served by {}", step.served_by)
        };
        let _ = writeln!(
            out,
            "- {} — {} on `{}`{served}",
            step.phase, step.role, step.model
        );
    }
    out.push('\n');

    if let Some(plan) = &report.plan {
        let _ = writeln!(out, "## Plan\n\n{}\n", plan.summary.trim());
        for step in &plan.steps {
            let _ = writeln!(out, "- {}: {}", step.id, step.title.trim());
        }
        out.push_str("\nFull plan: plan.md\n\n");
    }
    if let Some(code) = &report.code {
        out.push_str("## Implementation\n\n");
        for (i, block) in code.blocks.iter().enumerate() {
            let name = block
                .path
                .clone()
                .unwrap_or_else(|| format!("block {}", i + 1));
            let _ = writeln!(out, "- {name} ({} lines)", block.code.lines().count());
        }
        out.push('\n');
    }

    let mut next: Vec<String> = Vec::new();
    if let Some(review) = report.final_review() {
        let status = ReviewStatus::of(review);
        let _ = writeln!(
            out,
            "## Review: {}\n",
            match status {
                ReviewStatus::Passed => "Code Review Passed",
                ReviewStatus::IssuesFound => "Issues Found",
            }
        );
        for (severity, count) in review.counts() {
            if 0 < count {
                // Capitals, as the skill's summary.md had them (see ARCHITECTURE.md).
                let _ = writeln!(out, "- {}: {count}", severity.as_str().to_uppercase());
            }
        }
        for finding in &review.findings {
            if Severity::Medium <= finding.severity {
                next.push(format!(
                    "Fix {} (line {}): {}",
                    finding.severity.as_str().to_uppercase(),
                    finding.line,
                    finding.title.trim()
                ));
            }
        }
        if 0 < review.dropped {
            let _ = writeln!(out, "- ({} invalid findings dropped)", review.dropped);
        }
        out.push_str("\nFull report: review_report.md\n\n");
    }

    if let Some(verdict) = &report.verdict {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "## Verdict\n\n- Plan followed: {}",
            yes_no(verdict.plan_followed)
        );
        let _ = writeln!(
            out,
            "- All requirements met: {}\n",
            yes_no(verdict.requirements_met)
        );
        for step in verdict.steps.iter().filter(|s| !s.followed) {
            let _ = writeln!(out, "- {} not followed: {}", step.id, step.note.trim());
            next.push(format!("Complete plan step {}", step.id));
        }
        for unmet in &verdict.unmet {
            next.push(format!("Meet the requirement: {}", unmet.trim()));
        }
        out.push('\n');
    }

    if report.docs.is_some() {
        out.push_str("## Documentation\n\ndocs.md\n\n");
    }
    if let Some(examples) = &report.examples {
        let _ = writeln!(
            out,
            "## Similar code\n\n{} examples: examples.md\n",
            examples.examples.len()
        );
    }
    if let Some(assessment) = &report.assessment {
        let _ = writeln!(
            out,
            "## Architecture\n\n{}\n\nFull assessment: architecture.md\n",
            assessment.summary.trim()
        );
        for step in &assessment.steps {
            next.push(format!("{}: {}", step.id, step.title.trim()));
        }
    }

    out.push_str("## Next steps\n\n");
    if next.is_empty() {
        next.push("Run the test suite and review the changes before merging.".into());
    }
    for (i, step) in next.iter().enumerate() {
        let _ = writeln!(out, "{}. {step}", i + 1);
    }
    out
}
