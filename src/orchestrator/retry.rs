//! When to try again, and how long to wait first.

use std::time::Duration;

/// Bounded retries of transient failures on the same model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it.
    pub initial_delay: Duration,
    /// Backoff never grows past this.
    pub max_backoff: Duration,
    /// The longest server-requested delay honoured; a longer one means "not now": fall back.
    pub max_server_delay: Duration,
}

impl Default for RetryPolicy {
    /// The values the provider SDKs use: 2 retries, 0.5 s doubling to 8 s, server delays
    /// honoured up to a minute.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_server_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1-based), or `None` when the retry should not
    /// happen (out of retries, or the server asked for longer than we wait).
    pub fn delay(
        &self,
        retry: u32,
        server_delay: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if self.max_retries < retry {
            return None;
        }
        if let Some(delay) = server_delay {
            return (delay <= self.max_server_delay).then_some(delay);
        }
        let exponent = retry.saturating_sub(1).min(16);
        let backoff = self
            .initial_delay
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        // Jitter in [half, full]: retries from many clients do not arrive together.
        Some(backoff.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0)))
    }
}

/// A number in [0, 1) for jitter; OS randomness, falling back to the clock.
pub(crate) fn jitter() -> f64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_initial_delay() {
        let policy = RetryPolicy {
            max_retries: 5,
            ..RetryPolicy::default()
        };
        let full: Vec<Duration> = (1..=5)
            .map(|r| policy.delay(r, None, 1.0).unwrap())
            .collect();
        assert_eq!(
            full,
            [500, 1000, 2000, 4000, 8000].map(Duration::from_millis)
        );
    }

    #[test]
    fn jitter_takes_at_most_half_off() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, None, 0.0), Some(Duration::from_millis(250)));
    }

    #[test]
    fn backoff_is_capped() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        assert_eq!(policy.delay(10, None, 1.0), Some(Duration::from_secs(8)));
    }

    #[test]
    fn the_servers_delay_wins_over_backoff() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(17)), 0.3),
            Some(Duration::from_secs(17))
        );
    }

    #[test]
    fn a_server_delay_beyond_the_limit_means_no_retry() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3600)), 0.3), None);
    }

    #[test]
    fn retries_run_out() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(2, None, 0.5).is_some());
        assert_eq!(policy.delay(3, None, 0.5), None);
    }

    #[test]
    fn jitter_is_in_the_unit_interval() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
