{{/*
Errors: the chart's one message form for rules a schema cannot express.

  <path>: <what is wrong>, got <value>. <how to fix>

app-platform.errors.fail stops rendering with that message. The value is shown as JSON
(strings quoted, null as null) so the team sees exactly what Helm saw.
Usage:
  {{- include "app-platform.errors.fail" (dict "path" (printf "%spersistence.enabled" $svc.path)
        "problem" "a statefulset needs persistent storage" "value" $v.persistence.enabled
        "fix" "Set persistence.enabled: true, or use workloadType: deployment.") }}
*/}}
{{- define "app-platform.errors.fail" -}}
{{- fail (printf "%s: %s, got %s. %s" .path .problem (toJson .value) .fix) -}}
{{- end -}}

{{/*
app-platform.errors.add: the same message, collected instead of failing at once, into a dict
{list} (each service's .errors, shared by the services of one render): the cross-field rules of
app-platform.validate.service add theirs, and app-platform.values.resolve fails once with all of
them, one per line, after every service is checked (a canary on a statefulset with a bad strategy
gives both). Rules whose later steps need the value to be right keep app-platform.errors.fail.
Usage: {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" ... "problem" ... "value" ... "fix" ...) }}
*/}}
{{- define "app-platform.errors.add" -}}
{{- $_ := set .into "list" (append .into.list (printf "%s: %s, got %s. %s" .path .problem (toJson .value) .fix)) -}}
{{- end -}}
