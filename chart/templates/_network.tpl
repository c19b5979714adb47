{{/*
Network: the Services of a service. Long-running workloads get a ClusterIP (or NodePort /
LoadBalancer) Service; statefulsets also a headless one for stable identity; workloadType
external gets a Service without pods: ExternalName, or a selector-less Service plus EndpointSlices.
*/}}

{{/* app-platform.network.ports: the Service ports of a service (main port "http" plus extras). */}}
{{- define "app-platform.network.ports" -}}
{{- $v := .values -}}
- name: http
  port: {{ int64 ($v.service.port | default $v.port) }}
  targetPort: http
  protocol: TCP
{{- range $v.service.ports }}
- name: {{ .name }}
  port: {{ int64 .port }}
  targetPort: {{ include "app-platform.data.scalar" (.targetPort | default .port) }}
  protocol: {{ .protocol | default "TCP" }}
  {{- with .nodePort }}
  nodePort: {{ int64 . }}
  {{- end }}
{{- end }}
{{- include "app-platform.monitoring.servicePort" . }}
{{- end -}}

{{/* app-platform.network.service: the Service in front of the pods. */}}
{{- define "app-platform.network.service" -}}
{{- if and (has .values.workloadType (list "deployment" "statefulset" "daemonset")) .values.service.enabled -}}
{{- $v := .values -}}
apiVersion: v1
kind: Service
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname "annotations" $v.service.annotations) | nindent 2 }}
spec:
  type: {{ $v.service.type }}
  selector: {{- .selectorYaml | nindent 4 }}
  ports: {{- include "app-platform.network.ports" . | nindent 4 }}
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
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname "annotations" $ann) | nindent 2 }}
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
  {{- $_ := set $meta.labels "kubernetes.io/service-name" $svc.fullname }}
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
