//! Settings and watched files: the configuration is read again when either changes.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use std::path::PathBuf;

use serde_json::Value;

use super::lifecycle::models_of;
use crate::lsp::session::Session;

pub async fn did_change_configuration(
    session: &Arc<Session>,
    params: DidChangeConfigurationParams,
) {
    // Editors send their settings either flat or under the server's section.
    let settings = ["multi-model", "multiModel"]
        .iter()
        .find_map(|section| params.settings.get(section))
        .unwrap_or(&params.settings);
    {
        let mut current = session.settings.write().unwrap_or_else(|p| p.into_inner());
        if let Some(path) = settings.get("configPath").and_then(Value::as_str) {
            current.config_path = (!path.is_empty()).then(|| PathBuf::from(path));
        }
        if let Some(models) = models_of(settings) {
            current.models = models;
        }
    }
    session.reload_config().await;
}

pub async fn did_change_watched_files(session: &Arc<Session>, params: DidChangeWatchedFilesParams) {
    crate::lsp::indexing::files_changed(session, &params.changes);
    let config_changed = params.changes.iter().any(|event| {
        let path = event.uri.path().as_str();
        path.ends_with("/config/multi_model.yaml") || path.ends_with("/multi-model/config.yaml")
    });
    if config_changed {
        session.reload_config().await;
    }
}
