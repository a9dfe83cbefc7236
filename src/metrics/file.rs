//! The metrics file: JSON Lines, appended under an advisory lock, read back tolerantly.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::entry::MetricsEntry;
use crate::config::PerformanceConfig;

/// The file that attempts are recorded in and reports are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsFile {
    pub path: PathBuf,
}

/// What a metrics file holds: every entry that reads, and the lines that do not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsLog {
    pub entries: Vec<MetricsEntry>,
    pub damaged: Vec<DamagedLine>,
}

/// A line that is not a metrics entry: torn by a crash, edited by hand, or written by
/// something else. It is skipped, never fatal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DamagedLine {
    /// 1-based, like an editor's.
    pub line: usize,
    pub reason: String,
}

/// Why the metrics file could not be used at all (damaged lines are not errors).
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot {operation} the metrics file: {source}")]
pub struct MetricsError {
    pub operation: Operation,
    pub path: PathBuf,
    pub source: io::Error,
}

/// What was being done to the metrics file when it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    CreateDirectory,
    Open,
    Lock,
    Read,
    Write,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::CreateDirectory => "create the directory of",
            Operation::Open => "open",
            Operation::Lock => "lock",
            Operation::Read => "read",
            Operation::Write => "write",
        })
    }
}

impl MetricsFile {
    /// The workspace's metrics file, `performance.metrics_file`: a relative path is taken
    /// from `workspace_root`, an absolute one as it is.
    pub fn in_workspace(performance: &PerformanceConfig, workspace_root: &Path) -> MetricsFile {
        MetricsFile {
            path: workspace_root.join(&performance.metrics_file),
        }
    }

    /// Adds one entry as one line, creating the file and its directories if needed.
    ///
    /// Safe with other processes appending at the same time and after a crash mid-write:
    /// the line is written with a single `write_all` under an exclusive lock, and a file
    /// that does not end in a newline (a torn last line) gets one first, so the torn line
    /// stays one damaged line instead of swallowing this entry.
    pub fn append(&self, entry: &MetricsEntry) -> Result<(), MetricsError> {
        let mut line = serde_json::to_string(entry)
            .expect("a MetricsEntry always serialises: its map keys are field names");
        line.push('\n');

        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|source| self.error(Operation::CreateDirectory, source))?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&self.path)
            .map_err(|source| self.error(Operation::Open, source))?;
        lock(&file, Lock::Exclusive).map_err(|source| self.error(Operation::Lock, source))?;
        if ends_mid_line(&mut file).map_err(|source| self.error(Operation::Read, source))? {
            line.insert(0, '\n');
        }
        // One write of the whole line: with O_APPEND it lands at the end as a unit, and the
        // lock keeps other writers (and their torn-line check) out until it is done. No
        // fsync: metrics are not worth a disk flush per model call, and a process crash
        // loses nothing the kernel already has.
        file.write_all(line.as_bytes())
            .map_err(|source| self.error(Operation::Write, source))
        // Closing the file releases the lock.
    }

    /// Every entry in the file, in the order written, plus the lines that are damaged.
    /// A file that does not exist yet holds no entries.
    pub fn read(&self) -> Result<MetricsLog, MetricsError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Ok(MetricsLog::default());
            }
            Err(source) => return Err(self.error(Operation::Open, source)),
        };
        // Shared: readers never see a line that a writer is halfway through.
        lock(&file, Lock::Shared).map_err(|source| self.error(Operation::Lock, source))?;

        let mut log = MetricsLog::default();
        let mut reader = BufReader::new(file);
        let mut bytes = Vec::new();
        let mut line = 0;
        loop {
            bytes.clear();
            let n_read = reader
                .read_until(b'\n', &mut bytes)
                .map_err(|source| self.error(Operation::Read, source))?;
            if n_read == 0 {
                break;
            }
            line += 1;
            let text = bytes.trim_ascii();
            if text.is_empty() {
                continue;
            }
            match serde_json::from_slice::<MetricsEntry>(text) {
                Ok(entry) => log.entries.push(entry),
                Err(err) => log.damaged.push(DamagedLine {
                    line,
                    reason: damage_reason(&err),
                }),
            }
        }
        Ok(log)
    }

    fn error(&self, operation: Operation, source: io::Error) -> MetricsError {
        MetricsError {
            operation,
            path: self.path.clone(),
            source,
        }
    }
}

#[derive(Clone, Copy)]
enum Lock {
    Exclusive,
    Shared,
}

/// Takes an advisory lock, waiting for it. Where the platform has no file locks, goes on
/// without: a single appended write of a short line still lands whole on local files.
fn lock(file: &File, kind: Lock) -> io::Result<()> {
    let res = match kind {
        Lock::Exclusive => file.lock(),
        Lock::Shared => file.lock_shared(),
    };
    match res {
        Err(err) if err.kind() == io::ErrorKind::Unsupported => Ok(()),
        res => res,
    }
}

