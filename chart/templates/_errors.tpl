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
