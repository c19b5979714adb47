# Labels on every object (any kind, with or without a pod spec).
#
#   required-labels     deny  metadata.labels has a non-empty app.kubernetes.io/name,
#                             app.kubernetes.io/instance and app.kubernetes.io/managed-by
#   recommended-labels  warn  metadata.labels has a non-empty helm.sh/chart
#
# The app-platform chart sets all four on every object it renders, so a missing one means the
# object did not come from the chart as rendered (hand-written manifest, post-renderer, a
# subchart) or a team value replaced it (global.labels / podLabels must not reuse these keys).
package main

required_labels := ["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/managed-by"]

recommended_labels := ["helm.sh/chart"]

deny contains msg("required-labels", problem, fix) if {
	is_string(input.kind)
	some label in required_labels
	not has_label(label)
	problem := sprintf("metadata.labels has no %s", [label])
	fix := sprintf("render the object with the app-platform chart, which sets %s, and do not set or remove it through global.labels or podLabels", [label])
}

warn contains msg("recommended-labels", problem, fix) if {
	is_string(input.kind)
	some label in recommended_labels
	not has_label(label)
	problem := sprintf("metadata.labels has no %s", [label])
	fix := sprintf("render the object with the app-platform chart, which sets %s to tell operators which chart version made the object", [label])
}

has_label(label) if {
	v := input.metadata.labels[label]
	is_string(v)
	v != ""
}
