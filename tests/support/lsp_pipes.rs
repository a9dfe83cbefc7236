//! An LSP client over in-memory pipes (`tokio::io::duplex`), driving the real server loop
//! (`lsp::serve`, the framework's scheduler included) in-process rather than calling
//! handlers directly. `support::lsp` is the other client: it spawns the built binary.
//!
//! Every wait is bounded by `PATIENCE`, so a server that hangs fails the test instead of
//! hanging it; no test asserts how long anything takes.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use multi_model::lsp::Ending;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long any single answer may take before the test gives up: a hang guard only.
pub const PATIENCE: Duration = Duration::from_secs(120);

type Writer = Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>;
type Waiting = Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>;

/// The test's side of a connection to a server running in its own task.
pub struct PipeClient {
    writer: Writer,
    next_id: AtomicI64,
    waiting: Waiting,
    /// Responses to no request of ours (id `null`: answers to unparseable messages).
    unclaimed: tokio::sync::Mutex<mpsc::UnboundedReceiver<Value>>,
    server: JoinHandle<Ending>,
}

impl PipeClient {
    /// Starts a server on a fresh pair of pipes. Nothing is sent yet.
    pub fn start() -> PipeClient {
        let (client_end, server_end) = tokio::io::duplex(64 * 1024);
        let (server_in, server_out) = tokio::io::split(server_end);
        let server = tokio::spawn(multi_model::lsp::serve(server_in, server_out));
        let (from_server, to_server) = tokio::io::split(client_end);
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(to_server));
        let waiting: Waiting = Arc::default();
        let (unclaimed_tx, unclaimed) = mpsc::unbounded_channel();
        tokio::spawn(read_loop(
            from_server,
            waiting.clone(),
            unclaimed_tx,
            writer.clone(),
        ));
        PipeClient {
            writer,
            next_id: AtomicI64::new(1),
            waiting,
            unclaimed: tokio::sync::Mutex::new(unclaimed),
            server,
        }
    }

    /// Starts a server and goes through `initialize` and `initialized`.
    pub async fn initialized() -> PipeClient {
        let client = PipeClient::start();
        let answer = client
            .request("initialize", json!({"processId": null, "capabilities": {}}))
            .await;
        assert!(answer.get("result").is_some(), "initialize: {answer}");
        client.notify("initialized", json!({})).await;
        client
    }

    /// Sends one message body, framed.
    pub async fn send_raw(&self, body: &[u8]) {
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        self.send_bytes(&frame).await;
    }

    /// Sends bytes exactly as given, framing included (or not).
    pub async fn send_bytes(&self, bytes: &[u8]) {
        let mut writer = self.writer.lock().await;
        writer.write_all(bytes).await.expect("the server hung up");
        writer.flush().await.expect("the server hung up");
    }

    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send_raw(message.to_string().as_bytes()).await;
    }

    /// Sends a request and waits for its response (the whole message: `result` or `error`).
    pub async fn request(&self, method: &str, params: Value) -> Value {
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
    pub async fn send_request_with(&self, build: impl FnOnce(i64) -> Value) -> Pending {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiting.lock().unwrap().insert(id, tx);
        self.send_raw(build(id).to_string().as_bytes()).await;
        Pending { id, rx }
    }

    /// The next response that answered no request of ours by id (such as a parse error).
    pub async fn unclaimed(&self) -> Value {
        let mut unclaimed = self.unclaimed.lock().await;
        tokio::time::timeout(PATIENCE, unclaimed.recv())
            .await
            .expect("no response without a request arrived")
            .expect("the server hung up")
    }

    /// Closes the server's input and waits for it to end; panics if it panicked.
    pub async fn close(self) -> Ending {
        self.writer.lock().await.shutdown().await.ok();
        tokio::time::timeout(PATIENCE, self.server)
            .await
            .expect("the server did not stop when its input closed")
            .expect("the server panicked")
    }

    /// Waits for the server to stop by itself (after `exit`), its input left open.
    pub async fn stopped(self) -> Ending {
        tokio::time::timeout(PATIENCE, self.server)
            .await
            .expect("the server did not stop")
            .expect("the server panicked")
    }
}

/// A request sent, its response not yet read.
pub struct Pending {
    pub id: i64,
    rx: oneshot::Receiver<Value>,
}

impl Pending {
    pub async fn answer(self) -> Value {
        tokio::time::timeout(PATIENCE, self.rx)
            .await
            .unwrap_or_else(|_| panic!("request {} was never answered", self.id))
            .unwrap_or_else(|_| panic!("the server hung up before answering {}", self.id))
    }
}

/// Reads the server's messages: responses go to whoever waits for their id, the server's
/// own requests get an empty success, notifications are dropped.
async fn read_loop(
    mut input: ReadHalf<DuplexStream>,
    waiting: Waiting,
    unclaimed: mpsc::UnboundedSender<Value>,
    writer: Writer,
) {
    let (replies, mut to_reply) = mpsc::unbounded_channel::<Value>();
    // Replies are written by a task of their own, so reading never waits on writing.
    tokio::spawn(async move {
        while let Some(id) = to_reply.recv().await {
            let body = json!({"jsonrpc": "2.0", "id": id, "result": null}).to_string();
            let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
            if writer
                .lock()
                .await
                .write_all(frame.as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    while let Some(message) = read_message(&mut input).await {
        let is_request = message.get("method").is_some();
        match (message.get("id").cloned(), is_request) {
            (Some(id), true) => {
                let _ = replies.send(id);
            }
            (Some(id), false) => {
                let sender = id
                    .as_i64()
                    .and_then(|id| waiting.lock().unwrap().remove(&id));
                match sender {
                    Some(sender) => {
                        let _ = sender.send(message);
                    }
                    None => {
                        let _ = unclaimed.send(message);
                    }
                }
            }
            (None, _) => {}
        }
    }
    // The server is gone: whoever still waits learns it now rather than at the time limit.
    waiting.lock().unwrap().clear();
}

/// One framed message, or `None` at the end of the stream.
async fn read_message(input: &mut ReadHalf<DuplexStream>) -> Option<Value> {
    let mut header = Vec::new();
    while !header.ends_with(b"\r\n\r\n") {
        header.push(input.read_u8().await.ok()?);
    }
    let header = String::from_utf8(header).expect("headers are ASCII");
    let length: usize = header
        .lines()
        .find_map(|line| line.strip_prefix("Content-Length: "))
        .expect("every message has a Content-Length")
        .trim()
        .parse()
        .expect("Content-Length is a number");
    let mut body = vec![0; length];
    input.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("the server sends JSON"))
}

/// `textDocument/didOpen` params.
pub fn did_open(uri: &str, version: i32, text: &str) -> Value {
    json!({"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})
}

/// `textDocument/codeAction` params for a range, no diagnostics.
pub fn code_action(uri: &str, start: (u32, u32), end: (u32, u32)) -> Value {
    json!({
        "textDocument": {"uri": uri},
        "range": {
            "start": {"line": start.0, "character": start.1},
            "end": {"line": end.0, "character": end.1}
        },
        "context": {"diagnostics": []}
    })
}

/// The error code of a response, if it is an error.
pub fn error_code(answer: &Value) -> Option<i64> {
    answer.get("error").and_then(|e| e["code"].as_i64())
}
