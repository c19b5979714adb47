# Secrets do not belong in values files.
#
#   no-plain-secret-env  warn  an environment variable whose name says it holds a secret
#                              (password, passwd, pwd, secret, token, api key, private/secret/access
#                              key, credentials, or a name ending in _KEY) has a plain, non-empty
#                              `value` instead of a reference (`valueFrom`). Names that only point
#                              at a secret (ending in _ID, _FILE, _PATH, _NAME, _URL, _URI, _REF,
#                              _TYPE, _TTL, _LENGTH) and `$(VAR)` expansions are not secrets.
#                        deny  the same, on an object of the prod environment (the label
#                              app-platform.io/environment: prod, from global.environment, which
#                              the chart's values-prod.yaml sets): production never ships one.
#
# A value written in a values file ends up in git, in the release record Helm keeps (a Secret
# holding the values) and in the workload object itself, readable by anyone who may read it.
package main

warn contains msg("no-plain-secret-env", problem, fix) if {
	not in_prod
	some f in plain_secret_env
	problem := f.problem
	fix := f.fix
}

deny contains msg("no-plain-secret-env", problem, fix) if {
	in_prod
	some f in plain_secret_env
	problem := f.problem
	fix := f.fix
}

# in_prod: the object belongs to the prod environment (global.environment: prod).
in_prod if object.get(object.get(object.get(input, "metadata", {}), "labels", {}), "app-platform.io/environment", "") == "prod"

# plain_secret_env: {problem, fix} of every secret-looking variable with a plain value.
plain_secret_env contains {"problem": problem, "fix": fix} if {
	some c in containers
	some e in as_array(object.get(c.spec, "env", []))
	is_object(e)
	name := object.get(e, "name", "")
	is_string(name)
	secret_looking(name)
	value := object.get(e, "value", "")
	is_string(value)
	value != ""
	not startswith(value, "$(")
	problem := sprintf("%s has the environment variable %s with a plain value, and its name says it is a secret", [c.label, name])
	fix := sprintf(
		"read it from a secret manager with externalSecrets.secrets (the keys become environment variables), or reference a Secret under %s: %s: {secretKeyRef: {name: <secret>, key: <key>}}",
		[values_path(c, "env"), name],
	)
}

secret_looking(name) if {
	regex.match(`(?i)((^|_)(password|passwd|pwd|secret|token|apikey|api_key|private_key|secret_key|access_key|credentials?)($|_)|(^|_)(api)?key$)`, name)
	not regex.match(`(?i)_(id|file|path|name|url|uri|ref|type|ttl|length)$`, name)
}
