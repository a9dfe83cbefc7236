//! Stream parsing throughput per wire format: bytes in, events out, as the client does it
//! (framing and decoding), on large streams shaped like the providers' recorded ones and
//! fed in 16 KiB reads. The parser must never be the bottleneck (≥ 200 MB/s each).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use multi_model::config::{Config, ConfigSource};
use multi_model::providers::framing::FrameDecoder;
use multi_model::providers::{Provider, StreamEvent, provider_for};
use serde_json::json;

const EVENTS: usize = 20_000;
const READ: usize = 16 * 1024;
/// A typical token-sized delta, with some non-ASCII.
const PIECE: &str = " fn parse_déjà(x: &str) -> Ok";

fn provider(kind: &str) -> Box<dyn Provider> {
    let yaml = format!(
        "agents:\n  oracle:\n    model: m:1\n    provider: {kind}\n    api_base: http://127.0.0.1:9\n"
    );
    let config = Config::from_yaml(&yaml, ConfigSource::BuiltIn).unwrap();
    provider_for(&config.agents.oracle, None)
}

fn openai_stream() -> String {
    let mut body = String::new();
    for i in 0..EVENTS {
        let chunk = json!({"id": "chatcmpl-C9kQ2r", "object": "chat.completion.chunk", "created": 1763980200,
            "model": "gpt-5.4-mini-2026-03-17", "service_tier": "default", "system_fingerprint": "fp_7c2b9a41d0",
            "choices": [{"index": 0, "delta": {"content": PIECE}, "logprobs": null, "finish_reason": null}],
            "usage": null, "obfuscation": format!("o{i}")});
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    body.push_str("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
    body.push_str("data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":7,\"total_tokens\":48}}\n\ndata: [DONE]\n\n");
    body
}

fn anthropic_stream() -> String {
    let mut body = String::from(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":38,\"output_tokens\":1}}}\n\n\
         event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
    );
    for i in 0..EVENTS {
        if i % 100 == 0 {
            body.push_str("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        }
        let delta = json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": PIECE}});
        body.push_str(&format!("event: content_block_delta\ndata: {delta}\n\n"));
    }
    body.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    body.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":9}}\n\n");
    body.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    body
}

fn gemini_stream() -> String {
    let mut body = String::new();
    for i in 0..EVENTS {
        let finish = if i + 1 == EVENTS {
            ",\"finishReason\": \"STOP\""
        } else {
            ""
        };
        body.push_str(&format!(
            "data: {{\"candidates\": [{{\"content\": {{\"parts\": [{{\"text\": \"{PIECE}\"}}],\"role\": \"model\"}}{finish},\"index\": 0}}],\"usageMetadata\": {{\"promptTokenCount\": 31,\"candidatesTokenCount\": {i},\"totalTokenCount\": {},\"promptTokensDetails\": [{{\"modality\": \"TEXT\",\"tokenCount\": 31}}],\"thoughtsTokenCount\": 121}},\"modelVersion\": \"gemini-3.1-pro-preview\",\"responseId\": \"mF0kaZ2vL4SMz7IPqOWd0Ak\"}}\r\n\r\n",
            152 + i
        ));
    }
    body
}

fn ollama_stream() -> String {
    let mut body = String::new();
    for _ in 0..EVENTS {
        let line = json!({"model": "qwen2.5-coder:32b", "created_at": "2026-11-20T10:15:02.118734Z",
            "message": {"role": "assistant", "content": PIECE}, "done": false});
        body.push_str(&format!("{line}\n"));
    }
    body.push_str("{\"model\":\"qwen2.5-coder:32b\",\"created_at\":\"2026-11-20T10:15:02.252018Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":4123456789,\"prompt_eval_count\":38,\"eval_count\":9}\n");
    body
}

/// Frames and decodes a whole stream; returns the text length so nothing is optimised away.
fn parse(provider: &dyn Provider, body: &[u8]) -> usize {
    let mut frames = FrameDecoder::new(provider.framing());
    let mut decoder = provider.decoder();
    let mut batch = Vec::new();
    let mut events = Vec::new();
    let mut text = 0;
    for read in body.chunks(READ) {
        frames.push(read, &mut batch);
        for frame in batch.drain(..) {
            decoder.frame(&frame, &mut events).unwrap();
        }
        for event in events.drain(..) {
            if let StreamEvent::Text(t) = event {
                text += t.len();
            }
        }
    }
    frames.finish(&mut batch);
    for frame in batch.drain(..) {
        decoder.frame(&frame, &mut events).unwrap();
    }
    assert!(decoder.complete());
    text
}

fn stream_parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("stream_parsing");
    let cases = [
        ("openai", openai_stream()),
        ("anthropic", anthropic_stream()),
        ("gemini", gemini_stream()),
        ("ollama", ollama_stream()),
    ];
    for (kind, body) in &cases {
        let provider = provider(kind);
        assert_eq!(
            parse(provider.as_ref(), body.as_bytes()),
            EVENTS * PIECE.len(),
            "{kind}"
        );
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(kind),
            body.as_bytes(),
            |b, body| b.iter(|| parse(provider.as_ref(), body)),
        );
    }
    group.finish();
}

criterion_group!(benches, stream_parsing);
criterion_main!(benches);
