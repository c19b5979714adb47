{{/*
Labels and object metadata. Selector labels come only from app-platform.labels.selector; every
object's labels only from app-platform.labels.common. Both are computed once per service by
app-platform.values.resolve and stored on the service ($svc.selector, $svc.labels).
*/}}

{{/*
app-platform.labels.selector: the immutable selector of one service (a dict).
Usage: {{- $_ := set $svc "selector" (include "app-platform.labels.selector" $svc | fromYaml) }}
*/}}
{{- define "app-platform.labels.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/*
app-platform.labels.common: every label of every object of one service (a dict):
the selector, the recommended app.kubernetes.io labels, the environment and global.labels.
*/}}
{{- define "app-platform.labels.common" -}}
{{- $root := .root -}}
{{- $labels := dict
      "helm.sh/chart" (printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-")
      "app.kubernetes.io/managed-by" $root.Release.Service
      "app.kubernetes.io/part-of" $root.Release.Name
      "app.kubernetes.io/version" (include "app-platform.labels.version" .) -}}
{{- with ($root.Values.global).environment }}
{{- $_ := set $labels "app-platform.io/environment" . }}
{{- end }}
{{- toYaml (merge $labels .selector (($root.Values.global).labels | default dict)) -}}
{{- end -}}

{{/* app-platform.labels.version: the image tag as a label value, else the chart's appVersion. */}}
{{- define "app-platform.labels.version" -}}
{{- $v := .image.tag | default .root.Chart.AppVersion | trunc 63 | trimAll "-_." -}}
{{- if regexMatch "^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$" $v }}{{ $v }}{{ else }}{{ .root.Chart.AppVersion }}{{ end -}}
{{- end -}}

{{/*
app-platform.meta.object: metadata of one object of a service: name, namespace, labels,
annotations (global.annotations plus the object's own).
Usage: {{ include "app-platform.meta.object" (dict "svc" $svc "name" $name "annotations" $extra) }}
*/}}
{{- define "app-platform.meta.object" -}}
name: {{ .name }}
namespace: {{ .svc.root.Release.Namespace }}
labels:
  {{- toYaml .svc.labels | nindent 2 }}
{{- $ann := merge (dict) (.annotations | default dict) (.svc.root.Values.global).annotations }}
{{- with $ann }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
