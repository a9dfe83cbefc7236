//! A guard in front of the LSP framework: it stops reading at the first message it cannot
//! decode (bad framing, a body that is not UTF-8 JSON or not JSON-RPC), and a server that
//! never answers again is worse than one error reply. Messages pass through re-framed; a bad
//! one becomes a call that is answered with the JSON-RPC error it deserves.
//!
//! Framing that cannot be trusted (a header line over 8 KiB, binary noise, a Content-Length
//! that is not a number, is over the limit, or is longer than the body sent) is answered
//! with a parse error, logged, and reading resynchronises at the next
//! `Content-Length:` header. A header can be recognised inside a body because it can never
//! be part of valid JSON: outside strings its letters are not tokens, and inside a string
//! its raw line break is not allowed. So a body cut short is noticed when the next message
//! starts, not after waiting for bytes that never come.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tower_lsp_server::jsonrpc::{self, ErrorCode};

/// What `sift` sends the server in place of a message it could not read.
pub const INVALID_MESSAGE: &str = "multi-model/invalidMessage";

/// The argument `sift` appends to `workspace/executeCommand`: the request's id, so the job
/// it starts can be cancelled by a `$/cancelRequest` for that id.
pub const REQUEST_ID_ARGUMENT: &str = "multi-model.requestId";

/// What `sift` adds after a `$/cancelRequest`: the framework only cancels requests still
/// pending, but a command answers at once and its job runs on.
pub const CANCEL_JOB: &str = "multi-model/cancelJobOfRequest";

/// A header line longer than this is not a header: the sender is broken.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// The largest body accepted: far above any document the server parses (4 MiB) or
/// indexes, and small enough that a lying Content-Length cannot make it hold gigabytes.
pub const MAX_BODY: usize = 256 * 1024 * 1024;

/// How much is read from the input at once.
const CHUNK: usize = 64 * 1024;

/// The header name, lowercase; headers are matched without regard to case.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// Why sifting stopped.
#[derive(Debug, PartialEq, Eq)]
pub enum SiftEnd {
    /// The input ended between two messages.
    Closed,
    /// The input ended inside a message, or could not be read: the reason.
    Broken(String),
    /// The server stopped taking messages (it ended).
    ServerGone,
}

/// Copies messages from `input` to `output`, each re-framed with just its `Content-Length`;
/// one the framework could not decode becomes a call of `INVALID_MESSAGE` (with the request's
/// id when it has a usable one, else `null`), so it is answered and reading goes on.
pub async fn sift<I: AsyncRead + Unpin>(input: I, mut output: tokio::io::DuplexStream) -> SiftEnd {
    let mut input = Input::new(input);
    loop {
        let messages = match input.next_message().await {
            Ok(Read::Body(body)) => check(body),
            Ok(Read::Unframed(problem)) => {
                tracing::warn!("{problem}; reading on at the next Content-Length");
                vec![invalid(Value::Null, ErrorCode::ParseError, problem)]
            }
            Ok(Read::End) => return SiftEnd::Closed,
            Err(reason) => return SiftEnd::Broken(reason),
        };
        for message in messages {
            let header = format!("Content-Length: {}\r\n\r\n", message.len());
            let sent = async {
                output.write_all(header.as_bytes()).await?;
                output.write_all(&message).await
            };
            if sent.await.is_err() {
                return SiftEnd::ServerGone;
            }
        }
    }
}

/// One step of reading.
enum Read {
    /// A message body, exactly as framed.
    Body(Vec<u8>),
    /// Bytes that were not a well-framed message, skipped: what was wrong.
    Unframed(String),
    /// The input ended between messages.
    End,
}

/// The input, buffered so that bytes looked at can be given back (a header found inside
/// a body that was cut short starts the next message).
struct Input<I> {
    session: I,
    buf: Vec<u8>,
    /// Where the unread bytes of `buf` start.
    at: usize,
    ended: bool,
}

impl<I: AsyncRead + Unpin> Input<I> {
    fn new(session: I) -> Input<I> {
        Input {
            session,
            buf: Vec::new(),
            at: 0,
            ended: false,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.at..]
    }

    fn consume(&mut self, n: usize) {
        self.at += n;
    }

