//! What a finished job gives the editor: a plan or examples opened as a document, code
//! applied as one versioned edit, findings published as diagnostics — or one actionable
//! message saying what failed and what to do.

use std::path::PathBuf;
use std::sync::Arc;

use dashmap::DashMap;
use ropey::Rope;
use tokio_util::sync::CancellationToken;
use tower_lsp_server::ls_types::*;

use super::commands::{self, DIAGNOSTIC_SOURCE, Target};
use super::jobs::{JobKind, JobProgress, ProgressObserver};
use super::position::{line_len_without_break, to_char_range, to_range};
use super::server::Inner;
use crate::config::ProcessEnv;
use crate::context::Budget;
use crate::context::ContextPiece;
use crate::gather::{Gathered, Selection, gather, packed_workspace};
use crate::orchestrator::{ExecuteError, RunDir, new_job_id, one_line, run_pipeline};
use crate::review::{anchor, cwe_link};
use crate::role::Role;
use crate::roles::{Fence, Finding, RoleInput, RoleOutput, Severity};

/// Oracle's findings per document, each on a mark that follows edits.
#[derive(Default)]
pub struct Findings {
    map: DashMap<Uri, Vec<(u64, Diagnostic)>>,
    /// One publication at a time: each reads the state when it gets its turn, so the last
    /// one sent is always the newest, however the tasks were scheduled.
    publishing: tokio::sync::Mutex<()>,
}

impl Findings {
    pub fn has(&self, uri: &Uri) -> bool {
        self.map.get(uri).is_some_and(|f| !f.is_empty())
    }

    pub fn forget(&self, uri: &Uri) {
        self.map.remove(uri);
    }
}

/// Runs a job to its end: progress begins, the work runs, the result is delivered, progress ends.
pub async fn run(inner: &Arc<Inner>, token: &str, cancel: &CancellationToken, kind: JobKind) {
    // Fail closed: with a broken configuration the built-in defaults would send the code
    // to services the user never chose. The metrics report reads only a local file.
    if !matches!(kind, JobKind::Metrics)
        && let Err(refusal) = inner.usable_config().await
    {
        let progress = JobProgress::begin(inner, token, job_title(&kind), String::new()).await;
        inner.log(MessageType::ERROR, refusal.clone());
        inner.client.show_message(MessageType::ERROR, refusal).await;
        progress
            .end("configuration broken: nothing sent".into())
            .await;
        return;
    }
    match kind {
        JobKind::Role { command, target } => {
            role_job(inner, token, cancel, &command, *target).await
        }
        JobKind::Pipeline(request) => pipeline_job(inner, token, cancel, request).await,
        JobKind::Metrics => metrics_job(inner).await,
        JobKind::Doctor => doctor_job(inner, token).await,
    }
    inner.report_metrics_failures();
}

fn job_title(kind: &JobKind) -> String {
    match kind {
        JobKind::Role { command, .. } => title(command),
        JobKind::Pipeline(request) => format!("{} pipeline", request.kind),
        JobKind::Metrics => "Metrics".into(),
        JobKind::Doctor => "Doctor".into(),
    }
}

