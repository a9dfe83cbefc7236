//! What can go wrong around a review: files and baselines.

use std::path::PathBuf;

/// A review could not read its inputs or write its outputs.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("{}: no such file or directory", .path.display())]
    NotFound { path: PathBuf },
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", .path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a multi-model baseline: {message}", .path.display())]
    Baseline { path: PathBuf, message: String },
}
