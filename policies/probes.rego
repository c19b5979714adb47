# Probes for long-running workloads (Deployment, StatefulSet, DaemonSet).
#
#   probes-required  deny  a main container has neither a readinessProbe nor a livenessProbe
#                    warn  a main container has only one of the two
#                    warn  a classic sidecar (see below) has no readinessProbe or livenessProbe
#
# Main containers: every .containers[] entry, unless the pod template names its main container
# with the standard annotation `kubectl.kubernetes.io/default-container: <name>` (and that
# container exists). Then only that one is main and the other .containers[] entries are classic
# sidecars, which only get warnings: app-platform's `sidecars[]` values have no probe keys, so a
# team could not fix a deny on them. The annotation is read from the object itself, so the
# decision stays per-object.
#
# Why deny for none and only warn for one:
# - With no probe at all the platform gets no signal from the container: a rollout counts it
#   ready the moment the process starts (broken releases roll out fully and take traffic) and a
#   hung process is never restarted. There is no good reason for a long-running service to have
#   neither, so this blocks the release.
# - Leaving one out is sometimes deliberate: a liveness probe that fails while a shared
#   dependency is down turns an outage into a restart storm, and some workers take no traffic so
#   readiness means little. app-platform lets a team disable one (`probes.liveness: null`), so
#   a missing single probe is reported for review, not blocked.
# startupProbe does not count for either: it only runs until the container has started.
#
# Init containers and native sidecars (.initContainers[]) are not main containers and are not
# checked; Jobs, CronJobs and bare Pods run to completion and are not checked.
package main

probe_kinds := {"readinessProbe": "probes.readiness", "livenessProbe": "probes.liveness"}

default_container_annotation := "kubectl.kubernetes.io/default-container"

deny contains msg("probes-required", problem, fix) if {
	some c in probed_containers
	is_main_container(c)
	not has_probe(c, "readinessProbe")
	not has_probe(c, "livenessProbe")
	problem := sprintf("%s has neither a readinessProbe nor a livenessProbe", [c.label])
	fix := "set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled"
}

warn contains msg("probes-required", problem, fix) if {
	some c in probed_containers
	is_main_container(c)
	some present, _ in probe_kinds
	some absent, value_key in probe_kinds
	present != absent
	has_probe(c, present)
	not has_probe(c, absent)
	problem := sprintf("%s has a %s but no %s", [c.label, present, absent])
	fix := sprintf("set %s, or leave it null on purpose and accept this warning", [value_key])
}

warn contains msg("probes-required", problem, fix) if {
	some c in probed_containers
	not is_main_container(c)
	missing := [k | some k in ["readinessProbe", "livenessProbe"]; not has_probe(c, k)]
	count(missing) > 0
	problem := sprintf(
		"%s is a sidecar, not the pod's default container \"%s\", and has no %s",
		[c.label, declared_main_container, concat(" and no ", missing)],
	)
	fix := "nothing to set in the values, sidecars[] entries have no probe keys: make sure a failing sidecar also fails the main container's probes"
}

# The .containers[] entries of long-running kinds.
probed_containers contains c if {
	long_running_kinds[input.kind]
	some c in containers
	c.kind == "container"
}

# The main container named by the default-container annotation, when it names one of them.
declared_main_container := name if {
	name := pod_annotations[default_container_annotation]
	some c in probed_containers
	c.name == name
}

is_main_container(_) if not declared_main_container

is_main_container(c) if c.name == declared_main_container

has_probe(c, kind) if is_object(c.spec[kind])
