//! The `LanguageServer` implementation: lifecycle, documents, code actions, commands,
//! configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use super::commands::{self, Target};
use super::documents::{Document, Documents};
use super::jobs::{JobKind, Jobs};
use super::log_layer;
use super::position::{Encoding, to_char_range};
use crate::config::{Config, ConfigError, ConfigSearch, ConfigStamp, ProcessEnv, discover};
use crate::orchestrator::{MetricsRecorder, Orchestrator, recording_orchestrator};
use crate::request::{Depth, PipelineKind, PipelineRequest};
use crate::role::Role;
use crate::router::route;

/// The most symbols `workspace/symbol` answers with: editors show a short list and refine
/// as the user types.
const MAX_WORKSPACE_SYMBOLS: usize = 256;

/// What the client can do, from `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    pub progress: bool,
    pub show_document: bool,
    pub create_files: bool,
    pub apply_edit: bool,
    /// Accepts a dynamic registration for `workspace/didChangeWatchedFiles`.
    pub watch_files: bool,
    /// Sends its cursor as a one-character selection (Helix).
    pub cursor_is_a_character: bool,
}

/// Everything `initialize` and configuration changes set.
pub struct Settings {
    pub encoding: Encoding,
    pub caps: ClientCaps,
    pub workspace: Option<PathBuf>,
    pub config_path: Option<PathBuf>,
    /// Models the editor's settings choose per role, over the configuration file's.
    pub models: BTreeMap<Role, String>,
    pub config: Arc<Config>,
    pub orchestrator: Arc<Orchestrator>,
    /// Why the configuration the user wrote could not be loaded (file:line:col first).
    /// While set, no job calls a model: the built-in defaults would send code to services
    /// the user never chose.
    pub config_error: Option<String>,
    /// The configuration files as they were when last read.
    pub config_stamp: ConfigStamp,
    /// Records every model attempt of the editor's jobs in the same metrics file as the
    /// command line; `None` when `performance.track_metrics` is off.
    pub recorder: Option<Arc<MetricsRecorder>>,
}

/// Shared by the handlers and the jobs they start.
pub struct Inner {
    pub client: Client,
    pub documents: Documents,
    pub settings: RwLock<Settings>,
    pub jobs: Jobs,
    pub findings: super::deliver::Findings,
    pub index: super::index::IndexState,
    pub offline: super::review::OfflineFindings,
}

pub struct Backend {
    inner: Arc<Inner>,
    /// Set by `shutdown`: an `exit` without it exits with code 1.
    shut_down: Arc<AtomicBool>,
    /// Set by the first `initialized`: a repeated one changes nothing.
    initialized: AtomicBool,
    /// The client's log, connected at `initialize`.
    log: log_layer::Session,
}

impl Backend {
    pub fn new(client: Client, shut_down: Arc<AtomicBool>, log: log_layer::Session) -> Backend {
        let config = Arc::new(Config::builtin().clone());
        Backend {
            inner: Arc::new(Inner {
                client,
                documents: Documents::default(),
                settings: RwLock::new(Settings {
                    encoding: Encoding::Utf16,
                    caps: ClientCaps::default(),
                    workspace: None,
                    config_path: None,
                    models: BTreeMap::new(),
                    orchestrator: Arc::new(Orchestrator::new(
                        config.as_ref().clone(),
                        Arc::new(ProcessEnv),
                    )),
                    config,
                    config_error: None,
                    config_stamp: ConfigStamp::default(),
                    recorder: None,
                }),
                jobs: Jobs::default(),
                findings: super::deliver::Findings::default(),
                index: super::index::IndexState::default(),
                offline: super::review::OfflineFindings::default(),
            }),
            shut_down,
            initialized: AtomicBool::new(false),
            log,
        }
    }

