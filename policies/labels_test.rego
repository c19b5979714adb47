# Tests for labels.rego: required-labels (deny), recommended-labels (warn).
package main

# with_labels(obj, labels): replace metadata.labels.
with_labels(obj, labels) := json.patch(obj, [{"op": "add", "path": "/metadata/labels", "value": labels}])

cases["labels_missing_instance_and_managed_by_service"] := {
	"input": with_labels(good_service, object.remove(chart_labels("web"), ["app.kubernetes.io/instance", "app.kubernetes.io/managed-by"])),
	"deny": {
		`Service/shop-web: metadata.labels has no app.kubernetes.io/instance; fix: render the object with the app-platform chart, which sets app.kubernetes.io/instance, and do not set or remove it through global.labels or podLabels (rule: required-labels)`,
		`Service/shop-web: metadata.labels has no app.kubernetes.io/managed-by; fix: render the object with the app-platform chart, which sets app.kubernetes.io/managed-by, and do not set or remove it through global.labels or podLabels (rule: required-labels)`,
	},
	"warn": set(),
}

test_required_labels_denies_each_missing_label if check("labels_missing_instance_and_managed_by_service")

cases["labels_none_configmap"] := {
	"input": json.patch(good_configmap, [{"op": "remove", "path": "/metadata/labels"}]),
	"deny": {
		`ConfigMap/shop-web-config: metadata.labels has no app.kubernetes.io/name; fix: render the object with the app-platform chart, which sets app.kubernetes.io/name, and do not set or remove it through global.labels or podLabels (rule: required-labels)`,
		`ConfigMap/shop-web-config: metadata.labels has no app.kubernetes.io/instance; fix: render the object with the app-platform chart, which sets app.kubernetes.io/instance, and do not set or remove it through global.labels or podLabels (rule: required-labels)`,
		`ConfigMap/shop-web-config: metadata.labels has no app.kubernetes.io/managed-by; fix: render the object with the app-platform chart, which sets app.kubernetes.io/managed-by, and do not set or remove it through global.labels or podLabels (rule: required-labels)`,
	},
	"warn": {`ConfigMap/shop-web-config: metadata.labels has no helm.sh/chart; fix: render the object with the app-platform chart, which sets helm.sh/chart to tell operators which chart version made the object (rule: recommended-labels)`},
}

test_required_labels_applies_to_objects_without_labels if check("labels_none_configmap")

cases["labels_chart_label_missing_deployment"] := {
	"input": with_labels(good_deployment, object.remove(chart_labels("web"), ["helm.sh/chart"])),
	"deny": set(),
	"warn": {`Deployment/shop-web: metadata.labels has no helm.sh/chart; fix: render the object with the app-platform chart, which sets helm.sh/chart to tell operators which chart version made the object (rule: recommended-labels)`},
}

test_recommended_labels_warns_without_helm_chart_label if check("labels_chart_label_missing_deployment")

cases["labels_empty_name_cronjob"] := {
	"input": with_labels(good_cronjob, object.union(chart_labels("report"), {"app.kubernetes.io/name": ""})),
	"deny": {`CronJob/shop-report: metadata.labels has no app.kubernetes.io/name; fix: render the object with the app-platform chart, which sets app.kubernetes.io/name, and do not set or remove it through global.labels or podLabels (rule: required-labels)`},
	"warn": set(),
}

test_required_labels_treats_an_empty_value_as_missing if check("labels_empty_name_cronjob")

# Labels are read from the object's metadata, not from its pod template.
test_required_labels_reads_object_metadata_not_the_pod_template if {
	not good_deployment.spec.template.metadata.labels["app.kubernetes.io/managed-by"]
	check("compliant_deployment")
}

# An empty YAML document (helm template emits them) is no object: nothing to report.
cases["empty_document"] := {"input": {}, "deny": set(), "warn": set()}

test_empty_document_yields_nothing if check("empty_document")
