{{/*
Access: the ServiceAccount of a service (created only when asked for, or when rbac needs one).
*/}}

{{/* app-platform.access.serviceAccount */}}
{{- define "app-platform.access.serviceAccount" -}}
{{- $sa := .values.serviceAccount -}}
{{- if and (or $sa.create (.values.rbac).enabled) (ne .values.workloadType "external") -}}
apiVersion: v1
kind: ServiceAccount
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" (include "app-platform.pod.serviceAccountName" .) "annotations" $sa.annotations) | nindent 2 }}
automountServiceAccountToken: {{ or (.values.rbac).enabled $sa.automountToken | default false }}
{{- end -}}
{{- end -}}
