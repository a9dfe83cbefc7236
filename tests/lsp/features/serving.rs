//! The server itself: malformed requests and out-of-range changes survived, routing answered
//! at once, exit, and its configuration — broken, fixed, or sent in settings — taking effect
//! without a restart.

use serde_json::{Value, json};

use super::{APP, CHAT, published, review, with_method, world};
use crate::support::editor::{ended, full_caps, range, run};
use crate::support::lsp::WAIT;

// --- robustness ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_errors_and_the_server_keeps_serving() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let no_arguments = json!({"command": "multi-model.review"});
    let err = w
        .client
        .request("workspace/executeCommand", no_arguments)
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602, "{err}");
    let unknown = json!({"textDocument": {"uri": w.client.uri("nowhere.py")}, "range": range(0, 0, 0, 0), "context": {"diagnostics": []}});
    let err = w
        .client
        .request("textDocument/codeAction", unknown)
        .await
        .unwrap_err();
    assert_eq!(err["code"], -32602, "{err}");
    let bogus = json!({"command": "multi-model.nonsense", "arguments": [{}]});
    assert!(
        w.client
            .request("workspace/executeCommand", bogus)
            .await
            .is_err()
    );

    let params = json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 0), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    assert_eq!(actions.as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn changes_to_closed_documents_or_past_the_end_do_not_crash_the_server() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let closed = w.client.uri("closed.py");
    w.client
        .change(
            &closed,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "x"}]),
        )
        .await;
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(40, 7, 99, 3), "text": "# end\n"}]),
        )
        .await;
    w.client
        .change(
            &uri,
            3,
            json!([{"range": range(0, 80, 0, 90), "text": "!"}]),
        )
        .await;

    let params = json!({"textDocument": {"uri": uri}, "range": range(999, 0, 999, 0), "context": {"diagnostics": []}});
    let actions = w.client.request("textDocument/codeAction", params).await;
    assert_eq!(actions.unwrap().as_array().unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn route_answers_role_model_and_reasoning_at_once() {
    let w = world(full_caps()).await;
    let params = json!({"command": "multi-model.route",
                        "arguments": [{"task": "Review this function for security vulnerabilities"}]});
    let routed = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    assert_eq!(routed["role"], "oracle");
    assert_eq!(routed["model"], "oracle-model:1");
    assert!(
        !routed["reasoning"].as_str().unwrap().is_empty(),
        "{routed}"
    );
    assert!(w.oracle.requests().is_empty());
}

// --- lifecycle -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_server_exits_when_stdin_closes() {
    let mut w = world(full_caps()).await;
    w.client.close_stdin().await;
    let status = w.client.wait_exit(WAIT).await.expect("the server exits");
    assert!(status.success(), "{status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_exits_after_shutdown_and_exit() {
    let mut w = world(full_caps()).await;
    let status = w
        .client
        .shutdown_and_exit()
        .await
        .expect("the server exits");
    assert!(status.success(), "{status:?}");
}

// --- configuration -------------------------------------------------------------------------

fn tower_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_is_shown_on_the_file_and_a_fixed_one_clears_it() {
    let w = world(full_caps()).await;
    let path = w.ws.path().join("config/multi_model.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}  temprature: 2\n")).unwrap();
    let config_uri = tower_uri(&path);
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": config_uri, "type": 2}]}),
        )
        .await;

    let broken = published(&w.client, &config_uri, |d| !d.is_empty()).await;
    let lines = good.lines().count() as u64;
    assert_eq!(broken[0]["range"]["start"]["line"], lines, "{broken:?}");
    assert!(
        broken[0]["message"]
            .as_str()
            .unwrap()
            .contains("temprature"),
        "{broken:?}"
    );
    let shown = w
        .client
        .wait_for(
            |m| m["method"] == "window/showMessage" && m["params"]["type"] == 1,
            WAIT,
        )
        .await;
    assert!(
        shown.unwrap()["params"]["message"]
            .as_str()
            .unwrap()
            .contains("no model is called until it is fixed")
    );

    std::fs::write(&path, good).unwrap();
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": config_uri, "type": 2}]}),
        )
        .await;
    // The clearing publish must come after the broken one (the first load published one too).
    let last_is_clear = || {
        let for_config: Vec<Value> = with_method(&w.client, "textDocument/publishDiagnostics")
            .into_iter()
            .filter(|m| m["params"]["uri"] == config_uri)
            .collect();
        let broken_at = for_config
            .iter()
            .rposition(|m| !m["params"]["diagnostics"].as_array().unwrap().is_empty());
        broken_at.is_some_and(|at| {
            at + 1 < for_config.len()
                && for_config.last().unwrap()["params"]["diagnostics"]
                    .as_array()
                    .unwrap()
                    .is_empty()
        })
    };
    for _ in 0..200 {
        if last_is_clear() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(last_is_clear(), "{:#?}", w.client.received());
}