    /// `$/cancelRequest` for a command whose job still runs (`sift` sends this after it).
    pub async fn cancel_job_of_request(&self, params: Value) {
        if let Some(id) = params.get("id").filter(|id| !id.is_null()) {
            self.inner.jobs.cancel_request(&id.to_string());
        }
    }

    /// `window/workDoneProgress/cancel`: the user pressed cancel on a job's progress.
    pub async fn progress_cancel(&self, params: WorkDoneProgressCancelParams) {
        let token = match params.token {
            NumberOrString::String(s) => s,
            NumberOrString::Number(n) => n.to_string(),
        };
        self.inner.jobs.cancel(&token);
    }
}

impl Inner {
    pub fn encoding(&self) -> Encoding {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .encoding
    }

    pub fn caps(&self) -> ClientCaps {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).caps
    }

    pub fn workspace(&self) -> Option<PathBuf> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .workspace
            .clone()
    }

    pub fn config(&self) -> Arc<Config> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .config
            .clone()
    }

    pub fn orchestrator(&self) -> Arc<Orchestrator> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .orchestrator
            .clone()
    }

    /// Logs `message` at the level of `typ` (`LOG` is debug), where `MULTI_MODEL_LOG` lets
    /// it through: to the client's log once connected, else to stderr (`log_layer`). Never
    /// given a key: nothing that holds one is formatted.
    pub fn log(self: &Arc<Self>, typ: MessageType, message: String) {
        match typ {
            MessageType::ERROR => tracing::error!("{message}"),
            MessageType::WARNING => tracing::warn!("{message}"),
            MessageType::INFO => tracing::info!("{message}"),
            _ => tracing::debug!("{message}"),
        }
    }

    /// Tells the user, once, that a document is not text and so is not parsed, reviewed
    /// or indexed (it would cost seconds per keystroke and find nothing).
    pub fn tell_not_text(self: &Arc<Self>, uri: &Uri) {
        let Some(why) = self.documents.not_text_untold(uri) else {
            return;
        };
        let path = uri.path().as_str();
        let name = path
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or(path);
        let message = format!(
            "{name} {} ({why}): not parsed, reviewed or indexed",
            why.looks()
        );
        self.log(MessageType::INFO, message.clone());
        let inner = self.clone();
        tokio::spawn(async move {
            let message = format!("multi-model: {message}");
            inner.client.show_message(MessageType::INFO, message).await;
        });
    }

    /// Finds and loads the configuration (with the editor's model overrides) and makes it
    /// current, without telling the client anything (`initialize` may not notify yet). A
    /// broken file leaves the last good configuration for the offline pass and marks the
    /// configuration broken, so that no job calls a model until it is fixed.
    fn load_config(&self) -> std::result::Result<Config, ConfigError> {
        let (explicit, workspace, models) = {
            let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
            (
                settings.config_path.clone(),
                settings.workspace.clone(),
                settings.models.clone(),
            )
        };
        let search = ConfigSearch {
            explicit: explicit.as_deref(),
            workspace: workspace.as_deref(),
            env: &ProcessEnv,
        };
        let stamp = search.stamp();
        let loaded = discover(&search).map(|config| config.with_models(&models));
        let mut settings = self.settings.write().unwrap_or_else(|p| p.into_inner());
        settings.config_stamp = stamp;
        match &loaded {
            Ok(config) => {
                let root = workspace
                    .clone()
                    .or_else(|| std::env::current_dir().ok())
                    .unwrap_or_default();
                let (orchestrator, recorder) = recording_orchestrator(config, &root);
                settings.orchestrator = Arc::new(orchestrator);
                settings.recorder = recorder;
                settings.config = Arc::new(config.clone());
                settings.config_error = None;
            }
            Err(err) => settings.config_error = Some(err.to_string()),
        }
        loaded
    }

    pub async fn reload_config(self: &Arc<Self>) {
        match self.load_config() {
            Ok(config) => {
                if let crate::config::ConfigSource::File(path) = &config.source {
                    self.publish_config_error(path, None).await;
                }
                self.log(
                    MessageType::INFO,
                    format!("configuration: {}", config.source),
                );
            }
            Err(err) => {
                let message = format!(
                    "configuration not loaded: {err} — no model is called until it is fixed (the offline review goes on)"
                );
                self.log(MessageType::ERROR, message.clone());
                self.client.show_message(MessageType::ERROR, message).await;
                if let Some(path) = error_path(&err) {
                    self.publish_config_error(&path, Some(&err)).await;
                }
            }
        }
    }

    /// The range a role works on for a selection: the selection itself, or for a cursor
    /// (an empty range; Helix's one-character selection) the enclosing definition from the
    /// kept parse, by indentation for files without a grammar — for code actions and
    /// commands alike, so a role never gets an empty selection.
    pub fn target_range(&self, uri: &Uri, document: &Document, range: Range) -> Range {
        let encoding = self.encoding();
        let (chars, _) = to_char_range(&document.rope, range, encoding);
        let cursor = chars.is_empty() || (self.caps().cursor_is_a_character && chars.len() == 1);
        if !cursor {
            // Positions past the text are clamped, as everywhere else.
            return super::position::to_range(&document.rope, chars, encoding);
        }
        let tree = self
            .documents
            .tree(uri)
            .filter(|(_, _, _, version)| *version == document.version);
        let scope = crate::syntax::cursor_target(
            &document.rope,
            tree.as_ref()
                .map(|(language, tree, _, _)| (*language, tree)),
            chars.start,
        );
        super::position::to_range(&document.rope, scope, encoding)
    }

    /// Logs the metrics writes that failed since the last call (a job never fails for them).
    pub fn report_metrics_failures(self: &Arc<Self>) {
        let recorder = self
            .settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .recorder
            .clone();
        if let Some(failure) = recorder.and_then(|r| r.take_failures().into_iter().next()) {
            self.log(
                MessageType::WARNING,
                format!("metrics not recorded: {failure}"),
            );
        }
    }

    /// Before a job that may call a model: reads the configuration again if its files
    /// changed on disk (clients that cannot watch files, such as Neovim 0.7, never say so),
    /// and refuses while it is broken.
    pub async fn usable_config(self: &Arc<Self>) -> std::result::Result<(), String> {
        let (stamp, search_stamp) = {
            let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
            let search = ConfigSearch {
                explicit: settings.config_path.as_deref(),
                workspace: settings.workspace.as_deref(),
                env: &ProcessEnv,
            };
            (settings.config_stamp.clone(), search.stamp())
        };
        if stamp != search_stamp {
            self.reload_config().await;
        }
        let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
        match &settings.config_error {
            None => Ok(()),
            Some(err) => Err(format!(
                "no model was called: the configuration is broken — {err}. Fix the file and save it; the next job reads it again."
            )),
        }
    }

    async fn publish_config_error(&self, path: &std::path::Path, error: Option<&ConfigError>) {
        let Some(uri) = Uri::from_file_path(path) else {
            return;
        };
        let diagnostics = match error {
            None => Vec::new(),
            Some(err) => {
                let (line, column) = err.position().map_or((0, 0), |p| {
                    (
                        p.line.saturating_sub(1) as u32,
                        p.column.saturating_sub(1) as u32,
                    )
                });
                vec![Diagnostic {
                    range: Range::new(Position::new(line, column), Position::new(line, column + 1)),
                    severity: Some(DiagnosticSeverity::ERROR),
                    source: Some("multi-model config".into()),
                    message: err.to_string(),
                    ..Diagnostic::default()
                }]
            }
        };
        self.client
            .publish_diagnostics(uri, diagnostics, None)
            .await;
    }
}

