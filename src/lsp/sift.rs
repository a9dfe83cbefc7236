//! A guard in front of the LSP framework: it stops reading at the first message it cannot
//! decode (bad framing, a body that is not UTF-8 JSON or not JSON-RPC), and a server that
//! never answers again is worse than one error reply. Messages pass through re-framed; a bad
//! one becomes a call that is answered with the JSON-RPC error it deserves.

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
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

/// Copies messages from `input` to `output`, each re-framed with just its `Content-Length`;
/// one the framework could not decode becomes a call of `INVALID_MESSAGE` (with the request's
/// id when it has a usable one, else `null`), so it is answered and reading goes on.
pub async fn sift<I: AsyncRead + Unpin>(input: I, mut output: tokio::io::DuplexStream) {
    let mut input = BufReader::new(input);
    loop {
        let messages = match read_content_length(&mut input).await {
            Framing::End => return,
            Framing::Broken => vec![invalid(
                Value::Null,
                ErrorCode::ParseError,
                "no Content-Length",
            )],
            Framing::Length(length) => {
                let (mut body, mut limited) = (Vec::new(), (&mut input).take(length as u64));
                match limited.read_to_end(&mut body).await {
                    Ok(read) if read == length => check(body),
                    _ => return,
                }
            }
        };
        for message in messages {
            let header = format!("Content-Length: {}\r\n\r\n", message.len());
            let sent = async {
                output.write_all(header.as_bytes()).await?;
                output.write_all(&message).await
            };
            if sent.await.is_err() {
                return;
            }
        }
    }
}

enum Framing {
    Length(usize),
    Broken,
    End,
}

/// Reads one header block (up to an empty line) and finds its `Content-Length`.
async fn read_content_length<I: AsyncRead + Unpin>(input: &mut BufReader<I>) -> Framing {
    let (mut length, mut seen) = (None, false);
    let mut line = Vec::new();
    loop {
        line.clear();
        match (&mut *input)
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .await
        {
            Ok(0) | Err(_) => return Framing::End,
            Ok(_) if MAX_HEADER_LINE <= line.len() => return Framing::End,
            Ok(_) => {}
        }
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            if !seen {
                continue;
            }
            return length.map_or(Framing::Broken, Framing::Length);
        }
        seen = true;
        // Garbage before a header is skipped, as the framework's own codec does.
        if let Some(at) = text.to_ascii_lowercase().find("content-length:") {
            length = text[at + "content-length:".len()..].trim().parse().ok();
        }
    }
}

/// The messages to pass on for one body: itself if the framework can decode it (with the
/// request id added to commands, and a job cancel after a `$/cancelRequest`), else an
/// `INVALID_MESSAGE` call.
fn check(body: Vec<u8>) -> Vec<Vec<u8>> {
    let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
        return vec![invalid(
            Value::Null,
            ErrorCode::ParseError,
            "not UTF-8 JSON",
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
            "not a JSON-RPC message",
        )];
    }
    match value.get("method").and_then(Value::as_str) {
        Some("workspace/executeCommand") => {
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
        Some("$/cancelRequest") => {
            let id = value.pointer("/params/id").cloned().unwrap_or(Value::Null);
            let cancel_job = json!({"jsonrpc": "2.0", "method": CANCEL_JOB, "params": {"id": id}});
            vec![body, cancel_job.to_string().into_bytes()]
        }
        _ => vec![body],
    }
}

fn invalid(id: Value, code: ErrorCode, message: &'static str) -> Vec<u8> {
    let error = jsonrpc::Error {
        code,
        message: message.into(),
        data: None,
    };
    json!({"jsonrpc": "2.0", "id": id, "method": INVALID_MESSAGE, "params": error})
        .to_string()
        .into_bytes()
}
