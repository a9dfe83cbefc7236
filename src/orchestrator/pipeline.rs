//! The original skill's pipelines: feature, bugfix, review. Each step gets what it needs
//! from earlier ones; outputs land in a run directory as each step finishes.

use std::path::PathBuf;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::run_dir::{RunDir, RunDirError};
use super::synthesis::summary_markdown;
use super::{Event, ExecuteError, Observer, Orchestrator, Served};
use crate::context::ContextPiece;
use crate::role::Role;
use crate::roles::{Code, Examples, Fence, Note, Plan, Review, RoleInput, RoleOutput, Verdict};
use crate::task::{PipelineKind, PipelineRequest};

/// Which role ran a phase, on which model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepReport {
    pub phase: String,
    pub role: Role,
    pub served_by: Role,
    pub model: String,
}

/// Everything a pipeline produced.
#[derive(Clone, Debug, Serialize)]
pub struct PipelineReport {
    pub kind: PipelineKind,
    pub name: String,
    pub task: String,
    pub steps: Vec<StepReport>,
    pub plan: Option<Plan>,
    /// Bugfix: Oracle's check of the analysis.
    pub analysis_review: Option<Review>,
    pub code: Option<Code>,
    pub review: Option<Review>,
    pub verdict: Option<Verdict>,
    pub docs: Option<String>,
    pub examples: Option<Examples>,
    /// Review pipeline: Sisyphus's architectural assessment.
    pub assessment: Option<Plan>,
    pub files: Vec<PathBuf>,
}

impl PipelineReport {
    /// The review the outcome is judged by: of the final code, else of the analysis.
    pub fn final_review(&self) -> Option<&Review> {
        self.review.as_ref().or(self.analysis_review.as_ref())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{phase}: {error}")]
    Step { phase: String, error: ExecuteError },
    #[error(transparent)]
    RunDir(#[from] RunDirError),
    /// The offline pass over an Oracle phase's code panicked: its findings would be missing.
    #[error(transparent)]
    Offline(#[from] crate::background::TaskFailed),
}

impl PipelineError {
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            PipelineError::Step {
                error: ExecuteError::Cancelled,
                ..
            }
        )
    }
}

struct Ctx<'a> {
    orchestrator: &'a Orchestrator,
    dir: &'a RunDir,
    job: &'a str,
    cancel: &'a CancellationToken,
    observer: &'a dyn Observer,
    report: PipelineReport,
    total: usize,
}

/// Runs a pipeline over `context`, writing into `dir`. `summary.md` is written last and only
/// when every step succeeded; a failed or cancelled run leaves `incomplete.md` saying where
/// it stopped, next to the outputs of the steps that finished.
pub async fn run_pipeline(
    orchestrator: &Orchestrator,
    request: &PipelineRequest,
    context: Vec<ContextPiece>,
    dir: &RunDir,
    job: &str,
    cancel: &CancellationToken,
    observer: &dyn Observer,
) -> Result<PipelineReport, PipelineError> {
    let task = task_of(request);
    let name = request
        .name
        .clone()
        .or_else(|| request.bug_id.clone())
        .unwrap_or_else(|| request.kind.to_string());
    let mut ctx = Ctx {
        orchestrator,
        dir,
        job,
        cancel,
        observer,
        report: PipelineReport {
            kind: request.kind,
            name,
            task: task.clone(),
            steps: Vec::new(),
            plan: None,
            analysis_review: None,
            code: None,
            review: None,
            verdict: None,
            docs: None,
            examples: None,
            assessment: None,
            files: Vec::new(),
        },
        total: match request.kind {
            PipelineKind::Feature => 5,
            PipelineKind::Bugfix => 4,
            PipelineKind::Review => 3,
        },
    };
    let result = match request.kind {
        PipelineKind::Feature => feature(&mut ctx, &task, &context).await,
        PipelineKind::Bugfix => bugfix(&mut ctx, &task, &context).await,
        PipelineKind::Review => review(&mut ctx, &task, &context).await,
    };
    match result {
        Ok(()) => {
            let summary = summary_markdown(&ctx.report);
            let path = ctx.dir.write("summary.md", &summary)?;
            ctx.report.files.push(path);
            Ok(ctx.report)
        }
        Err(error) => {
            let note = format!(
                "# Incomplete run\n\nThe {} pipeline stopped: {error}\n\nFiles here come from the steps that finished; there is no summary.\n",
                request.kind
            );
            ctx.dir.write("incomplete.md", &note)?;
            Err(error)
        }
    }
}