fn error_path(err: &ConfigError) -> Option<PathBuf> {
    match err {
        ConfigError::Unreadable { path, .. } => Some(path.clone()),
        other => other.position().map(|p| PathBuf::from(&p.origin)),
    }
}

fn workspace_of(params: &InitializeParams) -> Option<PathBuf> {
    #[allow(deprecated)]
    let root = params.root_uri.clone();
    params
        .workspace_folders
        .as_ref()
        .and_then(|folders| folders.first())
        .map(|folder| folder.uri.clone())
        .or(root)
        .and_then(|uri| uri.to_file_path().map(|p| p.into_owned()))
}

fn caps_of(params: &InitializeParams) -> ClientCaps {
    let caps = &params.capabilities;
    let window = caps.window.as_ref();
    let workspace = caps.workspace.as_ref();
    ClientCaps {
        progress: window.and_then(|w| w.work_done_progress).unwrap_or(false),
        show_document: window
            .and_then(|w| w.show_document.as_ref())
            .is_some_and(|s| s.support),
        create_files: workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|ops| ops.contains(&ResourceOperationKind::Create)),
        apply_edit: workspace.and_then(|w| w.apply_edit).unwrap_or(false),
        watch_files: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false),
        cursor_is_a_character: params
            .client_info
            .as_ref()
            .is_some_and(|c| c.name.eq_ignore_ascii_case("helix")),
    }
}

