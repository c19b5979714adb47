# Host access: a pod must not reach into the node.
#
#   no-host-path        deny  no hostPath volume in the pod spec
#   no-host-namespaces  deny  hostNetwork, hostPID and hostIPC are not true
#
# app-platform's `volumes` value only offers emptyDir, secret, configMap and
# persistentVolumeClaim, and it has no value for host namespaces, so a violation means the
# object was changed after rendering (post-renderer, patch) or written by hand.
package main

deny contains msg("no-host-path", problem, fix) if {
	some v in as_array(object.get(pod.spec, "volumes", []))
	is_object(v.hostPath)
	problem := sprintf(
		"the pod mounts hostPath volume \"%s\" with path %s",
		[object.get(v, "name", "<unnamed>"), describe_field(v.hostPath, "path")],
	)
	fix := "replace it with a volumes[] entry using emptyDir, secret, configMap or persistentVolumeClaim, or use persistence"
}

deny contains msg("no-host-namespaces", problem, fix) if {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	pod.spec[field] == true
	problem := sprintf("the pod sets %s.%s=true, sharing the node's namespace", [pod.path, field])
	fix := sprintf("remove %s: app-platform has no value that enables it, so it comes from a post-renderer, a patch or a hand-written manifest", [field])
}