    /// Reads more; false at the end of the input.
    async fn fill(&mut self) -> Result<bool, String> {
        if self.ended {
            return Ok(false);
        }
        if CHUNK <= self.at && self.buf.len() < 2 * self.at {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        let start = self.buf.len();
        self.buf.resize(start + CHUNK, 0);
        let read = self.session.read(&mut self.buf[start..]).await;
        let read = match read {
            Ok(read) => read,
            Err(err) => {
                self.buf.truncate(start);
                return Err(format!("the input could not be read: {err}"));
            }
        };
        self.buf.truncate(start + read);
        self.ended = read == 0;
        Ok(!self.ended)
    }

    /// The next message, or what was skipped on the way to it.
    async fn next_message(&mut self) -> Result<Read, String> {
        let length = match self.header().await? {
            Header::Length(length) => length,
            Header::Broken(problem) => return Ok(Read::Unframed(problem)),
            Header::End => return Ok(Read::End),
        };
        self.body(length).await
    }

    /// Reads one header block (up to an empty line) and finds its `Content-Length`.
    async fn header(&mut self) -> Result<Header, String> {
        let (mut length, mut seen) = (None::<Option<usize>>, false);
        loop {
            let Some(end) = memchr::memchr(b'\n', self.unread()) else {
                if MAX_HEADER_LINE <= self.unread().len() {
                    return self.skip_long_line().await;
                }
                if !self.fill().await? {
                    return match seen || !self.unread().trim_ascii().is_empty() {
                        true => Err("the input ended inside a message header".into()),
                        false => Ok(Header::End),
                    };
                }
                continue;
            };
            if MAX_HEADER_LINE <= end {
                return self.skip_long_line().await;
            }
            let line = self.unread()[..end].to_vec();
            self.consume(end + 1);
            if line.trim_ascii().is_empty() {
                if !seen {
                    continue;
                }
                return Ok(match length {
                    Some(Some(length)) => Header::Length(length),
                    Some(None) => Header::Broken("a Content-Length that is not a length".into()),
                    None => Header::Broken("a message header without Content-Length".into()),
                });
            }
            seen = true;
            // Garbage before a header is skipped, as the framework's own codec does; of
            // two names on a line (noise that ends in one), the last is the header.
            if let Some(at) = (0..line.len()).rev().find(|&at| name_at(&line, at)) {
                let value = String::from_utf8_lossy(&line[at + CONTENT_LENGTH.len()..]);
                length = Some(value.trim().parse().ok());
            }
            if let Some(Some(too_long)) = length
                && MAX_BODY < too_long
            {
                return Ok(Header::Broken(format!(
                    "a Content-Length of {too_long} bytes, over the limit of {MAX_BODY}"
                )));
            }
        }
    }

    /// Skips a header line too long to be one, up to the next `Content-Length:` (which
    /// may be on the same line, after noise without a line break).
    async fn skip_long_line(&mut self) -> Result<Header, String> {
        let mut skipped = 0;
        // The first byte goes whatever it is, so a line that starts with the header name
        // (and is too long anyway) is not found again.
        let mut from = 1;
        loop {
            if let Some(at) = find_name(self.unread(), from) {
                self.consume(at);
                skipped += at;
                break;
            }
            // Keep a tail that may be the start of the name.
            let keep = (CONTENT_LENGTH.len() - 1).min(self.unread().len());
            let drop = self.unread().len() - keep;
            self.consume(drop);
            skipped += drop;
            from = 0;
            if !self.fill().await? {
                return Err(format!(
                    "the input ended inside {} bytes of noise (a header line over 8 KiB)",
                    skipped + self.unread().len()
                ));
            }
        }
        Ok(Header::Broken(format!(
            "{skipped} bytes skipped: a header line over 8 KiB"
        )))
    }

    /// Reads a body of `length` bytes, unless the next message's header starts inside it.
    async fn body(&mut self, length: usize) -> Result<Read, String> {
        let mut scanned: usize = 0;
        loop {
            let have = self.unread().len().min(length);
            if let Some(at) = find_header(&self.unread()[..have], scanned.saturating_sub(64)) {
                self.consume(at);
                return Ok(Read::Unframed(format!(
                    "a body of {at} bytes where Content-Length said {length}: the next \
                     message started inside it"
                )));
            }
            scanned = have;
            if have == length {
                // A body that does not end as a JSON-RPC message does (`}` or `]`) may have
                // been cut short by the next message's header, which may run past it.
                let body = &self.unread()[..length];
                let ends_as_json = matches!(body.trim_ascii_end().last(), Some(b'}' | b']'));
                if !ends_as_json && let Some(at) = self.header_across(length).await? {
                    self.consume(at);
                    return Ok(Read::Unframed(format!(
                        "a body of {at} bytes where Content-Length said {length}: the next \
                         message started inside it"
                    )));
                }
                let body = self.unread()[..length].to_vec();
                self.consume(length);
                return Ok(Read::Body(body));
            }
            if !self.fill().await? {
                return Err(format!(
                    "the input ended inside a message body ({have} of {length} bytes)"
                ));
            }
        }
    }
}

impl<I: AsyncRead + Unpin> Input<I> {
    /// Where a `Content-Length` line starts in the last bytes of a body of `length`
    /// and runs on past it, reading on while the bytes there could still be one.
    async fn header_across(&mut self, length: usize) -> Result<Option<usize>, String> {
        let tail = length.saturating_sub(MAX_HEADER_LINE.min(64));
        loop {
            let unread = self.unread();
            if let Some(at) = find_header(unread, tail).filter(|&at| at < length) {
                return Ok(Some(at));
            }
            // Still possible: a start of the header name in the tail whose line has not
            // ended yet.
            let open = (tail..length).any(|at| {
                let rest = &unread[at..];
                let name = rest.len().min(CONTENT_LENGTH.len());
                rest[..name].eq_ignore_ascii_case(&CONTENT_LENGTH[..name])
                    && !rest.contains(&b'\n')
                    && rest.len() < MAX_HEADER_LINE
            });
            if !open || !self.fill().await? {
                return Ok(None);
            }
        }
    }
}

enum Header {
    Length(usize),
    /// Not a usable header: why.
    Broken(String),
    End,
}

/// Where `content-length:` (any case) starts in `bytes`, at or after `from`.
fn find_name(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len()).find(|&at| name_at(bytes, at))
}

