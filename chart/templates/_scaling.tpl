{{/*
Scaling: the HorizontalPodAutoscaler (autoscaling) and the PodDisruptionBudget (pdb) of a
deployment or statefulset; other workload types get neither. With autoscaling on, the workload
helpers (app-platform.workloads.*) leave replicas out so the autoscaler owns it.
*/}}

{{/*
app-platform.scaling.kind: the kind of the scalable workload ("Deployment", "StatefulSet"), or ""
for workload types that take neither an autoscaler nor a disruption budget.
*/}}
{{- define "app-platform.scaling.kind" -}}
{{- get (dict "deployment" "Deployment" "statefulset" "StatefulSet") .values.workloadType -}}
{{- end -}}

{{/* app-platform.scaling.hpa: the HorizontalPodAutoscaler (autoscaling/v2). */}}
{{- define "app-platform.scaling.hpa" -}}
{{- $a := .values.autoscaling | default dict -}}
{{- $kind := include "app-platform.scaling.kind" . -}}
{{- if and $a.enabled $kind -}}
{{- $p := .path -}}
{{- $min := int64 $a.minReplicas -}}
{{- $max := int64 $a.maxReplicas -}}
{{- if gt $min $max -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sautoscaling.minReplicas" $p) "value" $a.minReplicas
        "problem" (printf "minReplicas is above maxReplicas (%d), so the autoscaler has no valid pod count" $max)
        "fix" (printf "Set %sautoscaling.minReplicas at or below %sautoscaling.maxReplicas, or raise maxReplicas." $p $p)) -}}
{{- end -}}
{{- $cpu := int64 ($a.targetCPUUtilizationPercentage | default 0) -}}
{{- $memory := int64 ($a.targetMemoryUtilizationPercentage | default 0) -}}
{{- if not (or $cpu $memory) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sautoscaling.targetCPUUtilizationPercentage" $p) "value" $a.targetCPUUtilizationPercentage
        "problem" "the autoscaler has no target: both the CPU and the memory target are off (0)"
        "fix" (printf "Set %sautoscaling.targetCPUUtilizationPercentage (e.g. 75) or targetMemoryUtilizationPercentage (e.g. 80)." $p)) -}}
{{- end -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: {{ $kind }}
    name: {{ .fullname }}
  minReplicas: {{ $min }}
  maxReplicas: {{ $max }}
  metrics:
    {{- range $resource, $target := dict "cpu" $cpu "memory" $memory }}
    {{- if $target }}
    - type: Resource
      resource:
        name: {{ $resource }}
        target:
          type: Utilization
          averageUtilization: {{ $target }}
    {{- end }}
    {{- end }}
  {{- with $a.behavior }}
  behavior: {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* app-platform.scaling.pdb: the PodDisruptionBudget (policy/v1). */}}
{{- define "app-platform.scaling.pdb" -}}
{{- if and (.values.pdb).enabled (include "app-platform.scaling.kind" .) -}}
{{- $budget := include "app-platform.scaling.budget" . | fromJson -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  selector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  {{ $budget.key }}: {{ if kindIs "string" $budget.value }}{{ $budget.value | quote }}{{ else }}{{ int64 $budget.value }}{{ end }}
{{- end -}}
{{- end -}}

{{/*
app-platform.scaling.budget: which of minAvailable / maxUnavailable the budget uses, as JSON
{"key", "value"}, after the rules a schema cannot express:
- exactly one: minAvailable, when set, replaces maxUnavailable's chart default; both set to
  other values is ambiguous and fails; neither set fails;
- the budget must allow at least one eviction: maxUnavailable 0 / "0%" fails, and so does a
  minAvailable that (rounded up, as Kubernetes does) reaches the pod count: replicas, or
  autoscaling.minReplicas when autoscaling is on (the fewest pods there can be).
*/}}
{{- define "app-platform.scaling.budget" -}}
{{- $v := .values -}}
{{- $p := .path -}}
{{- $min := $v.pdb.minAvailable -}}
{{- $max := $v.pdb.maxUnavailable -}}
{{- $key := "maxUnavailable" -}}
{{- $value := $max -}}
{{- if not (kindIs "invalid" $min) -}}
  {{- $key = "minAvailable" -}}{{- $value = $min -}}
  {{- if not (kindIs "invalid" $max) -}}
    {{- $default := (include "app-platform.values.chartDefaults" .root | fromYaml).pdb.maxUnavailable -}}
    {{- if ne (toJson $max) (toJson $default) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%spdb" $p) "value" (pick $v.pdb "minAvailable" "maxUnavailable")
          "problem" "a PodDisruptionBudget takes minAvailable or maxUnavailable, not both"
          "fix" (printf "Keep one: set %spdb.maxUnavailable: null to use minAvailable, or %spdb.minAvailable: null to use maxUnavailable." $p $p)) -}}
    {{- end -}}
  {{- end -}}
{{- else if kindIs "invalid" $max -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%spdb" $p) "value" (pick $v.pdb "minAvailable" "maxUnavailable")
        "problem" "a PodDisruptionBudget needs minAvailable or maxUnavailable"
        "fix" (printf "Set %spdb.maxUnavailable (e.g. 1) or %spdb.minAvailable (e.g. \"50%%\")." $p $p)) -}}
{{- end -}}
{{- $autoscaled := ($v.autoscaling).enabled -}}
{{- $pods := ternary (int64 ($v.autoscaling).minReplicas) (int64 $v.replicas) (not (not $autoscaled)) -}}
{{- $podsFrom := ternary "autoscaling.minReplicas" "replicas" (not (not $autoscaled)) -}}
{{- $percent := kindIs "string" $value -}}
{{- $n := ternary (trimSuffix "%" (toString $value) | atoi | int64) (int64 $value) $percent -}}
{{- $shown := ternary (toString $value) (include "app-platform.data.scalar" $value) $percent -}}
{{- if and (eq $key "maxUnavailable") (eq $n 0) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%spdb.maxUnavailable" $p) "value" $value
        "problem" "a PodDisruptionBudget that lets no pod be unavailable blocks every eviction, so node drains and cluster upgrades hang"
        "fix" (printf "Set %spdb.maxUnavailable to 1 or more (or a percentage above 0%%)." $p)) -}}
{{- end -}}
{{- if eq $key "minAvailable" -}}
  {{- $kept := ternary (div (add (mul $n $pods) 99) 100) $n $percent -}}
  {{- if ge (int64 $kept) $pods -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%spdb.minAvailable" $p) "value" $value
        "problem" (printf "a PodDisruptionBudget that keeps %s of %d pods (%s%s) available blocks every eviction, so node drains and cluster upgrades hang" $shown $pods $p $podsFrom)
        "fix" (printf "Set %spdb.minAvailable below %d (e.g. %d), use %spdb.maxUnavailable: 1 instead, or raise %s%s." $p $pods (max 0 (sub $pods 1)) $p $p $podsFrom)) -}}
  {{- end -}}
{{- end -}}
{{- dict "key" $key "value" $value | toJson -}}
{{- end -}}
