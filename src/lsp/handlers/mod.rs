//! The `LanguageServer` implementation: each request family in a file of its own, over the
//! shared `Session`. `Backend` only holds the session and the lifecycle flags.

mod actions;
mod commands;
mod configuration;
mod lifecycle;
mod symbol_info;
mod symbols;
mod sync;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::log_layer;
use super::session::Session;

pub struct Backend {
    session: Arc<Session>,
    /// Set by `shutdown`: an `exit` without it exits with code 1.
    shut_down: Arc<AtomicBool>,
    /// Set by the first `initialized`: a repeated one changes nothing.
    initialized: AtomicBool,
    /// The client's log, connected at `initialize`.
    log: log_layer::Session,
}

impl Backend {
    pub fn new(client: Client, shut_down: Arc<AtomicBool>, log: log_layer::Session) -> Backend {
        Backend {
            session: Arc::new(Session::new(client)),
            shut_down,
            initialized: AtomicBool::new(false),
            log,
        }
    }

    /// `$/cancelRequest` for a command whose job still runs (`transport` sends this after it).
    pub async fn cancel_job_of_request(&self, params: Value) {
        if let Some(id) = params.get("id").filter(|id| !id.is_null()) {
            self.session.jobs.cancel_request(&id.to_string());
        }
    }

    /// `textDocument/inlineCompletion` (LSP 3.18, which the framework does not route).
    pub async fn inline_completion(
        &self,
        params: InlineCompletionParams,
    ) -> Result<Option<InlineCompletionResponse>> {
        Ok(crate::lsp::completions::inline_completion(&self.session, params).await)
    }

    /// `window/workDoneProgress/cancel`: the user pressed cancel on a job's progress.
    pub async fn progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        let token = match params.token {
            NumberOrString::String(s) => s,
            NumberOrString::Number(n) => n.to_string(),
        };
        self.session.jobs.cancel(&token);
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        // While `initialize` is answered the client may already be sent log messages.
        self.log.connect(&self.session.client);
        lifecycle::initialize(&self.session, params, &self.log)
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.initialized.swap(true, Ordering::SeqCst) {
            // A second build would walk and parse the whole workspace again for nothing.
            self.session.log(
                MessageType::WARNING,
                "a repeated `initialized` notification was ignored".into(),
            );
            return;
        }
        lifecycle::initialized(&self.session).await
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        self.session.jobs.cancel_all();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        sync::did_open(&self.session, params)
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        sync::did_change(&self.session, params)
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        sync::did_save(&self.session, params)
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        sync::did_close(&self.session, params).await
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        configuration::did_change_configuration(&self.session, params).await
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        configuration::did_change_watched_files(&self.session, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        symbols::symbol(&self.session, params)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        actions::code_action(&self.session, params)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute_command(&self.session, params).await
    }
}
