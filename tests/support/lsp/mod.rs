//! The tests' LSP client, the one every language-server test speaks through. It frames
//! JSON-RPC (`frame`), answers the server's requests as an editor would — applying workspace
//! edits to its own copy of each open document, then telling the server with a `didChange`
//! (`edits`) — and records every notification and request the server sends.
//!
//! The server is either the built binary, spawned in a workspace (`LspClient::start`, a
//! `Process`), or the library's `lsp::serve` on in-memory pipes in this process
//! (`LspClient::in_process`, `InProcess`): the real read loop and the framework's scheduler,
//! not the handlers called directly, without a process around them.
//!
//! Every wait is bounded, so a server that hangs fails its test instead of hanging it; no
//! test asserts how long anything takes.

mod edits;
pub mod frame;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use multi_model::lsp::Ending;
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

use edits::{Documents, Encoding};

/// The longest any single answer of the built binary is awaited: a guard against hangs,
/// not a measurement.
pub const WAIT: Duration = Duration::from_secs(20);

/// The same guard for a server in this process, whose tests flood it (thousands of changes,
/// megabytes of text, hundreds of random messages) in a debug build.
const PATIENCE: Duration = Duration::from_secs(120);

/// The built binary, spawned with its own HOME and XDG_CONFIG_HOME.
pub struct Process {
    child: Child,
    root: PathBuf,
    _home: TempDir,
}

/// `lsp::serve` running on a task of this test.
pub struct InProcess {
    server: JoinHandle<Ending>,
}

/// What the client writes to the server, in the order it was sent.
enum Outgoing {
    /// Bytes, and who waits until they are written.
    Bytes(Vec<u8>, Option<oneshot::Sender<()>>),
    /// End the server's input.
    Close(oneshot::Sender<()>),
}

#[derive(Default)]
struct State {
    /// The server's notifications and requests, in arrival order.
    received: Mutex<Vec<Value>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    documents: Mutex<Documents>,
    arrived: Notify,
    stderr: Mutex<String>,
    /// Set once the server's stderr reached its end: all it wrote is in `stderr`.
    stderr_closed: tokio::sync::watch::Sender<bool>,
}

pub struct LspClient<S = Process> {
    server: S,
    output: mpsc::UnboundedSender<Outgoing>,
    state: Arc<State>,
    next_id: AtomicU64,
    /// Responses to no request of ours (id `null`: answers to unparseable messages).
    unclaimed: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    patience: Duration,
}

impl LspClient<Process> {
    /// Starts `binary serve --stdio` in `root`.
    pub fn start(binary: &Path, root: &Path) -> LspClient {
        LspClient::spawn(binary, &["serve", "--stdio"], root, &[])
    }

    /// `start`, with these environment variables set for the server too.
    pub fn start_with_env(binary: &Path, root: &Path, env: &[(&str, &str)]) -> LspClient {
        LspClient::spawn(binary, &["serve", "--stdio"], root, env)
    }

    /// Starts `binary` with `args` and `env` in `root`, with HOME and XDG_CONFIG_HOME in a
    /// temp dir.
    pub fn spawn(binary: &Path, args: &[&str], root: &Path, env: &[(&str, &str)]) -> LspClient {
        let home = TempDir::new().unwrap();
        let mut child = Command::new(binary)
            .args(args)
            .current_dir(root)
            .env("HOME", home.path().join("home"))
            .env("XDG_CONFIG_HOME", home.path().join("xdg"))
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let process = Process {
            child,
            root: root.to_path_buf(),
            _home: home,
        };
        let client = LspClient::connect(process, stdout, stdin, WAIT);
        let log = client.state.clone();
        tokio::spawn(async move {
            let mut line = String::new();
            while stderr.read_line(&mut line).await.is_ok_and(|n| 0 < n) {
                log.stderr
                    .lock()
                    .unwrap()
                    .push_str(&std::mem::take(&mut line));
            }
            log.stderr_closed.send_replace(true);
        });
        client
    }

    /// The `file://` URI of a path relative to the root.
    pub fn uri(&self, relative: &str) -> String {
        url::Url::from_file_path(self.server.root.join(relative))
            .unwrap()
            .to_string()
    }

