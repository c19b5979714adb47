# Tests for image_digests.rego: image-digest-prod.
package main

prod_labelled(obj, env) := json.patch(obj, [{"op": "add", "path": "/metadata/labels/app-platform.io~1environment", "value": env}])

cases["image_tag_only_prod_deployment"] := {
	"input": prod_labelled(good_deployment, "prod"),
	"deny": set(),
	"warn": good_deployment_prod_digest_warnings,
}

test_image_digest_prod_warns_on_tag_only_images if check("image_tag_only_prod_deployment")

cases["image_digests_prod_deployment"] := {
	"input": pod_set(
		pod_set(
			prod_labelled(good_deployment, "prod"),
			"/containers/0/image", sprintf("registry.example.com/shop/web:1.4.2@%s", [digest]),
		),
		"/initContainers/0/image", sprintf("busybox:1.37.0@%s", [digest]),
	),
	"deny": set(),
	"warn": set(),
}

test_image_digest_prod_accepts_digests if check("image_digests_prod_deployment")

cases["image_tag_only_prod_test_pod"] := {
	"input": prod_labelled(good_pod, "prod"),
	"deny": set(),
	"warn": {sprintf("Pod/shop-web-test: container \"test\" uses image \"%s\" by tag only in prod; fix: run `apwiz pin --env prod`, which writes image.digest into values-prod.yaml, or set tests.image to repo:tag@sha256:<digest> (rule: image-digest-prod)", [good_pod.spec.containers[0].image])},
}

test_image_digest_prod_points_test_pods_to_tests_image if check("image_tag_only_prod_test_pod")

# Other environments are not asked for digests.
cases["image_tag_only_staging_deployment"] := {
	"input": prod_labelled(good_deployment, "staging"),
	"deny": set(),
	"warn": set(),
}

test_image_digest_prod_only_in_prod if check("image_tag_only_staging_deployment")

# What good_deployment labelled prod warns (its images carry tags only); other rules' prod cases
# expect these too.
good_deployment_prod_digest_warnings := {
	"Deployment/shop-web: container \"web\" uses image \"registry.example.com/shop/web:1.4.2\" by tag only in prod; fix: run `apwiz pin --env prod`, which writes image.digest into values-prod.yaml, or set image (for a sidecar: sidecars[].image) to repo:tag@sha256:<digest> (rule: image-digest-prod)",
	"Deployment/shop-web: init container \"wait-for-db\" uses image \"busybox:1.37.0\" by tag only in prod; fix: run `apwiz pin --env prod`, which writes image.digest into values-prod.yaml, or set dependencyWait.image (or initContainers[].image if you declared it) to repo:tag@sha256:<digest> (rule: image-digest-prod)",
}
