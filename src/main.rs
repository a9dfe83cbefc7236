//! The binary: parses the command line and chooses the face that runs it — the language
//! server for `serve`, the command line for everything else.

use std::process::ExitCode;

use multi_model::{cli, lsp};

fn main() -> ExitCode {
    let invocation = cli::parse();
    if invocation.serves() {
        lsp::run_stdio()
    } else {
        cli::run(invocation)
    }
}
