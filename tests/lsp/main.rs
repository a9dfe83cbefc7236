//! The language server: the built binary driven over stdio as an editor drives it, the
//! library's server loop driven in this process over in-memory pipes, and the editor
//! clients' own files (Neovim's plugin, Helix's configuration) against the server.
//!
//! One test binary for all of it, so that a change links these tests once.

/// The shared test support (`tests/support/`): the parts these tests use.
#[path = "../support"]
mod support {
    pub mod editor;
    pub mod lsp;
    // The mock's whole API serves the provider tests (tests/library); these use part of it.
    #[allow(dead_code)]
    pub mod mock;
    pub mod workspace;
}

mod completion;
mod documents;
mod editor_helix;
mod editor_nvim;
mod editor_vscode;
mod features;
mod framing;
mod hostile;
mod index;
mod languages;
mod logging;
mod ordering;
mod reliability;
mod review;
mod review_server;
mod robustness;
