# Tests for host_access.rego: no-host-path, no-host-namespaces.
package main

cases["host_path_job"] := {
	"input": pod_set(good_job, "/volumes/-", {"name": "docker-sock", "hostPath": {"path": "/var/run/docker.sock"}}),
	"deny": {`Job/shop-migrate: the pod mounts hostPath volume "docker-sock" with path "/var/run/docker.sock"; fix: replace it with a volumes[] entry using emptyDir, secret, configMap or persistentVolumeClaim, or use persistence (rule: no-host-path)`},
	"warn": set(),
}

test_no_host_path_denies_host_path_volume if check("host_path_job")

cases["host_namespaces_daemonset"] := {
	"input": pod_set(pod_set(pod_set(good_daemonset, "/hostNetwork", true), "/hostPID", true), "/hostIPC", true),
	"deny": {
		`DaemonSet/shop-agent: the pod sets spec.template.spec.hostNetwork=true, sharing the node's namespace; fix: remove hostNetwork: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-host-namespaces)`,
		`DaemonSet/shop-agent: the pod sets spec.template.spec.hostPID=true, sharing the node's namespace; fix: remove hostPID: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-host-namespaces)`,
		`DaemonSet/shop-agent: the pod sets spec.template.spec.hostIPC=true, sharing the node's namespace; fix: remove hostIPC: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-host-namespaces)`,
	},
	"warn": set(),
}

test_no_host_namespaces_denies_network_pid_and_ipc if check("host_namespaces_daemonset")

cases["host_pid_cronjob"] := {
	"input": pod_set(good_cronjob, "/hostPID", true),
	"deny": {`CronJob/shop-report: the pod sets spec.jobTemplate.spec.template.spec.hostPID=true, sharing the node's namespace; fix: remove hostPID: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-host-namespaces)`},
	"warn": set(),
}

test_no_host_namespaces_finds_the_cronjob_pod_spec if check("host_pid_cronjob")

# Explicit false and non-host volumes: compliant.
cases["host_namespaces_false_pod"] := {
	"input": pod_set(
		pod_set(pod_set(good_pod, "/hostNetwork", false), "/hostPID", false),
		"/volumes/-", {"name": "config", "configMap": {"name": "shop-web-config"}},
	),
	"deny": set(),
	"warn": set(),
}

test_no_host_access_allows_explicit_false_and_other_volumes if check("host_namespaces_false_pod")
