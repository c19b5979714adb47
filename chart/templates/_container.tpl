{{/*
Containers: the main container, extra containers (init containers, sidecars) and their parts.
Every container gets the same security context, /tmp mount and filled-in resources.
*/}}

{{/*
app-platform.container.main: the service's own container (a list item).
Usage: containers: {{- include "app-platform.container.main" $svc | nindent 4 }}
*/}}
{{- define "app-platform.container.main" -}}
{{- $v := .values -}}
- name: {{ $v.containerName | default .name }}
  image: {{ .image.ref | quote }}
  imagePullPolicy: {{ .image.pullPolicy }}
  {{- with $v.command }}
  command: {{- include "app-platform.data.yaml" (list $.root .) | nindent 4 }}
  {{- end }}
  {{- with $v.args }}
  args: {{- include "app-platform.data.yaml" (list $.root .) | nindent 4 }}
  {{- end }}
  {{- if ne $v.workloadType "external" }}
  ports:
    {{- include "app-platform.container.ports" (prepend ($v.ports | default list) .mainPort) | trim | nindent 4 }}
    {{- with include "app-platform.monitoring.containerPort" . }}{{ . | nindent 4 }}{{ end }}
  {{- end }}
  {{- with include "app-platform.container.envOf" (list .root $v) }}
  {{- . | nindent 2 }}
  {{- end }}
  resources: {{- include "app-platform.data.resources" $v.resources | trim | nindent 4 }}
  {{- if has $v.workloadType (list "deployment" "statefulset" "daemonset") }}
  {{- range $kind := list "liveness" "readiness" "startup" }}
  {{- $probe := get ($v.probes | default dict) $kind }}
  {{- with include "app-platform.data.memo" (list $.root "app-platform.container.probe" $probe (toJson $probe)) }}
  {{ $kind }}Probe: {{- . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- with $v.lifecycle }}
  lifecycle: {{- include "app-platform.data.yaml" (list $.root .) | nindent 4 }}
  {{- end }}
  securityContext: {{- include "app-platform.security.container" $v.security | nindent 4 }}
  {{- with include "app-platform.container.mounts" . | trim }}
  volumeMounts: {{- . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/*
app-platform.container.extra: an init container or sidecar from values. Image, resources and
security come from the service unless the item sets image, resources or security (merged over
the service's). A sidecar (given its value path) also gets its probes, in the service's forms,
on its own ports (default: its first port).
Usage: {{- include "app-platform.container.extra" (list $svc $item) | nindent 4 }}   (init container)
       {{- include "app-platform.container.extra" (list $svc $item "sidecars[0]") | nindent 4 }}
*/}}
{{- define "app-platform.container.extra" -}}
{{- $svc := index . 0 -}}
{{- $c := index . 1 -}}
{{- $sidecar := gt (len .) 2 -}}
{{- $image := $svc.image -}}
{{- if $c.image }}{{ $image = include "app-platform.images.resolve" (list $c.image $svc.global) | fromJson }}{{ end -}}
- name: {{ $c.name }}
  image: {{ $image.ref | quote }}
  imagePullPolicy: {{ $image.pullPolicy }}
  {{- with $c.command }}
  command: {{- include "app-platform.data.yaml" (list $svc.root .) | nindent 4 }}
  {{- end }}
  {{- with $c.args }}
  args: {{- include "app-platform.data.yaml" (list $svc.root .) | nindent 4 }}
  {{- end }}
  {{- with $c.ports }}
  ports: {{- include "app-platform.container.ports" . | trim | nindent 4 }}
  {{- end }}
  {{- with include "app-platform.container.envOf" (list $svc.root $c) }}
  {{- . | nindent 2 }}
  {{- end }}
  {{- $resources := dict }}
  {{- $_ := include "app-platform.data.merge" (list $resources $svc.values.resources ($c.resources | default dict)) }}
  resources: {{- include "app-platform.data.resources" $resources | trim | nindent 4 }}
  {{- if and $sidecar $c.probes }}
  {{- $names := dict }}
  {{- range $c.ports }}{{ $_ := set $names .name (int64 .port) }}{{ end }}
  {{- $first := first ($c.ports | default (list (dict "name" "" "port" 0))) }}
  {{- $own := dict "path" (printf "%s." (index . 2)) "portNames" $names "mainPort" $first }}
  {{- range $kind := list "liveness" "readiness" "startup" }}
  {{- with get $c.probes $kind }}
  {{- with include "app-platform.container.probe" (include "app-platform.shape.probe" (list $own $kind .) | fromJson) }}
  {{ $kind }}Probe: {{- . | nindent 4 }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- end }}
  {{- with $c.lifecycle }}
  lifecycle: {{- include "app-platform.data.yaml" (list $svc.root .) | nindent 4 }}
  {{- end }}
  {{- $security := $svc.values.security }}
  {{- with $c.security }}{{ $security = dict }}{{ $_ := include "app-platform.data.merge" (list $security $svc.values.security .) }}{{ end }}
  securityContext: {{- include "app-platform.security.container" $security | nindent 4 }}
    {{- range $k := list "runAsUser" "runAsGroup" }}
    {{- if hasKey ($c.security | default dict) $k }}
    {{ $k }}: {{ int64 (get $c.security $k) }}
    {{- end }}
    {{- end }}
  {{- $mounts := include "app-platform.container.mounts" $svc | trim }}
  {{- if or $mounts $c.volumeMounts }}
  volumeMounts:
    {{- with $mounts }}{{ . | nindent 4 }}{{ end }}
    {{- with $c.volumeMounts }}{{ toYaml . | nindent 4 }}{{ end }}
  {{- end }}
{{- end -}}

