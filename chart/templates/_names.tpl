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
