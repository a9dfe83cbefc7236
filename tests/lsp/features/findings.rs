//! *Review with Oracle*: the model's findings as diagnostics at the lines they quote,
//! following edits, replaced by the next review; Fix and Explain on a finding.

use std::time::Duration;

use serde_json::{Value, json};

use super::{APP, CHAT, World, barrier, finding, published, requested, review, with_method, world};
use crate::support::editor::{ended, full_caps, is_progress, range, run};
use crate::support::lsp::WAIT;
use crate::support::mock::Reply;
use crate::support::workspace::answer;

// --- Oracle: findings as diagnostics -----------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn review_answers_with_a_job_then_reports_progress_and_publishes_findings_at_the_quoted_lines()
 {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([
            // The model's lines are off by two; its quotes are not.
            finding(
                "CRITICAL",
                8,
                "os.system(cmd)",
                "Shell injection",
                json!("CWE-78")
            ),
            finding("HIGH", 7, "def run(cmd):", "Unchecked command", Value::Null),
            finding(
                "MEDIUM",
                9,
                "hashlib.md5(password.encode())",
                "Weak hash",
                json!("CWE-328")
            ),
            finding("LOW", 4, "import subprocess", "Unused import", Value::Null),
            finding(
                "HIGH",
                5,
                "eval(user_input)",
                "Eval of input",
                json!("CWE-95")
            ),
        ])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;

    let created = w
        .client
        .wait_for(
            |m| m["method"] == "window/workDoneProgress/create" && m["params"]["token"] == token,
            WAIT,
        )
        .await;
    assert_eq!(created.unwrap()["params"]["token"], token);
    let begin = w
        .client
        .wait_for(|m| is_progress(m, &token, "begin"), WAIT)
        .await
        .unwrap();
    assert_eq!(begin["params"]["value"]["title"], "Review with Oracle");
    assert_eq!(begin["params"]["value"]["cancellable"], true);
    let end = ended(&w.client, &token).await;
    barrier(&w.client).await;
    let progress: Vec<Value> = with_method(&w.client, "$/progress")
        .into_iter()
        .filter(|m| m["params"]["token"] == token)
        .collect();
    assert!(progress.iter().any(|m| is_progress(m, &token, "report")));
    assert!(
        is_progress(progress.last().unwrap(), &token, "end"),
        "nothing after the end: {progress:#?}"
    );
    assert!(
        end["message"].as_str().unwrap().contains("1 dropped"),
        "{end}"
    );

    let diagnostics = published(&w.client, &uri, |d| !d.is_empty()).await;
    let at = |line: u32| {
        diagnostics
            .iter()
            .find(|d| d["range"]["start"]["line"] == line)
            .cloned()
    };
    let shell = at(5).expect("the shell injection on the line it quoted");
    assert_eq!(shell["range"], range(5, 4, 5, 18));
    assert_eq!(shell["severity"], 1);
    assert!(
        shell["source"].as_str().unwrap().starts_with("multi-model"),
        "{shell}"
    );
    assert_eq!(shell["code"], "CWE-78");
    assert_eq!(
        shell["codeDescription"]["href"],
        "https://cwe.mitre.org/data/definitions/78.html"
    );
    assert_eq!(at(4).expect("the HIGH finding")["severity"], 1);
    assert_eq!(at(10).expect("the MEDIUM finding")["severity"], 2);
    assert_eq!(at(1).expect("the LOW finding")["severity"], 3);
    assert_eq!(
        diagnostics.len(),
        4,
        "the finding quoting nothing is not published: {diagnostics:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_moves_down_when_lines_are_inserted_above_it() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "HIGH",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["range"]["start"]["line"] == 5
    })
    .await;

    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "# one\n# two\n"}]),
        )
        .await;

    let moved = published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["range"]["start"]["line"] == 7
    })
    .await;
    assert_eq!(moved[0]["range"], range(7, 4, 7, 18));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_lands_on_its_quoted_line_when_lines_were_inserted_above_during_the_review() {
    let w = world(full_caps()).await;
    let findings = json!([finding(
        "HIGH",
        6,
        "os.system(cmd)",
        "Shell injection",
        json!("CWE-78")
    )]);
    w.oracle.on(
        "POST",
        CHAT,
        review(findings).delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    requested(&w.oracle).await;

    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "# one\n# two\n"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    let diagnostics = published(&w.client, &uri, |d| !d.is_empty()).await;
    assert_eq!(
        diagnostics[0]["range"],
        range(7, 4, 7, 18),
        "{diagnostics:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_finding_disappears_when_its_line_is_edited() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "HIGH",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| d.len() == 1).await;

    // `os.system(cmd)` becomes `os.system(shlex.quote(cmd))`.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(5, 14, 5, 17), "text": "shlex.quote(cmd)"}]),
        )
        .await;

    published(&w.client, &uri, <[Value]>::is_empty).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_review_replaces_the_first_reviews_findings() {
    let w = world(full_caps()).await;
    w.oracle
        .on(
            "POST",
            CHAT,
            review(json!([finding(
                "HIGH",
                6,
                "os.system(cmd)",
                "Shell injection",
                json!("CWE-78")
            )])),
        )
        .on(
            "POST",
            CHAT,
            review(json!([finding(
                "MEDIUM",
                11,
                "hashlib.md5(password.encode())",
                "Weak hash",
                json!("CWE-328")
            )])),
        );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let first = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &first).await;
    published(&w.client, &uri, |d| {
        d.len() == 1 && d[0]["code"] == "CWE-78"
    })
    .await;

    let second = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &second).await;

    let now = published(&w.client, &uri, |d| {
        d.iter().any(|d| d["code"] == "CWE-328")
    })
    .await;
    assert_eq!(now.len(), 1, "the first review's finding is gone: {now:#?}");
}

