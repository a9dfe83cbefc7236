//! The session: what the server knows between requests — the client's capabilities and
//! settings, the configuration (and whether it is usable), the open documents, the jobs,
//! the diagnostics and the index — shared by the handlers and the jobs they start.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::*;

use super::commands::{LinesTarget, Target};
use super::diagnostics::Diagnostics;
use super::documents::{Document, Documents};
use super::jobs::Jobs;
use super::offline::OfflinePass;
use super::position::{Encoding, line_len_without_break, to_char_range, to_position};
use crate::config::{Config, ConfigError, ConfigSearch, ConfigStamp, ProcessEnv, discover};
use crate::orchestrator::{MetricsRecorder, Orchestrator, recording_orchestrator};
use crate::role::Role;

/// What the client can do, from `initialize`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClientCaps {
    pub progress: bool,
    pub show_document: bool,
    pub apply_edit: bool,
    /// Accepts a dynamic registration for `workspace/didChangeWatchedFiles`.
    pub watch_files: bool,
    /// Sends its cursor as a one-character selection (Helix).
    pub cursor_is_a_character: bool,
    /// Handles `window/showDocument` without announcing it (Helix).
    pub shows_documents_unannounced: bool,
    /// The client shows one status message at a time, the latest (Helix): what the user
    /// must read goes last.
    pub shows_latest_message_only: bool,
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
pub struct Session {
    pub client: Client,
    pub documents: Documents,
    pub settings: RwLock<Settings>,
    pub jobs: Jobs,
    pub diagnostics: Diagnostics,
    pub offline: OfflinePass,
    pub index: super::indexing::IndexState,
    pub completions: super::completions::Completions,
    /// Set once the user was told which roles lack their key (at the first open document).
    keys_told: std::sync::atomic::AtomicBool,
}

