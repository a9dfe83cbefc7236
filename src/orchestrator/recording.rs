//! Attempts into the metrics file.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use super::{AttemptRecord, Orchestrator, Recorder};
use crate::config::{Config, ModelPrice, ProcessEnv};
use crate::metrics::{MetricsEntry, MetricsFile, cost_usd, error_class_name};

/// Appends one `MetricsEntry` per attempt. A failed write never fails the job: it is kept
/// for the caller to report.
pub struct MetricsRecorder {
    file: MetricsFile,
    pricing: BTreeMap<String, ModelPrice>,
    failures: Mutex<Vec<String>>,
}

impl MetricsRecorder {
    pub fn new(file: MetricsFile, pricing: BTreeMap<String, ModelPrice>) -> MetricsRecorder {
        MetricsRecorder {
            file,
            pricing,
            failures: Mutex::new(Vec::new()),
        }
    }

    /// Appends `entry` (work that is not a role's task: inline completions); a failed
    /// write is kept for `take_failures`.
    pub fn append(&self, entry: &MetricsEntry) {
        if let Err(err) = self.file.append(entry) {
            self.failures
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(err.to_string());
        }
    }

    /// What `model` costs for `usage`, by the configured prices.
    pub fn cost(&self, model: &str, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        cost_usd(&self.pricing, model, input_tokens, output_tokens)
    }

    /// Writes that failed since the last call, so that each is reported once.
    pub fn take_failures(&self) -> Vec<String> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// An orchestrator that records every attempt in the workspace's metrics file (unless
/// `performance.track_metrics` is off), and its recorder, for both faces alike.
pub fn recording_orchestrator(
    config: &Config,
    root: &Path,
) -> (Orchestrator, Option<Arc<MetricsRecorder>>) {
    let orchestrator = Orchestrator::new(config.clone(), Arc::new(ProcessEnv));
    if !config.performance.track_metrics {
        return (orchestrator, None);
    }
    let file = MetricsFile::in_workspace(&config.performance, root);
    let recorder = Arc::new(MetricsRecorder::new(file, config.pricing.clone()));
    (orchestrator.with_recorder(recorder.clone()), Some(recorder))
}

impl Recorder for MetricsRecorder {
    fn record(&self, attempt: &AttemptRecord) {
        let usage = attempt.usage.unwrap_or_default();
        let entry = MetricsEntry {
            timestamp: jiff::Timestamp::try_from(attempt.started)
                .unwrap_or_else(|_| jiff::Timestamp::now()),
            // The role whose model made the attempt; the task keeps its own type.
            role: attempt.served_by,
            task_type: attempt.role.task_type(),
            model: attempt.model.clone(),
            provider: attempt.provider,
            duration_seconds: attempt.duration.as_secs_f64(),
            tokens_used: usage.input_tokens + usage.output_tokens,
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            success: attempt.error.is_none(),
            error_class: attempt
                .error
                .as_ref()
                .map(|(class, _)| error_class_name(*class).to_string()),
            error: attempt.error.as_ref().map(|(_, message)| message.clone()),
            fallback_from: attempt.fallback_from,
            attempt: attempt.attempt,
            job: Some(attempt.job.clone()),
            cost_usd: cost_usd(
                &self.pricing,
                &attempt.model,
                usage.input_tokens,
                usage.output_tokens,
            ),
            kind: None,
        };
        self.append(&entry);
    }
}
