//! The release event stream folded into what a live view shows: the phases with their state and
//! duration, the hooks, the workloads' rollout, the pods, the Kubernetes Events (warnings first),
//! helm's lines, notices, captured logs and the cause card. A front end feeds it every
//! [`ReleaseEvent`] in order and draws it; replaying a recorded stream gives the same board, which
//! is how the TUI's snapshots are made.
use serde::Serialize;

use crate::core::release::cause::CauseCard;
use crate::core::release::events::{Kind, Logs, ObjectRef, Phase, PhaseState, ReleaseEvent};
use crate::core::release::liveness;

/// A phase as shown: not yet started, running, done or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    Waiting,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseRow {
    pub phase: Phase,
    pub step: Step,
    pub started_ms: Option<u64>,
    pub duration_ms: Option<u64>,
}

/// An object's row (one per UID).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectRow {
    pub kind: String,
    pub name: String,
    pub uid: String,
    pub state: String,
    /// The hook events (hooks, their pods, test pods).
    pub hook: Option<String>,
    /// When the row was first seen and last changed (ms since the start).
    pub first_ms: u64,
    pub changed_ms: u64,
    /// How many states it went through.
    pub changes: u32,
}

impl ObjectRow {
    /// A state that means trouble.
    pub(crate) fn failing(&self) -> bool {
        let s = self.state.to_ascii_lowercase();
        s.contains("fail") || s.contains("backoff") || s.contains("error")
    }

    /// A state that means it is done well.
    pub(crate) fn healthy(&self) -> bool {
        let s = self.state.as_str();
        s.starts_with("complete")
            || s.starts_with("ready")
            || s == "Running, ready"
            || s == "Succeeded"
            || s.contains("counted as success")
    }
}

/// A Kubernetes Event (repeats of the same reason on the same object are counted).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRow {
    pub warning: bool,
    pub reason: String,
    pub object: String,
    pub message: String,
    pub count: u32,
    pub last_ms: u64,
}

/// How the operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Finished {
    pub ok: bool,
    pub duration_ms: u64,
}

/// Everything a live view shows, folded from the stream.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Board {
    pub phases: Vec<PhaseRow>,
    /// Hook Jobs and hook/test Pods, in order of first sight.
    pub hooks: Vec<ObjectRow>,
    /// Deployments, StatefulSets, DaemonSets.
    pub workloads: Vec<ObjectRow>,
    /// The release's other pods.
    pub pods: Vec<ObjectRow>,
    pub events: Vec<EventRow>,
    pub helm: Vec<String>,
    pub notices: Vec<String>,
    pub logs: Vec<Logs>,
    pub cause: Option<CauseCard>,
    pub finished: Option<Finished>,
    /// The time of the newest event.
    pub now_ms: u64,
    /// The newest sequence number folded in (older or repeated events are ignored).
    pub seq: u64,
    /// Watches lost and not yet listed again (`watch of <stream> interrupted … reconnecting`).
    pub reconnecting: Vec<String>,
    /// The API server has not answered for a while: every row shows the state heard last.
    pub stale: Option<Stale>,
}

/// A silent API server, as the newest `Connection` event says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stale {
    pub silent_ms: u64,
    /// RFC 3339: the last answer.
    pub last_heard: String,
}

impl Stale {
    /// `no answer from the API server for 12 s · showing the state at 14:03:07 UTC`.
    pub(crate) fn words(&self) -> String {
        liveness::stall_words(self.silent_ms, &self.last_heard)
    }
}

/// The phases of an operation that runs hooks, in order.
pub(crate) const OPERATION_PHASES: [Phase; 4] = [
    Phase::PreChecks,
    Phase::PreHooks,
    Phase::ApplyAndWait,
    Phase::PostHooks,
];

impl Board {
    /// A board with `phases` waiting.
    pub(crate) fn new(phases: &[Phase]) -> Board {
        Board {
            phases: phases
                .iter()
                .map(|p| PhaseRow {
                    phase: *p,
                    step: Step::Waiting,
                    started_ms: None,
                    duration_ms: None,
                })
                .collect(),
            ..Board::default()
        }
    }

    /// A board replayed from a recorded stream.
    #[cfg(test)]
    fn replay(phases: &[Phase], events: &[ReleaseEvent]) -> Board {
        let mut b = Board::new(phases);
        for e in events {
            b.apply(e);
        }
        b
    }

    /// Marks a phase that ran before the stream began (the pre-checks of a plan).
    pub(crate) fn mark(&mut self, phase: Phase, step: Step, duration_ms: Option<u64>) {
        let row = self.phase_row(phase);
        row.step = step;
        row.duration_ms = duration_ms;
    }

    fn phase_row(&mut self, phase: Phase) -> &mut PhaseRow {
        if let Some(i) = self.phases.iter().position(|r| r.phase == phase) {
            return &mut self.phases[i];
        }
        self.phases.push(PhaseRow {
            phase,
            step: Step::Waiting,
            started_ms: None,
            duration_ms: None,
        });
        let last = self.phases.len() - 1;
        &mut self.phases[last]
    }

