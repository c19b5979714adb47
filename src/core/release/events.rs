//! The one ordered stream of release events that every operation produces: phases, object rows
//! (keyed by UID), Kubernetes Events, helm's own lines, notices, captured logs and the cause card.
//! Producers share an [`Emitter`]; each event gets a sequence number and its time since the
//! operation started when it is sent, so the stream is totally ordered. A front end reads the
//! receiver; the operation keeps a copy for its run record.
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

pub(crate) use crate::core::release::cause::{CauseCard, Logs};

/// The phases of an operation, as Helm runs them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    PreChecks,
    PreHooks,
    ApplyAndWait,
    PostHooks,
    Tests,
    Done,
}

impl Phase {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Phase::PreChecks => "pre-checks",
            Phase::PreHooks => "pre-hooks",
            Phase::ApplyAndWait => "apply + wait",
            Phase::PostHooks => "post-hooks",
            Phase::Tests => "tests",
            Phase::Done => "done",
        }
    }
}

/// A row's object.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    pub uid: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// What happened.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum Kind {
    /// A phase started or ended (`duration_ms` on the end).
    Phase {
        phase: Phase,
        state: PhaseState,
        #[serde(skip_serializing_if = "Option::is_none")]
        duration_ms: Option<u64>,
    },
    /// An object's state changed (one row per UID; a state is sent only when it changes).
    Object {
        object: ObjectRef,
        state: String,
        /// The hook events when the object is a Helm hook (or its pod).
        #[serde(skip_serializing_if = "Option::is_none")]
        hook: Option<String>,
    },
    /// A Kubernetes Event about one of the release's objects.
    KubeEvent {
        #[serde(rename = "type")]
        kind: String,
        reason: String,
        object: String,
        message: String,
    },
    /// A line helm printed on stderr.
    Helm { line: String },
    /// Something the watcher wants said (a lost watch, a reconnect).
    Notice { message: String },
    /// The API server stopped answering (`live: false`, sent again every second while it stays
    /// silent) or answers again (`live: true`, once).
    Connection {
        live: bool,
        /// How long nothing was heard: so far (a stall), or the whole silence (the resume).
        silent_ms: u64,
        /// RFC 3339: the last answer before the silence; what a view shows is from then.
        last_heard: String,
    },
    /// Logs captured from a hook or test pod.
    Logs(Logs),
    /// The first failure, explained.
    Failure(Box<CauseCard>),
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseState {
    Started,
    Done,
    Failed,
}

/// One event of the stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseEvent {
    pub seq: u64,
    /// Milliseconds since the operation started.
    pub at_ms: u64,
    #[serde(flatten)]
    pub kind: Kind,
}

struct Inner {
    seq: u64,
    tx: Option<mpsc::UnboundedSender<ReleaseEvent>>,
    kept: Vec<ReleaseEvent>,
    phase: Option<(Phase, Instant)>,
    phases: Vec<(Phase, u64, PhaseState)>,
}

/// The sending side, shared by the watcher and the operation.
#[derive(Clone)]
pub(crate) struct Emitter {
    start: Instant,
    inner: Arc<Mutex<Inner>>,
}

impl Emitter {
    /// An emitter and the receiver a front end reads.
    pub(crate) fn new() -> (Emitter, mpsc::UnboundedReceiver<ReleaseEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Emitter::with(Some(tx)), rx)
    }

    fn with(tx: Option<mpsc::UnboundedSender<ReleaseEvent>>) -> Emitter {
        Emitter {
            start: Instant::now(),
            inner: Arc::new(Mutex::new(Inner {
                seq: 0,
                tx,
                kept: Vec::new(),
                phase: None,
                phases: Vec::new(),
            })),
        }
    }

    /// Time since the operation started.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Sends `kind` (numbered and timed under one lock, so the stream is ordered).
    pub(crate) fn send(&self, kind: Kind) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.seq += 1;
        let ev = ReleaseEvent {
            seq: g.seq,
            at_ms: self.start.elapsed().as_millis() as u64,
            kind,
        };
        g.kept.push(ev.clone());
        if let Some(tx) = &g.tx {
            let _ = tx.send(ev);
        }
    }

    pub(crate) fn notice(&self, message: impl Into<String>) {
        self.send(Kind::Notice {
            message: message.into(),
        });
    }

    /// Ends the current phase (done) and starts `phase`; entering the phase already current,
    /// or one before it, does nothing.
    pub(crate) fn enter(&self, phase: Phase) {
        let ended = {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((cur, _)) = g.phase
                && cur as u8 >= phase as u8
            {
                return;
            }
            g.phase.replace((phase, Instant::now()))
        };
        if let Some((p, t)) = ended {
            self.close(p, t, PhaseState::Done);
        }
        self.send(Kind::Phase {
            phase,
            state: PhaseState::Started,
            duration_ms: None,
        });
    }

    /// Ends the current phase with `state`.
    pub(crate) fn finish(&self, state: PhaseState) {
        let ended = {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.phase.take()
        };
        if let Some((p, t)) = ended {
            self.close(p, t, state);
        }
    }

    /// The phase now running.
    pub(crate) fn current(&self) -> Option<Phase> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.phase.map(|(p, _)| p)
    }

    fn close(&self, phase: Phase, since: Instant, state: PhaseState) {
        let ms = since.elapsed().as_millis() as u64;
        {
            let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            g.phases.push((phase, ms, state));
        }
        self.send(Kind::Phase {
            phase,
            state,
            duration_ms: Some(ms),
        });
    }

    /// Every event sent so far.
    pub(crate) fn events(&self) -> Vec<ReleaseEvent> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.kept.clone()
    }

    /// The phases that ended: (phase, milliseconds, how).
    pub(crate) fn phases(&self) -> Vec<(Phase, u64, PhaseState)> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.phases.clone()
    }

    /// Stops sending to the front end (the receiver then ends); events are still kept.
    pub(crate) fn close_stream(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.tx = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_move_forward_only_and_events_are_numbered() {
        let (e, mut rx) = Emitter::new();
        e.enter(Phase::PreHooks);
        e.enter(Phase::ApplyAndWait);
        e.enter(Phase::PreHooks); // late signal of an earlier phase: ignored
        e.finish(PhaseState::Done);
        let mut seqs = Vec::new();
        let mut phases = Vec::new();
        while let Ok(ev) = rx.try_recv() {
            seqs.push(ev.seq);
            if let Kind::Phase { phase, state, .. } = ev.kind {
                phases.push((phase, state));
            }
        }
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
        assert_eq!(
            phases,
            vec![
                (Phase::PreHooks, PhaseState::Started),
                (Phase::PreHooks, PhaseState::Done),
                (Phase::ApplyAndWait, PhaseState::Started),
                (Phase::ApplyAndWait, PhaseState::Done),
            ]
        );
    }
}
