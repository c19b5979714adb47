# Tests for images.rego: image-pinned.
package main

cases["image_latest_deployment"] := {
	"input": pod_set(good_deployment, "/containers/0/image", "registry.example.com/shop/web:latest"),
	"deny": {`Deployment/shop-web: container "web" uses image "registry.example.com/shop/web:latest", which has the mutable tag :latest; fix: set a fixed version under image (for a sidecar: sidecars[].image), e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_denies_latest if check("image_latest_deployment")

cases["image_untagged_init_container_job"] := {
	"input": pod_set(good_job, "/initContainers/0/image", "busybox"),
	"deny": {`Job/shop-migrate: init container "fetch-config" uses image "busybox", which has no tag, so it means :latest; fix: set a fixed version under initContainers[].image, e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_denies_untagged_init_container_image if check("image_untagged_init_container_job")

cases["image_untagged_wait_container_deployment"] := {
	"input": pod_set(good_deployment, "/initContainers/0/image", "busybox"),
	"deny": {`Deployment/shop-web: init container "wait-for-db" uses image "busybox", which has no tag, so it means :latest; fix: set a fixed version under dependencyWait.image (or initContainers[].image if you declared it), e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_points_wait_containers_to_dependency_wait if check("image_untagged_wait_container_deployment")

# A registry port is not a tag.
cases["image_registry_port_untagged_daemonset"] := {
	"input": pod_set(good_daemonset, "/containers/0/image", "registry.example.com:5000/agent"),
	"deny": {`DaemonSet/shop-agent: container "agent" uses image "registry.example.com:5000/agent", which has no tag, so it means :latest; fix: set a fixed version under image (for a sidecar: sidecars[].image), e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_does_not_take_a_registry_port_for_a_tag if {
	check("image_registry_port_untagged_daemonset")

	# ...while "registry.example.com:5000/agent:2.0" (good_daemonset) is pinned.
	check("compliant_daemonset")
}

cases["image_latest_native_sidecar_statefulset"] := {
	"input": pod_set(good_statefulset, "/initContainers/0/image", "fluent/fluent-bit:latest"),
	"deny": {`StatefulSet/shop-db: sidecar container "log-shipper" uses image "fluent/fluent-bit:latest", which has the mutable tag :latest; fix: set a fixed version under sidecars[].image, e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_denies_latest_in_native_sidecar if check("image_latest_native_sidecar_statefulset")

# A digest pins the image whatever the tag says.
cases["image_latest_with_digest_statefulset"] := {
	"input": pod_set(good_statefulset, "/containers/0/image", sprintf("postgres:latest@%s", [digest])),
	"deny": set(),
	"warn": set(),
}

test_image_pinned_accepts_a_digest_over_latest if check("image_latest_with_digest_statefulset")

# A truncated digest pins nothing: the reference has no tag either.
cases["image_short_digest_cronjob"] := {
	"input": pod_set(good_cronjob, "/containers/0/image", "registry.example.com/shop/report@sha256:abc123"),
	"deny": {`CronJob/shop-report: container "report" uses image "registry.example.com/shop/report@sha256:abc123", which has no tag, so it means :latest; fix: set a fixed version under image (for a sidecar: sidecars[].image), e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_rejects_a_truncated_digest if check("image_short_digest_cronjob")

cases["image_empty_pod"] := {
	"input": pod_set(good_pod, "/containers/0/image", ""),
	"deny": {`Pod/shop-web-test: container "test" uses image "", which is empty; fix: set a fixed version under image (for a sidecar: sidecars[].image), e.g. image: repo/app:1.4.2 or image.tag: "1.4.2", or pin it with image.digest: sha256:<digest> (rule: image-pinned)`},
	"warn": set(),
}

test_image_pinned_denies_an_empty_image if check("image_empty_pod")

# The tag parser on its own.
test_image_tag_parsing if {
	image_tag("nginx") == ""
	image_tag("nginx:1.27") == "1.27"
	image_tag("localhost:5000/nginx") == ""
	image_tag("localhost:5000/team/nginx:1.27-alpine") == "1.27-alpine"
	image_tag("nginx:1.27@sha256:abc") == "1.27"
	pinned_by_digest(sprintf("nginx@%s", [digest]))
	not pinned_by_digest("nginx@sha256:abc")
	not pinned_by_digest(sprintf("nginx@%s", [replace(digest, "sha256", "sha512")]))
}