async fn role_job(
    inner: &Arc<Inner>,
    token: &str,
    cancel: &CancellationToken,
    command: &str,
    target: Target,
) {
    let Some(role) = commands::role_of(command) else {
        return;
    };
    let Some(document) = inner.documents.snapshot(&target.uri) else {
        inner
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
        inner
            .workspace()
            .and_then(|root| p.strip_prefix(root).ok().map(|r| r.to_path_buf()))
            .unwrap_or_else(|| p.clone())
    });
    if relative
        .as_deref()
        .is_some_and(|p| inner.config().privacy.never_send.denies(p))
    {
        let message = format!(
            "{} is on the never-send list (privacy.never_send): it is not sent to any model",
            target.uri.as_str()
        );
        inner
            .client
            .show_message(MessageType::WARNING, message)
            .await;
        return;
    }
    let encoding = inner.encoding();
    let (chars, _) = to_char_range(&document.rope, target.range, encoding);
    let first_line = document.rope.char_to_line(chars.start);
    let label = relative_label(inner, path.as_ref(), &target.uri);
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
    let mark = matches!(role, Role::Hephaestus | Role::Oracle)
        .then(|| inner.documents.mark(&target.uri, chars.clone(), false))
        .flatten();

    let config = inner.config();
    let model = config.agents.get(role).model.clone();
    let progress = Arc::new(
        JobProgress::begin(inner, token, title(command), format!("{role} on {model}")).await,
    );
    let observer = ProgressObserver::attach(progress.clone());
    let orchestrator = inner.orchestrator();
    let job = new_job_id();
    let diagnostic_text = target
        .diagnostic
        .as_ref()
        .map(|d| d.message.clone())
        .unwrap_or_default();
    let mut input = RoleInput {
        task: task_text(command, &target, &diagnostic_text),
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
            inner: inner.clone(),
            uri: target.uri.clone(),
            version: document.version,
            language_id: document.language_id.clone(),
            path: path.clone(),
            label: label.clone(),
            text: text.clone(),
            bytes,
            role,
            review: command == commands::REVIEW,
            request: target.task.clone().unwrap_or_default(),
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
            inner.log(MessageType::ERROR, message.clone());
            inner
                .client
                .show_message(MessageType::ERROR, message.clone())
                .await;
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
        match inner.workspace() {
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
                        inner.log(MessageType::ERROR, message.clone());
                        inner
                            .client
                            .show_message(MessageType::WARNING, message)
                            .await;
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

    let outcome = if command == commands::EXPLAIN {
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
    } else if command == commands::REVIEW {
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
            open_markdown(inner, "explanations", "finding", &explanation).await;
            format!("explained by {model}")
        }
        // A redaction marker in the answer stands for a secret the model never saw: applying
        // it would overwrite the real one.
        Ok((RoleOutput::Code(code), None, _)) if code.joined().contains("<redacted:") => {
            let message = "the code contains <redacted:…> markers where secrets were; it was not applied and is in a new document".to_string();
            inner
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            offer_code(inner, &code.joined()).await;
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
            inner
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            offer_code(inner, &code.joined()).await;
            message
        }
        Ok((RoleOutput::Code(code), None, model)) => {
            apply_code(inner, &target.uri, mark, &code.joined())
                .await
                .unwrap_or_else(|| format!("inserted code from {model}"))
        }
        Ok((RoleOutput::Review(review), None, model)) => {
            // Model findings that repeat an offline one confirm it; the rest are new.
            let rejections = crate::review::Rejections::for_file(&offline_all);
            let merged = crate::review::merge(&text, offline.clone(), &review, &model, rejections);
            super::review::remember_verdicts(
                inner,
                &target.uri,
                &text,
                &offline_all,
                &merged.findings,
            );
            super::review::refresh(inner, &target.uri);
            let new: Vec<Finding> = review
                .findings
                .iter()
                .enumerate()
                .filter(|(i, _)| !merged.folded.contains(i))
                .map(|(_, f)| f.clone())
                .collect();
            let reviewed_now = mark.and_then(|id| inner.documents.resolve(&target.uri, id));
            let shift = reviewed_now.as_ref().map_or(0, |(now, _, rope)| {
                rope.char_to_line(now.start) as i64 - first_line as i64
            });
            let reviewed = reviewed_now.map(|(now, _, _)| now);
            let (shown, dropped) =
                publish_review(inner, &target.uri, shift, reviewed, &new, &model).await;
            let dropped = dropped + review.dropped;
            let confirmed = merged
                .findings
                .iter()
                .filter(|f| f.origin == crate::review::Origin::Both)
                .count();
            let rejected = merged
                .findings
                .iter()
                .filter(|f| f.rejected.is_some() && f.severity == crate::review::Severity::Hint)
                .count();
            let disputed = merged
                .findings
                .iter()
                .filter(|f| f.rejected.is_some() && f.severity != crate::review::Severity::Hint)
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
        Ok((output, None, model)) => {
            let folder = if role == Role::Librarian {
                "examples"
            } else {
                "plans"
            };
            open_markdown(inner, folder, &label, &output.to_markdown()).await;
            format!(
                "{} from {model}",
                if role == Role::Librarian {
                    "examples"
                } else {
                    "plan"
                }
            )
        }
        Err(ExecuteError::Cancelled) => "cancelled; nothing was applied".to_string(),
        // No Oracle model could answer: the offline pass's findings are the review.
        Err(err) if offline_applies => {
            super::review::refresh(inner, &target.uri);
            publish_findings(inner, &target.uri).await;
            let message = format!(
                "Model review skipped — {}\nShowing the offline pass's {} finding(s) in the selection.",
                one_line(&err),
                offline.len()
            );
            inner
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            inner.log(MessageType::WARNING, message);
            format!("{} offline findings; model review skipped", offline.len())
        }
        // No librarian model could answer: the index's own ranking is the answer.
        Err(err) if role == Role::Librarian => {
            let examples = crate::index::local_answer(candidates.clone(), &one_line(&err));
            open_markdown(inner, "examples", &label, &examples.to_markdown()).await;
            format!("{} examples from the local index", examples.examples.len())
        }
        // Prose where code was asked, on every model: the answer may still help the user,
        // as a document; nothing is inserted.
        Err(err) if role == Role::Hephaestus && unusable_answer(&err).is_some() => {
            let answer = unusable_answer(&err).unwrap_or_default();
            let message = "Hephaestus answered in prose, not code: nothing was applied; the answer is in a new document".to_string();
            inner
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            inner.log(MessageType::WARNING, one_line(&err));
            open_markdown(inner, "code", "hephaestus", &answer).await;
            message
        }
        Err(err) => {
            // One line on screen; every attempt in the log.
            inner
                .client
                .show_message(MessageType::ERROR, one_line(&err))
                .await;
            inner.log(MessageType::ERROR, err.to_string());
            format!("{role} failed")
        }
    };
    if let Some(id) = mark {
        inner.documents.unmark(&target.uri, &[id]);
    }
    observer.finish().await;
    progress.end(end).await;
}

/// What `prepare` works from: a role job's document, as the job saw it.
struct Preparation {
    inner: Arc<Inner>,
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
    let inner = &job.inner;
    let config = inner.config();
    let parsed = inner
        .documents
        .parsed(&job.uri)
        .filter(|(_, _, version)| *version == job.version)
        .map(|(parsed, _, _)| parsed);
    let offline_applies = job.review
        && config.review.offline
        && crate::review::reviewable(job.path.as_deref(), Some(&job.language_id));
    let offline_all = match &parsed {
        Some(parsed) if offline_applies => super::review::findings_of(parsed, &job.uri, &job.text),
        _ => Vec::new(),
    };
    let offline = offline_all
        .iter()
        .filter(|f| f.bytes.start < job.bytes.end && job.bytes.start < f.bytes.end)
        .cloned()
        .collect();
    let rel = super::indexing::relative(inner, &job.uri);
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
    let read = |rel: &str| super::indexing::read(inner, rel);
    let gathered = inner
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

fn title(command: &str) -> String {
    match command {
        commands::PLAN => "Plan with Sisyphus",
        commands::IMPLEMENT => "Implement with Hephaestus",
        commands::FIX => "Fix with Hephaestus",
        commands::REVIEW => "Review with Oracle",
        commands::EXPLAIN => "Explain finding",
        commands::EXAMPLES => "Find examples with Librarian",
        _ => "multi-model",
    }
    .to_string()
}

fn task_text(command: &str, target: &Target, diagnostic: &str) -> String {
    let asked = target
        .task
        .as_deref()
        .map(|t| format!(" The developer asks: {t}"))
        .unwrap_or_default();
    let base = match command {
        commands::PLAN => "Plan the changes this code needs.".to_string(),
        commands::IMPLEMENT => "Replace the selected code with a complete implementation of what it describes (fill in stubs, TODOs and docstrings' promises). Answer with the code that replaces the selection.".to_string(),
        commands::FIX => format!("Fix this problem in the selected code, and answer with the code that replaces the selection: {diagnostic}"),
        commands::REVIEW => "Review the selected code.".to_string(),
        commands::EXAMPLES => "Find examples of code like the selection, and places that use it.".to_string(),
        _ => String::new(),
    };
    format!("{base}{asked}")
}

fn relative_label(inner: &Arc<Inner>, path: Option<&PathBuf>, uri: &Uri) -> String {
    match (path, inner.workspace()) {
        (Some(path), Some(root)) => path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string(),
        (Some(path), None) => path.display().to_string(),
        (None, _) => uri.as_str().to_string(),
    }
}

/// Writes Markdown under `<workspace>/.agent/<folder>/` and opens it. Returns the path.
async fn open_markdown(
    inner: &Arc<Inner>,
    folder: &str,
    name: &str,
    contents: &str,
) -> Option<PathBuf> {
    let root = inner
        .workspace()
        .unwrap_or_else(|| std::env::temp_dir().join("multi-model"));
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug.trim_matches('-').chars().take(48).collect::<String>();
    let path = root
        .join(".agent")
        .join(folder)
        .join(format!("{stamp}-{slug}.md"));
    let uri = Uri::from_file_path(&path)?;
    let caps = inner.caps();
    let mut written = false;
    if caps.apply_edit && caps.create_files {
        let edit = WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(vec![
                DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri: uri.clone(),
                    options: None,
                    annotation_id: None,
                })),
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: uri.clone(),
                        version: None,
                    },
                    edits: vec![OneOf::Left(TextEdit::new(
                        Range::default(),
                        contents.to_string(),
                    ))],
                }),
            ])),
            ..WorkspaceEdit::default()
        };
        written = inner.client.apply_edit(edit).await.is_ok_and(|r| r.applied);
    }
    if !written {
        let io =
            std::fs::create_dir_all(path.parent()?).and_then(|()| std::fs::write(&path, contents));
        if let Err(err) = io {
            inner
                .client
                .show_message(
                    MessageType::ERROR,
                    format!("cannot write {}: {err}", path.display()),
                )
                .await;
            return None;
        }
    }
    let shown = caps.show_document
        && inner
            .client
            .show_document(ShowDocumentParams {
                uri,
                external: Some(false),
                take_focus: Some(true),
                selection: None,
            })
            .await
            .unwrap_or(false);
    if !shown {
        inner
            .client
            .show_message(
                MessageType::INFO,
                format!("multi-model wrote {}", path.display()),
            )
            .await;
    }
    Some(path)
}

