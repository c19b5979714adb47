{{/*
Ingress: how traffic from outside the cluster reaches a service. An Ingress (networking.k8s.io/v1)
or a Gateway API HTTPRoute (gateway.networking.k8s.io/v1), both in front of the service's own
Service, so only long-running services with service.enabled get them.
*/}}

{{/* app-platform.ingress.applies: "true" when the service has a Service to route to. */}}
{{- define "app-platform.ingress.applies" -}}
{{- if and (has .values.workloadType (list "deployment" "statefulset" "daemonset")) .values.service.enabled -}}true{{- end -}}
{{- end -}}

{{/*
app-platform.ingress.hosts: ingress.host then ingress.hosts, without repeats or empty names,
as a JSON list. Usage: {{- $hosts := include "app-platform.ingress.hosts" $svc.values.ingress | fromJsonArray }}
*/}}
{{- define "app-platform.ingress.hosts" -}}
{{- $hosts := list -}}
{{- with .host }}{{ $hosts = append $hosts . }}{{ end -}}
{{- range .hosts }}{{ if . }}{{ $hosts = append $hosts . }}{{ end }}{{ end -}}
{{- $hosts | uniq | toJson -}}
{{- end -}}

{{/*
app-platform.ingress.ingress: the service's Ingress. Every host gets every path, sent to the
Service's port "http". TLS covers every host; tls.clusterIssuer asks cert-manager for the certificate.
Usage: {{ include "app-platform.ingress.ingress" $svc }}
*/}}
{{- define "app-platform.ingress.ingress" -}}
{{- $in := .values.ingress -}}
{{- if and $in.enabled (include "app-platform.ingress.applies" .) -}}
{{- $hosts := include "app-platform.ingress.hosts" $in | fromJsonArray -}}
{{- if not $hosts -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%singress.host" .path) "value" $in.host
        "problem" "an enabled ingress needs a host name"
        "fix" (printf "Set %singress.host (e.g. shop.example.com) or %singress.hosts, or set %singress.enabled: false." .path .path .path)) -}}
{{- end -}}
{{- $ann := merge (dict) ($in.annotations | default dict) -}}
{{- if and $in.tls.enabled $in.tls.clusterIssuer -}}
  {{- $_ := set $ann "cert-manager.io/cluster-issuer" $in.tls.clusterIssuer -}}
{{- end -}}
{{- $serviceName := .serviceName -}}{{- $portName := .mainPort.name -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname "annotations" $ann) | nindent 2 }}
spec:
  {{- with $in.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- if $in.tls.enabled }}
  tls:
    - hosts: {{- toYaml $hosts | nindent 8 }}
      secretName: {{ $in.tls.secretName | default (include "app-platform.names.suffixed" (list . "tls")) }}
  {{- end }}
  rules:
    {{- range $host := $hosts }}
    - host: {{ $host | quote }}
      http:
        paths:
          {{- range $in.paths }}
          - path: {{ .path }}
            pathType: {{ .pathType | default "Prefix" }}
            backend:
              service:
                name: {{ $serviceName }}
                port:
                  name: {{ $portName }}
          {{- end }}
    {{- end }}
{{- end -}}
{{- end -}}

{{/*
app-platform.ingress.route: the service's HTTPRoute. hostnames default to the ingress hosts and
paths to the ingress paths; Gateway API backends name a Service port by number.
Usage: {{ include "app-platform.ingress.route" $svc }}
*/}}
{{- define "app-platform.ingress.route" -}}
{{- $v := .values -}}
{{- $r := $v.route -}}
{{- if and $r.enabled (include "app-platform.ingress.applies" .) -}}
{{- if not $r.parentRefs -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sroute.parentRefs" .path) "value" $r.parentRefs
        "problem" "an enabled route needs the Gateway it attaches to"
        "fix" (printf "Set %sroute.parentRefs, e.g. [{name: public, namespace: gateway-system}], or set %sroute.enabled: false." .path .path)) -}}
{{- end -}}
{{- $hostnames := $r.hostnames | default (include "app-platform.ingress.hosts" $v.ingress | fromJsonArray) -}}
{{- $paths := $r.paths -}}
{{- $from := "route.paths" -}}
{{- if not $paths }}{{ $paths = $v.ingress.paths }}{{ $from = "ingress.paths" }}{{ end -}}
{{- $types := dict "Prefix" "PathPrefix" "Exact" "Exact" -}}
{{- range $i, $p := $paths -}}
  {{- if not (hasKey $types ($p.pathType | default "Prefix")) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s[%d].pathType" $.path $from $i) "value" $p.pathType
        "problem" "an HTTPRoute matches paths by Prefix or Exact only"
        "fix" (printf "Set %sroute.paths with pathType Prefix or Exact (route.paths defaults to ingress.paths)." $.path)) -}}
  {{- end -}}
{{- end -}}
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  parentRefs:
    {{- range $r.parentRefs }}
    - group: gateway.networking.k8s.io
      kind: Gateway
      name: {{ .name }}
      {{- with .namespace }}
      namespace: {{ . }}
      {{- end }}
      {{- with .sectionName }}
      sectionName: {{ . }}
      {{- end }}
    {{- end }}
  {{- with $hostnames }}
  hostnames: {{- range . }}
    - {{ . | quote }}
  {{- end }}
  {{- end }}
  rules:
    - matches:
        {{- range $paths }}
        - path:
            type: {{ get $types (.pathType | default "Prefix") }}
            value: {{ .path }}
        {{- end }}
      backendRefs: {{- include "app-platform.canary.backendRefs" . | nindent 8 }}
{{- end -}}
{{- end -}}
