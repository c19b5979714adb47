# Shared helpers for the app-platform policies (package main, so every rule file uses them
# without imports and the directory stays flat: apwiz loads every `*.rego` here that is not a
# `*_test.rego`, conftest loads them all, test files included).
#
# Evaluation model: `input` is ONE Kubernetes object (conftest's default per-document mode;
# `apwiz` does the same, one rendered object at a time). Nothing here may look at other
# objects of the release.
#
# Portability: these files must evaluate identically in conftest's OPA (1.x, Rego v1) and in
# the `regorus` crate (0.14) used by apwiz. Only builtins that both implement are used:
# count, sprintf (%s and %v only; regorus has no %q), concat, split, startswith, regex.match, object.get,
# is_object, is_array, is_string, is_number. See README.md, "Portability".
package main

# ---------------------------------------------------------------------------------------------
# Message form (one form for every rule):
#
#   <Kind>/<name>: <what is wrong>; fix: <what to change in the values file> (rule: <id>)
# ---------------------------------------------------------------------------------------------

object_ref := sprintf("%s/%s", [object.get(input, "kind", "<no kind>"), object_name])

object_name := name if {
	name := input.metadata.name
	is_string(name)
	name != ""
} else := sprintf("%s<generated>", [input.metadata.generateName]) if {
	is_string(input.metadata.generateName)
} else := "<unnamed>"

# msg(rule_id, problem, fix): the one message form.
msg(rule_id, problem, fix) := sprintf("%s: %s; fix: %s (rule: %s)", [object_ref, problem, fix, rule_id])

# ---------------------------------------------------------------------------------------------
# Pod specs
# ---------------------------------------------------------------------------------------------

# Kinds whose pod template lives at .spec.template.
template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

# Long-running kinds: these need probes.
long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

# `pod` is the one pod spec of the object, if it has one:
#   pod.spec      the PodSpec
#   pod.metadata  the metadata that applies to the pods (the template's; a Pod's own)
#   pod.path      where the PodSpec lives, for messages
#   pod.metadata_path  where that metadata lives, for messages
# Undefined for kinds without a pod spec (Service, ConfigMap, ...).
pod := {
	"spec": input.spec,
	"metadata": as_object(input.metadata),
	"path": "spec",
	"metadata_path": "metadata",
} if {
	input.kind == "Pod"
	is_object(input.spec)
}

pod := {
	"spec": input.spec.template.spec,
	"metadata": as_object(object.get(input.spec.template, "metadata", {})),
	"path": "spec.template.spec",
	"metadata_path": "spec.template.metadata",
} if {
	template_kinds[input.kind]
	is_object(input.spec.template.spec)
}

pod := {
	"spec": input.spec.jobTemplate.spec.template.spec,
	"metadata": as_object(object.get(input.spec.jobTemplate.spec.template, "metadata", {})),
	"path": "spec.jobTemplate.spec.template.spec",
	"metadata_path": "spec.jobTemplate.spec.template.metadata",
} if {
	input.kind == "CronJob"
	is_object(input.spec.jobTemplate.spec.template.spec)
}

# The pod-level securityContext ({} when absent or null).
pod_security_context := as_object(object.get(pod.spec, "securityContext", {}))

# Annotations of the pod template ({} when absent or null).
pod_annotations := as_object(object.get(pod.metadata, "annotations", {}))

# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------

# `containers` holds every container of the pod spec, each as
#   {"kind": k, "name": n, "label": "<kind words> \"<name>\"", "spec": <the container>}
# with k one of:
#   "container"          .containers[] (the main container and classic sidecars)
#   "initContainer"      .initContainers[] without restartPolicy: Always
#   "sidecar"            .initContainers[] with restartPolicy: Always (native sidecar)
#   "ephemeralContainer" .ephemeralContainers[]
containers contains c if {
	some field, kind in container_fields
	some ctr in as_array(object.get(pod.spec, field, []))
	is_object(ctr)
	k := container_kind(kind, ctr)
	c := {
		"kind": k,
		"name": object.get(ctr, "name", "<unnamed>"),
		"label": sprintf("%s \"%s\"", [container_words[k], object.get(ctr, "name", "<unnamed>")]),
		"spec": ctr,
	}
}

container_fields := {
	"containers": "container",
	"initContainers": "initContainer",
	"ephemeralContainers": "ephemeralContainer",
}

container_words := {
	"container": "container",
	"initContainer": "init container",
	"sidecar": "sidecar container",
	"ephemeralContainer": "ephemeral container",
}

container_kind(kind, ctr) := "sidecar" if {
	kind == "initContainer"
	ctr.restartPolicy == "Always"
} else := kind

# The container-level securityContext ({} when absent or null).
container_security_context(c) := as_object(object.get(c.spec, "securityContext", {}))

# Where a container's settings live in the values file, for fix hints.
#   values_path(c, "resources") -> "resources" / "initContainers[].resources" / ...
# The chart's dependsOn wait containers are init containers named wait-for-<dependency>, set up
# by the `dependencyWait` value.
values_path(c, key) := sprintf("dependencyWait.%s (or initContainers[].%s if you declared it)", [key, key]) if {
	c.kind == "initContainer"
	startswith(c.name, "wait-for-")
} else := sprintf("initContainers[].%s", [key]) if {
	c.kind == "initContainer"
} else := sprintf("sidecars[].%s", [key]) if {
	c.kind == "sidecar"
} else := sprintf("%s (for a sidecar: sidecars[].%s)", [key, key]) if {
	c.kind == "container"
} else := sprintf("%s (ephemeral containers are added by kubectl debug, not by the chart)", [key])

# ---------------------------------------------------------------------------------------------
# Small utilities
# ---------------------------------------------------------------------------------------------

as_object(x) := x if {
	is_object(x)
} else := {}

as_array(x) := x if {
	is_array(x)
} else := []

# describe(v): a scalar value as it would appear in YAML, for messages.
describe(v) := "true" if {
	v == true
} else := "false" if {
	v == false
} else := sprintf("%v", [v]) if {
	is_number(v)
} else := sprintf("\"%s\"", [v]) if {
	is_string(v)
} else := "a non-scalar value"

# describe_field(obj, key): describe(obj[key]), or "unset" when the key is absent or null.
describe_field(obj, key) := describe(obj[key]) if {
	obj[key] != null
} else := "unset"
