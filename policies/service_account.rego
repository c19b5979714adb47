# Service-account tokens only with RBAC.
#
#   no-token-without-rbac  deny  a pod spec whose automountServiceAccountToken is not explicitly
#                                false must carry the pod-template annotation
#                                app-platform.io/rbac: "enabled"
#
# Why a marker annotation: policies see ONE object at a time (conftest's per-document mode, and
# apwiz evaluates rendered objects one by one), so the rule that checks a Deployment cannot see
# whether the same release also renders a Role and RoleBinding for its service account, nor
# what the ServiceAccount object says about automounting. The chart therefore records that
# decision on the pod template itself: it sets `app-platform.io/rbac: "enabled"` exactly when
# the team enabled the service's `rbac` feature, which also renders the Role/RoleBinding. A pod
# that gets a token must either have that marker or opt out of the token.
#
# "Not explicitly false" includes unset: Kubernetes then falls back to the ServiceAccount's
# setting (true by default), which a per-object check cannot see, so unset counts as mounted.
package main

rbac_annotation := "app-platform.io/rbac"

deny contains msg("no-token-without-rbac", problem, fix) if {
	pod
	not pod.spec.automountServiceAccountToken == false
	not pod_annotations[rbac_annotation] == "enabled"
	problem := sprintf(
		"the pod gets a service-account token, %s.automountServiceAccountToken is %s, but %s.annotations has no %s: \"enabled\", so no RBAC was granted for it",
		[pod.path, describe_field(pod.spec, "automountServiceAccountToken"), pod.metadata_path, rbac_annotation],
	)
	fix := "set serviceAccount.automountToken: false if the service does not call the Kubernetes API, or set rbac.enabled: true, which renders a Role and RoleBinding and sets the annotation"
}