fn task_of(request: &PipelineRequest) -> String {
    let description = request.description.as_deref().unwrap_or("").trim();
    match request.kind {
        PipelineKind::Feature => match (&request.name, description) {
            (Some(name), "") => format!("Implement the feature `{name}`."),
            (Some(name), d) => format!("Implement the feature `{name}`: {d}"),
            (None, d) => format!("Implement: {d}"),
        },
        PipelineKind::Bugfix => match (&request.bug_id, description) {
            (Some(id), "") => format!("Fix bug {id}."),
            (Some(id), d) => format!("Fix bug {id}: {d}"),
            (None, d) => format!("Fix the bug: {d}"),
        },
        PipelineKind::Review if description.is_empty() => {
            "Review the code for logic and security problems.".into()
        }
        PipelineKind::Review => format!("Review the code: {description}"),
    }
}

impl Ctx<'_> {
    fn phase(&self, index: usize, name: &str) {
        self.observer.event(Event::Phase {
            index,
            total: self.total,
            name: name.to_string(),
        });
    }

    fn step<T>(
        &mut self,
        phase: &str,
        role: Role,
        result: Result<Served<T>, ExecuteError>,
    ) -> Result<T, PipelineError> {
        let served = result.map_err(|error| PipelineError::Step {
            phase: phase.to_string(),
            error,
        })?;
        self.report.steps.push(StepReport {
            phase: phase.to_string(),
            role,
            served_by: served.served_by,
            model: served.model,
        });
        Ok(served.output)
    }

    fn write(&mut self, relative: &str, contents: &str) -> Result<(), PipelineError> {
        let path = self.dir.write(relative, contents)?;
        self.report.files.push(path);
        Ok(())
    }

    async fn run(
        &mut self,
        phase: &str,
        role: Role,
        input: &RoleInput,
    ) -> Result<RoleOutput, PipelineError> {
        let result = self
            .orchestrator
            .execute(role, input, self.job, self.cancel, self.observer)
            .await;
        self.step(phase, role, result)
    }

    async fn plan(&mut self, phase: &str, input: &RoleInput) -> Result<Plan, PipelineError> {
        match self.run(phase, Role::Sisyphus, input).await? {
            RoleOutput::Plan(plan) => Ok(plan),
            other => Err(unexpected(phase, Role::Sisyphus, &other)),
        }
    }

    async fn code(&mut self, phase: &str, input: &RoleInput) -> Result<Code, PipelineError> {
        match self.run(phase, Role::Hephaestus, input).await? {
            RoleOutput::Code(code) => Ok(code),
            other => Err(unexpected(phase, Role::Hephaestus, &other)),
        }
    }

    /// An Oracle phase, given the offline pass's findings on the code it reviews as the
    /// editor's and `multi-model review`'s Oracle is; its report (`file`) lists them too.
    async fn review(
        &mut self,
        phase: &str,
        input: &RoleInput,
        file: &str,
    ) -> Result<Review, PipelineError> {
        // Parsing and reviewing every file given is CPU work: off the async threads.
        let pieces = input.context.clone();
        let offline = crate::background::blocking("the offline pass", move || {
            crate::review::offline_note(&pieces)
        })
        .await?;
        let mut input = input.clone();
        input.notes.extend(offline.clone());
        let review = match self.run(phase, Role::Oracle, &input).await? {
            RoleOutput::Review(review) => review,
            other => return Err(unexpected(phase, Role::Oracle, &other)),
        };
        let mut report = review.to_markdown();
        if let Some(note) = offline {
            report.push_str(&format!("\n## {}\n\n{}\n", note.label, note.text));
        }
        self.write(file, &report)?;
        Ok(review)
    }

    async fn verdict(
        &mut self,
        phase: &str,
        task: &str,
        plan: &Plan,
        code: &Code,
    ) -> Result<Verdict, PipelineError> {
        let work = [Note {
            label: "Implementation".into(),
            text: code.to_markdown(),
        }];
        let result = self
            .orchestrator
            .verdict(task, plan, &work, self.job, self.cancel, self.observer)
            .await;
        self.step(phase, Role::Oracle, result)
    }

    fn save_code(&mut self, code: &Code) -> Result<(), PipelineError> {
        for (i, block) in code.blocks.iter().enumerate() {
            let name = match &block.path {
                Some(path) => path.trim_start_matches("./").to_string(),
                None => format!("block-{}.{}", i + 1, extension(block.language.as_deref())),
            };
            // A model-chosen path that would leave the run directory is kept as a block.
            let relative = format!("implementation/{name}");
            if self.dir.write(&relative, &block.code).is_err() {
                self.write(&format!("implementation/block-{}.txt", i + 1), &block.code)?;
            } else {
                self.report.files.push(self.dir.path().join(relative));
            }
        }
        self.write("implementation.md", &code.to_markdown())
    }
}

