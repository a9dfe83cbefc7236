//! Edits apply in arrival order through the real server loop (DESIGN §5, §9): the framework
//! runs handlers concurrently, so this drives `lsp::serve` over in-memory pipes — calling the
//! handlers directly would bypass the scheduler and hide a reordering.
//!
//! No request returns a document's text, so a code action reveals it: its arguments carry the
//! document's version and the range, normalised against the text the server holds.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::support::editor::{code_action, did_open};
use crate::support::lsp::{InProcess, LspClient};

const URI: &str = "file:///w/flood.py";

/// What is typed, one char per change: 1-, 2-, 3- and 4-byte chars (the last a surrogate
/// pair in UTF-16, the negotiated encoding here).
const TYPED: [char; 4] = ['a', 'é', '漢', '🚀'];

const CHANGES: usize = 2_000;

fn typed(n: usize) -> impl Iterator<Item = char> {
    TYPED.iter().copied().cycle().take(n)
}

/// The UTF-16 column of the end of the line after `n` chars were typed.
fn column_after(n: usize) -> u32 {
    typed(n).map(|c| c.len_utf16() as u32).sum()
}

/// Types chars `from..to` one `didChange` each, each at the end of the line; change `i`
/// makes version `i + 2` (the document opens at version 1).
async fn type_at_end(client: &LspClient<InProcess>, from: usize, to: usize) {
    for i in from..to {
        let column = column_after(i);
        let at = json!({"line": 0, "character": column});
        client
            .notify(
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": URI, "version": i + 2},
                    "contentChanges": [{
                        "range": {"start": at, "end": at},
                        "text": TYPED[i % TYPED.len()].to_string()
                    }]
                }),
            )
            .await;
    }
}

/// A code action over the last char typed after `n` changes.
fn over_last_char(n: usize) -> Value {
    let end = column_after(n);
    let start = column_after(n - 1);
    code_action(URI, (0, start), (0, end))
}

/// The targets (uri, range, version) every action of a code action answer carries.
fn targets(answer: &Value) -> Vec<Value> {
    let actions = answer["result"]
        .as_array()
        .unwrap_or_else(|| panic!("code actions expected: {answer}"));
    assert!(!actions.is_empty(), "no actions: {answer}");
    actions
        .iter()
        .map(|action| action["command"]["arguments"][0].clone())
        .collect()
}

/// Every action targets the document at `version`, ending at the end of the line as it is
/// after `n` changes.
fn assert_sees_changes(answer: &Value, n: usize, version: usize) {
    for target in targets(answer) {
        assert_eq!(target["version"], json!(version), "{target}");
        assert_eq!(
            target["range"]["end"],
            json!({"line": 0, "character": column_after(n)}),
            "{target}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_changes_sent_back_to_back_all_apply_in_order() {
    let client = LspClient::in_process_initialized().await;
    client
        .notify("textDocument/didOpen", did_open(URI, 1, ""))
        .await;
    type_at_end(&client, 0, CHANGES).await;

    let answer = client
        .response("textDocument/codeAction", over_last_char(CHANGES))
        .await;

    assert!(answer.get("error").is_none(), "{answer}");
    assert_sees_changes(&answer, CHANGES, CHANGES + 1);
    client.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_amid_a_flood_of_changes_is_answered_and_sees_exactly_the_changes_before_it() {
    let client = Arc::new(LspClient::in_process_initialized().await);
    client
        .notify("textDocument/didOpen", did_open(URI, 1, ""))
        .await;
    let half = CHANGES / 2;
    type_at_end(&client, 0, half).await;
    let amid = client
        .send_request("textDocument/codeAction", over_last_char(half))
        .await;
    let rest = tokio::spawn({
        let client = client.clone();
        async move { type_at_end(&client, half, CHANGES).await }
    });

    // Answered while the second half may still be arriving: not starved by the flood.
    let answer = amid.answer().await;
    rest.await.unwrap();

    assert!(answer.get("error").is_none(), "{answer}");
    assert_sees_changes(&answer, half, half + 1);
    Arc::into_inner(client).unwrap().close().await;
}
