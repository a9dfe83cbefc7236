//! The language server: LSP 3.17 over stdio, a thin face over the core.
//!
//! Edits are applied synchronously in the notification handlers, before any `.await`, so
//! they land in arrival order; model work never runs in a request handler: it runs as a
//! background job started by `workspace/executeCommand`, which answers at once.

mod commands;
mod completions;
mod debounce;
mod diagnostics;
mod documents;
mod edit;
mod handlers;
mod indexing;
mod jobs;
mod log_layer;
mod offline;
mod position;
mod session;
pub(crate) mod transport;

pub use documents::{ChangeError, Documents};
pub use position::Encoding;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::jsonrpc;
use tower_lsp_server::{LspService, Server};

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use transport::{CANCEL_JOB, INVALID_MESSAGE, SiftEnd, sift};

/// Handlers in flight at once. The framework's default of 4 lets slow requests hold up
/// edits and `$/cancelRequest` (measured: 1.4 s stalls); 32 keeps them flowing.
const CONCURRENCY: usize = 32;

/// `multi-model serve`: the language server on stdio, on its own runtime, until the client
/// says `exit` or stdin closes. Returns the process exit code.
pub fn run_stdio() -> ExitCode {
    crate::logging::init(log_layer::layer());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let ending = runtime.block_on(serve_stdio());
    // Jobs still running are abandoned with the process: the client is gone.
    runtime.shutdown_background();
    match ending {
        Ending::Clean => ExitCode::SUCCESS,
        Ending::Failed(reason) => {
            eprintln!("error: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// Serves on stdin/stdout until `exit`, the end of stdin, or the death of the client process.
async fn serve_stdio() -> Ending {
    #[cfg(unix)]
    if let Some((input, output)) = pipes() {
        return serve(input, output).await;
    }
    serve(tokio::io::stdin(), tokio::io::stdout()).await
}

/// How a session ended, for the process's exit code.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    /// `exit` after `shutdown`, or the input closed between messages (the editor is gone
    /// and nothing was cut off): exit code 0.
    Clean,
    /// Exit code 1, with the reason to give on stderr: `exit` without `shutdown` (as the
    /// LSP asks), or input that ended inside a message or could not be read.
    Failed(String),
}

/// Stdin and stdout as tokio pipes when both are pipes (as editors start servers): tokio's
/// `stdin()`/`stdout()` go through its blocking thread pool, which costs each round trip
/// several thread hops (measured: ~100 µs → ~15 µs for a trivial request). Both are
/// checked before either is converted, since conversion makes the descriptor non-blocking.
#[cfg(unix)]
fn pipes() -> Option<(
    tokio::net::unix::pipe::Receiver,
    tokio::net::unix::pipe::Sender,
)> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileTypeExt;
    let input = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let output = std::io::stdout().as_fd().try_clone_to_owned().ok()?;
    let is_pipe = |fd: &std::os::fd::OwnedFd| {
        fd.try_clone()
            .map(std::fs::File::from)
            .and_then(|file| file.metadata())
            .is_ok_and(|meta| meta.file_type().is_fifo())
    };
    if !(is_pipe(&input) && is_pipe(&output)) {
        return None;
    }
    let input = tokio::net::unix::pipe::Receiver::from_owned_fd(input).ok()?;
    let output = tokio::net::unix::pipe::Sender::from_owned_fd(output).ok()?;
    Some((input, output))
}

/// Serves LSP over any byte streams (stdio in production, in-memory pipes in tests).
///
/// The input passes through `sift` first: the framework stops reading at the first message
/// it cannot decode (bad framing, a body that is not UTF-8 JSON or not a JSON-RPC message)
/// and the server, still running, never answers again.
pub async fn serve<I, O>(input: I, output: O) -> Ending
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let log = log_layer::Session::default();
    let session = log.clone();
    let (service, socket) =
        LspService::build(move |client| handlers::Backend::new(client, flag, session))
            .custom_method(
                "window/workDoneProgress/cancel",
                handlers::Backend::progress_cancel,
            )
            .custom_method(
                "textDocument/inlineCompletion",
                handlers::Backend::inline_completion,
            )
            .custom_method(INVALID_MESSAGE, invalid_message)
            .custom_method(CANCEL_JOB, handlers::Backend::cancel_job_of_request)
            .finish();
    let (sifted, server_input) = tokio::io::duplex(64 * 1024);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = async move {
        Server::new(server_input, output, socket)
            .concurrency_level(CONCURRENCY)
            .serve(service)
            .await;
        let _ = stop.send(());
    };
    // Input that ends closes `sifted`, which ends the server; a server that ends (`exit`)
    // stops the sifting.
    let sifting = async move {
        tokio::select! {
            end = sift(input, sifted) => end,
            _ = stopped => SiftEnd::ServerGone,
        }
    };
    let ((), end) = tokio::join!(server, sifting);
    log.end();
    match end {
        SiftEnd::Closed => {
            tracing::info!("the input closed; exiting");
            Ending::Clean
        }
        SiftEnd::Broken(reason) => Ending::Failed(reason),
        SiftEnd::ServerGone if shut_down.load(Ordering::SeqCst) => Ending::Clean,
        SiftEnd::ServerGone => {
            Ending::Failed("`exit` came without `shutdown` first (LSP: exit code 1)".into())
        }
    }
}

/// Answers a message `sift` could not pass on with the JSON-RPC error it deserves.
async fn invalid_message(_: &handlers::Backend, error: jsonrpc::Error) -> jsonrpc::Result<Value> {
    Err(error)
}
