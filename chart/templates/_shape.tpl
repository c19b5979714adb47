{{/*
Shape: the parts of a service every object helper reads the same way, worked out once per service
by app-platform.values.resolve (after the keys of other charts are taken, before the rules):
  serviceName  the name of its main Service: service.name, else the object base name
  mainPort     the main container port {name, port, protocol, appProtocol}
  portNames    every container port name of the main container (name → port number)
  values.probes  each probe in one flat form {type, path, port, scheme, headers, service, command,
               timings}: the handler written as a map (http: {path}, tcp: {port}, grpc: {port,
               service}, exec: {command}) or as type plus its keys (the chart's first form).
Port "http" in a probe or a Service port is the main port whatever its name (the chart's
default probes say "http"); a probe without a port checks the main port by number.
*/}}

{{/* app-platform.shape.service: fills the parts above on a resolved service. */}}
{{- define "app-platform.shape.service" -}}
{{- $v := .values -}}
{{- $p := .path -}}
{{- $_ := set . "serviceName" (($v.service | default dict).name | default .fullname) -}}
{{- $main := dict "name" ($v.portName | default "http") "port" $v.port "protocol" ($v.portProtocol | default "TCP") "appProtocol" ($v.appProtocol | default "") -}}
{{- $_ := set . "mainPort" $main -}}
{{- if ne $v.workloadType "external" -}}
{{- $names := dict $main.name (int64 $v.port) -}}
{{- range $i, $port := $v.ports | default list -}}
  {{- if hasKey $names $port.name -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sports[%d].name" $p $i) "value" $port.name
        "problem" "two ports of the main container have this name (the main port is named by portName)"
        "fix" (printf "Give each port its own name; taken: %s." (join ", " (keys $names | sortAlpha)))) -}}
  {{- end -}}
  {{- $_ := set $names $port.name (int64 $port.port) -}}
{{- end -}}
{{- $_ := set . "portNames" $names -}}
{{- if $v.probes -}}
  {{- $probes := dict -}}
  {{- range $kind, $probe := $v.probes -}}
    {{- /* once per render for the same probe and ports (services often share their probes); the path
           and kind only word the errors, and the first service with the probe fails the same way */ -}}
    {{- $flat := include "app-platform.data.memo" (list $.root "app-platform.shape.probe" (list $ $kind $probe) (toJson (list $probe $.portNames $.mainPort))) -}}
    {{- $_ := set $probes $kind ($flat | fromJson) -}}
  {{- end -}}
  {{- $_ := set $v "probes" $probes -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.shape.probe: one probe in the flat form, as JSON (null when it is off or unset).
Usage: include "app-platform.shape.probe" (list $svc "liveness" $probe) | fromJson
*/}}
{{- define "app-platform.shape.probe" -}}
{{- $svc := index . 0 -}}
{{- $kind := index . 1 -}}
{{- $probe := index . 2 -}}
{{- $path := printf "%sprobes.%s" $svc.path $kind -}}
{{- if or (not $probe) (eq (toString $probe.enabled) "false") -}}
{{- toJson $probe -}}
{{- else -}}
{{- $handlers := list -}}
{{- range $h := list "http" "tcp" "grpc" "exec" }}{{ if kindIs "map" (get $probe $h) }}{{ $handlers = append $handlers $h }}{{ end }}{{ end -}}
{{- if gt (len $handlers) 1 -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" (pick $probe "http" "tcp" "grpc" "exec")
        "problem" (printf "a probe checks one way, and this one has %s" (join " and " $handlers))
        "fix" (printf "Keep one of %s; an inherited one is removed with null (e.g. %s.%s: null)." (join ", " $handlers) $path (first $handlers))) -}}
{{- end -}}
{{- $flat := omit $probe "http" "tcp" "grpc" "exec" -}}
{{- $portPath := printf "%s.port" $path -}}
{{- with $handlers -}}
  {{- $h := first . -}}
  {{- $portPath = printf "%s.%s.port" $path $h -}}
  {{- $_ := set $flat "type" $h -}}
  {{- range $k, $x := get $probe $h }}{{ $_ := set $flat $k $x }}{{ end -}}
{{- end -}}
{{- $type := toString ($flat.type | default "tcp") -}}
{{- $_ := set $flat "type" $type -}}
{{- if ne $type "exec" -}}
  {{- $port := include "app-platform.data.scalar" $flat.port -}}
  {{- if or (eq $port "") (and (eq $port "http") (not (hasKey $svc.portNames "http"))) -}}
    {{- $port = ternary $svc.mainPort.name "" (ne $port "") -}}
  {{- end -}}
  {{- if eq $port "" -}}
    {{- $_ := set $flat "port" (int64 $svc.mainPort.port) -}}
  {{- else if not (trimAll "0123456789" $port) -}}{{- /* all digits ($port is not empty here) */ -}}
    {{- $_ := set $flat "port" (int64 $port) -}}
  {{- else if not (hasKey $svc.portNames $port) -}}
    {{- include "app-platform.errors.fail" (dict "path" $portPath "value" $port
          "problem" "no port of the main container has this name"
          "fix" (printf "Use one of: %s, or a port number." (join ", " (keys $svc.portNames | sortAlpha)))) -}}
  {{- else if eq $type "grpc" -}}
    {{- $_ := set $flat "port" (get $svc.portNames $port) -}}{{- /* a gRPC probe takes a number only */ -}}
  {{- else -}}
    {{- $_ := set $flat "port" $port -}}
  {{- end -}}
{{- end -}}
{{- toJson $flat -}}
{{- end -}}
{{- end -}}
