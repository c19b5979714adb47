//! Cause cards: the first failure of an operation, explained (object, reason, message, the last
//! log lines of the failing container, helm's stderr, what to do next). Detection looks at what
//! the watcher sees, so it does not wait for helm's timeout.
use serde::{Deserialize, Serialize};

use k8s_openapi::api::core::v1::Pod;

/// Logs of one container, or why there are none.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Logs {
    pub pod: String,
    pub container: String,
    pub lines: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

/// Container waiting reasons that mean the pod will not start by itself.
pub(crate) const WAITING_FAILURES: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
];

/// Event reasons that mean a pod cannot run.
pub(crate) const EVENT_FAILURES: &[&str] = &["FailedScheduling", "FailedMount", "FailedCreate"];

/// A failure, explained.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CauseCard {
    /// `Pod/web-migrate-x2k4` (or a Job, a workload).
    pub object: String,
    pub reason: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// The hook events when the object is a hook (or a hook's pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
    /// The last lines of the failing container, or why there are none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Logs>,
    /// Helm's exact stderr (filled in when helm has ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm_stderr: Option<String>,
    pub next_actions: Vec<String>,
    /// Milliseconds since the operation started when the failure was first seen (0: known
    /// before anything ran, a refusal; no "seen after" line).
    pub detected_ms: u64,
}

/// One line of a cause card: how deep it is indented (0: the heading, 1: the card's lines, 2:
/// quoted lines: logs, helm's stderr, next actions) and its segments, each with the theme role
/// that styles it (as [`Finding::segments`](crate::core::check::report::Finding::segments); `""`
/// for plain text). The CLI paints them into text, the TUI into spans: the same words in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CardLine {
    pub depth: u8,
    pub segments: Vec<(&'static str, String)>,
}

impl CardLine {
    fn one(depth: u8, role: &'static str, text: String) -> CardLine {
        CardLine {
            depth,
            segments: vec![(role, text)],
        }
    }
}

impl CauseCard {
    /// The card's lines (what failed, where, the logs, helm's words), worded once for every
    /// front end.
    pub(crate) fn lines(&self) -> Vec<CardLine> {
        let mut l = vec![
            CardLine::one(
                0,
                "error",
                format!("✗ cause: {} — {}", self.object, self.reason),
            ),
            CardLine::one(1, "", self.message.clone()),
        ];
        if let Some(h) = &self.hook {
            l.push(CardLine::one(1, "muted", format!("hook: {h}")));
        }
        if self.detected_ms > 0 {
            l.push(CardLine::one(
                1,
                "muted",
                format!("seen after {:.1}s", self.detected_ms as f64 / 1000.0),
            ));
        }
        if let Some(lg) = &self.logs {
            match &lg.unavailable {
                Some(why) => l.push(CardLine::one(
                    1,
                    "muted",
                    format!("logs of {}: unavailable ({why})", lg.container),
                )),
                None => {
                    l.push(CardLine::one(
                        1,
                        "heading",
                        format!("last {} log lines of {}:", lg.lines.len(), lg.container),
                    ));
                    l.extend(lg.lines.iter().map(|x| CardLine::one(2, "", x.clone())));
                }
            }
        }
        if let Some(e) = &self.helm_stderr
            && !e.trim().is_empty()
        {
            if e.contains("has been rolled back") {
                l.push(CardLine::one(
                    1,
                    "info",
                    "helm has already rolled the release back (rollback on failure)".into(),
                ));
            }
            l.push(CardLine::one(1, "heading", "helm said:".into()));
            l.extend(e.lines().map(|x| CardLine::one(2, "", x.to_string())));
        }
        l
    }

    /// What to do next, as commands to run (`next:` and one line each; none when there is
    /// nothing to say). A front end with keys for them (the TUI) says its keys instead.
    pub(crate) fn next_lines(&self) -> Vec<CardLine> {
        let mut l = Vec::new();
        if !self.next_actions.is_empty() {
            l.push(CardLine::one(1, "heading", "next:".into()));
            l.extend(
                self.next_actions
                    .iter()
                    .map(|x| CardLine::one(2, "", x.clone())),
            );
        }
        l
    }
}

