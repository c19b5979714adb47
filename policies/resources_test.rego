# Tests for resources.rego: resources-required.
package main

cases["limits_missing_statefulset"] := {
	"input": pod_unset(good_statefulset, "/containers/0/resources/limits"),
	"deny": {`StatefulSet/shop-db: container "db" has no resources.limits.cpu, resources.limits.memory; fix: set them under resources (for a sidecar: sidecars[].resources) in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_denies_missing_limits if check("limits_missing_statefulset")

cases["request_missing_init_container_job"] := {
	"input": pod_unset(good_job, "/initContainers/0/resources/requests/memory"),
	"deny": {`Job/shop-migrate: init container "fetch-config" has no resources.requests.memory; fix: set them under initContainers[].resources in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_denies_missing_request_in_init_container if check("request_missing_init_container_job")

# The chart's dependsOn wait containers get their resources from dependencyWait.resources.
cases["request_missing_wait_container_deployment"] := {
	"input": pod_unset(good_deployment, "/initContainers/0/resources/limits/cpu"),
	"deny": {`Deployment/shop-web: init container "wait-for-db" has no resources.limits.cpu; fix: set them under dependencyWait.resources (or initContainers[].resources if you declared it) in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_points_wait_containers_to_dependency_wait if check("request_missing_wait_container_deployment")

cases["resources_absent_cronjob"] := {
	"input": pod_unset(good_cronjob, "/containers/0/resources"),
	"deny": {`CronJob/shop-report: container "report" has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory; fix: set them under resources (for a sidecar: sidecars[].resources) in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_lists_every_missing_field_in_order if check("resources_absent_cronjob")

cases["resources_empty_and_null_deployment"] := {
	"input": pod_set(pod_set(good_deployment, "/containers/0/resources/limits/cpu", ""), "/containers/0/resources/requests/memory", null),
	"deny": {`Deployment/shop-web: container "web" has no resources.requests.memory, resources.limits.cpu; fix: set them under resources (for a sidecar: sidecars[].resources) in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_treats_empty_and_null_as_missing if check("resources_empty_and_null_deployment")

cases["resources_missing_native_sidecar_statefulset"] := {
	"input": pod_unset(good_statefulset, "/initContainers/0/resources/limits/memory"),
	"deny": {`StatefulSet/shop-db: sidecar container "log-shipper" has no resources.limits.memory; fix: set them under sidecars[].resources in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_denies_missing_limit_in_native_sidecar if check("resources_missing_native_sidecar_statefulset")

# Ephemeral containers cannot have resources (the API forbids them): good_pod's debugger has
# none and the pod is compliant; the same container as a regular one is not.
cases["resources_missing_regular_container_pod"] := {
	"input": pod_unset(good_pod, "/containers/0/resources"),
	"deny": {`Pod/shop-web-test: container "test" has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, resources.limits.memory; fix: set them under resources (for a sidecar: sidecars[].resources) in the values file, the chart fills gaps from its defaults, so look for a null that removes one (rule: resources-required)`},
	"warn": set(),
}

test_resources_required_exempts_only_ephemeral_containers if {
	check("compliant_pod")
	not good_pod.spec.ephemeralContainers[0].resources
	check("resources_missing_regular_container_pod")
}
