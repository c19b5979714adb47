{{/*
Monitoring: Prometheus Operator objects of a long-running service: a ServiceMonitor that scrapes
its pods through its Service, a PrometheusRule with default alerts for exactly its pods plus the
team's rules, and the metrics port on the container and the Service (when it is not "http").

The alerts select the service's pods by namespace and selector labels, joined through
kube-state-metrics' kube_pod_labels (label app.kubernetes.io/name becomes
label_app_kubernetes_io_name); "target down" selects the ServiceMonitor's job, which is the name
of the Service the target was found through (no jobLabel is set, so the Prometheus Operator uses
the Service name).
*/}}

{{/* app-platform.monitoring.applies: "true" when monitoring is on for a long-running service. */}}
{{- define "app-platform.monitoring.applies" -}}
{{- if and (.values.monitoring).enabled (has .values.workloadType (list "deployment" "statefulset" "daemonset")) -}}true{{- end -}}
{{- end -}}

{{/*
app-platform.monitoring.declaredPort: the port entry named monitoring.port among what the team
declared: ports and the sidecars' ports (container side) or service.ports (Service side), as
JSON ({} when none). Usage: include "app-platform.monitoring.declaredPort" (list $svc "container"|"service")
*/}}
{{- define "app-platform.monitoring.declaredPort" -}}
{{- $v := (index . 0).values -}}
{{- $found := dict -}}
{{- $candidates := $v.service.ports | default list -}}
{{- if eq (index . 1) "container" -}}
  {{- $candidates = $v.ports | default list -}}
  {{- range $v.sidecars }}{{ $candidates = concat $candidates (.ports | default list) }}{{ end -}}
{{- end -}}
{{- range $candidates }}{{ if eq .name $v.monitoring.port }}{{ $found = . }}{{ end }}{{ end -}}
{{- toJson $found -}}
{{- end -}}

{{/*
app-platform.monitoring.containerPort: the metrics port of the main container (a list item), or
nothing (monitoring off, port "http", or already declared in ports or by a sidecar).
Used by app-platform.container.main.
*/}}
{{- define "app-platform.monitoring.containerPort" -}}
{{- $m := .values.monitoring -}}
{{- if and (include "app-platform.monitoring.applies" .) (ne $m.port "http") (not (include "app-platform.monitoring.declaredPort" (list . "container") | fromJson)) -}}
- name: {{ $m.port }}
  containerPort: {{ int64 $m.portNumber }}
  protocol: TCP
{{- end -}}
{{- end -}}

{{/*
app-platform.monitoring.servicePort: the metrics port of the Service (a list item, with a leading
newline like app-platform.network.ports' items), or nothing. Used by app-platform.network.ports.
*/}}
{{- define "app-platform.monitoring.servicePort" -}}
{{- $m := .values.monitoring -}}
{{- if and (include "app-platform.monitoring.applies" .) (ne $m.port "http") (not (include "app-platform.monitoring.declaredPort" (list . "service") | fromJson)) }}
- name: {{ $m.port }}
  port: {{ int64 $m.portNumber }}
  targetPort: {{ $m.port }}
  protocol: TCP
{{- end -}}
{{- end -}}

{{/*
app-platform.monitoring.servicePortNumber: the Service port number that serves monitoring.port
(the http port, a declared service.ports entry, or portNumber). helm test scrapes it.
*/}}
{{- define "app-platform.monitoring.servicePortNumber" -}}
{{- $v := .values -}}
{{- if eq $v.monitoring.port "http" -}}
{{- int64 ($v.service.port | default $v.port) -}}
{{- else -}}
{{- int64 ((include "app-platform.monitoring.declaredPort" (list . "service") | fromJson).port | default $v.monitoring.portNumber) -}}
{{- end -}}
{{- end -}}

