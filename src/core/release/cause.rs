//! Cause cards: the first failure of an operation, explained (object, reason, message, the last
//! log lines of the failing container, helm's stderr, what to do next). Detection looks at what
//! the watcher sees, so it does not wait for helm's timeout.
use serde::{Deserialize, Serialize};

use k8s_openapi::api::core::v1::Pod;

use crate::core::release::events::Logs;

/// Container waiting reasons that mean the pod will not start by itself.
pub const WAITING_FAILURES: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
];

/// Event reasons that mean a pod cannot run.
pub const EVENT_FAILURES: &[&str] = &["FailedScheduling", "FailedMount", "FailedCreate"];

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
    /// Milliseconds since the operation started when the failure was first seen.
    pub detected_ms: u64,
}

/// What is wrong with a pod, if anything: (reason, message, container).
pub fn pod_failure(pod: &Pod) -> Option<(String, String, Option<String>)> {
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
pub fn next_actions(
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
