//! The command-line grammar (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::Timestamp;

use crate::metrics::parse_since;
use crate::review::Severity;
use crate::role::Role;
use crate::task::{Depth, PipelineKind};

const EXAMPLES: &str = "\
Examples:
  multi-model route --task \"Review authentication logic for vulnerabilities\"
  multi-model route --task \"add retries to fetch_user\" --role oracle --json
  multi-model config check
  multi-model doctor           # keys, endpoints, models: exit 0 only if all roles work
  multi-model metrics --since 2026-11-24
  multi-model --role oracle --task \"Audit the login flow\" --files 'src/**/*.py'
  multi-model --pipeline feature --name user-auth --description \"JWT login\"
  multi-model serve            # language server on stdio, for editors
  multi-model review src/ --format sarif > review.sarif
  multi-model review app.py --offline --fail-on medium

Configuration is read from --config, else ./config/multi_model.yaml, else
$XDG_CONFIG_HOME/multi-model/config.yaml, else the built-in defaults.";

/// Four specialist AI roles — Sisyphus (plans), Hephaestus (codes), Oracle (reviews),
/// Librarian (finds) — each on the model that suits it.
#[derive(Debug, Parser)]
#[command(name = "multi-model", version, about, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub(crate) struct Cli {
    /// Configuration file (skips discovery).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show which role (and model) a task goes to, and why.
    Route(RouteArgs),
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Check each role: key present, endpoint reachable, model listed (exit 0 only if all are usable).
    Doctor(DoctorArgs),
    /// Report recorded performance: per role, per model, fallbacks, cost.
    Metrics(MetricsArgs),
    /// Run the language server on stdio (for editors).
    Serve(ServeArgs),
    /// Security review of Python files: the offline pass, plus the Oracle model when it
    /// has a key (exit 1 when a finding at or above --fail-on remains).
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ReviewArgs {
    /// Files and directories to review (directories: .gitignore honoured).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Report only findings at or above this severity.
    #[arg(long, value_enum, default_value_t = SeverityArg::Hint, value_name = "SEVERITY")]
    pub min_severity: SeverityArg,
    /// Exit 1 when a finding at or above this severity remains (after suppressions and the
    /// baseline, whatever --min-severity shows); `none` never fails.
    #[arg(long, value_enum, default_value_t = FailOnArg::High, value_name = "SEVERITY")]
    pub fail_on: FailOnArg,
    /// The offline pass only: no model, no network.
    #[arg(long)]
    pub offline: bool,
    /// Leave out the findings accepted in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Accept every finding of this review into a new baseline file.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FormatArg {
    /// path:line:col: severity rule message
    Text,
    /// A list of findings with 1-based lines.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SeverityArg {
    Hint,
    Low,
    Medium,
    High,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(severity: SeverityArg) -> Severity {
        match severity {
            SeverityArg::Hint => Severity::Hint,
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOnArg {
    Hint,
    Low,
    Medium,
    High,
    Critical,
    /// Never fail because of findings.
    None,
}

impl FailOnArg {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOnArg::Hint => Some(Severity::Hint),
            FailOnArg::Low => Some(Severity::Low),
            FailOnArg::Medium => Some(Severity::Medium),
            FailOnArg::High => Some(Severity::High),
            FailOnArg::Critical => Some(Severity::Critical),
            FailOnArg::None => None,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MetricsArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Count only attempts from then on: a date (2026-11-24, midnight UTC) or an RFC 3339
    /// timestamp (2026-11-24T09:30:00Z).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<Timestamp>,
}

#[derive(Debug, Args)]
pub(crate) struct RouteArgs {
    /// The task, in your own words.
    #[arg(long)]
    pub task: String,
    /// Route to this role instead of classifying (if routing.allow_manual_override).
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Show the resolved configuration and which roles are usable.
    Check(ConfigCheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ConfigCheckArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Accepted and ignored: stdio is the only transport (editors' clients pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Running a role or a pipeline directly (no subcommand).
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// Run this role on --task.
    #[arg(long, value_enum, conflicts_with = "pipeline", requires = "task")]
    pub role: Option<RoleArg>,
    /// The task, in your own words (routed automatically without --role).
    #[arg(long, conflicts_with = "pipeline")]
    pub task: Option<String>,
    /// Extra context for the task.
    #[arg(long, conflicts_with = "pipeline")]
    pub context: Option<String>,
    /// A file holding the specification (Hephaestus implements against it).
    #[arg(long, value_name = "FILE", conflicts_with = "pipeline")]
    pub spec_file: Option<PathBuf>,
    /// Files to work on, as glob patterns (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub files: Vec<String>,
    /// How much of the workspace the role sees: quick (the files named; Sisyphus with none
    /// named gets the packed workspace) or comprehensive (the packed workspace too).
    #[arg(long, value_enum, conflicts_with = "pipeline")]
    pub search_depth: Option<DepthArg>,

    /// Run a pipeline of roles.
    #[arg(long, value_enum)]
    pub pipeline: Option<PipelineArg>,
    /// Feature name (feature pipeline).
    #[arg(long, requires = "pipeline", conflicts_with = "task")]
    pub name: Option<String>,
    /// What the feature or bug is about.
    #[arg(long, requires = "pipeline", conflicts_with = "task")]
    pub description: Option<String>,
    /// Bug tracker id (bugfix pipeline).
    #[arg(long, requires = "pipeline", conflicts_with = "task")]
    pub bug_id: Option<String>,
    /// Where the pipeline writes its outputs (default .agent/runs/<time>-<pipeline>-<name>).
    #[arg(
        long,
        value_name = "DIR",
        requires = "pipeline",
        conflicts_with = "task"
    )]
    pub out: Option<PathBuf>,
    /// Write into an existing run directory.
    #[arg(long, requires = "pipeline", conflicts_with = "task")]
    pub force: bool,
    /// How much of the workspace every phase sees: quick (the files named; a pipeline that
    /// plans first gets the packed workspace when none are named) or comprehensive.
    #[arg(long, value_enum, requires = "pipeline", conflicts_with = "task")]
    pub depth: Option<DepthArg>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum RoleArg {
    Sisyphus,
    Hephaestus,
    Oracle,
    Librarian,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Sisyphus => Role::Sisyphus,
            RoleArg::Hephaestus => Role::Hephaestus,
            RoleArg::Oracle => Role::Oracle,
            RoleArg::Librarian => Role::Librarian,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum DepthArg {
    Quick,
    Comprehensive,
}

impl From<DepthArg> for Depth {
    fn from(depth: DepthArg) -> Depth {
        match depth {
            DepthArg::Quick => Depth::Quick,
            DepthArg::Comprehensive => Depth::Comprehensive,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum PipelineArg {
    Feature,
    Bugfix,
    Review,
}

impl From<PipelineArg> for PipelineKind {
    fn from(kind: PipelineArg) -> PipelineKind {
        match kind {
            PipelineArg::Feature => PipelineKind::Feature,
            PipelineArg::Bugfix => PipelineKind::Bugfix,
            PipelineArg::Review => PipelineKind::Review,
        }
    }
}
