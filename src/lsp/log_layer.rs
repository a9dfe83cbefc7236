//! The server's log: each line in exactly one place. Editors show the server's stderr and
//! its `window/logMessage` side by side (VS Code in one output channel), so a line
//! written to both would appear twice.
//!
//! The rule: from `initialize` until the session ends, multi-model's own lines go to the
//! client's `window/logMessage`. Stderr carries what cannot reach the client: lines from
//! before `initialize` and after the session, the reasons for exiting, and other crates'
//! lines (the LSP framework logs while sending a `logMessage`; sending its lines as
//! messages would feed on itself).
//!
//! One formatter writes every line and the writer it is given chooses the place, once per
//! line: two layers, each deciding for itself, could both take a line (or neither) while
//! a client connects or goes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::MessageType;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::registry::LookupSpan;

use crate::logging::{Line, lines, to_stderr};

/// The client's log of this process (`multi-model serve` serves one client).
static CLIENT_LOG: ClientLog = ClientLog::new();

/// The layer that writes the server's lines: to the connected client's
/// `window/logMessage`, else to stderr (see the module's rule).
pub fn layer<S>() -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    lines(Route {
        log: &CLIENT_LOG,
        elsewhere: to_stderr,
    })
}

/// Where multi-model's lines go while a client is connected.
struct ClientLog {
    connection: Mutex<Option<Connection>>,
}

struct Connection {
    session: u64,
    lines: mpsc::UnboundedSender<(MessageType, String)>,
}

impl ClientLog {
    const fn new() -> ClientLog {
        ClientLog {
            connection: Mutex::new(None),
        }
    }

    /// From now on, lines go to `lines` (for `session`), in order.
    fn attach(&self, session: u64, lines: mpsc::UnboundedSender<(MessageType, String)>) {
        *self.lock() = Some(Connection { session, lines });
    }

    /// Lines go back to stderr, unless another session has attached since.
    fn detach(&self, session: u64) {
        let mut connection = self.lock();
        if connection.as_ref().is_some_and(|c| c.session == session) {
            *connection = None;
        }
    }

