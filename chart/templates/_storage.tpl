{{/*
Storage: persistent volume claims. storageClass has two documented special values:
"default" (omit storageClassName: the cluster's default class) and "-" (storageClassName: "",
no dynamic provisioning: bind to a pre-created PersistentVolume).
*/}}

{{/*
app-platform.storage.claimTemplates: "true" when a statefulset gets volumeClaimTemplates (persistence
on, no existingClaim); otherwise its data is the existing claim or an emptyDir, like a deployment's.
*/}}
{{- define "app-platform.storage.claimTemplates" -}}
{{- $p := .values.persistence -}}
{{- if and (eq .values.workloadType "statefulset") $p.enabled (not $p.existingClaim) -}}true{{- end -}}
{{- end -}}

{{/* app-platform.storage.claimSpec: the spec of a claim from persistence values. */}}
{{- define "app-platform.storage.claimSpec" -}}
accessModes: {{ toJson .accessModes }}
{{- if eq .storageClass "-" }}
storageClassName: ""
{{- else if ne .storageClass "default" }}
storageClassName: {{ .storageClass | quote }}
{{- end }}
resources:
  requests:
    storage: {{ include "app-platform.data.scalar" .size | quote }}
{{- end -}}

{{/*
app-platform.storage.claim: the PersistentVolumeClaim of a non-statefulset service.
retentionPolicy.whenDeleted: Retain keeps it on uninstall (helm.sh/resource-policy: keep).
*/}}
{{- define "app-platform.storage.claim" -}}
{{- if and .values.persistence.enabled (not .values.persistence.existingClaim) (has .values.workloadType (list "deployment" "job" "cronjob")) -}}
{{- $p := .values.persistence -}}
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" (include "app-platform.names.suffixed" (list . "data")) "annotations" (ternary (dict "helm.sh/resource-policy" "keep") dict (eq $p.retentionPolicy.whenDeleted "Retain"))) | nindent 2 }}
spec: {{- include "app-platform.storage.claimSpec" $p | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* app-platform.storage.configMap: the ConfigMap holding configFiles. */}}
{{- define "app-platform.storage.configMap" -}}
{{- if and (.values.configFiles).files (ne .values.workloadType "external") -}}
apiVersion: v1
kind: ConfigMap
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" (include "app-platform.names.suffixed" (list . "config"))) | nindent 2 }}
data:
  {{- $files := .values.configFiles.files }}
  {{- range $name := keys $files | sortAlpha }}
  {{ $name }}: {{ include "app-platform.data.scalar" (get $files $name) | quote }}
  {{- end }}
{{- end -}}
{{- end -}}
