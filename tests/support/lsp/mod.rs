//! A small LSP client for the tests: it spawns `multi-model serve --stdio`, speaks JSON-RPC
//! with Content-Length framing, answers the server's requests as an editor would (applying
//! workspace edits to its own copy of each open document, then telling the server with a
//! `didChange`), and records every notification and request the server sends.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Notify, oneshot};

/// The longest any single answer is awaited: a guard against hangs, not a measurement.
pub const WAIT: Duration = Duration::from_secs(20);

/// How `Position.character` counts, as `initialize` negotiated it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
}

#[derive(Clone, Debug)]
struct Doc {
    text: String,
    version: i64,
}

#[derive(Default)]
struct State {
    /// The server's notifications and requests, in arrival order.
    received: Mutex<Vec<Value>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    documents: Mutex<HashMap<String, Doc>>,
    /// Files made by `CreateFile` operations, with the text edits that followed.
    created: Mutex<HashMap<String, String>>,
    encoding: Mutex<Encoding>,
    arrived: Notify,
    stderr: Mutex<String>,
    /// Set once the server's stderr reached its end: all it wrote is in `stderr`.
    stderr_closed: tokio::sync::watch::Sender<bool>,
}

type Writer = Arc<tokio::sync::Mutex<Option<ChildStdin>>>;

pub struct LspClient {
    child: Child,
    writer: Writer,
    state: Arc<State>,
    next_id: AtomicU64,
    pub root: PathBuf,
    _home: TempDir,
}

impl LspClient {
    /// Starts `binary serve --stdio` in `root`, with HOME and XDG_CONFIG_HOME in a temp dir.
    pub fn start(binary: &Path, root: &Path) -> LspClient {
        let home = TempDir::new().unwrap();
        let mut child = Command::new(binary)
            .args(["serve", "--stdio"])
            .current_dir(root)
            .env("HOME", home.path().join("home"))
            .env("XDG_CONFIG_HOME", home.path().join("xdg"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(child.stdin.take()));
        let state = Arc::new(State::default());
        let stdout = child.stdout.take().unwrap();
        tokio::spawn(read_loop(
            BufReader::new(stdout),
            writer.clone(),
            state.clone(),
        ));
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let log = state.clone();
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
        LspClient {
            child,
            writer,
            state,
            next_id: AtomicU64::new(1),
            root: root.to_path_buf(),
            _home: home,
        }
    }

    /// The `file://` URI of a path relative to the root.
    pub fn uri(&self, relative: &str) -> String {
        url::Url::from_file_path(self.root.join(relative))
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
        let root = url::Url::from_file_path(&self.root).unwrap().to_string();
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
            *self.state.encoding.lock().unwrap() = Encoding::Utf8;
        }
        self.notify("initialized", json!({})).await;
        result
    }

    pub async fn request(&self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, answer) = oneshot::channel();
        self.state.pending.lock().unwrap().insert(id, sender);
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        send(&self.writer, &message).await;
        let response = tokio::time::timeout(WAIT, answer)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method}; stderr:\n{}", self.stderr()))
            .expect("the server answered before closing");
        match response.get("error") {
            Some(error) => Err(error.clone()),
            None => Ok(response["result"].clone()),
        }
    }

    /// The id of the request sent last (to cancel it with `$/cancelRequest`).
    pub fn last_request_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed) - 1
    }

    pub async fn notify(&self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        send(&self.writer, &message).await;
    }

    /// Sends bytes exactly as given, framing included (or not).
    pub async fn send_bytes(&self, bytes: &[u8]) {
        if let Some(stdin) = self.writer.lock().await.as_mut() {
            let _ = stdin.write_all(bytes).await;
            let _ = stdin.flush().await;
        }
    }

    /// `didOpen` at version 1, as Python.
    pub async fn open(&self, uri: &str, text: &str) {
        self.open_as(uri, "python", text).await;
    }

    /// `didOpen` at version 1 in the language `language_id` (`typescript`, `go`, ...).
    pub async fn open_as(&self, uri: &str, language_id: &str, text: &str) {
        let doc = Doc {
            text: text.to_string(),
            version: 1,
        };
        self.state
            .documents
            .lock()
            .unwrap()
            .insert(uri.to_string(), doc);
        let item = json!({"uri": uri, "languageId": language_id, "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": item}))
            .await;
    }

    /// `didChange`, applied to the client's copy first (as an editor does).
    pub async fn change(&self, uri: &str, version: i64, changes: Value) {
        if let Some(doc) = self.state.documents.lock().unwrap().get_mut(uri) {
            let encoding = *self.state.encoding.lock().unwrap();
            for change in changes.as_array().unwrap() {
                apply(&mut doc.text, change, encoding);
            }
            doc.version = version;
        }
        let document = json!({"uri": uri, "version": version});
        let params = json!({"textDocument": document, "contentChanges": changes});
        self.notify("textDocument/didChange", params).await;
    }

    /// The client's copy of an open document.
    pub fn text(&self, uri: &str) -> String {
        self.state.documents.lock().unwrap()[uri].text.clone()
    }

    pub fn version(&self, uri: &str) -> i64 {
        self.state.documents.lock().unwrap()[uri].version
    }

    /// The text of a file the server made with `CreateFile`, by URI.
    pub fn created(&self, uri: &str) -> Option<String> {
        self.state.created.lock().unwrap().get(uri).cloned()
    }

    /// Everything the server sent so far, except responses.
    pub fn received(&self) -> Vec<Value> {
        self.state.received.lock().unwrap().clone()
    }

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

    /// Closes the server's stdin (as a dying editor would).
    pub async fn close_stdin(&self) {
        self.writer.lock().await.take();
    }

    /// The server's exit status, if it exits within `within` — and, by then, all it wrote
    /// to stderr read, so that a test may judge what it said on its way out.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let mut closed = self.state.stderr_closed.subscribe();
        tokio::time::timeout(within, async {
            let status = self.child.wait().await.ok()?;
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

async fn send(writer: &Writer, message: &Value) {
    let body = message.to_string();
    let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
    if let Some(stdin) = writer.lock().await.as_mut() {
        let _ = stdin.write_all(frame.as_bytes()).await;
        let _ = stdin.flush().await;
    }
}

async fn read_message(reader: &mut BufReader<impl AsyncRead + Unpin>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        match line.trim_end() {
            "" => break,
            header => {
                if let Some(n) = header.strip_prefix("Content-Length:") {
                    length = n.trim().parse().ok();
                }
            }
        }
    }
    let mut body = vec![0; length.expect("every message has a Content-Length")];
    reader.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("every message is JSON"))
}

