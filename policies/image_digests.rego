# Production images pinned by digest.
#
#   image-digest-prod  warn  in an object labelled app-platform.io/environment: prod, every
#                            container's image is pinned by digest (@sha256:<64 hex>), not by
#                            its tag alone: a tag can be moved to other content, a digest cannot
#                            (ephemeral containers, added by kubectl debug, are not checked)
#
# A warning, not a deny: a tag that follows image-pinned is a sound release; the digest makes a
# rollback and a node's pull give the very image that was tested. `apwiz pin --env prod` writes
# the digests into values-prod.yaml.
package main

warn contains msg("image-digest-prod", problem, fix) if {
	object.get(object.get(input.metadata, "labels", {}), "app-platform.io/environment", "") == "prod"
	some c in containers
	c.kind != "ephemeralContainer" # added by kubectl debug, not by the release
	image := object.get(c.spec, "image", "")
	is_string(image)
	image != ""
	not regex.match(`@sha256:[a-f0-9]{64}$`, image) # as images.rego pins by digest
	problem := sprintf("%s uses image \"%s\" by tag only in prod", [c.label, image])
	fix := sprintf(
		"run `apwiz pin --env prod`, which writes image.digest into values-prod.yaml, or set %s to repo:tag@sha256:<digest>",
		[digest_values_path(c)],
	)
}

# The chart's helm test Pods take their image from tests.image.
digest_values_path(c) := "tests.image" if {
	object.get(object.get(input.metadata, "annotations", {}), "helm.sh/hook", "") == "test"
} else := values_path(c, "image")
