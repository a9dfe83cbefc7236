//! Jobs as the editor sees them: failures, cancellation (the progress's button, the
//! command's request, `cancelAll`), clients without progress, and the metrics recorded.

use serde_json::{Value, json};

use super::{ADD, APP, CHAT, plan, requested, review, with_method, world};
use crate::support::editor::{ended, full_caps, range, run};
use crate::support::lsp::WAIT;
use crate::support::mock::Reply;
use crate::support::workspace::answer;

// --- failures, cancellation, clients without progress --------------------------------------

/// A stream that sends one piece and then nothing, keeping the connection open.
fn stalling() -> Reply {
    let first =
        json!({"model": "m:1", "message": {"role": "assistant", "content": "def "}, "done": false});
    Reply::ndjson(&format!("{first}\n")).stall()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_role_ends_its_progress_and_shows_one_error_naming_role_model_and_remedy() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        Reply::json(404, &json!({"error": "model 'oracle-model:1' not found"})),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    let end = ended(&w.client, &token).await;
    assert!(end["message"].as_str().unwrap().contains("failed"), "{end}");

    // The error comes after the end, so that it is the last thing an editor shows.
    w.client
        .wait_for(
            |m| m["method"] == "window/showMessage" && m["params"]["type"] == 1,
            WAIT,
        )
        .await;
    let errors: Vec<Value> = with_method(&w.client, "window/showMessage")
        .into_iter()
        .filter(|m| m["params"]["type"] == 1)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let message = errors[0]["params"]["message"].as_str().unwrap();
    for expected in [
        "oracle",
        "oracle-model:1",
        "not found",
        "multi-model doctor",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_progress_stops_the_job_and_hangs_up_on_the_model() {
    let w = world(full_caps()).await;
    w.hephaestus.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    w.client
        .notify("window/workDoneProgress/cancel", json!({"token": token}))
        .await;

    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("cancelled"),
        "{end}"
    );
    assert!(
        w.hephaestus.client_hung_up(WAIT).await,
        "the model's stream was not closed"
    );
    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    assert_eq!(w.client.text(&uri), ADD);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_all_stops_every_running_job() {
    let w = world(full_caps()).await;
    w.hephaestus.on("POST", CHAT, stalling());
    w.oracle.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let implement = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    let review = run(&w.client, "multi-model.review", &uri, range(0, 0, 3, 0)).await;
    requested(&w.hephaestus).await;
    requested(&w.oracle).await;

    let params = json!({"command": "multi-model.cancelAll", "arguments": []});
    let answer = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    assert_eq!(answer["cancelled"], 2);

    for token in [&implement, &review] {
        let end = ended(&w.client, token).await;
        assert!(
            end["message"].as_str().unwrap().contains("cancelled"),
            "{end}"
        );
    }
    assert!(w.hephaestus.client_hung_up(WAIT).await);
    assert!(w.oracle.client_hung_up(WAIT).await);
    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    assert!(
        with_method(&w.client, "textDocument/publishDiagnostics")
            .iter()
            .all(|m| m["params"]["uri"] != uri)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_without_progress_support_gets_messages_at_start_and_end() {
    let caps =
        json!({"workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true}}});
    let w = world(caps).await;
    w.oracle.on("POST", CHAT, review(json!([])));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;

    let end = w
        .client
        .wait_for(
            |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("findings from")
            },
            WAIT,
        )
        .await;
    assert!(
        end.is_some(),
        "no message at the end: {:#?}",
        w.client.received()
    );
    let messages = with_method(&w.client, "window/showMessage");
    assert!(
        messages[0]["params"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Review with Oracle"),
        "{messages:#?}"
    );
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(with_method(&w.client, "$/progress").is_empty());
    assert!(with_method(&w.client, "window/workDoneProgress/create").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_the_command_request_stops_its_job() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, stalling());
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 3, 0)).await;
    let id = w.client.last_request_id();
    requested(&w.oracle).await;

    w.client.notify("$/cancelRequest", json!({"id": id})).await;

    let end = ended(&w.client, &token).await;
    assert!(
        end["message"].as_str().unwrap().contains("cancelled"),
        "{end}"
    );
    assert!(
        w.oracle.client_hung_up(WAIT).await,
        "the model's stream was not closed"
    );
}

// --- metrics -------------------------------------------------------------------------------

/// The editor's jobs go to the same metrics file as the command line's, and `Show metrics`
/// reports them.
#[tokio::test(flavor = "multi_thread")]
async fn editor_jobs_are_recorded_in_the_metrics_file_and_reported() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, review(json!([])));
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("app.py");
    w.client.open(&uri, APP).await;
    for command in ["multi-model.review", "multi-model.plan"] {
        let token = run(&w.client, command, &uri, range(0, 0, 11, 0)).await;
        ended(&w.client, &token).await;
    }

    let file = w.ws.path().join(".agent/multi_model_metrics.json");
    let log = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let roles: Vec<&str> = entries
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["oracle", "sisyphus"], "{log}");
    assert!(entries.iter().all(|e| e["success"] == true), "{log}");

    let params = json!({"command": "multi-model.metrics", "arguments": []});
    w.client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    w.client
        .wait_for(
            |m| {
                m["method"] == "window/showDocument"
                    && m["params"]["uri"]
                        .as_str()
                        .is_some_and(|u| u.contains("metrics"))
            },
            WAIT,
        )
        .await
        .unwrap_or_else(|| panic!("no metrics report: {:#?}", w.client.received()));
    let (_, text) = w.client.shown_document("metrics").unwrap();
    assert!(!text.contains("No metrics recorded yet"), "{text}");
    assert!(
        text.contains("oracle-model:1") && text.contains("sisyphus-model:1"),
        "{text}"
    );
}

// --- pipelines -----------------------------------------------------------------------------

/// The editor's pipeline takes a depth as the command line's does: at `comprehensive` its
/// first role is given the packed workspace beside the files named.
#[tokio::test(flavor = "multi_thread")]
async fn a_comprehensive_pipeline_gives_its_first_role_the_packed_workspace() {
    let w = world(full_caps()).await;
    crate::support::workspace::write(w.ws.path(), "src/app.py", APP);
    crate::support::workspace::write(
        w.ws.path(),
        "src/shell.py",
        "def quote(arg):\n    return SHELL_QUOTING_RULES[arg]\n",
    );
    w.librarian
        .on("POST", CHAT, answer(&json!({"examples": []}).to_string()));
    w.oracle.on("POST", CHAT, review(json!([])));
    w.sisyphus.on("POST", CHAT, plan());

    let params = json!({"command": "multi-model.pipeline", "arguments": [
        {"kind": "review", "name": "deep", "files": ["src/app.py"], "depth": "comprehensive"}]});
    let started = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    ended(&w.client, started["job"].as_str().unwrap()).await;

    let sent = w.librarian.only_request().body.unwrap()["messages"].to_string();
    assert!(sent.contains("os.system(cmd)"), "the file named: {sent}");
    assert!(
        sent.contains("SHELL_QUOTING_RULES"),
        "the packed workspace: {sent}"
    );
}
