//! Liveness of the connection to the API server. A watch over a connection whose server froze
//! (SIGSTOP, a partition, an overloaded server) reports nothing at all: no event, no error, for
//! minutes. So every watcher knows when it last heard from the server ([`Heard`]: any watch
//! item, or a cheap `GET /version` with a short timeout, asked whenever the watches have been
//! quiet for a second). After [`STALL_AFTER`] of silence it says so (a `Connection { live: false
//! }` event, repeated every second while the silence lasts, carrying how long and since when),
//! and once anything answers again it says it is live (`live: true`, once, with the length of
//! the silence). What the front ends show stays the last state heard, marked stale.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kube::Client;
use tokio::sync::Notify;

use crate::core::release::events::{Emitter, Kind};

/// Silence after which the connection is reported stalled.
pub(crate) const STALL_AFTER: Duration = Duration::from_secs(3);
/// How often liveness is checked.
const TICK: Duration = Duration::from_millis(500);
/// Quiet watches for this long get a probe.
const PROBE_AFTER: Duration = Duration::from_secs(1);
/// How long a probe may take before it counts as no answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// When the API server last answered: shared by the watches (which touch it on every item) and
/// the liveness task.
#[derive(Clone)]
pub(crate) struct Heard {
    at: Arc<Mutex<(Instant, jiff::Timestamp)>>,
    notify: Arc<Notify>,
}

impl Default for Heard {
    fn default() -> Self {
        Heard {
            at: Arc::new(Mutex::new((Instant::now(), jiff::Timestamp::now()))),
            notify: Arc::new(Notify::new()),
        }
    }
}

impl Heard {
    /// The server answered just now.
    pub(crate) fn touch(&self) {
        *self.at.lock().unwrap_or_else(|p| p.into_inner()) =
            (Instant::now(), jiff::Timestamp::now());
        self.notify.notify_one();
    }

    /// How long since the server last answered.
    pub(crate) fn silent(&self) -> Duration {
        self.last().0.elapsed()
    }

    fn last(&self) -> (Instant, jiff::Timestamp) {
        *self.at.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Watches the silence until aborted: probes the server when the watches are quiet, reports a
/// stall and the resume on `em`.
pub(crate) async fn run(client: Client, em: Emitter, heard: Heard) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut probe: Option<tokio::task::JoinHandle<()>> = None;
    // The last answer before the current silence, once it counts as a stall.
    let mut stalled: Option<Instant> = None;
    // The whole seconds of silence said last (a stall is repeated once a second).
    let mut said = 0;
    loop {
        let ticked = tokio::select! {
            _ = tick.tick() => true,
            _ = heard.notify.notified() => false,
        };
        let (at, wall) = heard.last();
        let silent = at.elapsed();
        if let Some(before) = stalled
            && silent < STALL_AFTER
        {
            stalled = None;
            em.send(Kind::Connection {
                live: true,
                silent_ms: at.duration_since(before).as_millis() as u64,
                last_heard: wall.to_string(),
            });
        }
        if !ticked {
            continue;
        }
        if silent >= PROBE_AFTER && probe.as_ref().is_none_or(|p| p.is_finished()) {
            let (c, h) = (client.clone(), heard.clone());
            probe = Some(tokio::spawn(async move {
                if let Ok(Ok(_)) = tokio::time::timeout(PROBE_TIMEOUT, c.apiserver_version()).await
                {
                    h.touch();
                }
            }));
        }
        if silent >= STALL_AFTER && (stalled.is_none() || silent.as_secs() > said) {
            stalled.get_or_insert(at);
            said = silent.as_secs();
            em.send(Kind::Connection {
                live: false,
                silent_ms: silent.as_millis() as u64,
                last_heard: wall.to_string(),
            });
        }
    }
}

/// `14:03:07 UTC` of an RFC 3339 time (the text itself when it does not parse).
pub(crate) fn clock(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| format!("{} UTC", t.strftime("%H:%M:%S")))
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// The words for a stall: `no answer from the API server for 12 s · showing the state at
/// 14:03:07 UTC`.
pub(crate) fn stall_words(silent_ms: u64, last_heard: &str) -> String {
    format!(
        "no answer from the API server for {} s · showing the state at {}",
        silent_ms / 1000,
        clock(last_heard)
    )
}

/// The words for the resume: `the API server answers again after 8.2 s of silence: live`.
pub(crate) fn resume_words(silent_ms: u64) -> String {
    format!(
        "the API server answers again after {:.1} s of silence: live",
        silent_ms as f64 / 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_name_the_silence_and_the_time_shown() {
        assert_eq!(
            stall_words(12_400, "2026-12-06T14:03:07.123Z"),
            "no answer from the API server for 12 s · showing the state at 14:03:07 UTC"
        );
        assert_eq!(
            resume_words(8_240),
            "the API server answers again after 8.2 s of silence: live"
        );
        assert_eq!(clock("garbage"), "garbage");
    }
}
