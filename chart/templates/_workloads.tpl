{{/*
Workloads: one helper per kind, each a thin frame around app-platform.pod.template.
Every helper takes a resolved service (see app-platform.values.resolve).
*/}}

{{/* app-platform.workloads.deployment */}}
{{- define "app-platform.workloads.deployment" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: Deployment
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  {{- if not ($v.autoscaling).enabled }}
  replicas: {{ int64 $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  strategy:
    type: {{ $v.strategy.type }}
    {{- if eq $v.strategy.type "RollingUpdate" }}
    rollingUpdate:
      maxSurge: {{ include "app-platform.data.scalar" $v.strategy.maxSurge }}
      maxUnavailable: {{ include "app-platform.data.scalar" $v.strategy.maxUnavailable }}
    {{- end }}
  template: {{- include "app-platform.pod.template" . | nindent 4 }}
{{- end -}}

{{/* app-platform.workloads.statefulset: stable identity through the headless Service, data through volumeClaimTemplates (or an existing claim, or an emptyDir). */}}
{{- define "app-platform.workloads.statefulset" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: StatefulSet
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  {{- if not ($v.autoscaling).enabled }}
  replicas: {{ int64 $v.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  serviceName: {{ include "app-platform.names.suffixed" (list . "headless") }}
  podManagementPolicy: OrderedReady
  selector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  updateStrategy:
    type: {{ $v.strategy.type }}
    {{- if and (eq $v.strategy.type "RollingUpdate") (hasKey $v.strategy "partition") }}
    rollingUpdate:
      partition: {{ int64 $v.strategy.partition }}
    {{- end }}
  {{- $templates := include "app-platform.storage.claimTemplates" . }}
  {{- if $templates }}
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: {{ $v.persistence.retentionPolicy.whenDeleted }}
    whenScaled: {{ $v.persistence.retentionPolicy.whenScaled }}
  {{- end }}
  template: {{- include "app-platform.pod.template" . | nindent 4 }}
  {{- if $templates }}
  volumeClaimTemplates:
    - metadata:
        name: data
        labels: {{- .selectorYaml | nindent 10 }}
      spec: {{- include "app-platform.storage.claimSpec" $v.persistence | nindent 8 }}
  {{- end }}
{{- end -}}

{{/* app-platform.workloads.daemonset */}}
{{- define "app-platform.workloads.daemonset" -}}
{{- $v := .values -}}
apiVersion: apps/v1
kind: DaemonSet
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  revisionHistoryLimit: 5
  selector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  updateStrategy:
    type: {{ $v.strategy.type }}
    {{- if eq $v.strategy.type "RollingUpdate" }}
    rollingUpdate:
      {{- /* Kubernetes refuses maxUnavailable 0 with maxSurge 0: a daemonset that may not lose a
             pod during a rollout (e.g. values-prod.yaml) surges instead, one new pod per node. */}}
      {{- $unavailable := include "app-platform.data.scalar" $v.strategy.maxUnavailable }}
      {{- if has $unavailable (list "0" "0%") }}
      {{- $surge := include "app-platform.data.scalar" $v.strategy.maxSurge }}
      maxUnavailable: 0
      maxSurge: {{ ternary 1 $surge (has $surge (list "0" "0%" "")) }}
      {{- else }}
      maxUnavailable: {{ $unavailable }}
      maxSurge: 0
      {{- end }}
    {{- end }}
  template: {{- include "app-platform.pod.template" . | nindent 4 }}
{{- end -}}

{{/*
app-platform.workloads.job: a Job's pod template is immutable, so its name carries a hash of
its spec: an upgrade that changes the job replaces it, one that does not leaves it alone.
*/}}
{{- define "app-platform.workloads.job" -}}
{{- $spec := include "app-platform.workloads.jobSpec" . -}}
apiVersion: batch/v1
kind: Job
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" (include "app-platform.names.suffixed" (list . (sha256sum $spec | trunc 8)))) | nindent 2 }}
spec: {{- $spec | nindent 2 }}
{{- end -}}

{{/* app-platform.workloads.jobSpec: the spec of a Job, also a CronJob's jobTemplate.spec. */}}
{{- define "app-platform.workloads.jobSpec" -}}
{{- $j := .values.job -}}
backoffLimit: {{ int64 $j.backoffLimit }}
{{- if hasKey $j "ttlSecondsAfterFinished" }}
ttlSecondsAfterFinished: {{ int64 $j.ttlSecondsAfterFinished }}
{{- end }}
{{- if $j.activeDeadlineSeconds }}
activeDeadlineSeconds: {{ int64 $j.activeDeadlineSeconds }}
{{- end }}
completions: {{ int64 $j.completions }}
parallelism: {{ int64 $j.parallelism }}
template: {{- include "app-platform.pod.template" . | nindent 2 }}
{{- end -}}

{{/* app-platform.workloads.cronjob */}}
{{- define "app-platform.workloads.cronjob" -}}
{{- $c := .values.cronjob -}}
apiVersion: batch/v1
kind: CronJob
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  schedule: {{ $c.schedule | quote }}
  {{- with $c.timeZone }}
  timeZone: {{ . | quote }}
  {{- end }}
  concurrencyPolicy: {{ $c.concurrencyPolicy }}
  suspend: {{ $c.suspend }}
  successfulJobsHistoryLimit: {{ int64 $c.successfulJobsHistoryLimit }}
  failedJobsHistoryLimit: {{ int64 $c.failedJobsHistoryLimit }}
  {{- if $c.startingDeadlineSeconds }}
  startingDeadlineSeconds: {{ int64 $c.startingDeadlineSeconds }}
  {{- end }}
  jobTemplate:
    metadata:
      labels: {{- .labelsYaml | nindent 8 }}
    spec: {{- include "app-platform.workloads.jobSpec" . | nindent 6 }}
{{- end -}}

{{/*
app-platform.workloads.pod: a bare Pod (helm test pods): app-platform.pod.template's labels and
spec under the Pod's own name (the service's fullname), namespace and annotations (the given ones,
then the pod template's, then global.annotations).
Usage: {{ include "app-platform.workloads.pod" (dict "svc" $variant "annotations" (dict "helm.sh/hook" "test")) }}
*/}}
{{- define "app-platform.workloads.pod" -}}
{{- $svc := .svc -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ $svc.fullname }}
  namespace: {{ $svc.root.Release.Namespace }}
  {{- include "app-platform.pod.metadata" (dict "svc" $svc "annotations" (merge (dict) (.annotations | default dict) ($svc.global.annotations | default dict))) | nindent 2 }}
spec: {{- include "app-platform.pod.spec" $svc | nindent 2 }}
{{- end -}}
