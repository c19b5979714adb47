# Resources: every container declares what it needs and what it may use.
#
#   resources-required  deny  every container (main, classic or native sidecar, init) sets
#                             resources.requests.cpu, resources.requests.memory,
#                             resources.limits.cpu and resources.limits.memory
#
# Ephemeral containers are exempt: the Kubernetes API forbids resources on them.
# A value counts when it is present and not null or "" (quantities are not parsed, so a
# request larger than its limit is left to the API server, which rejects it).
package main

resource_fields := [
	["requests", "cpu"],
	["requests", "memory"],
	["limits", "cpu"],
	["limits", "memory"],
]

deny contains msg("resources-required", problem, fix) if {
	some c in containers
	c.kind != "ephemeralContainer"
	missing := [sprintf("resources.%s.%s", [f[0], f[1]]) | some f in resource_fields; not has_resource(c, f)]
	count(missing) > 0
	problem := sprintf("%s has no %s", [c.label, concat(", ", missing)])
	fix := sprintf(
		"set them under %s in the values file, the chart fills gaps from its defaults, so look for a null that removes one",
		[values_path(c, "resources")],
	)
}

has_resource(c, f) if {
	v := c.spec.resources[f[0]][f[1]]
	v != null
	v != ""
}
