{{/*
Network: the Services of a service. Long-running workloads get a ClusterIP (or NodePort /
LoadBalancer) Service; statefulsets also a headless one for stable identity; workloadType
external gets a Service without pods: ExternalName, or a selector-less Service plus EndpointSlices.
*/}}

{{/*
app-platform.network.ports: the ports of the service's main Service: the main port (named after
it: portName, "http" by default) plus service.ports and the metrics port.
*/}}
{{- define "app-platform.network.ports" -}}
{{- $v := .values -}}
{{- $s := $v.service -}}
- name: {{ .mainPort.name }}
  port: {{ int64 ($s.port | default $v.port) }}
  targetPort: {{ include "app-platform.data.scalar" ($s.targetPort | default .mainPort.name) }}
  protocol: {{ .mainPort.protocol }}
  {{- with ($s.appProtocol | default .mainPort.appProtocol) }}
  appProtocol: {{ . }}
  {{- end }}
  {{- with $s.nodePort }}
  nodePort: {{ int64 . }}
  {{- end }}
{{- include "app-platform.network.extraPorts" $s.ports }}
{{- include "app-platform.monitoring.servicePort" . }}
{{- end -}}

{{/* app-platform.network.extraPorts: Service ports [{name, port, targetPort, protocol, appProtocol, nodePort}] as list items. */}}
{{- define "app-platform.network.extraPorts" -}}
{{- range . }}
- name: {{ .name }}
  port: {{ int64 .port }}
  targetPort: {{ include "app-platform.data.scalar" (.targetPort | default .port) }}
  protocol: {{ .protocol | default "TCP" }}
  {{- with .appProtocol }}
  appProtocol: {{ . }}
  {{- end }}
  {{- with .nodePort }}
  nodePort: {{ int64 . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/*
app-platform.network.spec: the spec of a Service selecting the service's pods, from a service
block (service, or an extraServices entry): type, clusterIP None (headless), traffic policy,
session affinity, publishNotReadyAddresses, load balancer settings.
Usage: spec: {{- include "app-platform.network.spec" (list $svc $block $portsYaml) | nindent 2 }}
*/}}
{{- define "app-platform.network.spec" -}}
{{- $svc := index . 0 -}}
{{- $b := index . 1 -}}
{{- if $b.headless }}
type: ClusterIP
clusterIP: None
{{- else }}
type: {{ $b.type | default "ClusterIP" }}
{{- end }}
{{- with $b.externalTrafficPolicy }}
externalTrafficPolicy: {{ . }}
{{- end }}
{{- with $b.internalTrafficPolicy }}
internalTrafficPolicy: {{ . }}
{{- end }}
{{- with $b.sessionAffinity }}
sessionAffinity: {{ . }}
{{- end }}
{{- if $b.publishNotReadyAddresses }}
publishNotReadyAddresses: true
{{- end }}
{{- with $b.loadBalancerClass }}
loadBalancerClass: {{ . }}
{{- end }}
{{- with $b.loadBalancerSourceRanges }}
loadBalancerSourceRanges: {{- toYaml . | nindent 2 }}
{{- end }}
selector: {{- $svc.selectorYaml | nindent 2 }}
ports: {{- index . 2 | trim | nindent 2 }}
{{- end -}}

{{/* app-platform.network.service: the Service in front of the pods (service.name, else the object name). */}}
{{- define "app-platform.network.service" -}}
{{- if and (has .values.workloadType (list "deployment" "statefulset" "daemonset")) .values.service.enabled -}}
{{- $v := .values -}}
apiVersion: v1
kind: Service
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .serviceName "annotations" $v.service.annotations) | nindent 2 }}
spec: {{- include "app-platform.network.spec" (list . $v.service (include "app-platform.network.ports" .)) | trim | nindent 2 }}
{{- end -}}
{{- end -}}

{{/* app-platform.network.extraName: the name of an extraServices entry: <object name>-<name>. */}}
{{- define "app-platform.network.extraName" -}}
{{- include "app-platform.names.suffixed" (list (index . 0) (index . 1).name) -}}
{{- end -}}

