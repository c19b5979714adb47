{{/*
Labels and object metadata. Selector labels and every object's labels come only from
app-platform.labels.set, computed once per service by app-platform.values.resolve and stored on
the service as dicts ($svc.selector, $svc.labels) and as YAML ($svc.selectorYaml, $svc.labelsYaml,
printed once per service, not per object, by app-platform.data.stringMap: toYaml costs about ten
times as much and was the slowest step of printing an object).
*/}}

{{/*
app-platform.labels.set: computes, once per service, $svc.selector (the immutable selector) and
$svc.labels (every label of its objects: the selector, the recommended app.kubernetes.io labels,
the environment and global.labels). No other helper writes labels.
Usage: {{- $_ := include "app-platform.labels.set" $svc }}
*/}}
{{- define "app-platform.labels.set" -}}
{{- $root := .root -}}
{{- $selector := dict
      "app.kubernetes.io/name" $root.Chart.Name
      "app.kubernetes.io/instance" $root.Release.Name
      "app.kubernetes.io/component" .name -}}
{{- $labels := dict
      "helm.sh/chart" (printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-")
      "app.kubernetes.io/managed-by" $root.Release.Service
      "app.kubernetes.io/part-of" $root.Release.Name
      "app.kubernetes.io/version" (include "app-platform.labels.version" .) -}}
{{- with .global.environment }}
{{- $_ := set $labels "app-platform.io/environment" . }}
{{- end }}
{{- $_ := set . "selector" $selector -}}
{{- $_ := set . "selectorYaml" (include "app-platform.data.stringMap" $selector | trim) -}}
{{- $_ := set . "labels" (merge $labels $selector (.global.labels | default dict)) -}}
{{- $_ := set . "labelsYaml" (include "app-platform.data.stringMap" .labels | trim) -}}
{{- end -}}

{{/* app-platform.labels.version: the image tag as a label value, else the chart's appVersion. */}}
{{- define "app-platform.labels.version" -}}
{{- $v := .image.tag | default .root.Chart.AppVersion | trunc 63 | trimAll "-_." -}}
{{- /* a label value (^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$): after the trimAll above, that is a
       non-empty string of those characters only; trimAll with them all as the cutset checks it
       without a regular expression (sprig compiles one on each call) */ -}}
{{- if and $v (not (trimAll "-_.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" $v)) }}{{ $v }}{{ else }}{{ .root.Chart.AppVersion }}{{ end -}}
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
  {{- .svc.labelsYaml | nindent 2 }}
{{- $ann := merge (dict) (.annotations | default dict) (.svc.root.Values.global).annotations }}
{{- with $ann }}
annotations:
  {{- include "app-platform.data.yaml" (list $.svc.root .) | nindent 2 }}
{{- end }}
{{- end -}}
