{{/*
NetworkPolicy: one per service (podSelector = the service's selector) that denies every ingress
and egress of its pods except what the values declare:
  egress   DNS (dnsNamespace, port 53 UDP and TCP); each dependsOn edge: the target's pods on
           their container port (a NetworkPolicy sees the pod's port, after the Service has
           translated its own); an external target's addresses, or any address for its DNS name
           and for "host:port" outside the release (a NetworkPolicy cannot match DNS names);
  ingress  (long-running services) the ingress controller's namespace on the main port when
           ingress or route is on; monitoring.namespace on the metrics port when monitoring is
           on; each dependent (the reverse dependsOn edges) on the main port: its pods and its
           hook Jobs (a migration talks to the database its service depends on); the service's
           own helper pods (hook Jobs, the helm test Pod, backups) on the main and metrics ports;
  both     the service's own pods when allowSameService; extraIngress / extraEgress as written.
Jobs and cronjobs serve nothing: they get the egress part only. workloadType external has no pods
and gets no policy. Namespaces are matched by their kubernetes.io/metadata.name label.
Helper pods (hooks, tests, backups) carry their own component label, so no policy selects them:
their own traffic is not restricted, only admitted where they need to go.
Every edge comes from $svc.dependencies and $svc.dependents: no search of the set of services.
*/}}