/// Code that could not be applied goes to a new document instead: never lost.
async fn offer_code(inner: &Arc<Inner>, code: &str) {
    open_markdown(inner, "code", "hephaestus", &format!("```\n{code}```\n")).await;
}

/// Applies code where the mark now is, as one versioned edit; retried if the user typed
/// between our read and the client's apply. `Some(message)` when it could not be applied.
async fn apply_code(
    inner: &Arc<Inner>,
    uri: &Uri,
    mark: Option<u64>,
    code: &str,
) -> Option<String> {
    if !inner.caps().apply_edit {
        let message = "this editor does not accept edits from the server (no workspace.applyEdit); the code is in a new document".to_string();
        offer_code(inner, code).await;
        return Some(message);
    }
    for _ in 0..3 {
        let Some((chars, version, rope)) = mark.and_then(|id| inner.documents.resolve(uri, id))
        else {
            let message = "the selection was edited (or closed) while Hephaestus worked: nothing was changed; the code is in a new document".to_string();
            inner
                .client
                .show_message(MessageType::WARNING, message.clone())
                .await;
            offer_code(inner, code).await;
            return Some(message);
        };
        let mut text = indent_for(&rope, chars.start, code);
        // The answer's final line break stands for the selection's own: when the selection
        // ends inside a line (its break stays), keeping both would add a blank line.
        if rope.line_to_char(rope.char_to_line(chars.end)) != chars.end && text.ends_with('\n') {
            text.pop();
        }
        let range = to_range(&rope, chars, inner.encoding());
        let edit = WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version: Some(version),
                },
                edits: vec![OneOf::Left(TextEdit::new(range, text))],
            }])),
            ..WorkspaceEdit::default()
        };
        match inner.client.apply_edit(edit).await {
            Ok(response) if response.applied => return None,
            // A version mismatch: the user typed in between. Read again and retry.
            Ok(_) => continue,
            Err(err) => return Some(format!("the editor did not apply the code: {err}")),
        }
    }
    let message = "the editor kept rejecting the edit (the document changed each time); the code is in a new document".to_string();
    offer_code(inner, code).await;
    Some(message)
}

