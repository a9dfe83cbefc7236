//! Work on other threads (`spawn_blocking`, spawned tasks). A task that panics or is
//! cancelled is a failure to report, with its reason — never an empty result standing in
//! for the work (a planner shown "no workspace" plans for the wrong code).

use std::any::Any;

use thiserror::Error;

/// A background task that did not finish: what it was doing and why it stopped.
#[derive(Debug, Error)]
#[error("{what} failed: {reason}")]
pub struct TaskFailed {
    pub what: &'static str,
    pub reason: String,
}

impl TaskFailed {
    /// From a join error: the panic's message when there is one.
    pub fn new(what: &'static str, error: tokio::task::JoinError) -> TaskFailed {
        let reason = match error.try_into_panic() {
            Ok(payload) => format!("internal error: {}", panic_message(&*payload)),
            Err(error) if error.is_cancelled() => "cancelled".to_string(),
            Err(error) => error.to_string(),
        };
        TaskFailed { what, reason }
    }
}

/// Runs `work` on the blocking pool; a panic there comes back as `TaskFailed`.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailed> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| TaskFailed::new(what, error))
}

/// Document work (parses, the offline pass, index updates) at most this many at once,
/// however many documents ask: the rest wait as tasks, not threads. One blocking thread
/// per opened document (200 opened at once made 114 threads on 2 cores, each with its own
/// allocator arena) cost memory and made every answer wait for the scheduler. One core is
/// left to the answers: with every core parsing (the offline pass of a 10,000-line file
/// after a typing pause), a code action waited up to 20 ms for a time slice.
fn document_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        tokio::sync::Semaphore::new(cores.saturating_sub(1).clamp(1, 4))
    })
}

/// Document work queued or running.
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `blocking` for per-document work, queued behind the document permits. When the last
/// queued work is done, the memory its parses freed is given back.
pub async fn queued<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailed> {
    use std::sync::atomic::Ordering;
    IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
    let done = async {
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = document_permits().acquire().await.map_err(|_| TaskFailed {
            what,
            reason: "cancelled".into(),
        })?;
        blocking(what, work).await
    }
    .await;
    if IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) == 1 {
        // Off the async threads: a trim walks the heap (about a millisecond).
        tokio::task::spawn_blocking(give_back_memory);
    }
    done
}

/// Returns the heap's free pages to the system. glibc keeps what a burst of parsing freed
/// (parse trees are 20–50 times their text) among the long-lived entries, so RSS stayed
/// near the peak: measured 58 MiB of RSS over 18 MiB of live heap after indexing a
/// 110,000-line workspace. A no-op where the allocator is not glibc's.
pub fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only reorganises glibc's own free lists; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The text a panic was raised with (`panic!("…")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_on_the_blocking_pool_is_a_failure_with_its_message() {
        let failed = blocking("packing the workspace", || -> usize {
            panic!("byte index 6 is not a char boundary")
        })
        .await
        .unwrap_err();
        assert_eq!(
            failed.to_string(),
            "packing the workspace failed: internal error: byte index 6 is not a char boundary"
        );
    }

    #[tokio::test]
    async fn queued_work_runs_every_task_however_many_ask() {
        let tasks: Vec<_> = (0..64)
            .map(|i| tokio::spawn(queued("adding", move || i * 2)))
            .collect();
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap().unwrap();
        }
        assert_eq!(sum, (0..64).map(|i| i * 2).sum::<i32>());
    }

    #[tokio::test]
    async fn a_panic_in_queued_work_is_a_failure_and_frees_its_permit() {
        for _ in 0..8 {
            assert!(
                queued("parsing", || -> u8 { panic!("boom") })
                    .await
                    .is_err()
            );
        }
        assert_eq!(queued("adding", || 1 + 1).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn work_that_finishes_gives_its_result() {
        assert_eq!(blocking("adding", || 2 + 2).await.unwrap(), 4);
    }
}
