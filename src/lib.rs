//! multi-model: four specialist AI roles behind one language server and command line.
//!
//! The library is the core (configuration, routing, and what later issues add); the binary's
//! two faces, `cli` and the language server, translate between their world and this one.

pub mod background;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod index;
pub mod logging;
pub mod lsp;
pub mod metrics;
pub mod orchestrator;
pub mod providers;
pub mod redact;
pub mod request;
pub mod review;
pub mod role;
pub mod role_context;
pub mod roles;
pub mod router;
pub mod syntax;
pub mod text_kind;
pub mod tokens;
pub mod workspace;