    /// `initialize` then `initialized` (the server loads its configuration while answering
    /// `initialize`, so commands may follow at once). Returns the result.
    pub async fn initialize(&self, capabilities: Value, options: Value) -> Value {
        self.initialize_as("test-editor", capabilities, options)
            .await
    }

    /// `initialize` naming the editor (`clientInfo.name`), as Helix or VS Code do.
    pub async fn initialize_as(&self, editor: &str, capabilities: Value, options: Value) -> Value {
        let root = url::Url::from_file_path(&self.server.root)
            .unwrap()
            .to_string();
        let params = json!({
            "processId": std::process::id(), "rootUri": root, "capabilities": capabilities,
            "initializationOptions": options, "workspaceFolders": [{"uri": root, "name": "ws"}],
            "clientInfo": {"name": editor},
        });
        let result = self
            .request("initialize", params)
            .await
            .expect("initialize succeeds");
        if result["capabilities"]["positionEncoding"] == "utf-8" {
            self.state.documents.lock().unwrap().encoding = Encoding::Utf8;
        }
        self.notify("initialized", json!({})).await;
        result
    }

    /// The server's exit status, if it exits within `within` — and, by then, all it wrote
    /// to stderr read, so that a test may judge what it said on its way out.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let mut closed = self.state.stderr_closed.subscribe();
        tokio::time::timeout(within, async {
            let status = self.server.child.wait().await.ok()?;
            let _ = closed.wait_for(|closed| *closed).await;
            Some(status)
        })
        .await
        .ok()
        .flatten()
    }

    pub async fn shutdown_and_exit(&mut self) -> Option<ExitStatus> {
        let answer = self.request("shutdown", Value::Null).await;
        assert_eq!(answer, Ok(Value::Null), "shutdown answers null");
        self.notify("exit", Value::Null).await;
        self.wait_exit(WAIT).await
    }
}

impl LspClient<InProcess> {
    /// Starts a server in this process on a fresh pair of pipes. Nothing is sent yet.
    pub fn in_process() -> LspClient<InProcess> {
        let (client_end, server_end) = tokio::io::duplex(64 * 1024);
        let (server_in, server_out) = tokio::io::split(server_end);
        let server = tokio::spawn(multi_model::lsp::serve(server_in, server_out));
        let (from_server, to_server) = tokio::io::split(client_end);
        LspClient::connect(InProcess { server }, from_server, to_server, PATIENCE)
    }

    /// `in_process`, then `initialize` (no workspace, no capabilities) and `initialized`.
    pub async fn in_process_initialized() -> LspClient<InProcess> {
        let client = LspClient::in_process();
        let answer = client
            .response("initialize", json!({"processId": null, "capabilities": {}}))
            .await;
        assert!(answer.get("result").is_some(), "initialize: {answer}");
        client.notify("initialized", json!({})).await;
        client
    }

    /// Closes the server's input and waits for it to end; panics if it panicked.
    pub async fn close(self) -> Ending {
        self.close_stdin().await;
        self.stopped().await
    }

    /// Waits for the server to stop by itself (after `exit`), its input left open.
    pub async fn stopped(self) -> Ending {
        tokio::time::timeout(self.patience, self.server.server)
            .await
            .expect("the server did not stop")
            .expect("the server panicked")
    }
}

impl<S> LspClient<S> {
    /// A client reading the server's `output` and writing its `input`.
    fn connect(
        server: S,
        output: impl AsyncRead + Send + Unpin + 'static,
        input: impl AsyncWrite + Send + Unpin + 'static,
        patience: Duration,
    ) -> LspClient<S> {
        let state = Arc::new(State::default());
        let (to_server, outgoing) = mpsc::unbounded_channel();
        let (unclaimed_tx, unclaimed) = mpsc::unbounded_channel();
        tokio::spawn(write_loop(input, outgoing));
        tokio::spawn(read_loop(
            BufReader::new(output),
            to_server.clone(),
            state.clone(),
            unclaimed_tx,
        ));
        LspClient {
            server,
            output: to_server,
            state,
            next_id: AtomicU64::new(1),
            unclaimed: tokio::sync::Mutex::new(unclaimed),
            patience,
        }
    }

    /// Sends a request and waits for its result, or its error.
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let response = self.response(method, params).await;
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    /// Sends a request and waits for its whole response, as the server sent it.
    pub async fn response(&self, method: &str, params: Value) -> Value {
        self.send_request(method, params).await.answer().await
    }

