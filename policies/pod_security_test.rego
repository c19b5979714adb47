# Tests for pod_security.rego: no-root, no-privileged, no-privilege-escalation.
# Fixtures and check() are in fixtures_test.rego.
package main

# --- no-root -----------------------------------------------------------------------------------

cases["no_root_unset_everywhere_deployment"] := {
	"input": pod_unset(pod_unset(good_deployment, "/securityContext/runAsNonRoot"), "/containers/0/securityContext/runAsNonRoot"),
	"deny": {`Deployment/shop-web: container "web" is not required to run as non-root: securityContext.runAsNonRoot is unset on the pod and unset on the container, and must be true; fix: set security.runAsNonRoot: true and a non-zero security.runAsUser such as 10001, the chart defaults (rule: no-root)`},
	"warn": set(),
}

test_no_root_denies_when_neither_pod_nor_container_sets_it if check("no_root_unset_everywhere_deployment")

cases["no_root_pod_false_inherited_daemonset"] := {
	"input": pod_unset(pod_set(good_daemonset, "/securityContext/runAsNonRoot", false), "/containers/0/securityContext/runAsNonRoot"),
	"deny": {`DaemonSet/shop-agent: container "agent" is not required to run as non-root: securityContext.runAsNonRoot is false on the pod and unset on the container, and must be true; fix: set security.runAsNonRoot: true and a non-zero security.runAsUser such as 10001, the chart defaults (rule: no-root)`},
	"warn": set(),
}

test_no_root_denies_pod_level_false_that_a_container_inherits if check("no_root_pod_false_inherited_daemonset")

cases["no_root_init_container_overrides_pod_job"] := {
	"input": pod_set(good_job, "/initContainers/0/securityContext/runAsNonRoot", false),
	"deny": {`Job/shop-migrate: init container "fetch-config" sets securityContext.runAsNonRoot=false, so it may run as root; fix: keep security.runAsNonRoot: true, the chart default, and a non-zero security.runAsUser (rule: no-root)`},
	"warn": set(),
}

test_no_root_container_false_overrides_pod_true if check("no_root_init_container_overrides_pod_job")

# The container's true wins over the pod's false: compliant.
cases["no_root_containers_override_pod_false_statefulset"] := {
	"input": pod_set(good_statefulset, "/securityContext/runAsNonRoot", false),
	"deny": set(),
	"warn": set(),
}

test_no_root_container_true_overrides_pod_false if check("no_root_containers_override_pod_false_statefulset")

# The pod's true applies to a container that does not set it: compliant.
cases["no_root_container_inherits_pod_true_cronjob"] := {
	"input": pod_unset(good_cronjob, "/containers/0/securityContext/runAsNonRoot"),
	"deny": set(),
	"warn": set(),
}

test_no_root_container_inherits_pod_true if check("no_root_container_inherits_pod_true_cronjob")

cases["no_root_run_as_user_zero_statefulset"] := {
	"input": pod_set(pod_set(good_statefulset, "/securityContext/runAsUser", 0), "/initContainers/0/securityContext/runAsUser", 0),
	"deny": {
		`StatefulSet/shop-db: the pod sets spec.template.spec.securityContext.runAsUser=0, which is root; fix: set security.runAsUser to a non-zero UID such as 10001, the chart default (rule: no-root)`,
		`StatefulSet/shop-db: sidecar container "log-shipper" sets securityContext.runAsUser=0, which is root; fix: set security.runAsUser to a non-zero UID such as 10001, the chart default (rule: no-root)`,
	},
	"warn": set(),
}

test_no_root_denies_run_as_user_zero_on_pod_and_sidecar if check("no_root_run_as_user_zero_statefulset")

cases["no_root_container_run_as_user_zero_cronjob"] := {
	"input": pod_set(good_cronjob, "/containers/0/securityContext/runAsUser", 0),
	"deny": {`CronJob/shop-report: container "report" sets securityContext.runAsUser=0, which is root; fix: set security.runAsUser to a non-zero UID such as 10001, the chart default (rule: no-root)`},
	"warn": set(),
}