async fn read_loop(
    mut reader: BufReader<impl AsyncRead + Unpin>,
    writer: Writer,
    state: Arc<State>,
) {
    while let Some(message) = read_message(&mut reader).await {
        let method = message["method"].as_str().map(str::to_string);
        match (method, message.get("id").cloned()) {
            (None, Some(id)) => {
                let waiting = id
                    .as_u64()
                    .and_then(|id| state.pending.lock().unwrap().remove(&id));
                if let Some(waiting) = waiting {
                    let _ = waiting.send(message);
                }
            }
            (Some(method), Some(id)) => {
                let result = match method.as_str() {
                    "workspace/applyEdit" => {
                        apply_edit(&state, &writer, &message["params"]["edit"]).await
                    }
                    "window/showDocument" => json!({"success": true}),
                    _ => Value::Null,
                };
                state.received.lock().unwrap().push(message);
                send(
                    &writer,
                    &json!({"jsonrpc": "2.0", "id": id, "result": result}),
                )
                .await;
            }
            (Some(_), None) => state.received.lock().unwrap().push(message),
            (None, None) => {}
        }
        state.arrived.notify_waiters();
    }
}

/// Applies a `WorkspaceEdit` with `documentChanges` all or nothing, as an editor does: a
/// versioned edit to an open document only at that document's current version.
async fn apply_edit(state: &State, writer: &Writer, edit: &Value) -> Value {
    let Some(operations) = edit["documentChanges"].as_array() else {
        return json!({"applied": false, "failureReason": "only documentChanges are supported"});
    };
    let encoding = *state.encoding.lock().unwrap();
    let mut notifications = Vec::new();
    {
        let mut documents = state.documents.lock().unwrap();
        let mut created = state.created.lock().unwrap();
        let mut next = documents.clone();
        for operation in operations {
            let uri = operation["uri"].as_str().unwrap_or_default();
            if operation["kind"] == "create" {
                created.insert(uri.to_string(), String::new());
                continue;
            }
            let uri = operation["textDocument"]["uri"]
                .as_str()
                .unwrap_or_default();
            let mut edits = operation["edits"].as_array().cloned().unwrap_or_default();
            // Edits refer to the text before any of them: apply them last first.
            edits.sort_by_key(|e| {
                let start = &e["range"]["start"];
                std::cmp::Reverse((start["line"].as_u64(), start["character"].as_u64()))
            });
            let changes: Vec<Value> = edits
                .iter()
                .map(|e| json!({"range": e["range"], "text": e["newText"]}))
                .collect();
            let version = operation["textDocument"]["version"].as_i64();
            match (next.get_mut(uri), version) {
                (Some(doc), Some(version)) if doc.version == version => {
                    changes
                        .iter()
                        .for_each(|c| apply(&mut doc.text, c, encoding));
                    doc.version += 1;
                    let document = json!({"uri": uri, "version": doc.version});
                    let params = json!({"textDocument": document, "contentChanges": changes});
                    notifications.push(params);
                }
                (None, None) if created.contains_key(uri) => {
                    let text = created.get_mut(uri).unwrap();
                    changes.iter().for_each(|c| apply(text, c, encoding));
                }
                _ => return json!({"applied": false, "failureReason": "version mismatch"}),
            }
        }
        *documents = next;
    }
    for params in notifications {
        let message =
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": params});
        send(writer, &message).await;
    }
    json!({"applied": true})
}

/// Applies one content change (`{range?, text}`) to `text`.
fn apply(text: &mut String, change: &Value, encoding: Encoding) {
    let new_text = change["text"].as_str().unwrap_or_default();
    match change.get("range") {
        Some(range) => {
            let start = offset(text, &range["start"], encoding);
            let end = offset(text, &range["end"], encoding).max(start);
            text.replace_range(start..end, new_text);
        }
        None => *text = new_text.to_string(),
    }
}

/// The byte offset of an LSP position; past a line's end means its end, past the last
/// line means the end of the text.
fn offset(text: &str, position: &Value, encoding: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..position["line"].as_u64().unwrap_or(0) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let wanted = position["character"].as_u64().unwrap_or(0) as usize;
    let mut units = 0;
    for (i, c) in text[start..end].char_indices() {
        if wanted <= units {
            return start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    end
}
