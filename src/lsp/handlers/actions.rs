//! `textDocument/codeAction`: the four roles, and a fix and an explanation per finding.
//! Listed instantly, never waiting for a parse nor calling a model: a cursor goes into the
//! command's arguments as it is, and the command resolves it when it runs.

use std::sync::Arc;

use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use crate::lsp::commands;
use crate::lsp::session::Session;

pub fn code_action(
    session: &Arc<Session>,
    params: CodeActionParams,
) -> Result<Option<CodeActionResponse>> {
    let uri = params.text_document.uri;
    let Some(document) = session.documents.snapshot(&uri) else {
        return Err(Error::invalid_params(format!(
            "{} is not open",
            uri.as_str()
        )));
    };
    let range = session.clamped_range(&document, params.range);
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
