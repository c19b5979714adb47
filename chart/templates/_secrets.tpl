{{/*
Secrets: secrets from a manager (Vault, AWS Secrets Manager, ...) through the External Secrets
Operator. Each entry of externalSecrets.secrets becomes an ExternalSecret <fullname>-<name>, from
which the operator writes the Secret of the same name (creationPolicy Owner: it goes with its
ExternalSecret). With env: true (the default without mountPath) app-platform.secrets.wire adds
that Secret to the service's envFrom while resolving; with mountPath it adds a read-only volume
secret-<name> holding its keys as files there. Either way every container built from the
service's values reads it: the main one, hooks, backups and a canary. No secret value ever
passes through the chart.
*/}}

{{/*
app-platform.secrets.wire: checks a service's externalSecrets (what the schema cannot say) and
adds {secretRef: {name}} to its envFrom for each secret with env: true (default: true without
mountPath, false with it) and a volume {name: secret-<name>, mountPath, readOnly, secret} for each
secret with mountPath. Once per service, from app-platform.values.resolve; writes new envFrom and
volumes lists, never the shared ones.
Usage: {{- include "app-platform.secrets.wire" $svc }}
*/}}
{{- define "app-platform.secrets.wire" -}}
{{- $v := .values -}}
{{- $es := $v.externalSecrets | default dict -}}
{{- if $es.secrets -}}
{{- $p := printf "%sexternalSecrets" .path -}}
{{- if eq $v.workloadType "external" -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s.secrets" $p) "value" (keys $es.secrets | sortAlpha)
        "problem" "an external service has no pods to read a Secret"
        "fix" (printf "Remove %s.secrets, or declare them on a service that runs pods." $p)) -}}
{{- end -}}
{{- $from := list -}}
{{- $files := list -}}
{{- range $name := keys $es.secrets | sortAlpha -}}
  {{- $s := get $es.secrets $name | default dict -}}
  {{- $sp := printf "%s.secrets.%s" $p $name -}}
  {{- if not (or $s.data $s.dataFrom) -}}
    {{- include "app-platform.errors.fail" (dict "path" $sp "value" $s
          "problem" "an ExternalSecret needs the keys it reads from the store"
          "fix" (printf "Set %s.data (e.g. {DB_PASSWORD: {key: prod/shop/db, property: password}}) or %s.dataFrom (e.g. [{key: prod/shop/db}])." $sp $sp)) -}}
  {{- end -}}
  {{- if not (($s.storeRef).name | default ($es.storeRef).name) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%s.storeRef.name" $p) "value" ($es.storeRef).name
          "problem" (printf "the ExternalSecret %s names no SecretStore to read from" $name)
          "fix" (printf "Set %s.storeRef: {name: vault, kind: ClusterSecretStore} (shared: global.externalSecrets.storeRef), or %s.storeRef." $p $sp)) -}}
  {{- end -}}
  {{- $secret := include "app-platform.names.suffixed" (list $ $name) -}}
  {{- if ne (toString (ternary $s.env (not $s.mountPath) (hasKey $s "env"))) "false" -}}
    {{- $from = append $from (dict "secretRef" (dict "name" $secret)) -}}
  {{- end -}}
  {{- with $s.mountPath -}}
    {{- $files = append $files (dict "name" (printf "secret-%s" $name) "mountPath" . "readOnly" true "secret" (dict "secretName" $secret)) -}}
  {{- end -}}
{{- end -}}
{{- if $from }}{{ $_ := set $v "envFrom" (concat ($v.envFrom | default list) $from) }}{{ end -}}
{{- if $files }}{{ $_ := set $v "volumes" (concat ($v.volumes | default list) $files) }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.secrets.externalSecrets: the service's ExternalSecrets, in name order (nothing when
it has none). Usage (templates/externalsecret.yaml): objects (list "app-platform.secrets.externalSecrets")
*/}}
{{- define "app-platform.secrets.externalSecrets" -}}
{{- $es := .values.externalSecrets | default dict -}}
{{- if $es.secrets -}}
{{- $svc := . -}}
{{- $docs := list -}}
{{- range $name := keys $es.secrets | sortAlpha -}}
{{- $s := get $es.secrets $name -}}
{{- $store := merge (dict) ($s.storeRef | default dict) ($es.storeRef | default dict) -}}
{{- $fullname := include "app-platform.names.suffixed" (list $svc $name) -}}
{{- $doc := include "app-platform.secrets.externalSecret" (dict "svc" $svc "es" $es "s" $s "store" $store "name" $fullname) -}}
{{- $docs = append $docs (trim $doc) -}}
{{- end -}}
{{- join "\n---\n" $docs -}}
{{- end -}}
{{- end -}}

{{/* app-platform.secrets.externalSecret: one ExternalSecret (see app-platform.secrets.externalSecrets). */}}
{{- define "app-platform.secrets.externalSecret" -}}
{{- $s := .s -}}
apiVersion: {{ .es.apiVersion }}
kind: ExternalSecret
metadata: {{- include "app-platform.meta.object" (dict "svc" .svc "name" .name) | nindent 2 }}
spec:
  refreshInterval: {{ $s.refreshInterval | default .es.refreshInterval | quote }}
  secretStoreRef:
    name: {{ .store.name }}
    kind: {{ .store.kind | default "ClusterSecretStore" }}
  target:
    name: {{ .name }}
    creationPolicy: Owner
  {{- with $s.data }}
  data:
    {{- range $key := keys . | sortAlpha }}
    - secretKey: {{ $key | quote }}
      remoteRef: {{- include "app-platform.secrets.remoteRef" (get $s.data $key) | nindent 8 }}
    {{- end }}
  {{- end }}
  {{- with $s.dataFrom }}
  dataFrom:
    {{- range . }}
    - extract: {{- include "app-platform.secrets.remoteRef" . | nindent 8 }}
    {{- end }}
  {{- end }}
{{- end -}}

{{/* app-platform.secrets.remoteRef: key, property and version of a value in the store. */}}
{{- define "app-platform.secrets.remoteRef" -}}
key: {{ .key | quote }}
{{- with .property }}
property: {{ . | quote }}
{{- end }}
{{- with .version }}
version: {{ . | quote }}
{{- end }}
{{- end -}}