test_no_root_denies_container_run_as_user_zero_in_cronjob if check("no_root_container_run_as_user_zero_cronjob")

# --- no-privileged -----------------------------------------------------------------------------

cases["privileged_daemonset"] := {
	"input": pod_set(good_daemonset, "/containers/0/securityContext/privileged", true),
	"deny": {`DaemonSet/shop-agent: container "agent" runs privileged (securityContext.privileged=true); fix: remove securityContext.privileged: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-privileged)`},
	"warn": set(),
}

test_no_privileged_denies_privileged_container if check("privileged_daemonset")

cases["privileged_init_container_job"] := {
	"input": pod_set(good_job, "/initContainers/0/securityContext/privileged", true),
	"deny": {`Job/shop-migrate: init container "fetch-config" runs privileged (securityContext.privileged=true); fix: remove securityContext.privileged: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest (rule: no-privileged)`},
	"warn": set(),
}

test_no_privileged_denies_privileged_init_container if check("privileged_init_container_job")

# privileged: false, as the chart renders it: compliant.
cases["privileged_false_pod"] := {
	"input": pod_set(good_pod, "/containers/0/securityContext/privileged", false),
	"deny": set(),
	"warn": set(),
}

test_no_privileged_allows_explicit_false if check("privileged_false_pod")

# --- no-privilege-escalation ---------------------------------------------------------------------

cases["escalation_unset_init_container_deployment"] := {
	"input": pod_unset(good_deployment, "/initContainers/0/securityContext/allowPrivilegeEscalation"),
	"deny": {`Deployment/shop-web: init container "wait-for-db" must set securityContext.allowPrivilegeEscalation=false, found unset; fix: set security.allowPrivilegeEscalation: false, the chart default, which also applies to init containers and sidecars (rule: no-privilege-escalation)`},
	"warn": set(),
}

test_no_privilege_escalation_denies_unset_in_init_container if check("escalation_unset_init_container_deployment")

cases["escalation_true_ephemeral_container_pod"] := {
	"input": pod_set(good_pod, "/ephemeralContainers/0/securityContext/allowPrivilegeEscalation", true),
	"deny": {`Pod/shop-web-test: ephemeral container "debugger" must set securityContext.allowPrivilegeEscalation=false, found true; fix: set security.allowPrivilegeEscalation: false, the chart default, which also applies to init containers and sidecars (rule: no-privilege-escalation)`},
	"warn": set(),
}

test_no_privilege_escalation_denies_true_in_ephemeral_container if check("escalation_true_ephemeral_container_pod")

cases["escalation_true_native_sidecar_statefulset"] := {
	"input": pod_set(good_statefulset, "/initContainers/0/securityContext/allowPrivilegeEscalation", true),
	"deny": {`StatefulSet/shop-db: sidecar container "log-shipper" must set securityContext.allowPrivilegeEscalation=false, found true; fix: set security.allowPrivilegeEscalation: false, the chart default, which also applies to init containers and sidecars (rule: no-privilege-escalation)`},
	"warn": set(),
}

test_no_privilege_escalation_denies_true_in_native_sidecar if check("escalation_true_native_sidecar_statefulset")

# A container without any securityContext (here: null) inherits runAsNonRoot from the pod, but
# allowPrivilegeEscalation exists only per container.
cases["escalation_null_security_context_cronjob"] := {
	"input": pod_set(good_cronjob, "/containers/0/securityContext", null),
	"deny": {`CronJob/shop-report: container "report" must set securityContext.allowPrivilegeEscalation=false, found unset; fix: set security.allowPrivilegeEscalation: false, the chart default, which also applies to init containers and sidecars (rule: no-privilege-escalation)`},
	"warn": set(),
}

test_no_privilege_escalation_denies_null_security_context if check("escalation_null_security_context_cronjob")