fn unexpected(phase: &str, role: Role, output: &RoleOutput) -> PipelineError {
    PipelineError::Step {
        phase: phase.to_string(),
        error: ExecuteError::Exhausted {
            role,
            attempts: vec![super::FailedAttempt {
                served_by: role,
                model: String::new(),
                class: crate::providers::ErrorClass::InvalidOutput,
                message: format!("unexpected output kind: {output:?}"),
                answer: None,
            }],
        },
    }
}

fn extension(language: Option<&str>) -> &'static str {
    match language.unwrap_or("").to_ascii_lowercase().as_str() {
        "python" | "py" => "py",
        "rust" | "rs" => "rs",
        "javascript" | "js" => "js",
        "typescript" | "ts" => "ts",
        "go" => "go",
        "java" => "java",
        "bash" | "sh" | "shell" => "sh",
        _ => "txt",
    }
}

/// Code blocks as context for the steps that read them.
fn code_pieces(code: &Code) -> Vec<ContextPiece> {
    code.blocks
        .iter()
        .enumerate()
        .map(|(i, block)| ContextPiece {
            label: block
                .path
                .clone()
                .unwrap_or_else(|| format!("implementation block {}", i + 1)),
            text: block.code.clone(),
            first_line: 1,
        })
        .collect()
}

async fn feature(
    ctx: &mut Ctx<'_>,
    task: &str,
    context: &[ContextPiece],
) -> Result<(), PipelineError> {
    ctx.phase(1, "Sisyphus plans");
    let plan = ctx
        .plan(
            "plan",
            &RoleInput {
                task: task.into(),
                context: context.to_vec(),
                ..RoleInput::default()
            },
        )
        .await?;
    ctx.write("plan.md", &plan.to_markdown())?;

    ctx.phase(2, "Hephaestus implements the plan");
    let implement = RoleInput {
        task: task.into(),
        spec: Some(plan.to_markdown()),
        context: context.to_vec(),
        notes: Vec::new(),
    };
    let code = ctx.code("implement", &implement).await?;
    ctx.save_code(&code)?;

    ctx.phase(3, "Oracle reviews the implementation");
    let review_input = RoleInput {
        task: format!("Review this implementation. The task was: {task}"),
        context: code_pieces(&code),
        notes: vec![Note {
            label: "Plan".into(),
            text: plan.to_markdown(),
        }],
        spec: None,
    };
    let review = ctx
        .review("review", &review_input, "review_report.md")
        .await?;

    ctx.phase(4, "Oracle checks the plan was followed");
    let verdict = ctx.verdict("verdict", task, &plan, &code).await?;

    ctx.phase(5, "Librarian documents");
    let docs_input = RoleInput {
        task: format!("Document: {task}"),
        context: code_pieces(&code),
        ..RoleInput::default()
    };
    let prompt = crate::roles::librarian::document_prompt(&docs_input, &Fence::new());
    let result = ctx
        .orchestrator
        .write(Role::Librarian, &prompt, ctx.job, ctx.cancel, ctx.observer)
        .await;
    let docs = ctx.step("document", Role::Librarian, result)?;
    ctx.write("docs.md", &docs)?;

    ctx.report.plan = Some(plan);
    ctx.report.code = Some(code);
    ctx.report.review = Some(review);
    ctx.report.verdict = Some(verdict);
    ctx.report.docs = Some(docs);
    Ok(())
}

