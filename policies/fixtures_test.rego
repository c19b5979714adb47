# Test fixtures: compliant manifests close to what the app-platform chart renders, builders to
# derive violating ones from them, and the `check` helper the *_test.rego files use.
#
# Every test case lives in the partial object `cases`:
#   cases["<name>"] := {"input": <one object>, "deny": {<exact messages>}, "warn": {<exact messages>}}
# `check(name)` asserts that deny and warn are EXACTLY those sets for that input, so a case also
# fails when an unrelated rule fires. The same table drives the regorus cross-check (see
# README.md), which evaluates every case's input with the non-test policies and compares.
#
# This file is a *_test.rego so conftest test and apwiz never load it as policy.
package main

# --- the assertion ---------------------------------------------------------------------------

check(name) if {
	c := cases[name]
	got_deny := deny with input as c.input
	got_warn := warn with input as c.input
	report_mismatch(name, "deny", got_deny, c.deny)
	report_mismatch(name, "warn", got_warn, c.warn)
	got_deny == c.deny
	got_warn == c.warn
}

# Prints what differs for a failing case: `conftest verify --policy policies --report fails`
# shows these prints under the failing test. Always true.
report_mismatch(_, _, got, want) if got == want

report_mismatch(name, what, got, want) if {
	got != want
	print(sprintf("case %s: %s: unexpected %v", [name, what, got - want]))
	print(sprintf("case %s: %s: missing %v", [name, what, want - got]))
}

# --- chart-like building blocks ----------------------------------------------------------------

chart_labels(component) := {
	"app.kubernetes.io/name": "app-platform",
	"app.kubernetes.io/instance": "shop",
	"app.kubernetes.io/component": component,
	"app.kubernetes.io/managed-by": "Helm",
	"app.kubernetes.io/part-of": "shop",
	"app.kubernetes.io/version": "1.4.2",
	"helm.sh/chart": "app-platform-0.1.0",
}

selector_labels(component) := {
	"app.kubernetes.io/name": "app-platform",
	"app.kubernetes.io/instance": "shop",
	"app.kubernetes.io/component": component,
}

object_meta(name, component) := {
	"name": name,
	"namespace": "shop",
	"labels": chart_labels(component),
}

chart_pod_security_context := {
	"runAsNonRoot": true,
	"runAsUser": 10001,
	"runAsGroup": 10001,
	"fsGroup": 10001,
	"seccompProfile": {"type": "RuntimeDefault"},
}

chart_container_security_context := {
	"allowPrivilegeEscalation": false,
	"capabilities": {"drop": ["ALL"]},
	"readOnlyRootFilesystem": true,
	"runAsNonRoot": true,
}

digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

fx_container(name, image) := {
	"name": name,
	"image": image,
	"imagePullPolicy": "IfNotPresent",
	"resources": {
		"requests": {"cpu": "100m", "memory": "128Mi"},
		"limits": {"cpu": "500m", "memory": "256Mi"},
	},
	"securityContext": chart_container_security_context,
}

# A main container of a long-running workload: port and both probes.
fx_server_container(name, image) := object.union(fx_container(name, image), {
	"ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
	"readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}},
	"livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
})

fx_pod_spec(containers, init_containers) := {
	"automountServiceAccountToken": false,
	"enableServiceLinks": false,
	"securityContext": chart_pod_security_context,
	"terminationGracePeriodSeconds": 30,
	"initContainers": init_containers,
	"containers": containers,
	"volumes": [{"name": "tmp", "emptyDir": {}}],
}

fx_template(component, spec) := {
	"metadata": {"labels": object.union(selector_labels(component), {"app.kubernetes.io/version": "1.4.2"})},
	"spec": spec,
}

# --- compliant manifests, one per kind with a pod spec -----------------------------------------

