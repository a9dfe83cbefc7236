//! `initialize` (capabilities, settings, the first configuration load) and `initialized`
//! (configuration errors reported, the index built, files watched).

use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::lsp::Encoding;
use crate::lsp::commands;
use crate::lsp::log_layer;
use crate::lsp::session::{ClientCaps, Session};
use crate::role::Role;

pub fn initialize(
    session: &Arc<Session>,
    params: InitializeParams,
    log: &log_layer::Session,
) -> Result<InitializeResult> {
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
        let mut settings = session.settings.write().unwrap_or_else(|p| p.into_inner());
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
    let _ = session.load_config();
    if let Some(pid) = params.process_id {
        watch_parent(pid, log.clone());
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
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::REFACTOR,
                    CodeActionKind::REFACTOR_REWRITE,
                    CodeActionKind::new(commands::REVIEW_KIND),
                    CodeActionKind::new(commands::EXAMPLES_KIND),
                ]),
                ..CodeActionOptions::default()
            })),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            inline_completion_provider: announces_inline_completion(&params)
                .then_some(OneOf::Left(true)),
            execute_command_provider: Some(ExecuteCommandOptions {
                commands: commands::ALL
                    .iter()
                    .chain([&crate::lsp::completions::ACCEPTED])
                    .map(|c| c.to_string())
                    .collect(),
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

pub async fn initialized(session: &Arc<Session>) {
    session.reload_config().await;
    let building = session.clone();
    tokio::spawn(async move { crate::lsp::indexing::build(&building).await });
    if !session.caps().watch_files {
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
    let _ = session.client.register_capability(vec![registration]).await;
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
        apply_edit: workspace.and_then(|w| w.apply_edit).unwrap_or(false),
        watch_files: workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false),
        cursor_is_a_character: is_helix(params),
        shows_documents_unannounced: is_helix(params),
        shows_latest_message_only: is_helix(params),
    }
}

/// Whether the client shows inline completions (LSP 3.18): only then is the capability
/// announced, so an older client never asks for what it cannot show.
fn announces_inline_completion(params: &InitializeParams) -> bool {
    params
        .capabilities
        .text_document
        .as_ref()
        .is_some_and(|t| t.inline_completion.is_some())
}

/// Helix sends its cursor as a one-character selection and handles `window/showDocument`
/// without announcing it (25.07).
fn is_helix(params: &InitializeParams) -> bool {
    params
        .client_info
        .as_ref()
        .is_some_and(|c| c.name.eq_ignore_ascii_case("helix"))
}

/// Per-role model overrides from an editor's settings: `{"models": {"oracle": "..."}}`.
pub(super) fn models_of(settings: &Value) -> Option<BTreeMap<Role, String>> {
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
