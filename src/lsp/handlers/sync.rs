//! Document synchronisation: open, change, save, close. Edits apply synchronously, before
//! any `.await`, so they land in arrival order.

use std::sync::Arc;

use tower_lsp_server::ls_types::*;

use crate::lsp::session::Session;

pub fn did_open(session: &Arc<Session>, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    session
        .documents
        .open(doc.uri.clone(), &doc.text, doc.version, doc.language_id);
    session.tell_not_text(&doc.uri);
    session.warn_missing_keys_once();
    crate::lsp::indexing::document_opened(session, &doc.uri);
    crate::lsp::offline::run_now(session, &doc.uri);
}

pub fn did_change(session: &Arc<Session>, params: DidChangeTextDocumentParams) {
    // Synchronously, before any await: edits apply in arrival order.
    let uri = params.text_document.uri;
    let result = session.documents.change(
        &uri,
        params.text_document.version,
        params.content_changes,
        session.encoding(),
    );
    match result {
        Ok(None) => {}
        Ok(Some(_)) => session.log(
            MessageType::WARNING,
            format!(
                "{}: a change lay outside the document; clamped",
                uri.as_str()
            ),
        ),
        Err(err) => session.log(MessageType::WARNING, err.to_string()),
    }
    crate::lsp::indexing::document_changed(session, &uri);
    crate::lsp::offline::document_changed(session, &uri);
    if session.diagnostics.has(&uri) {
        let session = session.clone();
        tokio::spawn(async move { crate::lsp::diagnostics::publish(&session, &uri).await });
    }
}

pub fn did_save(session: &Arc<Session>, params: DidSaveTextDocumentParams) {
    crate::lsp::indexing::refresh_document(session, &params.text_document.uri);
    crate::lsp::offline::run_now(session, &params.text_document.uri);
}

pub async fn did_close(session: &Arc<Session>, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    session.documents.close(&uri);
    session.completions.closed(&uri);
    crate::lsp::indexing::document_closed(session, &uri);
    // Findings belong to the open buffer: closed, it shows none.
    session.offline.forget(&uri);
    if session.diagnostics.has(&uri) {
        session.diagnostics.forget(&uri);
        session
            .client
            .publish_diagnostics(uri, Vec::new(), None)
            .await;
    }
}