// --- Fix and Explain on a finding ----------------------------------------------------------

/// A review with one shell-injection finding on `os.system(cmd)`, then its diagnostic.
/// `next` is what Oracle answers after the review (the mock repeats a route's last reply).
async fn reviewed(w: &World, uri: &str, next: Option<Reply>) -> Value {
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "CRITICAL",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    if let Some(next) = next {
        w.oracle.on("POST", CHAT, next);
    }
    w.client.open(uri, APP).await;
    let token = run(&w.client, "multi-model.review", uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, uri, |d| d.len() == 1).await.remove(0)
}

/// A review of one function replaces the model's findings there, not in the whole file; a
/// review of the whole file replaces them all.
#[tokio::test(flavor = "multi_thread")]
async fn a_review_replaces_the_models_findings_only_in_the_code_it_reviewed() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let shell = reviewed(&w, &uri, Some(review(json!([])))).await;

    // `digest` alone, where the model now finds nothing.
    let token = run(&w.client, "multi-model.review", &uri, range(8, 0, 10, 53)).await;
    ended(&w.client, &token).await;
    let last = with_method(&w.client, "textDocument/publishDiagnostics")
        .into_iter()
        .rfind(|m| m["params"]["uri"] == uri)
        .unwrap();
    assert_eq!(last["params"]["diagnostics"], json!([shell]), "{last}");

    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    published(&w.client, &uri, |d| d.is_empty()).await;
}

/// Runs a command on a diagnostic the way the code action carries it.
async fn run_on_finding(w: &World, command: &str, uri: &str, diagnostic: &Value) -> String {
    let target = json!({"uri": uri, "range": diagnostic["range"], "version": w.client.version(uri), "diagnostic": diagnostic});
    let params = json!({"command": command, "arguments": [target]});
    let answer = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    answer["job"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn fix_with_hephaestus_replaces_the_flagged_code_and_sends_the_finding() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let diagnostic = reviewed(&w, &uri, None).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nsubprocess.run(shlex.split(cmd), check=True)\n```\n"),
    );

    let token = run_on_finding(&w, "multi-model.fix", &uri, &diagnostic).await;
    ended(&w.client, &token).await;

    let sent = w.hephaestus.only_request().body.unwrap()["messages"].to_string();
    assert!(
        sent.contains("Shell injection"),
        "the fix is asked for the finding: {sent}"
    );
    let text = w.client.text(&uri);
    assert!(
        text.contains("    subprocess.run(shlex.split(cmd), check=True)\n"),
        "{text}"
    );
    assert!(!text.contains("os.system(cmd)"), "{text}");
}

/// The answer's new import joins the file's imports, in the same versioned edit as the fix:
/// the fixed line is not left with an `import` inside a function body.
#[tokio::test(flavor = "multi_thread")]
async fn a_fix_whose_answer_needs_an_import_puts_it_with_the_files_imports() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let diagnostic = reviewed(&w, &uri, None).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nimport shlex\n\nsubprocess.run(shlex.split(cmd), check=True)\n```\n"),
    );

    let token = run_on_finding(&w, "multi-model.fix", &uri, &diagnostic).await;
    ended(&w.client, &token).await;

    assert_eq!(
        w.client.text(&uri),
        APP.replace("import subprocess\n", "import subprocess\nimport shlex\n")
            .replace(
                "    os.system(cmd)\n",
                "    subprocess.run(shlex.split(cmd), check=True)\n"
            )
    );
    let edits: Vec<Value> = with_method(&w.client, "workspace/applyEdit")
        .into_iter()
        .filter(|m| m["params"]["edit"].to_string().contains("shlex"))
        .collect();
    assert_eq!(
        edits.len(),
        1,
        "one edit, imports and fix together: {edits:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn explain_finding_opens_oracles_explanation() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    let explanation = answer("## Why\n\n`cmd` reaches a shell.\n");
    let diagnostic = reviewed(&w, &uri, Some(explanation)).await;

    let token = run_on_finding(&w, "multi-model.explain", &uri, &diagnostic).await;
    ended(&w.client, &token).await;

    let (_, text) = w
        .client
        .shown_document("/.agent/explanations/")
        .unwrap_or_else(|| panic!("{:#?}", w.client.received()));
    assert!(text.contains("`cmd` reaches a shell."), "{text}");
}