{{/* app-platform.monitoring.milliseconds: a Prometheus duration (1h30m, 10s, 500ms) in milliseconds. */}}
{{- define "app-platform.monitoring.milliseconds" -}}
{{- $units := dict "ms" 1 "s" 1000 "m" 60000 "h" 3600000 "d" 86400000 "w" 604800000 "y" 31536000000 -}}
{{- $total := 0 -}}
{{- range regexFindAll "[0-9]+(ms|y|w|d|h|m|s)" (toString .) -1 -}}
  {{- $unit := regexReplaceAll "^[0-9]+" . "" -}}
  {{- $total = add $total (mul (atoi (trimSuffix $unit .)) (get $units $unit)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/* app-platform.monitoring.check: the rules a schema cannot express. Fails with the first broken one; checked once per object name (memo). */}}
{{- define "app-platform.monitoring.check" -}}
{{- $memo := .root.AppPlatformResolved.memo -}}
{{- $key := printf "monitoring.check %s" .fullname -}}
{{- if not (hasKey $memo $key) -}}
{{- $_ := set $memo $key true -}}
{{- $v := .values -}}
{{- $m := $v.monitoring -}}
{{- $p := .path -}}
{{- if not $m.scrapeInterval -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%smonitoring.scrapeInterval" $p) "value" $m.scrapeInterval
        "problem" "monitoring is enabled but Prometheus is not told how often to scrape"
        "fix" (printf "Set %smonitoring.scrapeInterval, e.g. \"30s\", or set %smonitoring.enabled: false." $p $p)) -}}
{{- end -}}
{{- if gt (include "app-platform.data.memo" (list .root "app-platform.monitoring.milliseconds" $m.scrapeTimeout (toString $m.scrapeTimeout)) | atoi) (include "app-platform.data.memo" (list .root "app-platform.monitoring.milliseconds" $m.scrapeInterval (toString $m.scrapeInterval)) | atoi) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%smonitoring.scrapeTimeout" $p) "value" $m.scrapeTimeout
        "problem" (printf "a scrape may not take longer than the scrape interval (%s)" $m.scrapeInterval)
        "fix" (printf "Set %smonitoring.scrapeTimeout to %s or less, or raise %smonitoring.scrapeInterval." $p $m.scrapeInterval $p)) -}}
{{- end -}}
{{- if and (ne $m.port "http") (not (include "app-platform.monitoring.declaredPort" (list . "container") | fromJson)) -}}
  {{- $taken := list (int64 $v.port) (int64 ($v.service.port | default $v.port)) -}}
  {{- if has (int64 $m.portNumber) $taken -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%smonitoring.portNumber" $p) "value" $m.portNumber
        "problem" (printf "the metrics port %q would reuse the number of the main port http" $m.port)
        "fix" (printf "If the metrics are served on the main port, set %smonitoring.port: http; otherwise set %smonitoring.portNumber to the port the metrics listen on." $p $p)) -}}
  {{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.monitoring.serviceMonitor: scrapes the pods behind the service's Service. A
statefulset's headless Service carries the same labels, so only targets found through the main
Service are kept: one target per pod, job = the Service name.
*/}}
{{- define "app-platform.monitoring.serviceMonitor" -}}
{{- if and (include "app-platform.monitoring.applies" .) .values.service.enabled -}}
{{- include "app-platform.monitoring.check" . -}}
{{- $m := .values.monitoring -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {{- include "app-platform.monitoring.meta" . | nindent 2 }}
spec:
  selector:
    matchLabels: {{- .selectorYaml | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  endpoints:
    - port: {{ ternary .mainPort.name $m.port (eq $m.port "http") }}
      path: {{ $m.path }}
      interval: {{ $m.scrapeInterval }}
      scrapeTimeout: {{ $m.scrapeTimeout }}
      relabelings:
        - sourceLabels: [__meta_kubernetes_service_name]
          regex: {{ .serviceName }}
          action: keep
{{- end -}}
{{- end -}}

{{/* app-platform.monitoring.meta: object metadata plus monitoring.labels (the chart's labels win). */}}
{{- define "app-platform.monitoring.meta" -}}
{{- $memo := .root.AppPlatformResolved.memo -}}
{{- $key := printf "monitoring.meta %s" .fullname -}}
{{- if not (hasKey $memo $key) -}}
{{- $ns := .root.Release.Namespace -}}
{{- /* Without monitoring.labels and global.annotations, with label values that are strings and
       names of [a-z0-9.-] (plain YAML scalars), this is meta.object read back: its labels, and the
       name and namespace as YAML types them; only those two are parsed, not the whole text. */ -}}
{{- $plain := and (not .values.monitoring.labels) (not (.root.Values.global).annotations) (not (trimAll "abcdefghijklmnopqrstuvwxyz0123456789.-" (printf "%s%s" .fullname $ns))) -}}
{{- range $_, $l := .labels }}{{ if not (kindIs "string" $l) }}{{ $plain = false }}{{ end }}{{ end -}}
{{- if $plain -}}
  {{- $meta := fromYaml (printf "name: %s\nnamespace: %s" .fullname $ns) -}}
  {{- $_ := set $meta "labels" .labels -}}
  {{- $_ := set $memo $key (toYaml $meta) -}}
{{- else -}}
  {{- $meta := include "app-platform.meta.object" (dict "svc" . "name" .fullname) | fromYaml -}}
  {{- $_ := set $meta "labels" (merge (dict) $meta.labels (.values.monitoring.labels | default dict)) -}}
  {{- $_ := set $memo $key (toYaml $meta) -}}
{{- end -}}
{{- end -}}
{{- get $memo $key -}}
{{- end -}}

{{/*
app-platform.monitoring.podSelector: PromQL label matchers of kube_pod_labels that select exactly
this service's pods: its namespace and every selector label.
*/}}
{{- define "app-platform.monitoring.podSelector" -}}
{{- $matchers := list (printf "namespace=%q" .root.Release.Namespace) -}}
{{- range $k := keys .selector | sortAlpha -}}
  {{- $matchers = append $matchers (printf "label_%s=%q" (regexReplaceAll "[^a-zA-Z0-9_]" $k "_") (get $.selector $k)) -}}
{{- end -}}
{{- printf "kube_pod_labels{%s}" (join ", " $matchers) -}}
{{- end -}}

{{/*
app-platform.monitoring.prometheusRule: the default alerts (each can be turned off) and the team's
rules, in one group named after the service.
*/}}
{{- define "app-platform.monitoring.prometheusRule" -}}
{{- if include "app-platform.monitoring.applies" . -}}
{{- include "app-platform.monitoring.check" . -}}
{{- $m := .values.monitoring -}}
{{- $a := $m.alerts | default dict -}}
{{- $ns := .root.Release.Namespace -}}
{{- $pods := include "app-platform.monitoring.podSelector" . -}}
{{- $who := printf "%s (%s in namespace %s)" .name .fullname $ns -}}
{{- $where := "{{ $labels.pod }}" -}}
{{- $rules := list -}}
{{- if $a.enabled -}}
  {{- if $a.crashLooping -}}
  {{- $rules = append $rules (dict "alert" "ServiceCrashLooping" "for" "15m"
        "expr" (printf "max_over_time(kube_pod_container_status_waiting_reason{namespace=%q, reason=\"CrashLoopBackOff\"}[5m]) >= 1 and on (namespace, pod) %s" $ns $pods)
        "labels" (dict "severity" "warning")
        "annotations" (dict "summary" (printf "%s: a container is crash looping" .fullname)
          "description" (printf "Container {{ $labels.container }} of pod %s of service %s has been in CrashLoopBackOff for 15 minutes." $where $who))) -}}
  {{- end -}}
  {{- with $a.frequentRestarts -}}{{- if .enabled -}}
  {{- $rules = append $rules (dict "alert" "ServiceFrequentRestarts"
        "expr" (printf "increase(kube_pod_container_status_restarts_total{namespace=%q}[%s]) >= %d and on (namespace, pod) %s" $ns .window (int64 .threshold) $pods)
        "labels" (dict "severity" "warning")
        "annotations" (dict "summary" (printf "%s: a container restarts frequently" $.fullname)
          "description" (printf "Container {{ $labels.container }} of pod %s of service %s restarted {{ $value | humanize }} times within %s (threshold %d)." $where $who .window (int64 .threshold)))) -}}
  {{- end -}}{{- end -}}
  {{- if and $a.targetDown .values.service.enabled -}}
  {{- $rules = append $rules (dict "alert" "ServiceTargetDown" "for" "10m"
        "expr" (printf "up{namespace=%q, job=%q} == 0" $ns .serviceName)
        "labels" (dict "severity" "warning")
        "annotations" (dict "summary" (printf "%s: Prometheus cannot scrape a pod" .fullname)
          "description" (printf "Prometheus has not scraped {{ $labels.instance }}%s from pod %s of service %s for 10 minutes." $m.path $where $who))) -}}
  {{- end -}}
  {{- with $a.podNotReady -}}{{- if .enabled -}}
  {{- $rules = append $rules (dict "alert" "ServicePodNotReady" "for" .for
        "expr" (printf "kube_pod_status_ready{namespace=%q, condition=\"true\"} == 0 and on (namespace, pod) %s" $ns $pods)
        "labels" (dict "severity" "warning")
        "annotations" (dict "summary" (printf "%s: a pod is not ready" $.fullname)
          "description" (printf "Pod %s of service %s has not been ready for %s." $where $who .for))) -}}
  {{- end -}}{{- end -}}
{{- end -}}
{{- $rules = concat $rules ($m.rules | default list) -}}
{{- if $rules -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: {{- include "app-platform.monitoring.meta" . | nindent 2 }}
spec:
  groups:
    - name: {{ .fullname }}
      rules: {{- toYaml $rules | nindent 8 }}
{{- end -}}
{{- end -}}
{{- end -}}