/// Re-indents `code` for insertion at `at`: its common indentation removed, the insertion
/// line's indentation added to every line after the first (the first continues the line).
fn indent_for(rope: &Rope, at: usize, code: &str) -> String {
    let line = rope.char_to_line(at);
    let line_text = rope.line(line).to_string();
    let indentation = if line_text.trim_end_matches(['\n', '\r']).is_empty() {
        // Editors often strip the whitespace of an empty line: its surroundings tell.
        blank_line_indentation(rope, line)
    } else {
        leading_whitespace(&line_text)
    };
    let at_column = at - rope.line_to_char(line);
    let common = code
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, l) in code.trim_end_matches('\n').lines().enumerate() {
        if 0 < i {
            out.push('\n');
            if !l.trim().is_empty() {
                out.push_str(&indentation);
            }
        } else if at_column < indentation.chars().count() {
            out.push_str(&indentation[at_column.min(indentation.len())..]);
        }
        out.push_str(
            l.get(common.min(l.len() - l.trim_start().len())..)
                .unwrap_or(l),
        );
    }
    if code.ends_with('\n') && !out.is_empty() {
        out.push('\n');
    }
    out
}

fn leading_whitespace(line: &str) -> String {
    line.chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect()
}

/// The indentation code on the empty line `line` belongs at: one level in after a line
/// that opens a block (`:` or `{` at its end); else the shallower of the lines around it,
/// so a blank line between two statements stays in their block and one before a dedent
/// goes out with it; at the end of the file, the last line's.
fn blank_line_indentation(rope: &Rope, line: usize) -> String {
    let text_of = |i: usize| rope.line(i).to_string();
    let previous = (0..line).rev().map(text_of).find(|l| !l.trim().is_empty());
    let next = (line + 1..rope.len_lines())
        .map(text_of)
        .find(|l| !l.trim().is_empty());
    let before = previous
        .as_deref()
        .map(leading_whitespace)
        .unwrap_or_default();
    let after = next
        .as_deref()
        .map(leading_whitespace)
        .unwrap_or_else(|| before.clone());
    let opens = previous
        .as_deref()
        .is_some_and(|l| l.trim_end().ends_with(':') || l.trim_end().ends_with('{'));
    if opens {
        if before.len() < after.len() {
            return after;
        }
        let unit = if before.contains('\t') { "\t" } else { "    " };
        return format!("{before}{unit}");
    }
    if before.len() <= after.len() {
        before
    } else {
        after
    }
}