{{/*
app-platform.container.sidecar: app-platform.container.extra for a sidecar, printed once per render
for the same inputs: a canary prints its service's sidecars again, unchanged. The key holds all
the output depends on: the item, the service's image (unless the item has its own), resources,
security and what its mounts are made of (app-platform.container.mounts); global is the render's.
Usage: {{- include "app-platform.container.sidecar" (list $svc $item "sidecars[0]") | nindent 4 }}
*/}}
{{- define "app-platform.container.sidecar" -}}
{{- $svc := index . 0 -}}
{{- $c := index . 1 -}}
{{- $key := list $c (ternary dict $svc.image (not (empty $c.image))) (pick $svc.values "resources" "security" "configFiles" "workloadType" "volumes") ($svc.values.persistence).mountPath -}}
{{- include "app-platform.data.memo" (list $svc.root "app-platform.container.extra" . (toJson $key)) -}}
{{- end -}}

{{/*
app-platform.container.ports: container ports [{name, port, protocol}] as list items. A port's
appProtocol goes on the Service ports that target it (and so the EndpointSlices): a container
port has no such field, and the API server refuses it under server-side apply.
*/}}
{{- define "app-platform.container.ports" -}}
{{- range . }}
- name: {{ .name }}
  containerPort: {{ int64 .port }}
  protocol: {{ .protocol | default "TCP" }}
{{- end }}
{{- end -}}

{{/*
app-platform.container.env: env (a map, rendered sorted by name) and envFrom of a container.
A value is a plain scalar, or one reference: secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef.
*/}}
{{- define "app-platform.container.env" -}}
{{- $env := .env }}
{{- with $env }}
env:
  {{- range $name := keys $env | sortAlpha }}
  {{- $val := get $env $name }}
  - name: {{ $name }}
    {{- if kindIs "map" $val }}
    valueFrom: {{- toYaml $val | nindent 6 }}
    {{- else }}
    value: {{ include "app-platform.data.scalar" $val | quote }}
    {{- end }}
  {{- end }}
{{- end }}
{{- with .envFrom }}
envFrom: {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
app-platform.container.envOf: app-platform.container.env (trimmed) printed once per render for the
same env and envFrom (a canary, hooks and backups print their service's again).
Usage: {{- with include "app-platform.container.envOf" (list $svc.root $valuesOrItem) }}{{ . | nindent 2 }}{{ end }}
*/}}
{{- define "app-platform.container.envOf" -}}
{{- $x := index . 1 -}}
{{- include "app-platform.data.memo" (list (index . 0) "app-platform.container.env" $x (toJson (list $x.env $x.envFrom))) | trim -}}
{{- end -}}

