# Tests for probes.rego: probes-required (deny for none, warn for one missing).
package main

cases["probes_none_deployment"] := {
	"input": pod_unset(pod_unset(good_deployment, "/containers/0/readinessProbe"), "/containers/0/livenessProbe"),
	"deny": {`Deployment/shop-web: container "web" has neither a readinessProbe nor a livenessProbe; fix: set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled (rule: probes-required)`},
	"warn": set(),
}

test_probes_required_denies_main_container_without_probes if check("probes_none_deployment")

# A startupProbe counts for neither.
cases["probes_startup_only_statefulset"] := {
	"input": pod_set(
		pod_unset(pod_unset(good_statefulset, "/containers/0/readinessProbe"), "/containers/0/livenessProbe"),
		"/containers/0/startupProbe", {"tcpSocket": {"port": "http"}},
	),
	"deny": {`StatefulSet/shop-db: container "db" has neither a readinessProbe nor a livenessProbe; fix: set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled (rule: probes-required)`},
	"warn": set(),
}

test_probes_required_does_not_count_startup_probe if check("probes_startup_only_statefulset")

cases["probes_liveness_missing_statefulset"] := {
	"input": pod_unset(good_statefulset, "/containers/0/livenessProbe"),
	"deny": set(),
	"warn": {`StatefulSet/shop-db: container "db" has a readinessProbe but no livenessProbe; fix: set probes.liveness, or leave it null on purpose and accept this warning (rule: probes-required)`},
}

test_probes_required_warns_when_liveness_is_missing if check("probes_liveness_missing_statefulset")

cases["probes_readiness_missing_daemonset"] := {
	"input": pod_unset(good_daemonset, "/containers/0/readinessProbe"),
	"deny": set(),
	"warn": {`DaemonSet/shop-agent: container "agent" has a livenessProbe but no readinessProbe; fix: set probes.readiness, or leave it null on purpose and accept this warning (rule: probes-required)`},
}

test_probes_required_warns_when_readiness_is_missing if check("probes_readiness_missing_daemonset")

# Run-to-completion kinds need no probes: good_job, good_cronjob and good_pod have none.
test_probes_required_ignores_jobs_cronjobs_and_pods if {
	every obj in [good_job, good_cronjob, good_pod] {
		not obj.spec.template.spec.containers[0].readinessProbe
		not obj.spec.jobTemplate.spec.template.spec.containers[0].readinessProbe
		not obj.spec.containers[0].readinessProbe
	}
	check("compliant_job")
	check("compliant_cronjob")
	check("compliant_pod")
}

# Init containers (good_deployment's wait-for-db) and native sidecars (good_statefulset's
# log-shipper) have no probes and are not checked.
test_probes_required_ignores_init_containers_and_native_sidecars if {
	not good_deployment.spec.template.spec.initContainers[0].readinessProbe
	not good_statefulset.spec.template.spec.initContainers[0].livenessProbe
	check("compliant_deployment")
	check("compliant_statefulset")
}

# A classic sidecar (as the chart renders sidecars[]) without probes.
deployment_with_proxy := pod_set(good_deployment, "/containers/-", fx_container("proxy", "envoyproxy/envoy:v1.31.0"))

cases["probes_sidecar_without_default_container_annotation"] := {
	"input": deployment_with_proxy,
	"deny": {`Deployment/shop-web: container "proxy" has neither a readinessProbe nor a livenessProbe; fix: set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled (rule: probes-required)`},
	"warn": set(),
}

test_probes_required_treats_every_container_as_main_without_annotation if check("probes_sidecar_without_default_container_annotation")

cases["probes_sidecar_with_default_container_annotation"] := {
	"input": annotate_pods(deployment_with_proxy, {"kubectl.kubernetes.io/default-container": "web"}),
	"deny": set(),
	"warn": {`Deployment/shop-web: container "proxy" is a sidecar, not the pod's default container "web", and has no readinessProbe and no livenessProbe; fix: nothing to set in the values, sidecars[] entries have no probe keys: make sure a failing sidecar also fails the main container's probes (rule: probes-required)`},
}

test_probes_required_only_warns_for_sidecars_when_main_is_named if check("probes_sidecar_with_default_container_annotation")

# The annotation still leaves the named main container under the deny.
cases["probes_named_main_without_probes"] := {
	"input": annotate_pods(
		pod_unset(pod_unset(deployment_with_proxy, "/containers/0/readinessProbe"), "/containers/0/livenessProbe"),
		{"kubectl.kubernetes.io/default-container": "web"},
	),
	"deny": {`Deployment/shop-web: container "web" has neither a readinessProbe nor a livenessProbe; fix: set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled (rule: probes-required)`},
	"warn": {`Deployment/shop-web: container "proxy" is a sidecar, not the pod's default container "web", and has no readinessProbe and no livenessProbe; fix: nothing to set in the values, sidecars[] entries have no probe keys: make sure a failing sidecar also fails the main container's probes (rule: probes-required)`},
}

test_probes_required_still_denies_the_named_main_container if check("probes_named_main_without_probes")

# An annotation naming no existing container is ignored: every container is main again.
cases["probes_default_container_names_nothing"] := {
	"input": annotate_pods(deployment_with_proxy, {"kubectl.kubernetes.io/default-container": "nope"}),
	"deny": {`Deployment/shop-web: container "proxy" has neither a readinessProbe nor a livenessProbe; fix: set probes.readiness and probes.liveness, e.g. {http: {path: /healthz}} or {tcp: {port: 8080}}, a probe set to null is disabled (rule: probes-required)`},
	"warn": set(),
}

test_probes_required_ignores_an_annotation_naming_no_container if check("probes_default_container_names_nothing")
