//! A scripted HTTP server on 127.0.0.1 that plays a provider: it answers each request with
//! a prepared reply — status, headers, body chunks with delays, or a stall — records what
//! the client sent, and notices when the client hangs up before the reply is finished.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use futures_util::stream;
use serde_json::Value;
use tokio::sync::Notify;

/// The key the tests give a provider the mock plays; it must never show up anywhere else.
pub const TEST_KEY: &str = "test-key-7f3a9c2e51d8b604";

/// What the mock answers with.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    chunks: Vec<Vec<u8>>,
    /// Before the response headers (a slow first byte).
    delay_first: Duration,
    /// Between body chunks.
    delay_between: Duration,
    /// After the last chunk, keep the connection open and send nothing more.
    stall: bool,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            chunks: vec![body.into()],
            delay_first: Duration::ZERO,
            delay_between: Duration::ZERO,
            stall: false,
        }
    }

    pub fn json(status: u16, body: &Value) -> Reply {
        Reply::new(status, "application/json", body.to_string())
    }

    /// A body exactly as given (pretty-printed JSON, HTML from a gateway, ...).
    pub fn raw(status: u16, content_type: &str, body: &str) -> Reply {
        Reply::new(status, content_type, body.as_bytes().to_vec())
    }

    pub fn sse(body: &str) -> Reply {
        Reply::new(
            200,
            "text/event-stream; charset=utf-8",
            body.as_bytes().to_vec(),
        )
    }

    pub fn ndjson(body: &str) -> Reply {
        Reply::new(200, "application/x-ndjson", body.as_bytes().to_vec())
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends the body in pieces of `size` bytes, a millisecond apart, so they reach the
    /// client as separate reads: cuts fall inside JSON and inside UTF-8 characters.
    pub fn split_every(mut self, size: usize) -> Reply {
        let body: Vec<u8> = self.chunks.concat();
        self.chunks = body.chunks(size).map(<[u8]>::to_vec).collect();
        self.delay_between = Duration::from_millis(1);
        self
    }

    /// Sends the body in the given pieces, `between` apart.
    pub fn in_pieces(mut self, pieces: &[&str], between: Duration) -> Reply {
        self.chunks = pieces.iter().map(|p| p.as_bytes().to_vec()).collect();
        self.delay_between = between;
        self
    }

    pub fn delay_first(mut self, delay: Duration) -> Reply {
        self.delay_first = delay;
        self
    }

    pub fn stall(mut self) -> Reply {
        self.stall = true;
        self
    }
}

/// A request the mock received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Option<Value>,
}

impl Recorded {
    /// Every value sent for a header (to check it was sent exactly once).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("").to_string())
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.header_values(name).into_iter().next()
    }

    pub fn body(&self) -> &Value {
        self.body.as_ref().expect("request had a JSON body")
    }
}

#[derive(Default)]
struct Shared {
    /// Replies per "METHOD path" (query excluded); the last one repeats.
    replies: Mutex<HashMap<String, Vec<Reply>>>,
    requests: Mutex<Vec<Recorded>>,
    hang_ups: AtomicUsize,
    hung_up: Notify,
}

pub struct MockServer {
    pub url: String,
    shared: Arc<Shared>,
}

impl MockServer {
    pub async fn start() -> MockServer {
        let shared = Arc::new(Shared::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        MockServer { url, shared }
    }

    /// Answers `method path` with `reply` (queued after earlier replies for the same route).
    pub fn on(&self, method: &str, path: &str, reply: Reply) -> &MockServer {
        let key = format!("{method} {path}");
        self.shared
            .replies
            .lock()
            .unwrap()
            .entry(key)
            .or_default()
            .push(reply);
        self
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected one request, got {requests:#?}");
        requests.into_iter().next().unwrap()
    }

    /// Whether the client closed a response before its body was finished, waiting up to
    /// `within` for it to happen (a guard against hanging, not a measurement).
    pub async fn client_hung_up(&self, within: Duration) -> bool {
        let notified = self.shared.hung_up.notified();
        if 0 < self.shared.hang_ups.load(Ordering::SeqCst) {
            return true;
        }
        let _ = tokio::time::timeout(within, notified).await;
        0 < self.shared.hang_ups.load(Ordering::SeqCst)
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    shared.requests.lock().unwrap().push(Recorded {
        method: parts.method.clone(),
        uri,
        headers: parts.headers.clone(),
        body: serde_json::from_slice(&bytes).ok(),
    });
    let key = format!("{} {}", parts.method, parts.uri.path());
    let reply = {
        let mut replies = shared.replies.lock().unwrap();
        match replies.get_mut(&key) {
            Some(queue) if 1 < queue.len() => Some(queue.remove(0)),
            Some(queue) => queue.first().cloned(),
            None => None,
        }
    };
    let Some(reply) = reply else {
        return Response::builder()
            .status(StatusCode::NOT_IMPLEMENTED)
            .body(Body::from(format!("mock has no reply for {key}")))
            .unwrap();
    };
    // Armed before the first byte: a client that gives up while the reply is still being
    // prepared has hung up too.
    let guard = HangUpGuard {
        shared: shared.clone(),
        finished: reply.chunks.is_empty() && !reply.stall,
    };
    tokio::time::sleep(reply.delay_first).await;

    let state = (reply.chunks.into_iter(), guard, true);
    let between = reply.delay_between;
    let stall = reply.stall;
    let body = stream::unfold(state, move |(mut chunks, mut guard, first)| async move {
        if !first {
            tokio::time::sleep(between).await;
        }
        match chunks.next() {
            Some(chunk) => {
                // The last byte handed over finishes the reply, even if the client then
                // closes without reading the end of the chunked body.
                guard.finished = chunks.len() == 0 && !stall;
                Some((
                    Ok::<_, std::io::Error>(Bytes::from(chunk)),
                    (chunks, guard, false),
                ))
            }
            None if stall => {
                std::future::pending::<()>().await;
                None
            }
            None => None,
        }
    });
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from_stream(body)).unwrap()
}

/// Dropped with the response body: if the body was not finished, the client hung up.
struct HangUpGuard {
    shared: Arc<Shared>,
    finished: bool,
}

impl Drop for HangUpGuard {
    fn drop(&mut self) {
        if !self.finished {
            self.shared.hang_ups.fetch_add(1, Ordering::SeqCst);
            self.shared.hung_up.notify_waiters();
        }
    }
}
