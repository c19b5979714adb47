{{/*
Render: the loop every file in templates/ uses. Takes the services resolved once per render
(app-platform.render.context), then prints each object helper's output for each service,
separated by "---". An object helper prints nothing when it does not apply to a service (wrong
workloadType, feature off).
"workloadTypes" (optional) limits the loop to services of those types.
Usage (a whole template file):
  {{- include "app-platform.render.each" (dict "root" $ "workloadTypes" (list "deployment")
        "objects" (list "app-platform.workloads.deployment")) }}
*/}}
{{- define "app-platform.render.each" -}}
{{- $_ := include "app-platform.render.context" .root -}}
{{- $ctx := .root.AppPlatformResolved -}}
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

{{/*
app-platform.render.context: resolves the services once per render and keeps them on the chart's
root context as AppPlatformResolved, then checks the cluster's prerequisites once
(app-platform.cluster.check). Helm renders every template file of a chart with the same
root context, so the other files reuse the result; were that ever not so, each file would simply
resolve again (slower, same output).
Usage: {{- $_ := include "app-platform.render.context" $ }}{{- $ctx := $.AppPlatformResolved }}
*/}}
{{- define "app-platform.render.context" -}}
{{- if not (hasKey . "AppPlatformResolved") -}}
{{- $ctx := dict "memo" dict -}}{{- /* memo: what object helpers compute once per object name (see _monitoring.tpl) */ -}}
{{- $_ := set . "AppPlatformMemo" $ctx.memo -}}{{- /* the same memo, for app-platform.data.memo, from the start (resolving uses it too) */ -}}
{{- $_ := include "app-platform.values.resolve" (list . $ctx) -}}
{{- $_ := set . "AppPlatformResolved" $ctx -}}
{{- include "app-platform.cluster.check" (list . $ctx) -}}
{{- end -}}
{{- end -}}