/// Anchors findings by their quotes in the document as it is now (the claimed lines moved
/// by `shift`, how far the reviewed code moved since the job started), replaces the model's
/// previous findings in the code that was reviewed (`reviewed`, where it is now; the whole
/// file when unknown) — a review of one function leaves the findings elsewhere alone — and
/// publishes. Returns (shown, dropped).
async fn publish_review(
    inner: &Arc<Inner>,
    uri: &Uri,
    shift: i64,
    reviewed: Option<std::ops::Range<usize>>,
    findings: &[Finding],
    model: &str,
) -> (usize, usize) {
    let mut stored = Vec::new();
    let mut dropped = 0;
    // Marks are placed by offsets in a snapshot: if the user typed meanwhile, place again.
    for _ in 0..3 {
        let Some(document) = inner.documents.snapshot(uri) else {
            break;
        };
        let (rope, text) = (&document.rope, document.rope.to_string());
        inner
            .documents
            .unmark(uri, &stored.drain(..).map(|(id, _)| id).collect::<Vec<_>>());
        dropped = 0;
        for finding in findings {
            let claimed = (i64::from(finding.line) - 1 + shift).max(0) as usize;
            let Some(at) = anchor(&text, claimed, &finding.quote) else {
                dropped += 1;
                continue;
            };
            let line_start = rope.line_to_char(at.line);
            let chars = line_start + at.start
                ..line_start + line_len_without_break(rope, at.line).max(at.end);
            let Some(id) = inner.documents.mark(uri, chars, true) else {
                continue;
            };
            stored.push((id, diagnostic(finding, model)));
        }
        if inner.documents.snapshot(uri).map(|d| d.version) == Some(document.version) {
            break;
        }
    }
    let shown = stored.len();
    let old = inner
        .findings
        .map
        .remove(uri)
        .map(|(_, old)| old)
        .unwrap_or_default();
    let (replaced, kept): (Vec<_>, Vec<_>) =
        old.into_iter().partition(
            |(id, _)| match (&reviewed, inner.documents.resolve(uri, *id)) {
                (Some(reviewed), Some((at, _, _))) => reviewed.contains(&at.start),
                _ => true,
            },
        );
    inner
        .documents
        .unmark(uri, &replaced.iter().map(|(id, _)| *id).collect::<Vec<_>>());
    stored.extend(kept);
    inner.findings.map.insert(uri.clone(), stored);
    publish_findings(inner, uri).await;
    (shown, dropped)
}

