//! The LSP base protocol's framing — a `Content-Length` header, a blank line, the body — and
//! the only place the tests frame or unframe a message. The hostile tests build their broken
//! frames here too, so that what they break is plain.

use std::fmt::Display;

use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// `message` as the protocol frames it.
pub fn message(message: &Value) -> Vec<u8> {
    body(message.to_string().as_bytes())
}

/// `body` framed as it is, JSON or not.
pub fn body(body: &[u8]) -> Vec<u8> {
    announcing(body.len(), body)
}

/// `body` behind a header announcing `length`, true or not: more or fewer bytes than follow,
/// a negative number, no number at all.
pub fn announcing(length: impl Display, body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {length}\r\n\r\n").into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// The next message the server sent, or `None` once its output ends (cut short included).
/// A frame without a length, or a body that is not JSON, panics: the server never sends one.
pub async fn read(input: &mut (impl AsyncBufRead + Unpin)) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        match line.trim_end() {
            "" => break,
            header => {
                if let Some(n) = header.strip_prefix("Content-Length:") {
                    length = Some(n.trim().parse().expect("Content-Length is a number"));
                }
            }
        }
    }
    let mut body = vec![0; length.expect("every message has a Content-Length")];
    input.read_exact(&mut body).await.ok()?;
    Some(serde_json::from_slice(&body).expect("every message is JSON"))
}
