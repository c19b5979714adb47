{{/*
Pod: the one pod-spec builder. Deployment, StatefulSet, DaemonSet, Job and CronJob (and hook
jobs) all call app-platform.pod.template; nothing else writes a pod spec.
*/}}

{{/*
app-platform.pod.template: a pod template (metadata + spec) for a service.
Usage: template: {{- include "app-platform.pod.template" $svc | nindent 4 }}
*/}}
{{- define "app-platform.pod.template" -}}
metadata: {{- include "app-platform.pod.metadata" (dict "svc" .) | nindent 2 }}
spec: {{- include "app-platform.pod.spec" . | nindent 2 }}
{{- end -}}

{{/*
app-platform.pod.metadata: labels and annotations of a service's pods, plus the given extra
annotations (a bare Pod passes its hook annotations and global.annotations here).
Usage: {{- include "app-platform.pod.metadata" (dict "svc" $svc "annotations" $extra) | nindent 2 }}
*/}}
{{- define "app-platform.pod.metadata" -}}
{{- $svc := .svc -}}
{{- $v := $svc.values -}}
labels:
  {{- if $v.podLabels }}
  {{- toYaml (merge (dict) $svc.labels $v.podLabels) | nindent 2 }}
  {{- else }}
  {{- $svc.labelsYaml | nindent 2 }}
  {{- end }}
{{- $ann := merge (dict "kubectl.kubernetes.io/default-container" ($v.containerName | default $svc.name)) (.annotations | default dict) ($v.podAnnotations | default dict) }}
{{- if ($v.configFiles).files }}
{{- $_ := set $ann "checksum/config" (toJson $v.configFiles.files | sha256sum) }}
{{- end }}
{{- if ($v.rbac).enabled }}
{{- $_ := set $ann "app-platform.io/rbac" "enabled" }}
{{- end }}
annotations: {{- include "app-platform.data.stringMap" $ann | trim | nindent 2 }}
{{- end -}}

{{/*
app-platform.pod.spec: the pod spec of a service. Usage: spec: {{- include "app-platform.pod.spec" $svc | nindent 2 }}
*/}}
{{- define "app-platform.pod.spec" -}}
{{- $v := .values -}}
{{- $rbac := ($v.rbac).enabled -}}
{{- with include "app-platform.pod.serviceAccountName" . }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: {{ or $rbac ($v.serviceAccount).automountToken | default false }}
enableServiceLinks: false
securityContext: {{- include "app-platform.security.pod" $v.security | nindent 2 }}
{{- with include "app-platform.pod.pullSecrets" . | trim }}
imagePullSecrets: {{- . | nindent 2 }}
{{- end }}
{{- with $v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $v.runtimeClassName }}
runtimeClassName: {{ . }}
{{- end }}
{{- with $v.hostAliases }}
hostAliases: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.dnsPolicy }}
dnsPolicy: {{ . }}
{{- end }}
{{- with $v.dnsConfig }}
dnsConfig: {{- toYaml . | nindent 2 }}
{{- end }}
terminationGracePeriodSeconds: {{ int64 $v.terminationGracePeriodSeconds }}
{{- if has $v.workloadType (list "job" "cronjob") }}
restartPolicy: {{ $v.job.restartPolicy }}
{{- end }}
{{- with $v.nodeSelector }}
nodeSelector: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.tolerations }}
tolerations: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.affinity }}
affinity: {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  - {{- toYaml (merge (dict) . (dict "labelSelector" (dict "matchLabels" $.selector))) | nindent 4 }}
  {{- end }}
{{- end }}
{{- with include "app-platform.pod.initContainers" . | trim }}
initContainers: {{- . | nindent 2 }}
{{- end }}
containers:
  {{- include "app-platform.container.main" . | nindent 2 }}
  {{- range $i, $c := $v.sidecars }}
  {{- include "app-platform.container.sidecar" (list $ $c (printf "%ssidecars[%d]" $.path $i)) | nindent 2 }}
  {{- end }}
{{- with include "app-platform.pod.volumes" . | trim }}
volumes: {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* app-platform.pod.initContainers: waits for dependsOn targets, then the team's init containers. */}}
{{- define "app-platform.pod.initContainers" -}}
{{- $svc := . -}}
{{- range $dep := .dependencies }}
{{- include "app-platform.data.memo" (list $svc.root "app-platform.container.waitFor" (list $svc $dep)
      (toJson (list $dep.name $dep.host $dep.port $svc.values.dependencyWait $svc.values.security))) }}
{{- end }}
{{- range .values.initContainers }}
{{ include "app-platform.container.extra" (list $svc .) }}
{{- end }}
{{- end -}}

{{/* app-platform.pod.serviceAccountName: the account the pods run as ("" = the namespace default). */}}
{{- define "app-platform.pod.serviceAccountName" -}}
{{- $sa := .values.serviceAccount | default dict -}}
{{- if or $sa.create (.values.rbac).enabled -}}
{{- $sa.name | default (.owner | default .).fullname -}}
{{- else -}}
{{- $sa.name -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.pod.pullSecrets: global.imagePullSecrets then the service's, without repeats. An
entry is a name, or Kubernetes' form {name} (helm create).
*/}}
{{- define "app-platform.pod.pullSecrets" -}}
{{- $names := list -}}
{{- range concat (.global.imagePullSecrets | default list) (.values.imagePullSecrets | default list) -}}
  {{- if kindIs "map" . }}{{ $names = append $names .name }}{{ else }}{{ $names = append $names . }}{{ end -}}
{{- end -}}
{{- range $names | uniq }}
- name: {{ . }}
{{- end }}
{{- end -}}

{{/* app-platform.pod.hasData: "true" when the pod mounts the "data" volume. */}}
{{- define "app-platform.pod.hasData" -}}
{{- $v := .values -}}
{{- if or (eq $v.workloadType "statefulset") (and (ne $v.workloadType "daemonset") (ne $v.workloadType "external")) -}}true{{- end -}}
{{- end -}}

{{/*
app-platform.pod.volumes: tmp, config, data and the team's volumes. Data is the statefulset's
volumeClaimTemplate (not listed here), persistence.existingClaim, the service's own
PersistentVolumeClaim when persistence is on, else an emptyDir (persistence.emptyDir: medium, sizeLimit).
*/}}
{{- define "app-platform.pod.volumes" -}}
{{- $v := .values -}}
{{- if $v.security.writableTmp }}
- name: tmp
  emptyDir: {}
{{- end }}
{{- if ($v.configFiles).files }}
- name: config
  configMap:
    name: {{ include "app-platform.names.suffixed" (list (.owner | default .) "config") }}
{{- end }}
{{- if and (include "app-platform.pod.hasData" .) (not (include "app-platform.storage.claimTemplates" .)) }}
- name: data
  {{- if $v.persistence.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ $v.persistence.existingClaim }}
  {{- else if and $v.persistence.enabled (ne $v.workloadType "statefulset") }}
  persistentVolumeClaim:
    claimName: {{ include "app-platform.names.suffixed" (list . "data") }}
  {{- else }}
  {{- $e := $v.persistence.emptyDir | default dict }}
  emptyDir: {{- if or $e.medium $e.sizeLimit }}
    {{- with $e.medium }}
    medium: {{ . }}
    {{- end }}
    {{- with $e.sizeLimit }}
    sizeLimit: {{ include "app-platform.data.scalar" . | quote }}
    {{- end }}
  {{- else }} {}
  {{- end }}
  {{- end }}
{{- end }}
{{- range $v.volumes }}
- {{- toYaml (omit . "mountPath" "readOnly" "subPath") | nindent 2 }}
{{- end }}
{{- end -}}
