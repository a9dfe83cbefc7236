//! `workspace/symbol`: the index's definitions by name.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::lsp::session::Session;

/// The most symbols `workspace/symbol` answers with: editors show a short list and refine
/// as the user types.
const MAX_WORKSPACE_SYMBOLS: usize = 256;

pub fn symbol(
    session: &Arc<Session>,
    params: WorkspaceSymbolParams,
) -> Result<Option<WorkspaceSymbolResponse>> {
    let Some(root) = session.workspace() else {
        return Ok(Some(WorkspaceSymbolResponse::Flat(Vec::new())));
    };
    let found = session.index.read(|index| {
        index
            .symbols(&params.query, MAX_WORKSPACE_SYMBOLS)
            .into_iter()
            .filter_map(|m| super::symbol_info::information(&root, m.path, m.symbol))
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
