//! A role job: the selection and its context gathered, the role run (with fallback), and
//! the answer delivered — code applied, findings published, a plan or examples opened.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::*;

use super::{JobProgress, ProgressObserver};
use crate::context::{Budget, ContextPiece};
use crate::gather::{Gathered, Selection, gather, packed_workspace};
use crate::lsp::commands::Target;
use crate::lsp::diagnostics;
use crate::lsp::edit::{LINK_TO_WORKSPACE, ResultDoc, open_markdown};
use crate::lsp::edit::{apply_code, offer_code};
use crate::lsp::position::{line_len_without_break, to_char_range};
use crate::lsp::session::Session;
use crate::orchestrator::{ExecuteError, new_job_id, one_line};
use crate::review::{Finding, Origin, Rejections, Severity, anchor};
use crate::role::Role;
use crate::roles::{Fence, RoleInput, RoleOutput};
use crate::task::{RoleCommand, instruction_near};

pub(super) async fn role_job(
    session: &Arc<Session>,
    token: &str,
    cancel: &CancellationToken,
    command: RoleCommand,
    target: Target,
) {
    let role = command.role();
    let Some(document) = session.documents.snapshot(&target.uri) else {
        session
            .client
            .show_message(
                MessageType::WARNING,
                "the document was closed before the job started",
            )
            .await;
        return;
    };
    let path = target.uri.to_file_path().map(|p| p.into_owned());
    // Secrets files never leave the machine, not even redacted.
    let relative = path.as_ref().map(|p| {
        session
            .workspace()
            .and_then(|root| p.strip_prefix(root).ok().map(|r| r.to_path_buf()))
            .unwrap_or_else(|| p.clone())
    });
    if relative
        .as_deref()
        .is_some_and(|p| session.config().privacy.never_send.denies(p))
    {
        let message = format!(
            "{} is on the never-send list (privacy.never_send): it is not sent to any model",
            target.uri.as_str()
        );
        session
            .client
            .show_message(MessageType::WARNING, message)
            .await;
        return;
    }
    let encoding = session.encoding();
    let (chars, _) = to_char_range(&document.rope, target.range, encoding);
    let first_line = document.rope.char_to_line(chars.start);
    let label = relative_label(session, path.as_ref(), &target.uri);
    let selection = ContextPiece {
        label: format!(
            "{label}:{}-{}",
            first_line + 1,
            document.rope.char_to_line(chars.end) + 1
        ),
        text: document.rope.slice(chars.clone()).to_string(),
        first_line: first_line as u32 + 1,
    };
    // Where Hephaestus's code goes, carried through whatever the user types meanwhile; for
    // Oracle, how far the reviewed code moved, since its line numbers are the job-start ones.
    // Hephaestus's mark covers whole lines: typing anywhere on the lines the code replaces
    // or joins (at a cursor, on a blank line) means the code no longer fits them.
    let mark = matches!(role, Role::Hephaestus | Role::Oracle)
        .then(|| {
            let whole_lines = role == Role::Hephaestus;
            session
                .documents
                .mark(&target.uri, chars.clone(), whole_lines)
        })
        .flatten();

    let config = session.config();
    let model = config.agents.get(role).model.clone();
    let progress = Arc::new(
        JobProgress::begin(
            session,
            token,
            command.title().to_string(),
            format!("{role} on {model}"),
        )
        .await,
    );
    let observer = ProgressObserver::attach(progress.clone());
    let orchestrator = session.orchestrator();
    let job = new_job_id();
    let diagnostic_text = target
        .diagnostic
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_default();
    // Nothing typed: an instruction comment at or above the code steers the role instead.
    let left_in_code = target
        .task
        .is_none()
        .then(|| {
            let last_line = document
                .rope
                .char_to_line(chars.end.saturating_sub(1).max(chars.start));
            instruction_near(&document.rope.to_string(), first_line..last_line + 1)
        })
        .flatten();
    let asked = target
        .task
        .clone()
        .or_else(|| left_in_code.as_ref().map(|(_, text)| text.clone()));
    let mut input = RoleInput {
        task: command.task(asked.as_deref(), &diagnostic_text),
        context: vec![selection],
        spec: None,
        notes: Vec::new(),
    };
    let text = document.rope.to_string();
    let bytes = document.rope.char_to_byte(chars.start)..document.rope.char_to_byte(chars.end);
    // Parsing, the offline pass, the context and the index search are CPU work: on a
    // blocking thread, not on the ones that answer requests.
    let prepared = {
        let job = Preparation {
            session: session.clone(),
            uri: target.uri.clone(),
            version: document.version,
            language_id: document.language_id.clone(),
            path: path.clone(),
            label: label.clone(),
            text: text.clone(),
            bytes,
            role,
            review: command == RoleCommand::Review,
            request: asked.clone().unwrap_or_default(),
        };
        crate::background::blocking("preparing the job's context", move || prepare(job)).await
    };
    let Prepared {
        offline_applies,
        offline_all,
        offline,
        gathered,
    } = match prepared {
        Ok(prepared) => prepared,
        Err(failed) => {
            let message = failed.to_string();
            progress.tell(MessageType::ERROR, message.clone()).await;
            observer.finish().await;
            progress.end(message).await;
            return;
        }
    };
    // The selection can start inside a secret (a key block's body): it is cut from the
    // document's whole-file redaction too.
    gathered.secrets.apply(&mut input.context[0]);
    input.context.extend(gathered.pieces);
    let candidates = gathered.candidates;
    // The planner sees the workspace, packed by priority around this file.
    if role == Role::Sisyphus {
        match session.workspace() {
            Some(root) => {
                let (config, focus, live) = (config.clone(), path.clone(), text.clone());
                let tokens = gathered.tokens_left;
                let packed = crate::background::blocking("packing the workspace", move || {
                    packed_workspace(&config, &root, focus.as_ref(), &live, tokens)
                })
                .await;
                match packed {
                    Ok(Ok(pieces)) => input.context.extend(pieces),
                    // The plan goes on with the selection and its file, and the user knows
                    // it was made without the rest of the workspace.
                    failed => {
                        let reason = match failed {
                            Ok(Err(err)) => err.to_string(),
                            Err(failed) => failed.to_string(),
                            Ok(Ok(_)) => unreachable!("matched above"),
                        };
                        let message = format!(
                            "workspace context failed: {reason}; planning without the workspace"
                        );
                        progress.tell(MessageType::WARNING, message).await;
                    }
                }
            }
            None => {
                let mut budget = Budget::new(gathered.tokens_left);
                budget.push(ContextPiece {
                    label: format!("{label} (whole file)"),
                    text: text.clone(),
                    first_line: 1,
                });
                input.context.extend(budget.into_pieces());
            }
        }
    }

    let outcome = if command == RoleCommand::Explain {
        let prompt = crate::roles::oracle::explain_prompt(&diagnostic_text, &input, &Fence::new());
        orchestrator
            .write(role, &prompt, &job, cancel, &observer)
            .await
            .map(|served| {
                (
                    RoleOutput::Examples(crate::roles::Examples {
                        examples: Vec::new(),
                        note: None,
                    }),
                    Some(served.output),
                    served.model,
                )
            })
    } else if command == RoleCommand::Review {
        let candidates = crate::review::candidates(&offline);
        orchestrator
            .review(&input, &candidates, &job, cancel, &observer)
            .await
            .map(|served| (RoleOutput::Review(served.output), None, served.model))
    } else {
        orchestrator
            .execute(role, &input, &job, cancel, &observer)
            .await
            .map(|served| (served.output, None, served.model))
    };

    let end = match outcome {
        Ok((_, Some(explanation), model)) => {
            open_markdown(session, ResultDoc::Explanation, &label, &explanation).await;
            format!("explained by {model}")
        }
        // A redaction marker in the answer stands for a secret the model never saw: applying
        // it would overwrite the real one.
        Ok((RoleOutput::Code(code), None, _)) if code.joined().contains("<redacted:") => {
            let message = "the code contains <redacted:…> markers where secrets were; it was not applied and is in a new document".to_string();
            progress.tell(MessageType::WARNING, message.clone()).await;
            offer_code(session, &code.joined()).await;
            message
        }
        // Data is not code for this file (a `{"findings": …}` answer to a coding task):
        // it is shown, never inserted. In a JSON document it is the code.
        Ok((RoleOutput::Code(code), None, model))
            if code.is_json()
                && !crate::roles::hephaestus::is_json_document(
                    &document.language_id,
                    path.as_deref(),
                ) =>
        {
            let message = format!(
                "{model} answered with JSON, not code for this {} file: nothing was applied; the answer is in a new document",
                document.language_id
            );
            progress.tell(MessageType::WARNING, message.clone()).await;
            offer_code(session, &code.joined()).await;
            message
        }
        Ok((RoleOutput::Code(code), None, model)) => {
            match apply_code(session, &target.uri, mark, &code.joined()).await {
                Some(not_applied) => {
                    progress
                        .tell(MessageType::WARNING, not_applied.clone())
                        .await;
                    not_applied
                }
                None => format!("inserted code from {model}"),
            }
        }
        Ok((RoleOutput::Review(review), None, model)) => {
            // Model findings that repeat an offline one confirm it; the rest are new.
            let rejections = Rejections::for_file(&offline_all);
            let merged = crate::review::merge(&text, offline.clone(), &review, &model, rejections);
            crate::lsp::offline::remember_verdicts(
                session,
                &target.uri,
                &text,
                &offline_all,
                &merged.findings,
            );
            crate::lsp::offline::refresh(session, &target.uri);
            let new: Vec<&Finding> = merged
                .findings
                .iter()
                .filter(|f| f.origin == Origin::Model)
                .collect();
            let reviewed_now = mark.and_then(|id| session.documents.resolve(&target.uri, id));
            let shift = reviewed_now.as_ref().map_or(0, |(now, _, rope)| {
                rope.char_to_line(now.start) as i64 - first_line as i64
            });
            let reviewed = reviewed_now.map(|(now, _, _)| now);
            let (shown, dropped) =
                publish_review(session, &target.uri, &text, shift, reviewed, &new).await;
            let dropped = dropped + merged.unanchored + review.dropped;
            let confirmed = merged
                .findings
                .iter()
                .filter(|f| f.origin == Origin::Both)
                .count();
            let rejected = merged
                .findings
                .iter()
                .filter(|f| f.rejected.is_some() && f.severity == Severity::Hint)
                .count();
            let disputed = merged
                .findings
                .iter()
                .filter(|f| f.rejected.is_some() && f.severity != Severity::Hint)
                .count();
            let mut notes = Vec::new();
            if !offline.is_empty() {
                notes.push(format!(
                    "of {} offline findings, {confirmed} confirmed, {rejected} rejected",
                    offline.len()
                ));
            }
            if 0 < disputed {
                notes.push(format!(
                    "{disputed} disputed by the model and kept (high confidence, or the file addresses an AI reviewer)"
                ));
            }
            if 0 < dropped {
                notes.push(format!("{dropped} dropped: not found in the code"));
            }
            format!(
                "{shown} new findings from {model}{}",
                if notes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", notes.join("; "))
                }
            )
        }
        Ok((RoleOutput::Examples(examples), None, model)) => {
            let text = examples.linked_from(LINK_TO_WORKSPACE);
            open_markdown(session, ResultDoc::Examples, &label, &text).await;
            format!("examples from {model}")
        }
        Ok((output, None, model)) => {
            open_markdown(session, ResultDoc::Plan, &label, &output.to_markdown()).await;
            format!("plan from {model}")
        }
        Err(ExecuteError::Cancelled) => "cancelled; nothing was applied".to_string(),
        // No Oracle model could answer: the offline pass's findings are the review.
        Err(err) if offline_applies => {
            crate::lsp::offline::refresh(session, &target.uri);
            diagnostics::publish(session, &target.uri).await;
            let message = format!(
                "Model review skipped, showing the offline pass's {} finding(s) — {}",
                offline.len(),
                one_line(&err),
            );
            progress.tell(MessageType::WARNING, message).await;
            format!("{} offline findings; model review skipped", offline.len())
        }
        // No librarian model could answer: the index's own ranking is the answer.
        Err(err) if role == Role::Librarian => {
            let examples = crate::index::local_answer(candidates.clone(), &one_line(&err));
            open_markdown(
                session,
                ResultDoc::Examples,
                &label,
                &examples.linked_from(LINK_TO_WORKSPACE),
            )
            .await;
            format!("{} examples from the local index", examples.examples.len())
        }
        // Prose where code was asked, on every model: the answer may still help the user,
        // as a document; nothing is inserted.
        Err(err) if role == Role::Hephaestus && unusable_answer(&err).is_some() => {
            let answer = unusable_answer(&err).unwrap_or_default();
            let message = "Hephaestus answered in prose, not code: nothing was applied; the answer is in a new document".to_string();
            progress.tell(MessageType::WARNING, message.clone()).await;
            session.log(MessageType::WARNING, one_line(&err));
            open_markdown(session, ResultDoc::Code, "hephaestus", &answer).await;
            message
        }
        Err(err) => {
            // One line on screen; every attempt in the log.
            progress.tell(MessageType::ERROR, one_line(&err)).await;
            session.log(MessageType::ERROR, err.to_string());
            format!("{role} failed")
        }
    };
    if let Some(id) = mark {
        session.documents.unmark(&target.uri, &[id]);
    }
    let end = match &left_in_code {
        Some((line, instruction)) => {
            format!("{end} — following line {}: “{instruction}”", line + 1)
        }
        None => end,
    };
    observer.finish().await;
    progress.end(end).await;
}