/// Whether the file's last byte is something other than a newline (a torn last line).
fn ends_mid_line(file: &mut File) -> io::Result<bool> {
    if file.metadata()?.len() == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

/// A short reason for a line that does not parse, without serde's "line 1" (each line is
/// parsed on its own, so only the column means anything).
fn damage_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m);
    let column = err.column();
    match err.classify() {
        serde_json::error::Category::Eof => {
            format!("incomplete entry, cut off at column {column} as by a crash mid-write")
        }
        serde_json::error::Category::Syntax => format!("not JSON: {message} at column {column}"),
        serde_json::error::Category::Data | serde_json::error::Category::Io => {
            format!("not a metrics entry: {message}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ProviderKind;
    use crate::role::{Role, TaskType};

    fn entry(n: u32) -> MetricsEntry {
        MetricsEntry {
            timestamp: "2026-11-24T09:30:00Z".parse().unwrap(),
            role: Role::Hephaestus,
            task_type: TaskType::Coding,
            model: "qwen2.5-coder:32b".into(),
            provider: ProviderKind::Ollama,
            duration_seconds: 1.25,
            tokens_used: 30,
            input_tokens: 10,
            output_tokens: 20,
            success: true,
            error_class: None,
            error: None,
            fallback_from: None,
            attempt: n,
            job: Some("job".into()),
            cost_usd: Some(0.0),
            kind: None,
        }
    }

    fn scratch() -> (tempfile::TempDir, MetricsFile) {
        let dir = tempfile::TempDir::new().unwrap();
        let file = MetricsFile {
            path: dir.path().join(".agent/metrics.json"),
        };
        (dir, file)
    }

    #[test]
    fn appended_entries_read_back_in_order() {
        let (_dir, file) = scratch();
        file.append(&entry(1)).unwrap();
        file.append(&entry(2)).unwrap();
        let log = file.read().unwrap();
        assert_eq!(log.entries, [entry(1), entry(2)]);
        assert_eq!(log.damaged, []);
    }

    #[test]
    fn each_entry_is_one_line_of_json() {
        let (_dir, file) = scratch();
        file.append(&entry(1)).unwrap();
        file.append(&entry(2)).unwrap();
        let text = std::fs::read_to_string(&file.path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(text.ends_with('\n'));
        for line in lines {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }

    #[test]
    fn a_missing_file_reads_as_empty() {
        let (_dir, file) = scratch();
        assert_eq!(file.read().unwrap(), MetricsLog::default());
    }

    #[test]
    fn a_torn_last_line_is_damaged_and_the_next_entry_still_reads() {
        let (_dir, file) = scratch();
        file.append(&entry(1)).unwrap();
        let whole = serde_json::to_string(&entry(2)).unwrap();
        let mut raw = OpenOptions::new().append(true).open(&file.path).unwrap();
        raw.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(raw);

        file.append(&entry(3)).unwrap();

        let log = file.read().unwrap();
        assert_eq!(log.entries, [entry(1), entry(3)]);
        assert_eq!(log.damaged.len(), 1);
        assert_eq!(log.damaged[0].line, 2);
        assert!(
            log.damaged[0].reason.starts_with("incomplete entry"),
            "{:?}",
            log.damaged[0]
        );
    }

    #[test]
    fn garbage_lines_in_the_middle_are_skipped_and_counted() {
        let (_dir, file) = scratch();
        file.append(&entry(1)).unwrap();
        let mut raw = OpenOptions::new().append(true).open(&file.path).unwrap();
        raw.write_all(b"not json at all\n{\"role\": \"oracle\"}\n\xff\xfe\n")
            .unwrap();
        drop(raw);
        file.append(&entry(2)).unwrap();

        let log = file.read().unwrap();
        assert_eq!(log.entries, [entry(1), entry(2)]);
        let lines: Vec<usize> = log.damaged.iter().map(|d| d.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert!(
            log.damaged[0].reason.starts_with("not JSON"),
            "{:?}",
            log.damaged
        );
        assert!(
            log.damaged[1].reason.contains("missing field"),
            "{:?}",
            log.damaged
        );
    }

    #[test]
    fn blank_lines_are_neither_entries_nor_damage() {
        let (_dir, file) = scratch();
        file.append(&entry(1)).unwrap();
        let mut raw = OpenOptions::new().append(true).open(&file.path).unwrap();
        raw.write_all(b"\n  \n").unwrap();
        drop(raw);
        file.append(&entry(2)).unwrap();
        let log = file.read().unwrap();
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.damaged, []);
    }

    #[test]
    fn relative_metrics_paths_are_taken_from_the_workspace_root() {
        let relative = PerformanceConfig {
            track_metrics: true,
            metrics_file: ".agent/m.json".into(),
        };
        let absolute = PerformanceConfig {
            track_metrics: true,
            metrics_file: "/var/log/m.json".into(),
        };
        let root = Path::new("/work/project");
        assert_eq!(
            MetricsFile::in_workspace(&relative, root).path,
            Path::new("/work/project/.agent/m.json")
        );
        assert_eq!(
            MetricsFile::in_workspace(&absolute, root).path,
            Path::new("/var/log/m.json")
        );
    }
}
