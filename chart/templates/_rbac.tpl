{{/*
RBAC: a Role from rbac.rules and a RoleBinding that grants it to the service's ServiceAccount.
The account itself is app-platform.access.serviceAccount (created when rbac.enabled), and
app-platform.pod.template mounts its token, with the annotation app-platform.io/rbac: enabled,
only when rbac.enabled: nothing here writes pods or accounts.
*/}}

{{/*
app-platform.rbac.enabled: "true" when the service gets a Role (rbac.enabled, and it has pods),
after checking what the schema cannot: at least one rule, and no root user holding a token.
Usage: {{- if include "app-platform.rbac.enabled" $svc }} ... {{ end }}
*/}}
{{- define "app-platform.rbac.enabled" -}}
{{- $v := .values -}}
{{- if and ($v.rbac).enabled (ne $v.workloadType "external") -}}
  {{- if not $v.rbac.rules -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%srbac.rules" .path) "value" $v.rbac.rules
        "problem" "rbac is enabled but grants nothing: a Role needs at least one rule"
        "fix" (printf "Add rules, e.g. %srbac.rules: [{apiGroups: [\"\"], resources: [configmaps], verbs: [get, list, watch]}], or set %srbac.enabled: false." .path .path)) -}}
  {{- end -}}
  {{- if eq (int64 $v.security.runAsUser) 0 -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%ssecurity.runAsUser" .path) "value" $v.security.runAsUser
        "problem" (printf "rbac.enabled: true mounts an API token, which a root process (runAsUser 0, runAsNonRoot %v) must not hold" $v.security.runAsNonRoot)
        "fix" (printf "Set %ssecurity.runAsUser to a non-zero id such as 10001 (and security.runAsNonRoot: true), or set %srbac.enabled: false." .path .path)) -}}
  {{- end -}}
true
{{- end -}}
{{- end -}}

{{/* app-platform.rbac.role: the Role, named like the service. */}}
{{- define "app-platform.rbac.role" -}}
{{- if include "app-platform.rbac.enabled" . -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
rules:
  {{- range .values.rbac.rules }}
  - apiGroups: {{- toYaml (.apiGroups | default (list "")) | nindent 6 }}
    resources: {{- toYaml .resources | nindent 6 }}
    {{- with .resourceNames }}
    resourceNames: {{- toYaml . | nindent 6 }}
    {{- end }}
    verbs: {{- toYaml .verbs | nindent 6 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* app-platform.rbac.roleBinding: binds the Role to the service's ServiceAccount. */}}
{{- define "app-platform.rbac.roleBinding" -}}
{{- if include "app-platform.rbac.enabled" . -}}
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .fullname }}
subjects:
  - kind: ServiceAccount
    name: {{ include "app-platform.pod.serviceAccountName" . }}
    namespace: {{ .root.Release.Namespace }}
{{- end -}}
{{- end -}}