/// What `prepare` works from: a role job's document, as the job saw it.
struct Preparation {
    session: Arc<Session>,
    uri: Uri,
    version: i32,
    language_id: String,
    path: Option<PathBuf>,
    label: String,
    text: String,
    bytes: std::ops::Range<usize>,
    role: Role,
    /// *Review with Oracle*: the offline pass's findings are wanted too.
    review: bool,
    request: String,
}

/// What a role job is given besides its selection.
struct Prepared {
    /// Whether the offline pass covers this review (on, and the language has rules).
    offline_applies: bool,
    /// The offline pass's findings in the whole document, and in the selection (the
    /// Oracle's candidates; without a model, the review).
    offline_all: Vec<crate::review::Finding>,
    offline: Vec<crate::review::Finding>,
    gathered: Gathered,
}

/// The document's parse (if it is the parse of the job's text), the offline findings for
/// a review, and the context gathered around the selection. Blocks: CPU work.
fn prepare(job: Preparation) -> Prepared {
    let session = &job.session;
    let config = session.config();
    let parsed = session
        .documents
        .parsed(&job.uri)
        .filter(|(_, _, version)| *version == job.version)
        .map(|(parsed, _, _)| parsed);
    let offline_applies = job.review
        && config.review.offline
        && crate::review::reviewable(job.path.as_deref(), Some(&job.language_id));
    let offline_all = match &parsed {
        Some(parsed) if offline_applies => {
            crate::lsp::offline::findings_of(parsed, &job.uri, &job.text)
        }
        _ => Vec::new(),
    };
    let offline = offline_all
        .iter()
        .filter(|f| f.bytes.start < job.bytes.end && job.bytes.start < f.bytes.end)
        .cloned()
        .collect();
    let rel = crate::lsp::indexing::relative(session, &job.uri);
    let selection = Selection {
        role: job.role,
        label: &job.label,
        text: &job.text,
        bytes: job.bytes.clone(),
        parsed: parsed.as_ref(),
        language: crate::syntax::language_for(job.path.as_deref(), Some(&job.language_id)),
        rel: rel.as_deref(),
        request: &job.request,
    };
    let read = |rel: &str| crate::lsp::indexing::read(session, rel);
    let gathered = session
        .index
        .read(|index| gather(&config, &selection, Some(index), read))
        .unwrap_or_else(|| gather(&config, &selection, None, read));
    Prepared {
        offline_applies,
        offline_all,
        offline,
        gathered,
    }
}

