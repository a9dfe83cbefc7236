//! The library below both faces, called in this process: the providers' wire formats, the
//! orchestrator and its pipelines, redaction, routing, the token estimator, the metrics
//! file, the offline review's quality, and the syntax library on deep nesting.
//!
//! One test binary for all of it, so that a change links these tests once.

/// The shared test support (`tests/support/`): the parts these tests use.
#[path = "../support"]
mod support {
    pub mod mock;
}

mod deep_nesting;
mod metrics_concurrency;
mod orchestrator;
mod pipeline;
mod providers;
mod redaction;
mod review_quality;
mod routing_phrasings;
mod token_estimator;