/// Publishes the offline pass's findings and the model's findings still alive, at their
/// current places; an empty list clears.
pub async fn publish_findings(inner: &Arc<Inner>, uri: &Uri) {
    let _turn = inner.findings.publishing.lock().await;
    let version = inner.documents.snapshot(uri).map(|d| d.version);
    let mut diagnostics = inner.offline.current(inner, uri);
    if let Some(mut entries) = inner.findings.map.get_mut(uri) {
        diagnostics.extend(resolve_marked(inner, uri, &mut entries));
    }
    inner
        .client
        .publish_diagnostics(uri.clone(), diagnostics, version)
        .await;
}

/// The diagnostics of `entries` whose marks are alive, placed where the marks are now; the
/// dead ones are removed (and unmarked).
pub fn resolve_marked(
    inner: &Inner,
    uri: &Uri,
    entries: &mut Vec<(u64, Diagnostic)>,
) -> Vec<Diagnostic> {
    let encoding = inner.encoding();
    let mut alive = Vec::new();
    let mut dead = Vec::new();
    entries.retain(|(id, diagnostic)| match inner.documents.resolve(uri, *id) {
        Some((chars, _, rope)) => {
            let mut diagnostic = diagnostic.clone();
            diagnostic.range = to_range(&rope, chars, encoding);
            alive.push(diagnostic);
            true
        }
        None => {
            dead.push(*id);
            false
        }
    });
    inner.documents.unmark(uri, &dead);
    alive
}