fn relative_label(session: &Arc<Session>, path: Option<&PathBuf>, uri: &Uri) -> String {
    match (path, session.workspace()) {
        (Some(path), Some(root)) => path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string(),
        (Some(path), None) => path.display().to_string(),
        (None, _) => uri.as_str().to_string(),
    }
}

/// One message that says which role and model failed, how, and what to do.
/// The last answer a model gave that could not be used, if the job failed on one.
fn unusable_answer(err: &ExecuteError) -> Option<String> {
    let ExecuteError::Exhausted { attempts, .. } = err else {
        return None;
    };
    attempts
        .iter()
        .rev()
        .find_map(|a| a.answer.clone())
        .filter(|answer| !answer.trim().is_empty())
}

/// Places the model's own findings (anchored in `reviewed_text`, the text the job started
/// from) in the document as it is now — each by its line's text, near where that line
/// moved (`shift`) — replaces the model's previous findings in the code that was reviewed
/// (`reviewed`, where it is now; the whole file when unknown), so a review of one function
/// leaves the findings elsewhere alone, and publishes. Returns (shown, dropped).
async fn publish_review(
    session: &Arc<Session>,
    uri: &Uri,
    reviewed_text: &str,
    shift: i64,
    reviewed: Option<std::ops::Range<usize>>,
    findings: &[&Finding],
) -> (usize, usize) {
    let mut stored = Vec::new();
    let mut dropped = 0;
    // Marks are placed by offsets in a snapshot: if the user typed meanwhile, place again.
    for _ in 0..3 {
        let Some(document) = session.documents.snapshot(uri) else {
            break;
        };
        let (rope, text) = (&document.rope, document.rope.to_string());
        let placed: Vec<u64> = stored.drain(..).map(|(id, _)| id).collect();
        session.documents.unmark(uri, &placed);
        dropped = 0;
        for finding in findings {
            let quote = reviewed_text
                .lines()
                .nth(finding.start.line as usize)
                .unwrap_or_default();
            let claimed = (i64::from(finding.start.line) + shift).max(0) as usize;
            let Some(at) = anchor(&text, claimed, quote) else {
                dropped += 1;
                continue;
            };
            let line_start = rope.line_to_char(at.line);
            let line_len = line_len_without_break(rope, at.line);
            let column = (finding.start.column as usize).min(line_len);
            let chars = line_start + column..line_start + line_len.max(column);
            let Some(id) = session.documents.mark(uri, chars, true) else {
                continue;
            };
            stored.push((id, diagnostics::diagnostic(finding, None)));
        }
        if session.documents.snapshot(uri).map(|d| d.version) == Some(document.version) {
            break;
        }
    }
    let shown = stored.len();
    session
        .diagnostics
        .replace(session, uri, diagnostics::Pass::Model, reviewed, stored);
    diagnostics::publish(session, uri).await;
    (shown, dropped)
}