    /// Folds one event in (an event already folded, by its sequence number, is skipped).
    pub(crate) fn apply(&mut self, ev: &ReleaseEvent) {
        if ev.seq != 0 && ev.seq <= self.seq {
            return;
        }
        self.seq = ev.seq;
        self.now_ms = self.now_ms.max(ev.at_ms);
        let at = ev.at_ms;
        match &ev.kind {
            Kind::Phase {
                phase: Phase::Done,
                state,
                duration_ms,
            } => self.operation_ended(*state, duration_ms.unwrap_or(at)),
            Kind::Phase {
                phase,
                state,
                duration_ms,
            } => self.phase_changed(*phase, *state, *duration_ms, at),
            Kind::Object {
                object,
                state,
                hook,
            } => self.object_changed(object, state, hook, at),
            Kind::KubeEvent {
                kind,
                reason,
                object,
                message,
            } => self.kube_event(kind == "Warning", reason, object, message, at),
            Kind::Helm { line } => self.helm.push(line.clone()),
            Kind::Notice { message } => self.notice(message),
            Kind::Connection {
                live,
                silent_ms,
                last_heard,
            } => self.connection(*live, *silent_ms, last_heard),
            Kind::Logs(l) => {
                self.logs
                    .retain(|x| !(x.pod == l.pod && x.container == l.container));
                self.logs.push(l.clone());
            }
            Kind::Failure(card) => {
                if self.cause.is_none() {
                    self.cause = Some((**card).clone());
                }
            }
        }
    }

    /// The operation ended: finished, and a phase still running ended with it.
    fn operation_ended(&mut self, state: PhaseState, duration_ms: u64) {
        self.finished = Some(Finished {
            ok: state == PhaseState::Done,
            duration_ms,
        });
        let failed = state != PhaseState::Done;
        for r in &mut self.phases {
            if r.step == Step::Running {
                r.step = if failed { Step::Failed } else { Step::Done };
            }
        }
    }

    /// A phase started (at `at`) or ended (taking `duration_ms`).
    fn phase_changed(
        &mut self,
        phase: Phase,
        state: PhaseState,
        duration_ms: Option<u64>,
        at: u64,
    ) {
        let row = self.phase_row(phase);
        match state {
            PhaseState::Started => {
                row.step = Step::Running;
                row.started_ms = Some(at);
            }
            PhaseState::Done => {
                row.step = Step::Done;
                row.duration_ms = duration_ms;
            }
            PhaseState::Failed => {
                row.step = Step::Failed;
                row.duration_ms = duration_ms;
            }
        }
    }

    /// An object's new state, in its list (hooks and Jobs, pods, workloads): its row changed, or
    /// a new row.
    fn object_changed(&mut self, object: &ObjectRef, state: &str, hook: &Option<String>, at: u64) {
        let list = if hook.is_some() || object.kind == "Job" {
            &mut self.hooks
        } else if object.kind == "Pod" {
            &mut self.pods
        } else {
            &mut self.workloads
        };
        match list.iter_mut().find(|r| r.uid == object.uid) {
            Some(r) => {
                r.state = state.to_string();
                r.changed_ms = at;
                r.changes += 1;
            }
            None => list.push(ObjectRow {
                kind: object.kind.clone(),
                name: object.name.clone(),
                uid: object.uid.clone(),
                state: state.to_string(),
                hook: hook.clone(),
                first_ms: at,
                changed_ms: at,
                changes: 1,
            }),
        }
    }

    /// A Kubernetes Event: counted on its row (same reason and object), the rows warnings
    /// first, then newest first.
    fn kube_event(&mut self, warning: bool, reason: &str, object: &str, message: &str, at: u64) {
        match self
            .events
            .iter_mut()
            .find(|e| e.reason == reason && e.object == object)
        {
            Some(e) => {
                e.count += 1;
                e.message = message.to_string();
                e.last_ms = at;
            }
            None => self.events.push(EventRow {
                warning,
                reason: reason.to_string(),
                object: object.to_string(),
                message: message.to_string(),
                count: 1,
                last_ms: at,
            }),
        }
        self.events
            .sort_by_key(|e| std::cmp::Reverse((e.warning, e.last_ms)));
    }

    /// A notice; the watcher's words for a lost and a resumed watch (`watch of pods …`) also
    /// mark that stream reconnecting or not.
    fn notice(&mut self, message: &str) {
        if let Some(stream) = message
            .strip_prefix("watch of ")
            .and_then(|m| m.split_whitespace().next())
        {
            if message.contains("reconnecting") {
                if !self.reconnecting.iter().any(|s| s == stream) {
                    self.reconnecting.push(stream.to_string());
                }
            } else if message.contains("reconnected") {
                self.reconnecting.retain(|s| s != stream);
            }
        }
        self.notices.push(message.to_string());
    }

    /// The API server went silent (stale since `last_heard`), or answers again (said once).
    fn connection(&mut self, live: bool, silent_ms: u64, last_heard: &str) {
        if live {
            if self.stale.take().is_some() {
                self.notices.push(liveness::resume_words(silent_ms));
            }
        } else {
            self.stale = Some(Stale {
                silent_ms,
                last_heard: last_heard.to_string(),
            });
        }
    }