{{/*
app-platform.network.extra: the service's extraServices: more Services for the same pods (a
LoadBalancer or NodePort beside the ClusterIP, a second headless one), each <object name>-<name>,
with its own ports (default: the main Service's) and settings.
*/}}
{{- define "app-platform.network.extra" -}}
{{- if has .values.workloadType (list "deployment" "statefulset" "daemonset") -}}
{{- $svc := . -}}
{{- range $i, $x := .values.extraServices | default list }}
{{- if $i }}
---
{{- end }}
apiVersion: v1
kind: Service
metadata: {{- include "app-platform.meta.object" (dict "svc" $svc "name" (include "app-platform.network.extraName" (list $svc $x)) "annotations" $x.annotations) | nindent 2 }}
spec: {{- include "app-platform.network.spec" (list $svc $x (ternary (include "app-platform.network.extraPorts" $x.ports) (include "app-platform.network.ports" $svc) (not (empty $x.ports)))) | trim | nindent 2 }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* app-platform.network.headless: the headless Service that gives statefulset pods stable names. */}}
{{- define "app-platform.network.headless" -}}
{{- if eq .values.workloadType "statefulset" -}}
apiVersion: v1
kind: Service
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" (include "app-platform.names.suffixed" (list . "headless"))) | nindent 2 }}
spec:
  type: ClusterIP
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {{- .selectorYaml | nindent 4 }}
  ports: {{- include "app-platform.network.ports" . | nindent 4 }}
{{- end -}}
{{- end -}}

{{/* app-platform.network.externalPorts: external.ports, or the service's port as "http". */}}
{{- define "app-platform.network.externalPorts" -}}
{{- $v := .values -}}
{{- range ($v.external.ports | default (list (dict "name" "http" "port" $v.port))) }}
- name: {{ .name }}
  port: {{ int64 .port }}
  protocol: {{ .protocol | default "TCP" }}
{{- end }}
{{- end -}}

{{/*
app-platform.network.external: a Service with no pods. external.name → ExternalName;
external.addresses → a selector-less Service and one EndpointSlice per address family.
*/}}
{{- define "app-platform.network.external" -}}
{{- if eq .values.workloadType "external" -}}
{{- $v := .values -}}
{{- $svc := . -}}
{{- $ann := $v.service.annotations | default dict -}}
{{- if not $v.external.name -}}
{{- /* kube-score's service-targets-pod looks for pods matching a selector; this Service has none on purpose */ -}}
{{- $ann = merge (dict "kube-score/ignore" "service-targets-pod"
      "app-platform.io/scanner-exceptions" "service-targets-pod: a selector-less Service; its endpoints are the EndpointSlices of external.addresses") $ann -}}
{{- end -}}
apiVersion: v1
kind: Service
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .serviceName "annotations" $ann) | nindent 2 }}
spec:
  {{- if $v.external.name }}
  type: ExternalName
  externalName: {{ $v.external.name }}
  {{- else }}
  type: ClusterIP
  {{- end }}
  ports: {{- include "app-platform.network.externalPorts" . | nindent 4 }}
{{- if not $v.external.name }}
{{- $families := dict }}
{{- range $v.external.addresses }}
{{- $family := ternary "IPv6" "IPv4" (contains ":" .) }}
{{- $_ := set $families $family (append (get $families $family | default list) .) }}
{{- end }}
{{- range $family := keys $families | sortAlpha }}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  {{- $meta := include "app-platform.meta.object" (dict "svc" $svc "name" (include "app-platform.names.suffixed" (list $svc (lower $family)))) | fromYaml }}
  {{- $_ := set $meta.labels "kubernetes.io/service-name" $svc.serviceName }}
  {{- $_ := set $meta.labels "endpointslice.kubernetes.io/managed-by" "app-platform" }}
  {{- toYaml $meta | nindent 2 }}
addressType: {{ $family }}
ports:
  {{- range (include "app-platform.network.externalPorts" $svc | fromYamlArray) }}
  - name: {{ .name }}
    port: {{ int64 .port }}
    protocol: {{ .protocol }}
  {{- end }}
endpoints:
  {{- range get $families $family }}
  - addresses: [{{ . | quote }}]
    conditions:
      ready: true
  {{- end }}
{{- end }}
{{- end }}
{{- end -}}
{{- end -}}
