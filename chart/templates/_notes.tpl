{{/*
Notes: what NOTES.txt tells the team after an install or upgrade, per service: what was deployed,
how to reach it, and how to run its tests. Short, and it never fails: the objects' own helpers
report bad values.
*/}}

{{/* app-platform.notes.service: the lines of one service. Usage: include "app-platform.notes.service" $svc */}}
{{- define "app-platform.notes.service" -}}
{{- $v := .values -}}
{{- $ns := .root.Release.Namespace -}}
{{- $kinds := dict "deployment" "Deployment" "statefulset" "StatefulSet" "daemonset" "DaemonSet" "job" "Job" "cronjob" "CronJob" "external" "Service" -}}
{{- $kind := get $kinds $v.workloadType -}}
{{- $longRunning := has $v.workloadType (list "deployment" "statefulset" "daemonset") -}}
{{- $byComponent := printf "-l app.kubernetes.io/instance=%s,app.kubernetes.io/component=%s" .root.Release.Name .name -}}
* {{ .name }}: {{ $kind }}/{{ .fullname }}{{ if eq $v.workloadType "job" }}-<hash of its spec>{{ end }}
{{- if eq $v.workloadType "job" }}
    status:  kubectl -n {{ $ns }} get jobs {{ $byComponent }}
{{- else if eq $v.workloadType "cronjob" }} (schedule {{ $v.cronjob.schedule | quote }})
    runs:    kubectl -n {{ $ns }} get jobs {{ $byComponent }}
{{- else if eq $v.workloadType "external" }} -> {{ $v.external.name | default (join ", " ($v.external.addresses | default list)) }} (external, no pods)
{{- else if and $longRunning $v.service.enabled }}
{{- $port := int64 ($v.service.port | default $v.port) }}
    address: {{ .serviceName }}.{{ $ns }}.svc:{{ $port }} (in the cluster)
    forward: kubectl -n {{ $ns }} port-forward svc/{{ .serviceName }} {{ int64 $v.port }}:{{ $port }} (then localhost:{{ int64 $v.port }})
{{- if ($v.ingress).enabled }}
{{- $scheme := ternary "https" "http" (($v.ingress.tls).enabled | default false) }}
{{- $path := (first ($v.ingress.paths | default (list (dict "path" "/")))).path }}
{{- range $host := include "app-platform.ingress.hosts" $v.ingress | fromJsonArray }}
    ingress: {{ $scheme }}://{{ $host }}{{ $path }}
{{- end }}
{{- end }}
{{- if ($v.route).enabled }}
    route:   HTTPRoute/{{ .fullname }} on {{ range $i, $p := $v.route.parentRefs }}{{ if $i }}, {{ end }}Gateway {{ $p.namespace | default $ns }}/{{ $p.name }}{{ end }}
{{- end }}
{{- if include "app-platform.canary.run" . }}
    canary:  Deployment/{{ .canaryRun.fullname }} ({{ .canaryRun.image.ref }}) gets {{ int64 $v.canary.weight }}% of the route's requests; promote with image: {{ .canaryRun.image.ref }} and canary.enabled: false
{{- end }}
{{- else }} (no Service)
    logs:    kubectl -n {{ $ns }} logs {{ lower $kind }}/{{ .fullname }}
{{- end }}
{{- end -}}