    /// The cause card with what the operation's outcome adds (helm's stderr).
    pub(crate) fn set_cause(&mut self, card: CauseCard) {
        self.cause = Some(card);
    }

    /// Whether logs were captured for `row` (a hook Job's pod, or the pod itself).
    pub(crate) fn logs_saved(&self, row: &ObjectRow) -> bool {
        self.logs.iter().any(|l| {
            l.unavailable.is_none()
                && (l.pod == row.name
                    || (row.kind == "Job" && l.pod.starts_with(&format!("{}-", row.name))))
        })
    }

    /// The newest warning, if any.
    pub(crate) fn warnings(&self) -> usize {
        self.events.iter().filter(|e| e.warning).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::release::events::ObjectRef;

    fn ev(seq: u64, at_ms: u64, kind: Kind) -> ReleaseEvent {
        ReleaseEvent { seq, at_ms, kind }
    }

    fn obj(kind: &str, name: &str, uid: &str, state: &str, hook: Option<&str>) -> Kind {
        Kind::Object {
            object: ObjectRef {
                kind: kind.into(),
                name: name.into(),
                uid: uid.into(),
            },
            state: state.into(),
            hook: hook.map(str::to_string),
        }
    }

    #[test]
    fn a_lost_watch_is_reconnecting_until_it_has_listed_again() {
        let notice = |seq, m: &str| {
            ev(
                seq,
                seq * 10,
                Kind::Notice {
                    message: m.to_string(),
                },
            )
        };
        let mut b = Board::new(&OPERATION_PHASES);
        b.apply(&notice(
            1,
            "watch of pods interrupted (connection refused); reconnecting",
        ));
        b.apply(&notice(
            2,
            "watch of jobs interrupted (connection refused); reconnecting",
        ));
        assert_eq!(b.reconnecting, vec!["pods", "jobs"]);
        b.apply(&notice(3, "watch of pods reconnected and listed again"));
        assert_eq!(b.reconnecting, vec!["jobs"]);
        b.apply(&notice(4, "watch of jobs reconnected"));
        assert!(b.reconnecting.is_empty());
    }

    #[test]
    fn rows_are_keyed_by_uid_and_repeats_are_ignored() {
        let events = vec![
            ev(
                1,
                0,
                Kind::Phase {
                    phase: Phase::PreHooks,
                    state: PhaseState::Started,
                    duration_ms: None,
                },
            ),
            ev(
                2,
                10,
                obj("Job", "web-migrate", "u1", "running", Some("pre-upgrade")),
            ),
            ev(
                3,
                900,
                obj(
                    "Job",
                    "web-migrate",
                    "u1",
                    "complete in 0.9s",
                    Some("pre-upgrade"),
                ),
            ),
            // before-hook-creation: the same name, a new UID.
            ev(
                4,
                950,
                obj("Job", "web-migrate", "u2", "running", Some("pre-upgrade")),
            ),
            ev(5, 960, obj("Deployment", "web", "d1", "rolling out", None)),
            ev(6, 970, obj("Pod", "web-abc", "p1", "Pending", None)),
            ev(
                7,
                980,
                Kind::KubeEvent {
                    kind: "Normal".into(),
                    reason: "Scheduled".into(),
                    object: "Pod/web-abc".into(),
                    message: "assigned".into(),
                },
            ),
            ev(
                8,
                990,
                Kind::KubeEvent {
                    kind: "Warning".into(),
                    reason: "BackOff".into(),
                    object: "Pod/web-abc".into(),
                    message: "back-off".into(),
                },
            ),
            ev(
                9,
                995,
                Kind::KubeEvent {
                    kind: "Warning".into(),
                    reason: "BackOff".into(),
                    object: "Pod/web-abc".into(),
                    message: "back-off again".into(),
                },
            ),
            ev(
                10,
                1000,
                Kind::Phase {
                    phase: Phase::Done,
                    state: PhaseState::Failed,
                    duration_ms: Some(1000),
                },
            ),
        ];
        let mut b = Board::replay(&OPERATION_PHASES, &events);
        // A reconnect that replays an event changes nothing.
        b.apply(&events[2]);
        assert_eq!(b.hooks.len(), 2);
        assert_eq!(b.hooks[0].state, "complete in 0.9s");
        assert_eq!(b.hooks[0].changes, 2);
        assert_eq!(b.workloads.len(), 1);
        assert_eq!(b.pods.len(), 1);
        assert_eq!(b.events.len(), 2);
        assert!(b.events[0].warning, "warnings first");
        assert_eq!(b.events[0].count, 2);
        assert_eq!(b.events[0].message, "back-off again");
        let pre = b
            .phases
            .iter()
            .find(|p| p.phase == Phase::PreHooks)
            .unwrap();
        assert_eq!(
            pre.step,
            Step::Failed,
            "a phase running at the end failed with it"
        );
        assert_eq!(b.phases[0].step, Step::Waiting);
        assert_eq!(
            b.finished,
            Some(Finished {
                ok: false,
                duration_ms: 1000
            })
        );
    }
}