{{/*
app-platform.container.probe: one probe, or nothing when it is off (enabled: false, or null).
*/}}
{{- define "app-platform.container.probe" -}}
{{- $p := . | default dict -}}
{{- if and $p (ne (toString $p.enabled) "false") -}}
{{- if eq $p.type "http" -}}
httpGet:
  path: {{ $p.path | default "/" }}
  port: {{ include "app-platform.data.scalar" ($p.port | default "http") }}
  {{- with $p.scheme }}
  scheme: {{ . }}
  {{- end }}
  {{- with $p.headers }}
  httpHeaders:
    {{- if kindIs "map" . }}
    {{- range $name := keys . | sortAlpha }}
    - name: {{ $name }}
      value: {{ include "app-platform.data.scalar" (get $p.headers $name) | quote }}
    {{- end }}
    {{- else }}
    {{- range . }}
    - name: {{ .name }}
      value: {{ include "app-platform.data.scalar" .value | quote }}
    {{- end }}
    {{- end }}
  {{- end }}
{{- else if eq $p.type "exec" -}}
exec:
  command: {{- toYaml $p.command | nindent 4 }}
{{- else if eq $p.type "grpc" -}}
grpc:
  port: {{ int64 $p.port }}
  {{- with $p.service }}
  service: {{ . | quote }}
  {{- end }}
{{- else -}}
tcpSocket:
  port: {{ include "app-platform.data.scalar" ($p.port | default "http") }}
{{- end }}
{{- range $k := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
{{- if hasKey $p $k }}
{{ $k }}: {{ int64 (get $p $k) }}
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
app-platform.container.mounts: the volume mounts every container of the service shares:
writable /tmp, configFiles (read-only), persistent data, and the team's volumes.
*/}}
{{- define "app-platform.container.mounts" -}}
{{- $v := .values -}}
{{- if $v.security.writableTmp }}
- name: tmp
  mountPath: /tmp
{{- end }}
{{- if ($v.configFiles).files }}
- name: config
  mountPath: {{ $v.configFiles.mountPath }}
  readOnly: true
{{- end }}
{{- if include "app-platform.pod.hasData" . }}
- name: data
  mountPath: {{ $v.persistence.mountPath }}
{{- end }}
{{- range $v.volumes }}
- name: {{ .name }}
  mountPath: {{ .mountPath }}
  {{- with .subPath }}
  subPath: {{ . }}
  {{- end }}
  {{- if .readOnly }}
  readOnly: true
  {{- end }}
{{- end }}
{{- end -}}

{{/*
app-platform.container.waitFor: an init container that waits, for a bounded time, until a
dependency accepts TCP connections. Restricted like every other container.
Usage: {{ include "app-platform.container.waitFor" (list $svc $dependency) }}
*/}}
{{- define "app-platform.container.waitFor" -}}
{{- $svc := index . 0 -}}
{{- $dep := index . 1 -}}
{{- $w := $svc.values.dependencyWait -}}
{{- $image := include "app-platform.images.resolve" (list $w.image $svc.global) | fromJson }}
- name: {{ printf "wait-for-%s" (regexReplaceAll "[^a-z0-9-]+" (lower $dep.name) "-") | trunc 63 | trimSuffix "-" }}
  image: {{ $image.ref | quote }}
  imagePullPolicy: {{ $image.pullPolicy }}
  command:
    - sh
    - -c
    - |
      deadline=$(( $(date +%s) + TIMEOUT ))
      until nc -z -w 2 "$HOST" "$PORT"; do
        if [ "$(date +%s)" -ge "$deadline" ]; then
          echo "gave up after ${TIMEOUT}s: $HOST:$PORT is not accepting connections" >&2
          exit 1
        fi
        echo "waiting for $HOST:$PORT"
        sleep 2
      done
  env:
    - name: HOST
      value: {{ $dep.host | quote }}
    - name: PORT
      value: {{ $dep.port | quote }}
    - name: TIMEOUT
      value: {{ include "app-platform.data.scalar" $w.timeoutSeconds | quote }}
  resources: {{- include "app-platform.data.resources" $w.resources | trim | nindent 4 }}
  securityContext: {{- include "app-platform.security.container" $svc.values.security | nindent 4 }}
  {{- if $svc.values.security.writableTmp }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
  {{- end }}
{{- end -}}
