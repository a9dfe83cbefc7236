//! The command line: parses argv, calls the core, prints. It owns no logic of its own.

mod args;
mod config_check;
mod doctor;
mod metrics;
mod review;
mod route;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::config::{Config, ConfigSearch, ProcessEnv, discover};
use args::{Cli, Command, ConfigCommand};

/// Exit codes, documented in the README.
pub(crate) mod exit {
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    /// Ctrl-C: the conventional 128 + SIGINT.
    pub const CANCELLED: u8 = 130;
}

/// The parsed command line, before `main` chooses the face that runs it.
pub struct Invocation {
    cli: Cli,
}

/// Parses argv (printing help, or a usage error and exiting, as clap does).
pub fn parse() -> Invocation {
    Invocation { cli: Cli::parse() }
}

impl Invocation {
    /// `multi-model serve`: the language server's face runs it, not this one.
    pub fn serves(&self) -> bool {
        matches!(self.cli.command, Some(Command::Serve(_)))
    }
}

/// Runs the command line and returns the process exit code.
pub fn run(invocation: Invocation) -> ExitCode {
    let cli = invocation.cli;
    crate::logging::init(crate::logging::lines(crate::logging::Stderr));
    let result = match &cli.command {
        Some(Command::Route(args)) => {
            load_config(&cli).and_then(|config| route::run(&config, args))
        }
        Some(Command::Config {
            command: ConfigCommand::Check(args),
        }) => config_check::run(&cli, args),
        Some(Command::Doctor(args)) => {
            load_config(&cli).and_then(|config| doctor::run(&config, args))
        }
        Some(Command::Metrics(args)) => {
            load_config(&cli).and_then(|config| metrics::run(&config, args))
        }
        Some(Command::Serve(_)) => Err(Failure::usage(
            "`serve` is the language server's face: main runs it, not the command line",
        )),
        Some(Command::Review(args)) => review::run(&cli, args),
        None => run::run(&cli),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// A command that did not succeed: what to tell the user, and the exit code.
pub(crate) struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl ToString) -> Failure {
        Failure {
            message: message.to_string(),
            code: exit::USAGE,
        }
    }

    pub fn other(message: impl ToString) -> Failure {
        Failure {
            message: message.to_string(),
            code: exit::FAILURE,
        }
    }
}

fn workspace() -> Option<PathBuf> {
    std::env::current_dir().ok()
}

pub(crate) fn load_config(cli: &Cli) -> Result<Config, Failure> {
    let workspace = workspace();
    let search = ConfigSearch {
        explicit: cli.config.as_deref(),
        workspace: workspace.as_deref(),
        env: &ProcessEnv,
    };
    discover(&search).map_err(Failure::usage)
}
