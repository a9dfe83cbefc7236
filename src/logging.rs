//! The process's log: `tracing` events, filtered by `MULTI_MODEL_LOG`, one line each.
//!
//! `MULTI_MODEL_LOG` is a level — `error`, `warn`, `info` (the default), `debug` or
//! `trace` — for multi-model's own events (other crates' are shown from `warn` up, or
//! from the level given when it is quieter), or a full filter such as
//! `multi_model=debug,tower_lsp_server=info`. Where a line goes is its writer's choice:
//! stderr for the command line (`Stderr`), the editor's log for the server
//! (`lsp::log_layer`). No event formats anything that holds an API key.

use std::io::{self, Write};

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, Registry};
use tracing_subscriber::util::SubscriberInitExt;

/// The environment variable that sets what is logged.
pub const LOG_VARIABLE: &str = "MULTI_MODEL_LOG";

/// A `MULTI_MODEL_LOG` that is neither a level nor a filter.
#[derive(Debug, thiserror::Error)]
#[error(
    "{LOG_VARIABLE}={spec:?} is neither a level (error, warn, info, debug, trace) nor a filter ({reason}); logging at info"
)]
pub struct BadFilter {
    pub spec: String,
    pub reason: String,
}

/// The filter a `MULTI_MODEL_LOG` value names; unset or empty is `info`.
pub fn filter(spec: Option<&str>) -> Result<EnvFilter, BadFilter> {
    let spec = spec.unwrap_or_default().trim();
    let lower = spec.to_ascii_lowercase();
    // `warning` and `log` are the names LSP gives these levels.
    let level = match lower.as_str() {
        "" => Some(LevelFilter::INFO),
        "warning" => Some(LevelFilter::WARN),
        "log" => Some(LevelFilter::DEBUG),
        other => other.parse::<LevelFilter>().ok(),
    };
    if let Some(level) = level {
        let others = level.min(LevelFilter::WARN);
        return Ok(EnvFilter::new(format!("{others},multi_model={level}")));
    }
    let bad = |reason: &str| BadFilter {
        spec: spec.to_string(),
        reason: reason.to_string(),
    };
    // A lone word is a filter for a target of that name, which a mistyped level would
    // silently become: a filter must say what it filters (`multi_model=trace`).
    if !spec.contains(['=', ',', '[', ':']) {
        return Err(bad("a lone word that is not a level"));
    }
    EnvFilter::try_new(spec).map_err(|err| bad(&err.to_string()))
}

/// Installs the process's subscriber: `layer`, behind the filter `MULTI_MODEL_LOG` names.
/// Once per process; a second call changes nothing.
pub fn init<L>(layer: L)
where
    L: Layer<Registry> + Send + Sync + 'static,
{
    let (filter, problem) = match filter(std::env::var(LOG_VARIABLE).ok().as_deref()) {
        Ok(filter) => (filter, None),
        Err(problem) => (EnvFilter::new("warn,multi_model=info"), Some(problem)),
    };
    let installed = tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init();
    if let (Ok(()), Some(problem)) = (installed, problem) {
        tracing::warn!("{problem}");
    }
}

/// The line format: the spans' names and fields (`job{token=… command=…}: `), then the
/// message. No time and no level: the writer adds what its reader does not show itself.
pub fn lines<S, W>(writer: W) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .without_time()
        .with_level(false)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
}

/// One event's line, handed whole to `deliver` once the formatter is done with it (it may
/// write in pieces), without its line break.
pub struct Line<D: FnOnce(Level, &str)> {
    level: Level,
    text: Vec<u8>,
    deliver: Option<D>,
}

impl<D: FnOnce(Level, &str)> Line<D> {
    pub fn new(level: Level, deliver: D) -> Line<D> {
        Line {
            level,
            text: Vec::new(),
            deliver: Some(deliver),
        }
    }
}

impl<D: FnOnce(Level, &str)> Write for Line<D> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.text.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<D: FnOnce(Level, &str)> Drop for Line<D> {
    fn drop(&mut self) {
        if let Some(deliver) = self.deliver.take() {
            let text = String::from_utf8_lossy(&self.text);
            deliver(self.level, text.trim_end());
        }
    }
}

/// Writes a line to stderr: `multi-model: `, the level unless it is info, the text. The
/// server's stderr ends up in logs shared with other servers, hence the name.
pub fn to_stderr(level: Level, text: &str) {
    let level = match level {
        Level::ERROR => "error: ",
        Level::WARN => "warning: ",
        Level::INFO => "",
        Level::DEBUG => "debug: ",
        Level::TRACE => "trace: ",
    };
    // Nowhere is left to report a failing stderr.
    let _ = writeln!(io::stderr().lock(), "multi-model: {level}{text}");
}

/// Every line to stderr (`to_stderr`).
pub struct Stderr;

impl<'w> MakeWriter<'w> for Stderr {
    type Writer = Line<fn(Level, &str)>;

    fn make_writer(&'w self) -> Self::Writer {
        Line::new(Level::INFO, to_stderr)
    }

    fn make_writer_for(&'w self, meta: &Metadata<'_>) -> Self::Writer {
        Line::new(*meta.level(), to_stderr)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Which of one event at each level (named by its first letter) `filter(spec)` lets
    /// through.
    fn names(spec: &str) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let writer = move || {
            let sink = sink.clone();
            Line::new(Level::INFO, move |_, text: &str| {
                sink.lock().unwrap().push(text.to_string())
            })
        };
        let filter = filter(Some(spec)).unwrap();
        let subscriber = tracing_subscriber::registry().with(lines(writer).with_filter(filter));
        tracing::subscriber::with_default(subscriber, || {
            tracing::error!("e");
            tracing::warn!("w");
            tracing::info!("i");
            tracing::debug!("d");
            tracing::trace!("t");
        });
        seen.lock().unwrap().clone()
    }

    #[test]
    fn error_lets_only_errors_through() {
        assert_eq!(names("error"), ["e"]);
    }

    #[test]
    fn unset_or_empty_is_info() {
        assert_eq!(names(""), ["e", "w", "i"]);
        assert!(filter(None).is_ok());
    }

    #[test]
    fn levels_are_read_in_any_case_with_the_lsp_names_too() {
        assert_eq!(names("WARNING"), ["e", "w"]);
        assert_eq!(names("Debug"), ["e", "w", "i", "d"]);
        assert_eq!(names("log"), ["e", "w", "i", "d"]);
    }

    #[test]
    fn a_full_filter_is_accepted() {
        assert_eq!(names("multi_model=trace"), ["e", "w", "i", "d", "t"]);
        assert!(names("tower_lsp_server=debug").is_empty());
    }

    #[test]
    fn a_mistyped_level_is_refused_rather_than_silencing_everything() {
        let err = filter(Some("inof")).unwrap_err();
        assert!(
            err.to_string().contains("MULTI_MODEL_LOG=\"inof\""),
            "{err}"
        );
        assert!(filter(Some("multi_model=loud")).is_err());
    }

    #[test]
    fn a_line_is_delivered_whole_without_its_line_break() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        {
            let mut line = Line::new(Level::WARN, move |level, text: &str| {
                sink.lock().unwrap().push((level, text.to_string()))
            });
            write!(line, "job{{token=1}}: ").unwrap();
            writeln!(line, "started").unwrap();
        }
        assert_eq!(
            *seen.lock().unwrap(),
            [(Level::WARN, "job{token=1}: started".to_string())]
        );
    }
}