    /// Sends a request; its response is awaited later with `Pending::answer`.
    pub async fn send_request(&self, method: &str, params: Value) -> Pending {
        self.send_request_with(
            |id| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )
        .await
    }

    /// Sends a message built around a fresh request id (malformed ones too); its response
    /// is awaited later with `Pending::answer`.
    pub async fn send_request_with(&self, build: impl FnOnce(u64) -> Value) -> Pending {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, answer) = oneshot::channel();
        self.state.pending.lock().unwrap().insert(id, sender);
        let message = build(id);
        self.send_bytes(&frame::message(&message)).await;
        Pending {
            id,
            what: message["method"].to_string(),
            answer,
            patience: self.patience,
            state: self.state.clone(),
        }
    }

    /// The id of the request sent last (to cancel it with `$/cancelRequest`).
    pub fn last_request_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed) - 1
    }

    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_bytes(&frame::message(&message)).await;
    }

    /// Sends one message body, framed, whatever it holds.
    pub async fn send_raw(&self, body: &[u8]) {
        self.send_bytes(&frame::body(body)).await;
    }

    /// Sends bytes exactly as given, framing included (or not); returns once they are
    /// written. A server that is gone is noticed by what it no longer answers.
    pub async fn send_bytes(&self, bytes: &[u8]) {
        let (written, done) = oneshot::channel();
        if self
            .output
            .send(Outgoing::Bytes(bytes.to_vec(), Some(written)))
            .is_ok()
        {
            let _ = done.await;
        }
    }

    /// Closes the server's input (as a dying editor would), after what was sent before.
    pub async fn close_stdin(&self) {
        let (closed, done) = oneshot::channel();
        if self.output.send(Outgoing::Close(closed)).is_ok() {
            let _ = done.await;
        }
    }

    /// The next response that answered no request of ours by id (such as a parse error).
    pub async fn unclaimed(&self) -> Value {
        let mut unclaimed = self.unclaimed.lock().await;
        tokio::time::timeout(self.patience, unclaimed.recv())
            .await
            .expect("no response without a request arrived")
            .expect("the server hung up")
    }

    /// `didOpen` at version 1, as Python.
    pub async fn open(&self, uri: &str, text: &str) {
        self.open_as(uri, "python", text).await;
    }

    /// `didOpen` at version 1 in the language `language_id` (`typescript`, `go`, ...).
    pub async fn open_as(&self, uri: &str, language_id: &str, text: &str) {
        self.state.documents.lock().unwrap().open(uri, text);
        let item = json!({"uri": uri, "languageId": language_id, "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": item}))
            .await;
    }

    /// `didChange`, applied to the client's copy first (as an editor does).
    pub async fn change(&self, uri: &str, version: i64, changes: Value) {
        let documents = &self.state.documents;
        documents.lock().unwrap().change(uri, version, &changes);
        let document = json!({"uri": uri, "version": version});
        let params = json!({"textDocument": document, "contentChanges": changes});
        self.notify("textDocument/didChange", params).await;
    }

    /// The client's copy of an open document.
    pub fn text(&self, uri: &str) -> String {
        self.state.documents.lock().unwrap().text(uri)
    }

    pub fn version(&self, uri: &str) -> i64 {
        self.state.documents.lock().unwrap().version(uri)
    }

    /// The documents the server asked the editor to show (`window/showDocument`), by URI,
    /// each with its text as written on disk.
    pub fn shown_documents(&self) -> Vec<(String, String)> {
        self.received()
            .iter()
            .filter(|m| m["method"] == "window/showDocument")
            .filter_map(|m| m["params"]["uri"].as_str())
            .map(|uri| {
                let path = url::Url::parse(uri).unwrap().to_file_path().unwrap();
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                (uri.to_string(), text)
            })
            .collect()
    }

    /// The text of the one document shown whose URI contains `part`.
    pub fn shown_document(&self, part: &str) -> Option<(String, String)> {
        let mut shown: Vec<_> = self
            .shown_documents()
            .into_iter()
            .filter(|(uri, _)| uri.contains(part))
            .collect();
        assert!(shown.len() <= 1, "{shown:#?}");
        shown.pop()
    }

    /// Everything the server sent so far, except responses.
    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().unwrap().clone()
    }

    /// What a spawned server wrote to stderr so far (a server in this process has none).
    pub fn stderr(&self) -> String {
        self.state.stderr.lock().unwrap().clone()
    }

    /// The first recorded message that matches, waiting up to `within` for it to arrive.
    pub async fn wait_for(
        &self,
        matches: impl Fn(&Value) -> bool,
        within: Duration,
    ) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.state.arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(found) = self.received().into_iter().find(|m| matches(m)) {
                return Some(found);
            }
            tokio::time::timeout_at(deadline, arrived).await.ok()?;
        }
    }
}

