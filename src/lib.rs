//! multi-model: four specialist AI roles behind one language server and command line.
//!
//! The library is the core — configuration, routing, context, the orchestrator and its
//! providers, the review — and the two faces over it, `cli` and `lsp`, which translate
//! between their world and the core; `main.rs` chooses one. ARCHITECTURE.md maps it all.

#[cfg(test)]
mod architecture;
pub mod background;
pub mod cli;
pub mod completion;
pub mod config;
pub mod context;
pub mod finding;
pub mod gather;
pub mod health;
pub mod index;
pub mod logging;
pub mod lsp;
pub mod metrics;
pub mod orchestrator;
pub mod providers;
pub mod redact;
pub mod review;
pub mod role;
pub mod roles;
pub mod router;
pub mod syntax;
pub mod task;
pub mod text_kind;
pub mod workspace;