impl Session {
    /// A session before `initialize`: the built-in configuration, nothing open.
    pub fn new(client: Client) -> Session {
        let config = Arc::new(Config::builtin().clone());
        Session {
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
            diagnostics: Diagnostics::default(),
            offline: OfflinePass::default(),
            index: super::indexing::IndexState::default(),
            completions: Default::default(),
            keys_told: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The open document a `LinesTarget` names, as a `Target` at its current version: the
    /// lines whole, or a cursor at the start of a single line.
    pub fn lines_target(&self, lines: &LinesTarget) -> Result<Target, String> {
        let wanted = std::path::Path::new(&lines.path);
        let root = self.workspace();
        let uri = self
            .documents
            .uris()
            .into_iter()
            .filter_map(|uri| {
                let path = uri.to_file_path()?.into_owned();
                let found = path == wanted
                    || root.as_ref().is_some_and(|root| path == root.join(wanted))
                    || (wanted.is_relative() && path.ends_with(wanted));
                found.then_some((path.components().count(), uri))
            })
            // Of several open files ending so, the shortest path: the one nearest the root.
            .min_by_key(|(depth, _)| *depth)
            .map(|(_, uri)| uri)
            .ok_or_else(|| format!("{} is not open", lines.path))?;
        let document = self
            .documents
            .snapshot(&uri)
            .ok_or_else(|| format!("{} is not open", lines.path))?;
        let last = document.rope.len_lines().saturating_sub(1) as u32;
        let first = lines.start_line.max(1).min(last + 1) - 1;
        let end = lines.end_line.max(lines.start_line).max(1).min(last + 1) - 1;
        let range = if first == end {
            Range::new(Position::new(first, 0), Position::new(first, 0))
        } else {
            // The end of the last line, before its line break.
            let at = document.rope.line_to_char(end as usize)
                + line_len_without_break(&document.rope, end as usize);
            Range::new(
                Position::new(first, 0),
                to_position(&document.rope, at, self.encoding()),
            )
        };
        Ok(Target {
            uri,
            range,
            version: document.version,
            task: lines.task.clone(),
            diagnostic: None,
        })
    }

    /// Warns once, in one line, of the roles whose key variable is unset — before their first
    /// job fails for it. Not while the configuration is broken: that error is the news.
    pub fn warn_missing_keys_once(self: &Arc<Self>) {
        // Every open asks; all but the first stop at this load.
        if self.keys_told.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let (config, broken) = {
            let settings = self.settings.read().unwrap_or_else(|p| p.into_inner());
            (settings.config.clone(), settings.config_error.is_some())
        };
        if broken
            || self
                .keys_told
                .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let missing = config.missing_keys(&ProcessEnv);
        if missing.is_empty() {
            return;
        }
        let named: Vec<String> = missing
            .iter()
            .map(|(role, name)| format!("{name} ({role})"))
            .collect();
        let message = format!(
            "{} not set: {} will fall back or fail — set {} and restart the editor; `multi-model doctor` checks every role",
            named.join(", "),
            if missing.len() == 1 {
                "that role"
            } else {
                "those roles"
            },
            if missing.len() == 1 { "it" } else { "them" },
        );
        self.log(MessageType::WARNING, message.clone());
        let session = self.clone();
        tokio::spawn(async move {
            session
                .client
                .show_message(MessageType::WARNING, message)
                .await
        });
    }

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

    /// Where attempts that are not a role's task (inline completions) are recorded.
    pub fn recorder(&self) -> Option<Arc<MetricsRecorder>> {
        self.settings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .recorder
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
    pub fn log(&self, typ: MessageType, message: String) {
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
        let session = self.clone();
        tokio::spawn(async move {
            let message = format!("multi-model: {message}");
            session
                .client
                .show_message(MessageType::INFO, message)
                .await;
        });
    }

    /// Finds and loads the configuration (with the editor's model overrides) and makes it
    /// current, without telling the client anything (`initialize` may not notify yet). A
    /// broken file leaves the last good configuration for the offline pass and marks the
    /// configuration broken, so that no job calls a model until it is fixed.
    pub fn load_config(&self) -> std::result::Result<Config, ConfigError> {
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

    /// Whether `range` is a cursor: empty, or (Helix) one character — a role then works on
    /// what encloses it, never on an empty selection.
    pub fn is_cursor(&self, document: &Document, range: Range) -> bool {
        let (chars, _) = to_char_range(&document.rope, range, self.encoding());
        chars.is_empty() || (self.caps().cursor_is_a_character && chars.len() == 1)
    }

    /// `range` clamped onto the document, as a code action carries it: no parse is waited
    /// for to answer one; the command resolves a cursor when it runs (`target_range`).
    pub fn clamped_range(&self, document: &Document, range: Range) -> Range {
        let encoding = self.encoding();
        let (chars, _) = to_char_range(&document.rope, range, encoding);
        super::position::to_range(&document.rope, chars, encoding)
    }

    /// The range a role works on for a selection: the selection itself, or for a cursor
    /// the enclosing definition from the document's parse (brought up to date: a whole
    /// parse of a large file takes tens of milliseconds, so call it off the async threads),
    /// by indentation for files without a grammar — so a role never gets an empty selection.
    pub fn target_range(&self, uri: &Uri, document: &Document, range: Range) -> Range {
        let encoding = self.encoding();
        if !self.is_cursor(document, range) {
            // Positions past the text are clamped, as everywhere else.
            return self.clamped_range(document, range);
        }
        let (chars, _) = to_char_range(&document.rope, range, encoding);
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

    /// The range a fix of the finding at `flagged` works on: its whole statements and the
    /// assignments they use (`syntax::fix_target`), from the kept parse of this version.
    pub fn fix_range(&self, uri: &Uri, document: &Document, flagged: Range) -> Range {
        let encoding = self.encoding();
        let (chars, _) = to_char_range(&document.rope, flagged, encoding);
        let tree = self
            .documents
            .tree(uri)
            .filter(|(_, _, _, version)| *version == document.version);
        let target = crate::syntax::fix_target(
            &document.rope,
            tree.as_ref()
                .map(|(language, tree, _, _)| (*language, tree)),
            chars,
        );
        super::position::to_range(&document.rope, target, encoding)
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
