{{/*
Names. Object names and selectors are a public API: selectors are immutable, so a name change
breaks upgrades. Everything here derives from the release, the alias (Helm renames a dependency
chart to its alias) and the service name, so two services or two aliases never collide.
*/}}

{{/*
app-platform.names.base: the base of every object name.
fullnameOverride, else the release name when installed directly, else <release>-<alias>.
Usage: {{ include "app-platform.names.base" $ }}
*/}}
{{- define "app-platform.names.base" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride -}}
{{- else if eq .Chart.Name "app-platform" -}}
{{- .Release.Name -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.names.fit: a DNS-1123 name of at most 63 characters. A longer one is cut to 54 and
suffixed with 8 hex characters of its SHA-256, so two long names that share a prefix stay distinct.
Usage: {{ include "app-platform.names.fit" (printf "%s-headless" $svc.fullname) }}
*/}}
{{- define "app-platform.names.fit" -}}
{{- if le (len .) 63 -}}
{{- . -}}
{{- else -}}
{{- printf "%s-%s" (trunc 54 . | trimSuffix "-") (sha256sum . | trunc 8) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.names.suffixed: <service fullname>-<suffix>, fitted.
Usage: {{ include "app-platform.names.suffixed" (list $svc "config") }}
*/}}
{{- define "app-platform.names.suffixed" -}}
{{- include "app-platform.names.fit" (printf "%s-%s" (index . 0).fullname (index . 1)) -}}
{{- end -}}

{{/*
app-platform.names.component: the service name of a service variant (hook Job, helm test Pod,
backup), <service>-<suffix> cut to 63 characters: its container name and component label, so its
pods never match the service's selector. The one place this rule is written
(app-platform.values.variant names variants with it, app-platform.networkpolicy.helpers admits them).
Usage: {{ include "app-platform.names.component" (list $svc.name "migrate") }}
*/}}
{{- define "app-platform.names.component" -}}
{{- printf "%s-%s" (index . 0) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
app-platform.names.unique: two services whose objects or Services would get the same name fail,
naming both (with naming: service, objectName or service.name two services can collide).
Usage: {{- include "app-platform.names.unique" $services }}
*/}}
{{- define "app-platform.names.unique" -}}
{{- $objects := dict -}}
{{- $services := dict -}}
{{- range $svc := . -}}
  {{- with get $objects $svc.fullname -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sobjectName" $svc.path) "value" $svc.fullname
        "problem" (printf "services %s and %s would both name their objects %s" .name $svc.name $svc.fullname)
        "fix" (printf "Set %sobjectName (or %sobjectName) to a name of its own, or use naming: release-service." $svc.path .path)) -}}
  {{- end -}}
  {{- $_ := set $objects $svc.fullname $svc -}}
  {{- range $name := include "app-platform.names.serviceNames" $svc | fromJsonArray -}}
    {{- with get $services $name -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sservice.name" $svc.path) "value" $name
          "problem" (printf "services %s and %s would both create the Service %s" .name $svc.name $name)
          "fix" (printf "Give one of them another name: %sservice.name or %sservice.name (or objectName)." .path $svc.path)) -}}
    {{- end -}}
    {{- $_ := set $services $name $svc -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/* app-platform.names.serviceNames: the names of every Service a service creates, as a JSON list. */}}
{{- define "app-platform.names.serviceNames" -}}
{{- $v := .values -}}
{{- $names := list -}}
{{- if or (eq $v.workloadType "external") (and (has $v.workloadType (list "deployment" "statefulset" "daemonset")) $v.service.enabled) -}}
  {{- $names = append $names .serviceName -}}
{{- end -}}
{{- if eq $v.workloadType "statefulset" }}{{ $names = append $names (include "app-platform.names.suffixed" (list . "headless")) }}{{ end -}}
{{- range ($v.extraServices | default list) }}{{ $names = append $names (include "app-platform.network.extraName" (list $ .)) }}{{ end -}}
{{- toJson $names -}}
{{- end -}}