async fn bugfix(
    ctx: &mut Ctx<'_>,
    task: &str,
    context: &[ContextPiece],
) -> Result<(), PipelineError> {
    ctx.phase(1, "Sisyphus analyses the bug and plans the fix");
    let analyse = RoleInput {
        task: format!(
            "{task}\nFind the root cause, then plan the fix and the tests that prove it."
        ),
        context: context.to_vec(),
        ..RoleInput::default()
    };
    let plan = ctx.plan("analyse", &analyse).await?;
    ctx.write("plan.md", &plan.to_markdown())?;

    ctx.phase(2, "Oracle verifies the analysis");
    let verify = RoleInput {
        task: format!(
            "{task}\nCheck this analysis against the code: report the defect it describes where you can confirm it, and any defect it misses."
        ),
        context: context.to_vec(),
        notes: vec![Note {
            label: "Analysis and plan".into(),
            text: plan.to_markdown(),
        }],
        spec: None,
    };
    let analysis_review = ctx
        .review("verify analysis", &verify, "analysis_review.md")
        .await?;

    ctx.phase(3, "Hephaestus fixes");
    let fix = RoleInput {
        task: task.into(),
        spec: Some(format!(
            "{}\n\n{}",
            plan.to_markdown(),
            analysis_review.to_markdown()
        )),
        context: context.to_vec(),
        notes: Vec::new(),
    };
    let code = ctx.code("fix", &fix).await?;
    ctx.save_code(&code)?;

    ctx.phase(4, "Oracle verifies the fix");
    let check = RoleInput {
        task: format!("Verify this fix. The task was: {task}"),
        context: code_pieces(&code),
        notes: vec![Note {
            label: "Plan".into(),
            text: plan.to_markdown(),
        }],
        spec: None,
    };
    let review = ctx.review("verify fix", &check, "review_report.md").await?;
    let verdict = ctx.verdict("verdict", task, &plan, &code).await?;

    ctx.report.plan = Some(plan);
    ctx.report.analysis_review = Some(analysis_review);
    ctx.report.code = Some(code);
    ctx.report.review = Some(review);
    ctx.report.verdict = Some(verdict);
    Ok(())
}

async fn review(
    ctx: &mut Ctx<'_>,
    task: &str,
    context: &[ContextPiece],
) -> Result<(), PipelineError> {
    ctx.phase(1, "Librarian finds similar code");
    let find = RoleInput {
        task: "Find code similar to this, and the places that use it.".into(),
        context: context.to_vec(),
        ..RoleInput::default()
    };
    let examples = match ctx.run("similar code", Role::Librarian, &find).await? {
        RoleOutput::Examples(examples) => examples,
        other => return Err(unexpected("similar code", Role::Librarian, &other)),
    };
    ctx.write("examples.md", &examples.to_markdown())?;

    ctx.phase(2, "Oracle reviews security and logic in depth");
    let deep = RoleInput {
        task: task.into(),
        context: context.to_vec(),
        notes: vec![Note {
            label: "Similar code elsewhere".into(),
            text: examples.to_markdown(),
        }],
        spec: None,
    };
    let review = ctx.review("review", &deep, "review_report.md").await?;

    ctx.phase(3, "Sisyphus assesses the architecture");
    let assess = RoleInput {
        task: "Assess the architecture of this code: structure, coupling, how it fits the codebase. Plan the improvements worth making, most valuable first.".into(),
        context: context.to_vec(),
        notes: vec![Note { label: "Review findings".into(), text: review.to_markdown() }],
        spec: None,
    };
    let assessment = ctx.plan("architecture", &assess).await?;
    ctx.write("architecture.md", &assessment.to_markdown())?;

    ctx.report.examples = Some(examples);
    ctx.report.review = Some(review);
    ctx.report.assessment = Some(assessment);
    Ok(())
}