# Deployment with a dependsOn wait container, as the chart renders it (init container wait-for-<dep>).
good_deployment := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": object_meta("shop-web", "web"),
	"spec": {
		"replicas": 3,
		"selector": {"matchLabels": selector_labels("web")},
		"template": fx_template("web", fx_pod_spec(
			[fx_server_container("web", "registry.example.com/shop/web:1.4.2")],
			[fx_container("wait-for-db", "busybox:1.37.0")],
		)),
	},
}

# StatefulSet pinned by digest, with a native sidecar (initContainers, restartPolicy: Always).
good_statefulset := {
	"apiVersion": "apps/v1",
	"kind": "StatefulSet",
	"metadata": object_meta("shop-db", "db"),
	"spec": {
		"serviceName": "shop-db",
		"replicas": 1,
		"selector": {"matchLabels": selector_labels("db")},
		"template": fx_template("db", fx_pod_spec(
			[fx_server_container("db", sprintf("postgres@%s", [digest]))],
			[object.union(fx_container("log-shipper", "fluent/fluent-bit:4.0.3"), {"restartPolicy": "Always"})],
		)),
		"volumeClaimTemplates": [{
			"metadata": {"name": "data"},
			"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Gi"}}},
		}],
	},
}

# DaemonSet whose image uses a registry with a port.
good_daemonset := {
	"apiVersion": "apps/v1",
	"kind": "DaemonSet",
	"metadata": object_meta("shop-agent", "agent"),
	"spec": {
		"selector": {"matchLabels": selector_labels("agent")},
		"template": fx_template("agent", fx_pod_spec([fx_server_container("agent", "registry.example.com:5000/agent:2.0")], [])),
	},
}

# Job: no probes needed, a team's own init container (initContainers[] in the values).
good_job := {
	"apiVersion": "batch/v1",
	"kind": "Job",
	"metadata": object_meta("shop-migrate", "migrate"),
	"spec": {
		"backoffLimit": 2,
		"template": fx_template("migrate", object.union(
			fx_pod_spec(
				[fx_container("migrate", "registry.example.com/shop/migrate:1.4.2")],
				[fx_container("fetch-config", "registry.example.com/shop/fetch-config:1.4.2")],
			),
			{"restartPolicy": "Never"},
		)),
	},
}

# CronJob: the pod spec is under spec.jobTemplate.
good_cronjob := {
	"apiVersion": "batch/v1",
	"kind": "CronJob",
	"metadata": object_meta("shop-report", "report"),
	"spec": {
		"schedule": "0 3 * * *",
		"jobTemplate": {"spec": {"template": fx_template("report", object.union(
			fx_pod_spec([fx_container("report", "registry.example.com/shop/report:1.4.2")], []),
			{"restartPolicy": "OnFailure"},
		))}},
	},
}

# Pod (like a helm test hook), with an ephemeral container as kubectl debug adds it: ephemeral
# containers may not have resources, and that is allowed.
good_pod := {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": object.union(object_meta("shop-web-test", "web"), {"annotations": {"helm.sh/hook": "test"}}),
	"spec": object.union(
		fx_pod_spec([fx_container("test", "curlimages/curl:8.11.1")], []),
		{
			"restartPolicy": "Never",
			"ephemeralContainers": [{
				"name": "debugger",
				"image": "busybox:1.37.0",
				"securityContext": chart_container_security_context,
			}],
		},
	),
}

