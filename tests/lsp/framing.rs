//! Malformed framing never silences the server: after random bytes, over-long header lines,
//! bad, negative or huge Content-Lengths and truncated bodies, a valid request is still
//! answered (or the server ends with a reason, which counts as failing the session, never
//! as a silent exit). Driven through the real server loop over in-memory pipes; every wait
//! is bounded by the client's patience, nothing is timed.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

use crate::support::lsp::{LspClient, frame};

/// Bytes that are not a well-framed message.
fn malformed() -> impl Strategy<Value = Vec<u8>> {
    let length = prop_oneof![
        Just("-5".to_string()),
        Just("abc".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("300000000".to_string()),
        (0usize..100_000).prop_map(|n| n.to_string()),
    ];
    let body = proptest::collection::vec(any::<u8>(), 0..200);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..4_000),
        (8_192usize..20_000, any::<u8>()).prop_map(|(n, b)| {
            let b = if b == b'\n' { b'x' } else { b };
            vec![b; n]
        }),
        (length, body.clone()).prop_map(|(length, body)| frame::announcing(length, &body)),
        (1usize..200, body).prop_map(|(missing, body)| {
            // A truncated body: Content-Length says more than follows.
            frame::announcing(body.len() + missing, &body)
        }),
    ]
}

#[test]
fn malformed_framing_then_a_valid_request_is_answered() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(malformed(), 1..4), |chunks| {
            runtime.block_on(async {
                let client = LspClient::in_process_initialized().await;
                for chunk in &chunks {
                    client.send_bytes(chunk).await;
                }
                let answer = client
                    .response(
                        "workspace/executeCommand",
                        json!({"command": "multi-model.route",
                               "arguments": [{"task": "write a parser"}]}),
                    )
                    .await;
                assert!(answer["result"]["role"].is_string(), "{answer}");
                client.close().await;
            });
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn a_body_cut_short_where_its_length_ends_inside_the_next_header_is_resynchronised() {
    let client = LspClient::in_process_initialized().await;
    // Five bytes sent, fifteen declared: the count ends inside "Content-Length: NN".
    client.send_bytes(&frame::announcing(15, b"{\"a\":")).await;
    let answer = client
        .response(
            "workspace/executeCommand",
            json!({"command": "multi-model.route", "arguments": [{"task": "write a parser"}]}),
        )
        .await;
    assert!(answer["result"]["role"].is_string(), "{answer}");
    client.close().await;
}
