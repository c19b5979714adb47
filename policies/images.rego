# Images must be pinned.
#
#   image-pinned  deny  every container's image has an explicit tag other than "latest", or is
#                       pinned by digest (@sha256:<64 hex>), which wins over any tag
#
# Parsing follows the Docker reference grammar: the tag is what follows the last ':' of the
# last path component, so a registry port ("registry:5000/app") is not mistaken for a tag.
# A digest other than a complete sha256 one does not pin the image; its tag is checked instead.
package main

deny contains msg("image-pinned", problem, fix) if {
	some c in containers
	image := object.get(c.spec, "image", "")
	not pinned_by_digest(image)
	reason := unpinned_reason(image)
	problem := sprintf("%s uses image \"%s\", which %s", [c.label, image, reason])
	fix := sprintf(
		"set a fixed version under %s, e.g. image: repo/app:1.4.2 or image.tag: \"1.4.2\", or pin it with image.digest: sha256:<digest>",
		[values_path(c, "image")],
	)
}

pinned_by_digest(image) if {
	is_string(image)
	regex.match(`@sha256:[a-f0-9]{64}$`, image)
}

# unpinned_reason(image) is defined only when the image is not pinned by its tag.
unpinned_reason(image) := "is not a string" if {
	not is_string(image)
} else := "is empty" if {
	image == ""
} else := "has no tag, so it means :latest" if {
	image_tag(image) == ""
} else := "has the mutable tag :latest" if {
	image_tag(image) == "latest"
}

# image_tag(image): the tag of an image reference, "" when there is none.
image_tag(image) := tag if {
	name := split(image, "@")[0]
	path := split(name, "/")
	last := path[count(path) - 1]
	parts := split(last, ":")
	count(parts) > 1
	tag := parts[count(parts) - 1]
} else := ""
