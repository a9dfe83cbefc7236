use std::process::ExitCode;

fn main() -> ExitCode {
    multi_model::cli::run()
}