{{/* app-platform.networkpolicy.policy: the NetworkPolicy of a service. */}}
{{- define "app-platform.networkpolicy.policy" -}}
{{- $np := .values.networkPolicy | default dict -}}
{{- if and $np.enabled (ne .values.workloadType "external") -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{- include "app-platform.meta.object" (dict "svc" . "name" .fullname) | nindent 2 }}
spec:
  podSelector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  policyTypes:
    - Ingress
    - Egress
  {{- with include "app-platform.networkpolicy.ingress" . | trim }}
  ingress: {{- . | nindent 4 }}
  {{- else }}
  ingress: []
  {{- end }}
  egress: {{- include "app-platform.networkpolicy.egress" . | trim | nindent 4 }}
{{- end -}}
{{- end -}}

{{/* app-platform.networkpolicy.namespace: a peer that is every pod of one namespace. */}}
{{- define "app-platform.networkpolicy.namespace" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ . }}
{{- end -}}

{{/* app-platform.networkpolicy.pods: a peer that is the pods with these labels, in the release's namespace. */}}
{{- define "app-platform.networkpolicy.pods" -}}
- podSelector:
    matchLabels: {{- toYaml . | nindent 6 }}
{{- end -}}

{{/*
app-platform.networkpolicy.helpers: the component labels of the pods that run as a service
besides its own (app-platform.names.component: <service>-<suffix>), as a JSON object
{"hooks": [...], "canary": [...], "others": [...]}: its hook Jobs (app-platform.hooks.names),
its canary's pods (app-platform.canary.run), and its helm test Pod (app-platform.tests.applies)
and backup pods (app-platform.backup.enabled). Hooks and the canary reach what the service
depends on; hooks, tests and backups reach the service itself.
*/}}
{{- define "app-platform.networkpolicy.helpers" -}}
{{- $name := .name -}}
{{- $hooks := list -}}
{{- range include "app-platform.hooks.names" . | fromJsonArray -}}
  {{- $hooks = append $hooks (include "app-platform.names.component" (list $name .)) -}}
{{- end -}}
{{- $others := list -}}
{{- if include "app-platform.tests.applies" . }}{{ $others = append $others (include "app-platform.names.component" (list $name "test")) }}{{ end -}}
{{- if include "app-platform.backup.enabled" . }}{{ $others = append $others (include "app-platform.names.component" (list $name "backup")) }}{{ end -}}
{{- $canary := list -}}
{{- if include "app-platform.canary.run" . }}{{ $canary = append $canary .canaryRun.name }}{{ end -}}
{{- dict "hooks" $hooks "canary" $canary "others" $others | toJson -}}
{{- end -}}

{{/* app-platform.networkpolicy.component: the selector of one component of the release (JSON in, YAML peer out). */}}
{{- define "app-platform.networkpolicy.component" -}}
{{- include "app-platform.networkpolicy.pods" (merge (dict "app.kubernetes.io/component" (index . 1)) (index . 0).selector) -}}
{{- end -}}

{{/* app-platform.networkpolicy.ingress: the ingress rules (a YAML list, possibly empty). */}}
{{- define "app-platform.networkpolicy.ingress" -}}
{{- $svc := . -}}
{{- $v := .values -}}
{{- $np := $v.networkPolicy -}}
{{- $port := int64 $v.port -}}
{{- if has $v.workloadType (list "deployment" "statefulset" "daemonset") }}
{{- $metrics := "" }}
{{- if ($v.monitoring).enabled }}
{{- $metrics = include "app-platform.data.scalar" (($v.monitoring).port | default ($v.monitoring).portNumber | default "metrics") }}
{{- end }}
{{- if or ($v.ingress).enabled ($v.route).enabled }}
# the ingress controller (ingress or route is on)
- from: {{- include "app-platform.networkpolicy.namespace" $np.ingressNamespace | nindent 4 }}
  ports:
    - port: {{ $port }}
      protocol: TCP
{{- end }}
{{- with $metrics }}
# the monitoring stack scrapes the metrics port
- from: {{- include "app-platform.networkpolicy.namespace" (($v.monitoring).namespace | default "monitoring") | nindent 4 }}
  ports:
    - port: {{ . }}
      protocol: TCP
{{- end }}
{{- range $d := .dependents }}
{{- $helpers := include "app-platform.networkpolicy.helpers" $d | fromJson }}
# dependent: {{ $d.name }} (its pods and hook Jobs{{ if $helpers.canary }}, its canary{{ end }})
- from:
    {{- include "app-platform.networkpolicy.pods" $d.selector | nindent 4 }}
    {{- range concat $helpers.hooks $helpers.canary }}
    {{- include "app-platform.networkpolicy.component" (list $d .) | nindent 4 }}
    {{- end }}
  ports:
    - port: {{ $port }}
      protocol: TCP
{{- end }}
{{- $own := include "app-platform.networkpolicy.helpers" . | fromJson }}
{{- with concat $own.hooks $own.others }}
# the service's own hook Jobs, helm test Pod and backups
- from:
    {{- range . }}
    {{- include "app-platform.networkpolicy.component" (list $svc .) | nindent 4 }}
    {{- end }}
  ports:
    - port: {{ $port }}
      protocol: TCP
    {{- if and $metrics (ne $metrics "http") (ne $metrics (toString $port)) }}
    - port: {{ $metrics }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end }}
{{- if $np.allowSameService }}
# the service's own pods, any port
- from: {{- include "app-platform.networkpolicy.pods" .selector | nindent 4 }}
{{- end }}
{{- with $np.extraIngress }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* app-platform.networkpolicy.egress: the egress rules (a YAML list, never empty: DNS). */}}
{{- define "app-platform.networkpolicy.egress" -}}
{{- $v := .values -}}
{{- $np := $v.networkPolicy }}
# DNS
- to: {{- include "app-platform.networkpolicy.namespace" $np.dnsNamespace | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- range $dep := .dependencies }}
# dependency: {{ $dep.name }}
{{- if $dep.external }}
{{- /* host:port outside the release: a NetworkPolicy cannot match a DNS name, so any address */}}
- ports:
    - port: {{ int64 (atoi $dep.port) }}
      protocol: TCP
{{- else if eq $dep.target.values.workloadType "external" }}
{{- $ext := $dep.target.values.external }}
- ports:
    {{- range ($ext.ports | default (list (dict "port" $dep.target.values.port))) }}
    - port: {{ int64 .port }}
      protocol: {{ .protocol | default "TCP" }}
    {{- end }}
  {{- if $ext.addresses }}
  to:
    {{- range $ext.addresses }}
    - ipBlock:
        cidr: {{ printf "%s/%s" . (ternary "128" "32" (contains ":" .)) }}
    {{- end }}
  {{- end }}
{{- else }}
- to: {{- include "app-platform.networkpolicy.pods" $dep.target.selector | nindent 4 }}
  ports:
    - port: {{ int64 $dep.target.values.port }}
      protocol: TCP
{{- end }}
{{- end }}
{{- if $np.allowSameService }}
# the service's own pods, any port
- to: {{- include "app-platform.networkpolicy.pods" .selector | nindent 4 }}
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
