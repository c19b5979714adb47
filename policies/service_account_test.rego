# Tests for service_account.rego: no-token-without-rbac.
package main

cases["token_unset_deployment"] := {
	"input": pod_unset(good_deployment, "/automountServiceAccountToken"),
	"deny": {`Deployment/shop-web: the pod gets a service-account token, spec.template.spec.automountServiceAccountToken is unset, but spec.template.metadata.annotations has no app-platform.io/rbac: "enabled", so no RBAC was granted for it; fix: set serviceAccount.automountToken: false if the service does not call the Kubernetes API, or set rbac.enabled: true, which renders a Role and RoleBinding and sets the annotation (rule: no-token-without-rbac)`},
	"warn": set(),
}

test_no_token_without_rbac_denies_an_unset_automount if check("token_unset_deployment")

cases["token_true_cronjob"] := {
	"input": pod_set(good_cronjob, "/automountServiceAccountToken", true),
	"deny": {`CronJob/shop-report: the pod gets a service-account token, spec.jobTemplate.spec.template.spec.automountServiceAccountToken is true, but spec.jobTemplate.spec.template.metadata.annotations has no app-platform.io/rbac: "enabled", so no RBAC was granted for it; fix: set serviceAccount.automountToken: false if the service does not call the Kubernetes API, or set rbac.enabled: true, which renders a Role and RoleBinding and sets the annotation (rule: no-token-without-rbac)`},
	"warn": set(),
}

test_no_token_without_rbac_denies_true_in_a_cronjob if check("token_true_cronjob")

cases["token_true_wrong_marker_pod"] := {
	"input": annotate_pods(pod_set(good_pod, "/automountServiceAccountToken", true), {"app-platform.io/rbac": "disabled"}),
	"deny": {`Pod/shop-web-test: the pod gets a service-account token, spec.automountServiceAccountToken is true, but metadata.annotations has no app-platform.io/rbac: "enabled", so no RBAC was granted for it; fix: set serviceAccount.automountToken: false if the service does not call the Kubernetes API, or set rbac.enabled: true, which renders a Role and RoleBinding and sets the annotation (rule: no-token-without-rbac)`},
	"warn": set(),
}

test_no_token_without_rbac_requires_the_exact_marker_value if check("token_true_wrong_marker_pod")

# A marker on the workload's own metadata does not count: it must be on the pod template.
cases["token_marker_on_workload_not_template_job"] := {
	"input": json.patch(pod_set(good_job, "/automountServiceAccountToken", true), [{
		"op": "add", "path": "/metadata/annotations", "value": {"app-platform.io/rbac": "enabled"},
	}]),
	"deny": {`Job/shop-migrate: the pod gets a service-account token, spec.template.spec.automountServiceAccountToken is true, but spec.template.metadata.annotations has no app-platform.io/rbac: "enabled", so no RBAC was granted for it; fix: set serviceAccount.automountToken: false if the service does not call the Kubernetes API, or set rbac.enabled: true, which renders a Role and RoleBinding and sets the annotation (rule: no-token-without-rbac)`},
	"warn": set(),
}

test_no_token_without_rbac_reads_the_pod_template_annotation if check("token_marker_on_workload_not_template_job")

# Token with the rbac marker, as the chart renders rbac.enabled: true: compliant.
cases["token_with_rbac_statefulset"] := {
	"input": annotate_pods(pod_set(good_statefulset, "/automountServiceAccountToken", true), {"app-platform.io/rbac": "enabled"}),
	"deny": set(),
	"warn": set(),
}

test_no_token_without_rbac_allows_a_token_with_the_marker if check("token_with_rbac_statefulset")

# No token, no marker needed (every good_* fixture sets automountServiceAccountToken: false).
test_no_token_without_rbac_allows_automount_false_without_marker if {
	good_daemonset.spec.template.spec.automountServiceAccountToken == false
	object.get(good_daemonset.spec.template.metadata, "annotations", null) == null
	check("compliant_daemonset")
}
