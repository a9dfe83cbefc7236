//! `multi-model doctor`: a table (or JSON) of what works, exit 0 only if every role does.

use super::args::DoctorArgs;
use super::{Failure, exit};
use crate::config::{Config, ProcessEnv};
use crate::health::{KeyStatus, ModelStatus, RoleCheck, check_all};

pub(super) fn run(config: &Config, args: &DoctorArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| Failure {
            message: format!("cannot start the async runtime: {err}"),
            code: exit::FAILURE,
        })?;
    let checks = runtime.block_on(check_all(config, &ProcessEnv));

    if args.json {
        let value = serde_json::json!({
            "config": config.source.to_string(),
            "usable": checks.iter().all(|c| c.usable),
            "roles": checks,
        });
        println!("{value:#}");
    } else {
        print_table(config, &checks);
    }
    let unusable = checks.iter().filter(|c| !c.usable).count();
    if unusable == 0 {
        return Ok(());
    }
    Err(Failure {
        message: format!("{unusable} of {} roles are not usable", checks.len()),
        code: exit::FAILURE,
    })
}

fn print_table(config: &Config, checks: &[RoleCheck]) {
    println!("Configuration: {}", config.source);
    let header = [
        "ROLE",
        "PROVIDER",
        "MODEL",
        "KEY",
        "ENDPOINT",
        "MODEL LISTED",
        "LATENCY",
        "STATUS",
    ];
    let rows: Vec<[String; 8]> = checks
        .iter()
        .map(|c| {
            [
                c.role.to_string(),
                c.provider.to_string(),
                c.model.clone(),
                match &c.key {
                    KeyStatus::NotNeeded => "not needed".into(),
                    KeyStatus::Present { var } => format!("{var} set"),
                    KeyStatus::Missing { var } => format!("{var} MISSING"),
                },
                match c.reachable {
                    None => "-".into(),
                    Some(true) => "reachable".into(),
                    Some(false) => "UNREACHABLE".into(),
                },
                match &c.model_status {
                    ModelStatus::Listed => "yes".into(),
                    ModelStatus::NotAvailable { .. } => "NOT AVAILABLE".into(),
                    ModelStatus::NotChecked => "-".into(),
                },
                c.latency_ms.map_or("-".into(), |ms| format!("{ms} ms")),
                if c.usable {
                    "ok".into()
                } else {
                    "UNUSABLE".into()
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    let problems: Vec<&RoleCheck> = checks.iter().filter(|c| c.problem.is_some()).collect();
    if !problems.is_empty() {
        println!();
        for check in problems {
            println!(
                "{}: {}",
                check.role,
                check.problem.as_deref().unwrap_or_default()
            );
        }
    }
}
