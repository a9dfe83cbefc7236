//! The command line as a user or CI runs it: the built binary in a scratch workspace, each
//! model (where one is needed) played by a mock on 127.0.0.1.
//!
//! One test binary for all of it, so that a change links these tests once.

/// The shared test support (`tests/support/`): the parts these tests use.
#[path = "../support"]
mod support {
    // The mock's whole API serves the provider tests (tests/library); these use part of it.
    #[allow(dead_code)]
    pub mod mock;
    // Its `/api/generate` replies serve the language server's inline-completion tests.
    #[allow(dead_code)]
    pub mod workspace;
}

mod commands;
mod doctor;
mod metrics;
mod reliability;
mod review;
mod run;
