{{/*
Security: the only source of security contexts. Defaults satisfy Pod Security "restricted";
a team loosens a setting only through the documented `security` values.
*/}}

{{/*
app-platform.security.pod: the pod securityContext.
Usage: securityContext: {{- include "app-platform.security.pod" $svc.values.security | nindent 4 }}
*/}}
{{- define "app-platform.security.pod" -}}
runAsNonRoot: {{ .runAsNonRoot }}
runAsUser: {{ int64 .runAsUser }}
runAsGroup: {{ int64 .runAsGroup }}
fsGroup: {{ int64 .fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: {{ .seccompProfile }}
{{- end -}}

{{/*
app-platform.security.container: the securityContext of every container (main, init, sidecar,
hook, test): no privilege escalation, ALL capabilities dropped, read-only root filesystem.
Usage: securityContext: {{- include "app-platform.security.container" $svc.values.security | nindent 4 }}
*/}}
{{- define "app-platform.security.container" -}}
runAsNonRoot: {{ .runAsNonRoot }}
allowPrivilegeEscalation: {{ .allowPrivilegeEscalation }}
readOnlyRootFilesystem: {{ .readOnlyRootFilesystem }}
privileged: false
capabilities:
  drop: [ALL]
  {{- with .addCapabilities }}
  add: {{- toYaml . | nindent 4 }}
  {{- end }}
seccompProfile:
  type: {{ .seccompProfile }}
{{- end -}}