    /// Where a line of `meta`'s goes: the connection's sender, or `None` for stderr.
    fn sender_for(
        &self,
        meta: &Metadata<'_>,
    ) -> Option<mpsc::UnboundedSender<(MessageType, String)>> {
        if !is_ours(meta.target()) {
            return None;
        }
        self.lock().as_ref().map(|c| c.lines.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Connection>> {
        self.connection.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn is_ours(target: &str) -> bool {
    target == "multi_model" || target.starts_with("multi_model::")
}

/// One server session's hold on the client's log: it connects at `initialize` and lets
/// go when the session ends.
#[derive(Clone, Default)]
pub struct Session {
    id: Arc<AtomicU64>,
}

impl Session {
    /// Sends multi-model's lines to `client`'s `window/logMessage` from now on, through
    /// one task so that they arrive in the order they were logged. Needs the runtime.
    pub fn connect(&self, client: &Client) {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let (sender, mut lines) = mpsc::unbounded_channel::<(MessageType, String)>();
        let client = client.clone();
        tokio::spawn(async move {
            while let Some((typ, text)) = lines.recv().await {
                client.log_message(typ, text).await;
            }
        });
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        // A repeated `initialize` replaces this session's earlier connection (0: none).
        CLIENT_LOG.detach(self.id.swap(id, Ordering::SeqCst));
        CLIENT_LOG.attach(id, sender);
    }

    /// The client can no longer be told: lines go to stderr from now on.
    pub fn end(&self) {
        CLIENT_LOG.detach(self.id.swap(0, Ordering::SeqCst));
    }
}

/// The writer behind `layer`: each line to the client's log or to `elsewhere`.
struct Route {
    log: &'static ClientLog,
    elsewhere: fn(Level, &str),
}

type Deliver = Box<dyn FnOnce(Level, &str) + Send>;

impl<'w> MakeWriter<'w> for Route {
    type Writer = Line<Deliver>;

    fn make_writer(&'w self) -> Self::Writer {
        Line::new(Level::INFO, Box::new(self.elsewhere))
    }

    fn make_writer_for(&'w self, meta: &Metadata<'_>) -> Self::Writer {
        let elsewhere = self.elsewhere;
        let deliver: Deliver = match self.log.sender_for(meta) {
            // The session may end between the choice and the sending: then stderr.
            Some(client) => Box::new(move |level, text: &str| {
                if client
                    .send((message_type(level), text.to_string()))
                    .is_err()
                {
                    elsewhere(level, text);
                }
            }),
            None => Box::new(elsewhere),
        };
        Line::new(*meta.level(), deliver)
    }
}

fn message_type(level: Level) -> MessageType {
    match level {
        Level::ERROR => MessageType::ERROR,
        Level::WARN => MessageType::WARNING,
        Level::INFO => MessageType::INFO,
        Level::DEBUG | Level::TRACE => MessageType::LOG,
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// What one test saw: the lines sent to the client and those written to stderr.
    struct Seen {
        client: mpsc::UnboundedReceiver<(MessageType, String)>,
        stderr: &'static Mutex<Vec<String>>,
    }

    impl Seen {
        fn client(&mut self) -> Vec<(MessageType, String)> {
            std::iter::from_fn(|| self.client.try_recv().ok()).collect()
        }

        fn stderr(&self) -> Vec<String> {
            self.stderr.lock().unwrap().clone()
        }
    }

    /// Runs `log` with `layer`'s routing over `client_log` and a stderr of its own; the
    /// client is attached first when `connected`.
    fn route(
        client_log: &'static ClientLog,
        stderr: &'static Mutex<Vec<String>>,
        elsewhere: fn(Level, &str),
        connected: bool,
        log: impl FnOnce(),
    ) -> Seen {
        let (sender, client) = mpsc::unbounded_channel();
        if connected {
            client_log.attach(1, sender);
        }
        let route = Route {
            log: client_log,
            elsewhere,
        };
        tracing::subscriber::with_default(tracing_subscriber::registry().with(lines(route)), log);
        Seen { client, stderr }
    }

    macro_rules! fixture {
        ($log:ident, $stderr:ident, $elsewhere:ident) => {
            static $log: ClientLog = ClientLog::new();
            static $stderr: Mutex<Vec<String>> = Mutex::new(Vec::new());
            fn $elsewhere(_: Level, text: &str) {
                $stderr.lock().unwrap().push(text.to_string());
            }
        };
    }

    #[test]
    fn once_connected_our_lines_go_to_the_client_and_not_to_stderr() {
        fixture!(LOG, STDERR, elsewhere);
        let mut seen = route(&LOG, &STDERR, elsewhere, true, || {
            tracing::warn!("metrics not recorded");
            tracing::info!(target: "multi_model", "indexed 3 files");
        });
        assert_eq!(
            seen.client(),
            [
                (MessageType::WARNING, "metrics not recorded".to_string()),
                (MessageType::INFO, "indexed 3 files".to_string())
            ]
        );
        assert!(seen.stderr().is_empty(), "{:?}", seen.stderr());
    }

    #[test]
    fn before_connecting_and_after_the_session_lines_go_to_stderr() {
        fixture!(LOG, STDERR, elsewhere);
        let mut seen = route(&LOG, &STDERR, elsewhere, false, || {
            tracing::info!("before initialize");
            LOG.attach(7, mpsc::unbounded_channel().0);
            LOG.detach(7);
            tracing::info!("the input closed; exiting");
        });
        assert!(seen.client().is_empty());
        assert_eq!(
            seen.stderr(),
            ["before initialize", "the input closed; exiting"]
        );
    }

    #[test]
    fn a_line_for_a_client_that_is_gone_goes_to_stderr() {
        fixture!(LOG, STDERR, elsewhere);
        let seen = route(&LOG, &STDERR, elsewhere, false, || {
            let (gone, _) = mpsc::unbounded_channel();
            LOG.attach(2, gone);
            tracing::error!("the job failed");
        });
        assert_eq!(seen.stderr(), ["the job failed"]);
    }

    #[test]
    fn other_crates_lines_go_to_stderr_even_when_connected() {
        fixture!(LOG, STDERR, elsewhere);
        let mut seen = route(&LOG, &STDERR, elsewhere, true, || {
            tracing::warn!(target: "tower_lsp_server::service", "not implemented");
        });
        assert!(seen.client().is_empty());
        assert_eq!(seen.stderr(), ["not implemented"]);
    }

    #[test]
    fn a_line_names_the_job_it_belongs_to() {
        fixture!(LOG, STDERR, elsewhere);
        let mut seen = route(&LOG, &STDERR, elsewhere, true, || {
            let job = tracing::error_span!("job", token = %"multi-model/3", role = %"oracle");
            let _entered = job.enter();
            tracing::debug!("started");
        });
        assert_eq!(
            seen.client(),
            [(
                MessageType::LOG,
                "job{token=multi-model/3 role=oracle}: started".to_string()
            )]
        );
    }

    #[test]
    fn a_session_ending_leaves_a_newer_session_connected() {
        fixture!(LOG, STDERR, elsewhere);
        let (first, _first_lines) = mpsc::unbounded_channel();
        let (second, mut second_lines) = mpsc::unbounded_channel();
        LOG.attach(1, first);
        LOG.attach(2, second);
        LOG.detach(1);
        let _ = route(&LOG, &STDERR, elsewhere, false, || {
            tracing::info!("still here")
        });
        assert_eq!(
            second_lines.try_recv().unwrap(),
            (MessageType::INFO, "still here".to_string())
        );
    }
}