/// Per-role model overrides from an editor's settings: `{"models": {"oracle": "..."}}`.
fn models_of(settings: &Value) -> Option<BTreeMap<Role, String>> {
    let models = settings.get("models")?.as_object()?;
    Some(
        models
            .iter()
            .filter_map(|(role, model)| Some((role.parse().ok()?, model.as_str()?.to_string())))
            .collect(),
    )
}

/// Exits when the client process is gone (`initialize.processId`): an orphaned server
/// must not keep running. Said on stderr: there is no one left to tell.
fn watch_parent(pid: u32, log: log_layer::Session) {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    if !proc_dir.exists() {
        return;
    }
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            if !proc_dir.exists() {
                log.end();
                tracing::info!("client process {pid} is gone; exiting");
                std::process::exit(0);
            }
        }
    });
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        // While `initialize` is answered the client may already be sent log messages.
        self.log.connect(&self.inner.client);
        let encoding = Encoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        let config_path = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("configPath"))
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        {
            let mut settings = self
                .inner
                .settings
                .write()
                .unwrap_or_else(|p| p.into_inner());
            settings.encoding = encoding;
            settings.caps = caps_of(&params);
            settings.workspace = workspace_of(&params);
            settings.config_path = config_path;
            settings.models = params
                .initialization_options
                .as_ref()
                .and_then(models_of)
                .unwrap_or_default();
        }
        // Loaded now, so a command sent right after `initialize` already uses it; errors
        // are reported from `initialized`, when the client may be told.
        let _ = self.inner.load_config();
        if let Some(pid) = params.process_id {
            watch_parent(pid, self.log.clone());
        }
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(encoding.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR,
                            CodeActionKind::REFACTOR_REWRITE,
                            CodeActionKind::new(commands::REVIEW_KIND),
                            CodeActionKind::new(commands::EXAMPLES_KIND),
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: commands::ALL.iter().map(|c| c.to_string()).collect(),
                    ..ExecuteCommandOptions::default()
                }),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "multi-model".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        if self.initialized.swap(true, Ordering::SeqCst) {
            // A second build would walk and parse the whole workspace again for nothing.
            self.inner.log(
                MessageType::WARNING,
                "a repeated `initialized` notification was ignored".into(),
            );
            return;
        }
        self.inner.reload_config().await;
        let inner = self.inner.clone();
        tokio::spawn(async move { super::index::build(&inner).await });
        if !self.inner.caps().watch_files {
            return;
        }
        // Watch the configuration file so edits apply without a restart.
        let registration = Registration {
            id: "multi-model-config".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: Some(json!({"watchers": [
                {"globPattern": "**/config/multi_model.yaml"},
                {"globPattern": "**/multi-model/config.yaml"},
                {"globPattern": "**/*.{py,pyi,rs}"}
            ]})),
        };
        let _ = self
            .inner
            .client
            .register_capability(vec![registration])
            .await;
    }

    async fn shutdown(&self) -> Result<()> {
        self.shut_down.store(true, Ordering::SeqCst);
        self.inner.jobs.cancel_all();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let doc = params.text_document;
        self.inner
            .documents
            .open(doc.uri.clone(), &doc.text, doc.version, doc.language_id);
        self.inner.tell_not_text(&doc.uri);
        super::index::document_changed(&self.inner, &doc.uri);
        super::review::run_now(&self.inner, &doc.uri);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        // Synchronously, before any await: edits apply in arrival order.
        let uri = params.text_document.uri;
        let result = self.inner.documents.change(
            &uri,
            params.text_document.version,
            params.content_changes,
            self.inner.encoding(),
        );
        match result {
            Ok(None) => {}
            Ok(Some(_)) => self.inner.log(
                MessageType::WARNING,
                format!(
                    "{}: a change lay outside the document; clamped",
                    uri.as_str()
                ),
            ),
            Err(err) => self.inner.log(MessageType::WARNING, err.to_string()),
        }
        super::index::document_changed(&self.inner, &uri);
        super::review::document_changed(&self.inner, &uri);
        if self.inner.findings.has(&uri) || self.inner.offline.has(&uri) {
            let inner = self.inner.clone();
            tokio::spawn(async move { super::deliver::publish_findings(&inner, &uri).await });
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        super::index::refresh_document(&self.inner, &params.text_document.uri);
        super::review::run_now(&self.inner, &params.text_document.uri);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.inner.documents.close(&uri);
        super::index::document_closed(&self.inner, &uri);
        // Findings belong to the open buffer: closed, it shows none.
        if self.inner.offline.has(&uri) || self.inner.findings.has(&uri) {
            self.inner.offline.forget(&uri);
            self.inner.findings.forget(&uri);
            self.inner
                .client
                .publish_diagnostics(uri, Vec::new(), None)
                .await;
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        // Editors send their settings either flat or under the server's section.
        let settings = ["multi-model", "multiModel"]
            .iter()
            .find_map(|section| params.settings.get(section))
            .unwrap_or(&params.settings);
        {
            let mut current = self
                .inner
                .settings
                .write()
                .unwrap_or_else(|p| p.into_inner());
            if let Some(path) = settings.get("configPath").and_then(Value::as_str) {
                current.config_path = (!path.is_empty()).then(|| PathBuf::from(path));
            }
            if let Some(models) = models_of(settings) {
                current.models = models;
            }
        }
        self.inner.reload_config().await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        super::index::files_changed(&self.inner, &params.changes);
        let config_changed = params.changes.iter().any(|event| {
            let path = event.uri.path().as_str();
            path.ends_with("/config/multi_model.yaml") || path.ends_with("/multi-model/config.yaml")
        });
        if config_changed {
            self.inner.reload_config().await;
        }
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let Some(root) = self.inner.workspace() else {
            return Ok(Some(WorkspaceSymbolResponse::Flat(Vec::new())));
        };
        let found = self.inner.index.read(|index| {
            index
                .symbols(&params.query, MAX_WORKSPACE_SYMBOLS)
                .into_iter()
                .filter_map(|m| super::symbols::information(&root, m.path, m.symbol))
                .collect::<Vec<_>>()
        });
        match found {
            Some(symbols) => Ok(Some(WorkspaceSymbolResponse::Flat(symbols))),
            None => Err(Error {
                code: tower_lsp_server::jsonrpc::ErrorCode::ContentModified,
                message: "the workspace index is still being built; try again shortly".into(),
                data: None,
            }),
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let Some(document) = self.inner.documents.snapshot(&uri) else {
            return Err(Error::invalid_params(format!(
                "{} is not open",
                uri.as_str()
            )));
        };
        let range = self.inner.target_range(&uri, &document, params.range);
        let actions = commands::code_actions(
            &uri,
            range,
            document.version,
            &params.context.diagnostics,
            params.context.only.as_deref(),
        );
        Ok(Some(
            actions
                .into_iter()
                .map(CodeActionOrCommand::CodeAction)
                .collect(),
        ))
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        // `sift` appends the request's id, so the job can be cancelled by `$/cancelRequest`.
        let request = params
            .arguments
            .iter()
            .find_map(|a| a.get(super::sift::REQUEST_ID_ARGUMENT))
            .filter(|id| !id.is_null())
            .map(Value::to_string);
        let argument = params.arguments.into_iter().next().unwrap_or(Value::Null);
        let inner = &self.inner;
        match params.command.as_str() {
            command if commands::role_of(command).is_some() => {
                let target: Target = match serde_json::from_value(argument) {
                    Ok(target) => target,
                    Err(err) => {
                        // Said on screen too: Helix's `:lsp-workspace-command` shows no reply.
                        let message = format!(
                            "{command} works on a selection: run it as a code action on the code (Helix: space a), or pass {{uri, range, version}} ({err})"
                        );
                        inner
                            .client
                            .show_message(MessageType::ERROR, message.clone())
                            .await;
                        return Err(Error::invalid_params(message));
                    }
                };
                let Some(document) = inner.documents.snapshot(&target.uri) else {
                    return Err(Error::invalid_params(format!(
                        "{} is not open",
                        target.uri.as_str()
                    )));
                };
                let mut target = target;
                // A fix or an explanation is about its diagnostic's range, as given.
                if target.diagnostic.is_none() && target.version == document.version {
                    target.range = inner.target_range(&target.uri, &document, target.range);
                }
                let token = inner.jobs.start(
                    inner.clone(),
                    JobKind::Role {
                        command: command.to_string(),
                        target: Box::new(target),
                    },
                    request,
                );
                Ok(Some(json!({"job": token})))
            }
            commands::ROUTE => {
                let task = argument.get("task").and_then(Value::as_str).unwrap_or("");
                let config = inner.config();
                let routed = route(&config, task, None)
                    .map_err(|err| Error::invalid_params(err.to_string()))?;
                Ok(Some(
                    json!({"role": routed.role, "model": routed.model, "reasoning": routed.reasoning}),
                ))
            }
            commands::PIPELINE => {
                let kind = match argument.get("kind").and_then(Value::as_str) {
                    Some("feature") => PipelineKind::Feature,
                    Some("bugfix") => PipelineKind::Bugfix,
                    Some("review") => PipelineKind::Review,
                    other => {
                        return Err(Error::invalid_params(format!(
                            "pipeline kind must be feature, bugfix or review, not {other:?}"
                        )));
                    }
                };
                let text = |key: &str| {
                    argument
                        .get(key)
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                let files = argument
                    .get("files")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                let pipeline = PipelineRequest::new(
                    kind,
                    text("name"),
                    text("description"),
                    text("bugId"),
                    files,
                    Depth::Quick,
                )
                .map_err(|err| Error::invalid_params(err.to_string()))?;
                let token = inner
                    .jobs
                    .start(inner.clone(), JobKind::Pipeline(pipeline), request);
                Ok(Some(json!({"job": token})))
            }
            commands::METRICS => {
                let token = inner.jobs.start(inner.clone(), JobKind::Metrics, request);
                Ok(Some(json!({"job": token})))
            }
            commands::DOCTOR => {
                let token = inner.jobs.start(inner.clone(), JobKind::Doctor, request);
                Ok(Some(json!({"job": token})))
            }
            commands::CANCEL_ALL => {
                let cancelled = inner.jobs.cancel_all();
                Ok(Some(json!({"cancelled": cancelled})))
            }
            other => Err(Error::invalid_params(format!("unknown command {other}"))),
        }
    }
}
