//! Bytes to frames: Server-Sent Events (OpenAI, Anthropic, Gemini) and NDJSON (Ollama).
//!
//! Written here rather than taken from an SSE crate because one synchronous push-bytes
//! decoder serves both framings: the HTTP loop applies the idle timeout and cancellation
//! around it, the benchmark drives it without a runtime, and it splits on bytes before
//! decoding text, so chunks cut inside a UTF-8 character or a CRLF pair are harmless.

use memchr::memchr2;

/// One event's payload: an SSE event (`event:` name and joined `data:` lines) or one NDJSON line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub event: Option<String>,
    pub data: String,
}

/// How a provider frames its stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    Sse,
    Ndjson,
}

/// Turns chunks of bytes into frames, whatever the chunk boundaries.
pub struct FrameDecoder {
    framing: Framing,
    buffer: Vec<u8>,
    /// A `\r` ended the last line; a `\n` right after it belongs to the same terminator.
    after_cr: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
}

impl FrameDecoder {
    pub fn new(framing: Framing) -> FrameDecoder {
        FrameDecoder {
            framing,
            buffer: Vec::new(),
            after_cr: false,
            event: None,
            data: String::new(),
            has_data: false,
        }
    }

    /// Feeds a chunk; complete frames are appended to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<Frame>) {
        let mut rest = chunk;
        if self.after_cr && rest.first() == Some(&b'\n') {
            rest = &rest[1..];
        }
        self.after_cr = false;
        while let Some(end) = memchr2(b'\n', b'\r', rest) {
            let line_end_is_cr = rest[end] == b'\r';
            if self.buffer.is_empty() {
                self.line(&rest[..end], out);
            } else {
                self.buffer.extend_from_slice(&rest[..end]);
                let line = std::mem::take(&mut self.buffer);
                self.line(&line, out);
            }
            rest = &rest[end + 1..];
            if line_end_is_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.buffer.extend_from_slice(rest);
    }

    /// The end of the body: a last line without terminator, and an event without its
    /// blank line, still count (servers that close right after the last `data:` line).
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        if !self.buffer.is_empty() {
            let line = std::mem::take(&mut self.buffer);
            self.line(&line, out);
        }
        self.dispatch(out);
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<Frame>) {
        match self.framing {
            Framing::Ndjson => {
                let text = String::from_utf8_lossy(line);
                let text = text.trim();
                if !text.is_empty() {
                    out.push(Frame {
                        event: None,
                        data: text.to_string(),
                    });
                }
            }
            Framing::Sse => self.sse_line(line, out),
        }
    }

    fn sse_line(&mut self, line: &[u8], out: &mut Vec<Frame>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return;
        }
        if line[0] == b'{' {
            // A bare JSON object instead of a `data:` line: Gemini sends errors that way.
            self.dispatch(out);
            out.push(Frame {
                event: None,
                data: String::from_utf8_lossy(line).into_owned(),
            });
            return;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(&String::from_utf8_lossy(value));
                self.has_data = true;
            }
            b"event" => self.event = Some(String::from_utf8_lossy(value).into_owned()),
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<Frame>) {
        if self.has_data {
            out.push(Frame {
                event: self.event.take(),
                data: std::mem::take(&mut self.data),
            });
        }
        self.event = None;
        self.has_data = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(framing: Framing, chunks: &[&[u8]]) -> Vec<Frame> {
        let mut decoder = FrameDecoder::new(framing);
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk, &mut out);
        }
        decoder.finish(&mut out);
        out
    }

    fn data(frames: &[Frame]) -> Vec<&str> {
        frames.iter().map(|f| f.data.as_str()).collect()
    }

    /// Every way of cutting `body` into two chunks gives the same frames as one chunk.
    fn assert_split_invariant(framing: Framing, body: &[u8]) {
        let whole = frames_of(framing, &[body]);
        for cut in 0..=body.len() {
            assert_eq!(
                frames_of(framing, &[&body[..cut], &body[cut..]]),
                whole,
                "cut at {cut}"
            );
        }
        let bytewise: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(frames_of(framing, &bytewise), whole, "byte by byte");
    }

    #[test]
    fn sse_events_end_at_blank_lines() {
        let frames = frames_of(Framing::Sse, &[b"data: {\"a\":1}\n\ndata: [DONE]\n\n"]);
        assert_eq!(data(&frames), ["{\"a\":1}", "[DONE]"]);
    }

    #[test]
    fn sse_event_names_are_kept() {
        let frames = frames_of(
            Framing::Sse,
            &[b"event: ping\ndata: {\"type\": \"ping\"}\n\n"],
        );
        assert_eq!(frames[0].event.as_deref(), Some("ping"));
    }

    #[test]
    fn sse_crlf_framing_is_understood() {
        let frames = frames_of(Framing::Sse, &[b"data: one\r\n\r\ndata: two\r\n\r\n"]);
        assert_eq!(data(&frames), ["one", "two"]);
    }

    #[test]
    fn sse_lone_cr_ends_lines() {
        let frames = frames_of(Framing::Sse, &[b"data: one\r\rdata: two\r\r"]);
        assert_eq!(data(&frames), ["one", "two"]);
    }

    #[test]
    fn sse_comments_and_unknown_fields_are_ignored() {
        let frames = frames_of(
            Framing::Sse,
            &[b": keep-alive\nid: 7\nretry: 10\ndata: x\n\n"],
        );
        assert_eq!(data(&frames), ["x"]);
    }

    #[test]
    fn sse_data_without_space_and_multiple_lines_join() {
        let frames = frames_of(Framing::Sse, &[b"data:a\ndata: b\n\n"]);
        assert_eq!(data(&frames), ["a\nb"]);
    }

    #[test]
    fn sse_last_event_without_blank_line_still_counts() {
        let frames = frames_of(Framing::Sse, &[b"data: x\n\ndata: [DONE]"]);
        assert_eq!(data(&frames), ["x", "[DONE]"]);
    }

    #[test]
    fn sse_bare_json_lines_are_frames() {
        let frames = frames_of(
            Framing::Sse,
            &[b"data: a\n\n{\"error\": {\"code\": 500}}\n"],
        );
        assert_eq!(data(&frames), ["a", "{\"error\": {\"code\": 500}}"]);
    }

    #[test]
    fn sse_any_chunking_gives_the_same_frames() {
        assert_split_invariant(
            Framing::Sse,
            "data: {\"t\":\"héllo ✓ 🎉\"}\r\n\r\nevent: e\ndata: b\r\n\r\n".as_bytes(),
        );
    }

    #[test]
    fn ndjson_lines_are_frames_and_blank_lines_skipped() {
        let frames = frames_of(Framing::Ndjson, &[b"{\"a\":1}\n\n{\"b\":2}\n"]);
        assert_eq!(data(&frames), ["{\"a\":1}", "{\"b\":2}"]);
    }

    #[test]
    fn ndjson_last_line_without_newline_counts() {
        assert_eq!(
            data(&frames_of(
                Framing::Ndjson,
                &[b"{\"a\":1}\n{\"done\":true}"]
            )),
            ["{\"a\":1}", "{\"done\":true}"]
        );
    }

    #[test]
    fn ndjson_any_chunking_gives_the_same_frames() {
        assert_split_invariant(
            Framing::Ndjson,
            "{\"c\":\"ünïcode 🎉\"}\n{\"done\":true}\n".as_bytes(),
        );
    }
}
