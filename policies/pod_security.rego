# Pod security: the container-level controls of the Kubernetes "restricted" profile that
# app-platform renders by default (values key `security`, see docs/values-contract.md).
#
#   no-root                  deny  every container runs as non-root: effective runAsNonRoot
#                                  is true (the container's value overrides the pod's), and no
#                                  runAsUser: 0 at pod or container level
#   no-privileged            deny  no container sets securityContext.privileged: true
#   no-privilege-escalation  deny  every container (main, classic or native sidecar, init,
#                                  ephemeral) sets securityContext.allowPrivilegeEscalation: false
package main

# --- no-root ---------------------------------------------------------------------------------

# A container that explicitly sets runAsNonRoot: false overrides the pod.
deny contains msg("no-root", problem, fix) if {
	some c in containers
	container_security_context(c).runAsNonRoot == false
	problem := sprintf("%s sets securityContext.runAsNonRoot=false, so it may run as root", [c.label])
	fix := "keep security.runAsNonRoot: true, the chart default, and a non-zero security.runAsUser"
}

# Neither the container nor the pod asks for non-root (unset, null, or false at pod level).
deny contains msg("no-root", problem, fix) if {
	some c in containers
	not container_security_context(c).runAsNonRoot == false
	not effective_run_as_non_root(c)
	problem := sprintf(
		"%s is not required to run as non-root: securityContext.runAsNonRoot is %s on the pod and %s on the container, and must be true",
		[c.label, describe_field(pod_security_context, "runAsNonRoot"), describe_field(container_security_context(c), "runAsNonRoot")],
	)
	fix := "set security.runAsNonRoot: true and a non-zero security.runAsUser such as 10001, the chart defaults"
}

deny contains msg("no-root", problem, fix) if {
	pod_security_context.runAsUser == 0
	problem := sprintf("the pod sets %s.securityContext.runAsUser=0, which is root", [pod.path])
	fix := "set security.runAsUser to a non-zero UID such as 10001, the chart default"
}

deny contains msg("no-root", problem, fix) if {
	some c in containers
	container_security_context(c).runAsUser == 0
	problem := sprintf("%s sets securityContext.runAsUser=0, which is root", [c.label])
	fix := "set security.runAsUser to a non-zero UID such as 10001, the chart default"
}

# The container's runAsNonRoot wins over the pod's when it is set (not null).
effective_run_as_non_root(c) if {
	container_security_context(c).runAsNonRoot == true
}

effective_run_as_non_root(c) if {
	object.get(container_security_context(c), "runAsNonRoot", null) == null
	pod_security_context.runAsNonRoot == true
}

# --- no-privileged ---------------------------------------------------------------------------

deny contains msg("no-privileged", problem, fix) if {
	some c in containers
	container_security_context(c).privileged == true
	problem := sprintf("%s runs privileged (securityContext.privileged=true)", [c.label])
	fix := "remove securityContext.privileged: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest"
}

# --- no-privilege-escalation -----------------------------------------------------------------

deny contains msg("no-privilege-escalation", problem, fix) if {
	some c in containers
	not container_security_context(c).allowPrivilegeEscalation == false
	problem := sprintf(
		"%s must set securityContext.allowPrivilegeEscalation=false, found %s",
		[c.label, describe_field(container_security_context(c), "allowPrivilegeEscalation")],
	)
	fix := "set security.allowPrivilegeEscalation: false, the chart default, which also applies to init containers and sidecars"
}
