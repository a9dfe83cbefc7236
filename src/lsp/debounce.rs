//! Work per document that waits for typing to pause: of the work scheduled for a document
//! within the delay, only the last runs.

use std::time::Duration;

use dashmap::DashMap;
use tower_lsp_server::ls_types::Uri;

#[derive(Default)]
pub struct Debouncer {
    /// Per document, the number of the latest ticket.
    latest: DashMap<Uri, u64>,
}

impl Debouncer {
    /// A ticket for work on `uri`, taken when the work is asked for (in arrival order).
    pub fn ticket(&self, uri: &Uri) -> u64 {
        let mut latest = self.latest.entry(uri.clone()).or_default();
        *latest += 1;
        *latest
    }

    /// Waits `delay`, then whether `ticket` is still the latest (and so the one to run).
    pub async fn settled(&self, uri: &Uri, ticket: u64, delay: Duration) -> bool {
        // The timer wheel ticks in milliseconds: a zero delay would still wait for a tick.
        match delay.is_zero() {
            true => tokio::task::yield_now().await,
            false => tokio::time::sleep(delay).await,
        }
        self.latest
            .remove_if(uri, |_, latest| *latest == ticket)
            .is_some()
    }

    /// Whether no later ticket than `ticket` was taken for `uri` (work for an older one may
    /// stop). A settled ticket is removed, and is still the latest.
    pub fn is_latest(&self, uri: &Uri, ticket: u64) -> bool {
        self.latest.get(uri).is_none_or(|latest| *latest == ticket)
    }

    pub fn forget(&self, uri: &Uri) {
        self.latest.remove(uri);
    }
}