/// A YAML syntax error must not put the built-in defaults (cloud services) in place of the
/// user's local models: no job calls any model until the file is fixed, and a fix on disk
/// takes effect at the next job even when no client reports file changes.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_configuration_calls_no_model_until_fixed_on_disk() {
    let w = world(json!({"window": {"workDoneProgress": true}})).await;
    let path = w.ws.path().join("config/multi_model.yaml");
    let good = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{good}routing: [unclosed\n")).unwrap();
    let uri = w.client.uri("app.py");
    w.client.open(&uri, APP).await;
    w.oracle.on("POST", CHAT, review(json!([])));

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("nothing sent"),
        "{end}"
    );
    let refusal = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains("no model was called"))
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("no refusal shown: {:#?}", w.client.received()));
    let text = refusal["params"]["message"].as_str().unwrap();
    let lines = good.lines().count() + 1;
    assert!(
        text.contains(&format!("multi_model.yaml:{lines}:")),
        "the refusal names file:line:col: {text}"
    );
    assert!(w.oracle.requests().is_empty(), "a model was called");

    // Fixed on disk, no didChangeWatchedFiles: the next job reads it again.
    std::fs::write(&path, &good).unwrap();
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    assert_eq!(
        w.oracle.requests().len(),
        1,
        "the fixed configuration was not used"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_path_sent_in_settings_takes_effect_without_a_restart() {
    let w = world(full_caps()).await;
    let other = w.ws.path().join("other.yaml");
    std::fs::write(&other, "agents:\n  oracle: { model: \"swapped-model:1\", provider: ollama, api_base: \"http://127.0.0.1:9\" }\n").unwrap();
    let settings = json!({"settings": {"multiModel": {"configPath": other}}});
    w.client
        .notify("workspace/didChangeConfiguration", settings)
        .await;
    let logged = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/logMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains("other.yaml"))
            },
            WAIT,
        )
        .await;
    assert!(logged.is_some(), "{:#?}", w.client.received());
    let routed = w
        .client
        .request(
            "workspace/executeCommand",
            json!({"command": "multi-model.route", "arguments": [{"task": "audit the login"}]}),
        )
        .await
        .unwrap();
    assert_eq!(routed["model"], "swapped-model:1");
}

// --- keys ----------------------------------------------------------------------------------

/// A role whose key variable is unset is named at the first open document, once, in one
/// line — before its first job fails for it.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_is_named_once_when_the_first_file_opens() {
    let mock = crate::support::mock::MockServer::start().await;
    let ws = tempfile::TempDir::new().unwrap();
    let oracle = crate::support::editor::keyless_agent(
        "oracle",
        "oracle-model",
        "anthropic",
        &mock.url,
        "MULTI_MODEL_TEST_UNSET_KEY",
    );
    let yaml = crate::support::workspace::config_yaml(
        &[
            crate::support::workspace::ollama_agent("hephaestus", &mock),
            oracle,
        ],
        "",
    );
    crate::support::workspace::write(ws.path(), "config/multi_model.yaml", &yaml);
    let client = crate::support::lsp::LspClient::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_multi-model")),
        ws.path(),
    );
    client.initialize(full_caps(), json!({})).await;
    let is_warning = |m: &Value| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|text| text.contains("MULTI_MODEL_TEST_UNSET_KEY"))
    };
    client.open(&client.uri("a.py"), "x = 1\n").await;
    client
        .wait_for(is_warning, WAIT)
        .await
        .unwrap_or_else(|| panic!("no warning: {:#?}", client.received()));
    // A second document, then two round trips: a second warning would have arrived.
    client.open(&client.uri("b.py"), "x = 2\n").await;
    for _ in 0..2 {
        client
            .request("workspace/symbol", json!({"query": ""}))
            .await
            .ok();
    }

    let named: Vec<String> = with_method(&client, "window/showMessage")
        .iter()
        .filter_map(|m| m["params"]["message"].as_str().map(str::to_string))
        .filter(|m| m.contains("MULTI_MODEL_TEST_UNSET_KEY"))
        .collect();
    assert_eq!(named.len(), 1, "{named:#?}");
    assert!(named[0].contains("(oracle)"), "{}", named[0]);
    assert!(!named[0].contains('\n'), "{}", named[0]);
}