/// Whether `content-length:` (any case) starts at `at` in `bytes`.
fn name_at(bytes: &[u8], at: usize) -> bool {
    bytes
        .get(at..at + CONTENT_LENGTH.len())
        .is_some_and(|name| name.eq_ignore_ascii_case(CONTENT_LENGTH))
}

/// Where a whole `Content-Length: N` line (any case, a line break after the digits)
/// starts in `bytes`, at or after `from`: bytes that valid JSON never holds.
fn find_header(bytes: &[u8], from: usize) -> Option<usize> {
    let colon = CONTENT_LENGTH.len() - 1;
    memchr::memchr_iter(b':', bytes.get(from..)?)
        .map(|colon_at| from + colon_at)
        .filter(|&colon_at| colon <= colon_at)
        .map(|colon_at| colon_at - colon)
        .find(|&at| {
            bytes[at..at + colon].eq_ignore_ascii_case(&CONTENT_LENGTH[..colon])
                && is_length_line(&bytes[at + CONTENT_LENGTH.len()..])
        })
}

/// Whether `rest` is ` N\r\n` (blanks around the digits, `\r` optional).
fn is_length_line(rest: &[u8]) -> bool {
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let rest = &rest[rest.iter().take_while(|b| blank(b)).count()..];
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    let rest = &rest[rest.iter().take_while(|b| blank(b)).count()..];
    matches!(rest, [b'\n', ..] | [b'\r', b'\n', ..])
}

/// The messages to pass on for one body: itself if the framework can decode it (with the
/// request id added to commands, and a job cancel after a `$/cancelRequest`), else an
/// `INVALID_MESSAGE` call.
fn check(body: Vec<u8>) -> Vec<Vec<u8>> {
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return vec![invalid(
            Value::Null,
            ErrorCode::ParseError,
            "not UTF-8 JSON".into(),
        )];
    };
    let request = jsonrpc::Request::deserialize(&value).is_ok();
    if !request && jsonrpc::Response::deserialize(&value).is_err() {
        let id = match (value.get("method"), value.get("id")) {
            (Some(_), Some(id)) if id.is_i64() || id.is_string() => id.clone(),
            _ => Value::Null,
        };
        return vec![invalid(
            id,
            ErrorCode::InvalidRequest,
            "not a JSON-RPC message".into(),
        )];
    }
    let method = value.get("method").and_then(Value::as_str);
    let id = value.get("id").filter(|id| !id.is_null());
    match (method, id) {
        // The framework drops requests for `$/` methods it does not know, unanswered; a
        // request must be answered (LSP: MethodNotFound).
        (Some(method), Some(id)) if method.starts_with("$/") => {
            let message = format!("no such method: {method}");
            vec![invalid(id.clone(), ErrorCode::MethodNotFound, message)]
        }
        (Some("workspace/executeCommand"), _) => {
            let id = value.get("id").cloned().unwrap_or(Value::Null);
            if let Some(arguments) = value
                .pointer_mut("/params/arguments")
                .and_then(Value::as_array_mut)
            {
                arguments.push(json!({ REQUEST_ID_ARGUMENT: id }));
                return vec![value.to_string().into_bytes()];
            }
            if let Some(params) = value.get_mut("params").and_then(Value::as_object_mut) {
                params.insert("arguments".into(), json!([{ REQUEST_ID_ARGUMENT: id }]));
                return vec![value.to_string().into_bytes()];
            }
            vec![body]
        }
        (Some("$/cancelRequest"), None) => {
            let id = value.pointer("/params/id").cloned().unwrap_or(Value::Null);
            let cancel_job = json!({"jsonrpc": "2.0", "method": CANCEL_JOB, "params": {"id": id}});
            vec![body, cancel_job.to_string().into_bytes()]
        }
        _ => vec![body],
    }
}

fn invalid(id: Value, code: ErrorCode, message: String) -> Vec<u8> {
    let error = jsonrpc::Error {
        code,
        message: message.into(),
        data: None,
    };
    json!({"jsonrpc": "2.0", "id": id, "method": INVALID_MESSAGE, "params": error})
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_length_line_is_a_header_in_any_case_and_with_or_without_cr() {
        for (bytes, found) in [
            (&b"xx}Content-Length: 12\r\n\r\n{"[..], Some(3)),
            (b"content-length:7\n", Some(0)),
            (b"CONTENT-LENGTH: 7 \r\n", Some(0)),
            (b"\"Content-Length: 7\"", None),
            (b"Content-Length: \r\n", None),
            (b"Content-Length: 7", None),
            (b"Content-Type: x\r\n", None),
        ] {
            assert_eq!(find_header(bytes, 0), found, "{}", bytes.escape_ascii());
        }
    }
}