fn diagnostic(finding: &Finding, model: &str) -> Diagnostic {
    let severity = match finding.severity {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium => DiagnosticSeverity::WARNING,
        Severity::Low => DiagnosticSeverity::INFORMATION,
    };
    let code = finding.cwe.clone().filter(|c| !c.trim().is_empty());
    let href = code
        .as_deref()
        .and_then(cwe_link)
        .and_then(|link| link.parse().ok());
    Diagnostic {
        range: Range::default(),
        severity: Some(severity),
        code: Some(NumberOrString::String(code.clone().unwrap_or_else(|| {
            format!("{:?}", finding.category).to_lowercase()
        }))),
        code_description: href.map(|href| CodeDescription { href }),
        source: Some(format!("{DIAGNOSTIC_SOURCE} ({model})")),
        message: format!(
            "{}: {} {}\nRecommendation: {}",
            finding.severity,
            finding.title.trim(),
            finding.description.trim(),
            finding.recommendation.trim()
        ),
        ..Diagnostic::default()
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

async fn pipeline_job(
    inner: &Arc<Inner>,
    token: &str,
    cancel: &CancellationToken,
    request: crate::task::PipelineRequest,
) {
    let root = inner.workspace().unwrap_or_else(|| PathBuf::from("."));
    let progress = Arc::new(
        JobProgress::begin(
            inner,
            token,
            format!("{} pipeline", request.kind),
            "starting".into(),
        )
        .await,
    );
    let observer = ProgressObserver::attach(progress.clone());
    let config = inner.config();
    let context = if request.files.is_empty() {
        Vec::new()
    } else {
        match crate::workspace::collect(&root, &request.files, config.context_budget(Role::Oracle))
        {
            Ok(collected) => {
                let mut pieces = collected.pieces;
                config.privacy.never_send.drop_denied(&mut pieces);
                pieces
            }
            Err(err) => {
                progress.end(err.to_string()).await;
                return;
            }
        }
    };
    let name = request
        .name
        .clone()
        .or_else(|| request.bug_id.clone())
        .unwrap_or_else(|| "run".into());
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let dir = match RunDir::create(
        RunDir::default_path(&root, &request.kind.to_string(), &name, &stamp),
        false,
    ) {
        Ok(dir) => dir,
        Err(err) => {
            progress.end(err.to_string()).await;
            return;
        }
    };
    let result = run_pipeline(
        &inner.orchestrator(),
        &request,
        context,
        &dir,
        &new_job_id(),
        cancel,
        &observer,
    )
    .await;
    observer.finish().await;
    let end = match result {
        Ok(_) => {
            let summary =
                std::fs::read_to_string(dir.path().join("summary.md")).unwrap_or_default();
            open_markdown(inner, "runs-summary", &name, &summary).await;
            format!("done: {}", dir.path().display())
        }
        Err(err) if err.is_cancelled() => "cancelled".into(),
        Err(err) => {
            inner
                .client
                .show_message(
                    MessageType::ERROR,
                    format!("{err}\nfinished steps are in {}", dir.path().display()),
                )
                .await;
            "failed".into()
        }
    };
    progress.end(end).await;
}

async fn metrics_job(inner: &Arc<Inner>) {
    let config = inner.config();
    let root = inner.workspace().unwrap_or_else(|| PathBuf::from("."));
    let file = crate::metrics::MetricsFile::in_workspace(&config.performance, &root);
    let text = match file.read() {
        Ok(log) if log.entries.is_empty() => format!(
            "# Metrics\n\nNo metrics recorded yet at {}.\n",
            file.path.display()
        ),
        Ok(log) => format!(
            "# Metrics\n\n```\n{}\n```\n",
            crate::metrics::report(&log.entries, None)
        ),
        Err(err) => format!("# Metrics\n\n{err}\n"),
    };
    open_markdown(inner, "reports", "metrics", &text).await;
}

async fn doctor_job(inner: &Arc<Inner>, token: &str) {
    let progress = JobProgress::begin(
        inner,
        token,
        "Doctor".into(),
        "checking keys, endpoints and models".into(),
    )
    .await;
    let config = inner.config();
    let checks = crate::health::check_all(&config, &ProcessEnv).await;
    let mut text = String::from(
        "# Doctor\n\n| role | provider | model | usable | problem |\n|---|---|---|---|---|\n",
    );
    for check in &checks {
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            check.role,
            check.provider,
            check.model,
            if check.usable { "yes" } else { "**no**" },
            check.problem.as_deref().unwrap_or("")
        ));
    }
    open_markdown(inner, "reports", "doctor", &text).await;
    let usable = checks.iter().filter(|c| c.usable).count();
    progress
        .end(format!("{usable} of {} roles usable", checks.len()))
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_indented_like_the_insertion_line() {
        let rope = Rope::from_str("def f():\n    \n");
        let at = rope.line_to_char(1) + 4;
        assert_eq!(
            indent_for(&rope, at, "x = 1\nif x:\n    y = 2\n"),
            "x = 1\n    if x:\n        y = 2\n"
        );
    }

    #[test]
    fn code_inserted_at_column_zero_gets_the_lines_indentation() {
        let rope = Rope::from_str("class A:\n    pass\n");
        let at = rope.line_to_char(1);
        assert_eq!(
            indent_for(&rope, at, "def g(self):\n    return 1"),
            "    def g(self):\n        return 1"
        );
    }

    #[test]
    fn an_empty_line_between_statements_takes_their_indentation() {
        let rope = Rope::from_str("def f():\n    x = 1\n\n    return x\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "y = 2\n"), "    y = 2\n");
    }

    #[test]
    fn an_empty_line_after_a_block_opener_is_indented_one_level() {
        let rope = Rope::from_str("class A:\n    def f(self):\n\ndef g():\n    pass\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "return 1"), "        return 1");
    }

    #[test]
    fn an_empty_line_before_a_dedent_goes_out_with_it() {
        let rope = Rope::from_str("def f():\n    return 1\n\ndef g():\n    pass\n");
        let at = rope.line_to_char(2);
        assert_eq!(
            indent_for(&rope, at, "def h():\n    pass"),
            "def h():\n    pass"
        );
    }

    #[test]
    fn an_empty_last_line_continues_the_block_above() {
        let rope = Rope::from_str("def f():\n    x = 1\n");
        let at = rope.line_to_char(2);
        assert_eq!(indent_for(&rope, at, "return x"), "    return x");
    }

    #[test]
    fn common_indentation_of_the_answer_is_removed_first() {
        let rope = Rope::from_str("\n");
        assert_eq!(indent_for(&rope, 0, "    a\n    b\n"), "a\nb\n");
    }
}
