{{/*
Render: the loop every file in templates/ uses. Resolves the services once for the file, then
prints each object helper's output for each service, separated by "---". An object helper prints
nothing when it does not apply to a service (wrong workloadType, feature off).
"workloadTypes" (optional) limits the loop to services of those types.
Usage (a whole template file):
  {{- include "app-platform.render.each" (dict "root" $ "workloadTypes" (list "deployment")
        "objects" (list "app-platform.workloads.deployment")) }}
*/}}
{{- define "app-platform.render.each" -}}
{{- $ctx := dict -}}
{{- $_ := include "app-platform.values.resolve" (list .root $ctx) -}}
{{- range $svc := $ctx.services -}}
{{- if or (not $.workloadTypes) (has $svc.values.workloadType ($.workloadTypes | default list)) -}}
{{- range $object := $.objects -}}
{{- with include $object $svc }}
---
{{ trim . }}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