/// What is wrong with a pod, if anything: (reason, message, container).
pub(crate) fn pod_failure(pod: &Pod) -> Option<(String, String, Option<String>)> {
    let status = pod.status.as_ref()?;
    let all = status
        .init_container_statuses
        .iter()
        .flatten()
        .chain(status.container_statuses.iter().flatten());
    for cs in all {
        let st = cs.state.as_ref();
        if let Some(w) = st.and_then(|s| s.waiting.as_ref()) {
            let reason = w.reason.clone().unwrap_or_default();
            if WAITING_FAILURES.contains(&reason.as_str()) {
                return Some((
                    reason,
                    w.message.clone().unwrap_or_default(),
                    Some(cs.name.clone()),
                ));
            }
        }
        if let Some(t) = st.and_then(|s| s.terminated.as_ref())
            && t.exit_code != 0
        {
            let reason = t.reason.clone().unwrap_or_else(|| "Error".into());
            let mut msg = format!("container {} exited with code {}", cs.name, t.exit_code);
            if let Some(m) = t.message.as_deref().filter(|m| !m.is_empty()) {
                msg.push_str(&format!(": {m}"));
            }
            return Some((reason, msg, Some(cs.name.clone())));
        }
    }
    if status.phase.as_deref() == Some("Failed") {
        return Some((
            status.reason.clone().unwrap_or_else(|| "Failed".into()),
            status
                .message
                .clone()
                .unwrap_or_else(|| "the pod failed".into()),
            None,
        ));
    }
    None
}

/// The next actions after a failed operation.
pub(crate) fn next_actions(
    release: &str,
    namespace: &str,
    rollback_to: Option<u64>,
    pod: Option<&str>,
) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(n) = rollback_to {
        v.push(format!(
            "apwiz rollback {n} --release {release} -n {namespace}   # back to revision {n}"
        ));
    }
    if let Some(p) = pod {
        v.push(format!(
            "kubectl logs -n {namespace} {p} --all-containers   # full logs (if the pod still exists)"
        ));
    }
    v.push(format!(
        "apwiz status --release {release} -n {namespace}   # revision, hooks, readiness, warnings"
    ));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_is_worded_once_as_role_tagged_lines() {
        let card = CauseCard {
            object: "Pod/web-migrate-x".into(),
            reason: "BackOff".into(),
            message: "container migrate exited 1".into(),
            hook: Some("pre-upgrade".into()),
            helm_stderr: Some("Error: UPGRADE FAILED: has been rolled back".into()),
            next_actions: vec!["apwiz rollback 1".into()],
            detected_ms: 1500,
            ..CauseCard::default()
        };
        let text = |ls: Vec<CardLine>| -> Vec<String> {
            ls.iter()
                .map(|l| {
                    let words: String = l.segments.iter().map(|(_, t)| t.as_str()).collect();
                    format!("{}{words}", "  ".repeat(usize::from(l.depth)))
                })
                .collect()
        };
        assert_eq!(
            text(card.lines()),
            vec![
                "✗ cause: Pod/web-migrate-x — BackOff",
                "  container migrate exited 1",
                "  hook: pre-upgrade",
                "  seen after 1.5s",
                "  helm has already rolled the release back (rollback on failure)",
                "  helm said:",
                "    Error: UPGRADE FAILED: has been rolled back",
            ]
        );
        assert_eq!(
            text(card.next_lines()),
            vec!["  next:", "    apwiz rollback 1"]
        );
        assert_eq!(card.lines()[0].segments[0].0, "error");
    }

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn recognises_pull_errors_exit_codes_and_failed_phase() {
        let p = pod(
            serde_json::json!({"status": {"phase": "Pending", "containerStatuses": [
            {"name": "app", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"waiting": {"reason": "ImagePullBackOff", "message": "no such image"}}}]}}),
        );
        assert_eq!(
            pod_failure(&p),
            Some((
                "ImagePullBackOff".into(),
                "no such image".into(),
                Some("app".into())
            ))
        );
        let p = pod(
            serde_json::json!({"status": {"phase": "Failed", "containerStatuses": [
            {"name": "c", "image": "x", "imageID": "", "ready": false, "restartCount": 0,
             "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}}),
        );
        let (r, m, c) = pod_failure(&p).unwrap();
        assert_eq!((r.as_str(), c.as_deref()), ("Error", Some("c")));
        assert!(m.contains("code 1"));
        let ok = pod(serde_json::json!({"status": {"phase": "Running"}}));
        assert_eq!(pod_failure(&ok), None);
    }
}
