//! The language server: LSP 3.17 over stdio, a thin face over the core.
//!
//! Edits are applied synchronously in the notification handlers, before any `.await`, so
//! they land in arrival order; model work never runs in a request handler: it runs as a
//! background job started by `workspace/executeCommand`, which answers at once.

mod commands;
mod deliver;
mod documents;
mod jobs;
mod position;
mod server;

pub use documents::{ChangeError, Documents};
pub use position::Encoding;

use tower_lsp_server::{LspService, Server};

/// Handlers in flight at once. The framework's default of 4 lets slow requests hold up
/// edits and `$/cancelRequest` (measured: 1.4 s stalls); 32 keeps them flowing.
const CONCURRENCY: usize = 32;

/// Serves on stdin/stdout until `exit`, the end of stdin, or the death of the client process.
pub async fn serve_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}

/// Serves LSP over any byte streams (stdio in production, in-memory pipes in tests).
pub async fn serve<I, O>(input: I, output: O)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = LspService::build(server::Backend::new)
        .custom_method(
            "window/workDoneProgress/cancel",
            server::Backend::progress_cancel,
        )
        .finish();
    Server::new(input, output, socket)
        .concurrency_level(CONCURRENCY)
        .serve(service)
        .await;
}