# Objects without a pod spec.
good_service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": object_meta("shop-web", "web"),
	"spec": {"selector": selector_labels("web"), "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}

good_configmap := {
	"apiVersion": "v1",
	"kind": "ConfigMap",
	"metadata": object_meta("shop-web-config", "web"),
	"data": {"app.yaml": "level: info\n"},
}

# --- builders for violating manifests ----------------------------------------------------------

# Where the pod spec lives, as a JSON pointer prefix, per kind.
pod_pointer := {
	"Pod": "/spec",
	"Deployment": "/spec/template/spec",
	"StatefulSet": "/spec/template/spec",
	"DaemonSet": "/spec/template/spec",
	"Job": "/spec/template/spec",
	"CronJob": "/spec/jobTemplate/spec/template/spec",
}

template_metadata_pointer := {
	"Pod": "/metadata",
	"Deployment": "/spec/template/metadata",
	"StatefulSet": "/spec/template/metadata",
	"DaemonSet": "/spec/template/metadata",
	"Job": "/spec/template/metadata",
	"CronJob": "/spec/jobTemplate/spec/template/metadata",
}

# pod_set(obj, "/containers/0/securityContext/privileged", true): set a value in the pod spec.
pod_set(obj, pointer, value) := json.patch(obj, [{"op": "add", "path": concat("", [pod_pointer[obj.kind], pointer]), "value": value}])

# pod_unset(obj, "/containers/0/livenessProbe"): remove a key from the pod spec.
pod_unset(obj, pointer) := json.patch(obj, [{"op": "remove", "path": concat("", [pod_pointer[obj.kind], pointer])}])

# annotate_pods(obj, {"k": "v"}): add pod-template annotations.
annotate_pods(obj, annotations) := json.patch(obj, [{
	"op": "add",
	"path": concat("", [template_metadata_pointer[obj.kind], "/annotations"]),
	"value": annotations,
}])

# --- the compliant cases: no deny, no warn -----------------------------------------------------

cases["compliant_deployment"] := {"input": good_deployment, "deny": set(), "warn": set()}

cases["compliant_statefulset"] := {"input": good_statefulset, "deny": set(), "warn": set()}

cases["compliant_daemonset"] := {"input": good_daemonset, "deny": set(), "warn": set()}

cases["compliant_job"] := {"input": good_job, "deny": set(), "warn": set()}

cases["compliant_cronjob"] := {"input": good_cronjob, "deny": set(), "warn": set()}

cases["compliant_pod"] := {"input": good_pod, "deny": set(), "warn": set()}

cases["compliant_service"] := {"input": good_service, "deny": set(), "warn": set()}

cases["compliant_configmap"] := {"input": good_configmap, "deny": set(), "warn": set()}

test_compliant_deployment if check("compliant_deployment")

test_compliant_statefulset if check("compliant_statefulset")

test_compliant_daemonset if check("compliant_daemonset")

test_compliant_job if check("compliant_job")

test_compliant_cronjob if check("compliant_cronjob")

test_compliant_pod if check("compliant_pod")

test_compliant_service if check("compliant_service")

test_compliant_configmap if check("compliant_configmap")

case_messages(c) := c.deny | c.warn

# Every message of every case has the one documented form.
message_form := `^(Pod|Deployment|StatefulSet|DaemonSet|Job|CronJob|Service|ConfigMap)/[a-z0-9-]+: [^;]+; fix: .+ \(rule: [a-z-]+\)$`

test_every_message_has_the_documented_form if {
	msgs := {m | some c in cases; some m in case_messages(c)}
	count(msgs) > 10
	bad := {m | some m in msgs; not regex.match(message_form, m)}
	bad == set()
}

# The expected sets in `cases` are what the policies produce, and the names of the rules in them
# are exactly the documented ones: every rule id appears in at least one case.
rule_ids := {
	"no-root", "no-privileged", "no-privilege-escalation", "resources-required", "probes-required",
	"required-labels", "recommended-labels", "image-pinned", "no-token-without-rbac",
	"no-host-path", "no-host-namespaces", "no-plain-secret-env",
}

test_every_rule_id_is_exercised if {
	seen := {id |
		some c in cases
		some m in case_messages(c)
		some id in rule_ids
		endswith(m, sprintf("(rule: %s)", [id]))
	}
	seen == rule_ids
}

# Every kind with a pod spec appears in a violating case.
test_every_pod_kind_has_a_violating_case if {
	kinds := {c.input.kind | some c in cases; count(case_messages(c)) > 0}
	every k in object.keys(pod_pointer) {
		k in kinds
	}
}