/// A request sent, its response not yet read.
pub struct Pending {
    id: u64,
    /// The request's method, for the message if it goes unanswered.
    what: String,
    answer: oneshot::Receiver<Value>,
    patience: Duration,
    state: Arc<State>,
}

impl Pending {
    /// The whole response, as the server sent it.
    pub async fn answer(self) -> Value {
        let (id, what) = (self.id, &self.what);
        let stderr = || self.state.stderr.lock().unwrap().clone();
        tokio::time::timeout(self.patience, self.answer)
            .await
            .unwrap_or_else(|_| panic!("no answer to {what} (request {id}); stderr:\n{}", stderr()))
            .unwrap_or_else(|_| {
                panic!(
                    "the server hung up before answering {what} (request {id}); stderr:\n{}",
                    stderr()
                )
            })
    }
}

/// Writes what the client sends in the order it was sent — the test's messages and the
/// editor's own replies alike — on a task of its own, so that reading never waits on
/// writing: a server blocked writing to a full pipe is still read.
async fn write_loop(
    mut input: impl AsyncWrite + Unpin,
    mut outgoing: mpsc::UnboundedReceiver<Outgoing>,
) {
    while let Some(next) = outgoing.recv().await {
        match next {
            Outgoing::Bytes(bytes, written) => {
                // A write to a server that has gone away fails; the test notices by the
                // answers that never come, not here.
                let _ = input.write_all(&bytes).await;
                let _ = input.flush().await;
                if let Some(written) = written {
                    let _ = written.send(());
                }
            }
            Outgoing::Close(closed) => {
                let _ = input.shutdown().await;
                drop(input);
                let _ = closed.send(());
                return;
            }
        }
    }
}

/// Reads the server's messages: responses go to whoever waits for their id (or, if nobody
/// does, to `unclaimed`), the server's requests are answered as an editor would, and its
/// requests and notifications are recorded.
async fn read_loop(
    mut output: BufReader<impl AsyncRead + Unpin>,
    to_server: mpsc::UnboundedSender<Outgoing>,
    state: Arc<State>,
    unclaimed: mpsc::UnboundedSender<Value>,
) {
    let send = |message: Value| {
        let _ = to_server.send(Outgoing::Bytes(frame::message(&message), None));
    };
    while let Some(message) = frame::read(&mut output).await {
        let method = message["method"].as_str().map(str::to_string);
        match (method, message.get("id").cloned()) {
            (None, Some(id)) => {
                let waiting = id
                    .as_u64()
                    .and_then(|id| state.pending.lock().unwrap().remove(&id));
                match waiting {
                    Some(waiting) => {
                        let _ = waiting.send(message);
                    }
                    None => {
                        let _ = unclaimed.send(message);
                    }
                }
            }
            (Some(method), Some(id)) => {
                let result = match method.as_str() {
                    "workspace/applyEdit" => {
                        let edit = &message["params"]["edit"];
                        let (result, changes) = state.documents.lock().unwrap().apply_edit(edit);
                        for params in changes {
                            send(
                                json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params}),
                            );
                        }
                        result
                    }
                    "window/showDocument" => json!({"success": true}),
                    _ => Value::Null,
                };
                state.received.lock().unwrap().push(message);
                send(json!({"jsonrpc": "2.0", "id": id, "result": result}));
            }
            (Some(_), None) => state.received.lock().unwrap().push(message),
            (None, None) => {}
        }
        state.arrived.notify_waiters();
    }
    // The server is gone: whoever still waits learns it now rather than at the time limit.
    state.pending.lock().unwrap().clear();
}
