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
           each allowFrom entry: a service of this release (its pods and hook Jobs), pods of another
           namespace (namespace, podLabels), or addresses (cidr, except), on the main port or the
           entry's ports;
  egress   each allowTo entry: addresses (cidr, except), pods of another namespace, or a host name
           (any address on the entry's ports: a NetworkPolicy cannot match names);
  both     the service's own pods when allowSameService; extraIngress / extraEgress as written.
Jobs and cronjobs serve nothing: they get the egress part only. workloadType external has no pods
and gets no policy. Namespaces are matched by their kubernetes.io/metadata.name label.
Helper pods (hooks, tests, backups) carry their own component label, so the service's policy does
not select them; app-platform.networkpolicy.helperPolicy gives them one of their own: no ingress
(nothing calls a hook, a test or a backup), egress to what the service may reach plus the service
itself (a hook runs as its service: a migration reaches its database, a smoke test the Service);
backups also reach networkPolicy.backupEgress (an object store, 443 by default).
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
  egress: {{- include "app-platform.data.memo" (list .root "app-platform.networkpolicy.egress" . (printf "%p" .)) | trim | nindent 4 }}
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
app-platform.networkpolicy.podsOf: app-platform.networkpolicy.pods, printed once per set of labels
(a service's selector is a peer in its own policy, in each dependent's and dependency's, and in
its helpers' policy): kept in the render's memo under the labels as JSON.
Usage: {{- include "app-platform.networkpolicy.podsOf" (list $svc $labels) }}   ($svc: any service, for the memo)
*/}}
{{- define "app-platform.networkpolicy.podsOf" -}}
{{- include "app-platform.data.memo" (list (index . 0).root "app-platform.networkpolicy.pods" (index . 1) (toJson (index . 1))) -}}
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

{{/*
app-platform.networkpolicy.helpersOf: app-platform.networkpolicy.helpers worked out once per
service (or variant) object: a service's helpers are read by its own policies and by each
dependent's and allowFrom's. The key is the service dict's identity (%p), as a service's helpers
depend on nothing but the service. An identity is a valid key only for a dict that lives for the
whole render (else another dict could get its address): pass only resolved services and their
canary (kept on the service as canaryRun); the policy's egress rules are memoized the same way.
*/}}
{{- define "app-platform.networkpolicy.helpersOf" -}}
{{- include "app-platform.data.memo" (list .root "app-platform.networkpolicy.helpers" . (printf "%p" .)) -}}
{{- end -}}

{{/* app-platform.networkpolicy.component: the selector of one component of the release (JSON in, YAML peer out). */}}
{{- define "app-platform.networkpolicy.component" -}}
{{- include "app-platform.networkpolicy.podsOf" (list (index . 0) (merge (dict "app.kubernetes.io/component" (index . 1)) (index . 0).selector)) -}}
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
{{- $helpers := include "app-platform.networkpolicy.helpersOf" $d | fromJson }}
# dependent: {{ $d.name }} (its pods and hook Jobs{{ if $helpers.canary }}, its canary{{ end }})
- from:
    {{- include "app-platform.networkpolicy.podsOf" (list $svc $d.selector) | nindent 4 }}
    {{- range concat $helpers.hooks $helpers.canary }}
    {{- include "app-platform.networkpolicy.component" (list $d .) | nindent 4 }}
    {{- end }}
  ports:
    - port: {{ $port }}
      protocol: TCP
{{- end }}
{{- $own := include "app-platform.networkpolicy.helpersOf" . | fromJson }}
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
{{- range $i, $a := $np.allowFrom | default list }}
{{- include "app-platform.networkpolicy.allowFrom" (list $svc $i $a) }}
{{- end }}
{{- if $np.allowSameService }}
# the service's own pods, any port
- from: {{- include "app-platform.networkpolicy.podsOf" (list . .selector) | nindent 4 }}
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
- to: {{- include "app-platform.networkpolicy.podsOf" (list $ $dep.target.selector) | nindent 4 }}
  ports:
    - port: {{ int64 $dep.target.values.port }}
      protocol: TCP
{{- end }}
{{- end }}
{{- range $i, $a := $np.allowTo | default list }}
{{- include "app-platform.networkpolicy.allowTo" (list $ $i $a) }}
{{- end }}
{{- if $np.allowSameService }}
# the service's own pods, any port
- to: {{- include "app-platform.networkpolicy.podsOf" (list . .selector) | nindent 4 }}
{{- end }}
{{- with $np.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}


{{/*
app-platform.networkpolicy.allowFrom: the ingress rule of one allowFrom entry (list $svc $index $entry):
  "orders"                                   a service of this release: its pods and hook Jobs
  {namespace: payments, podLabels: {...}}    pods of another namespace (podLabels: all of them when absent)
  {cidr: 10.20.0.0/16, except: [...]}        addresses
each on the service's main port, or the entry's ports ([8080, metrics], numbers or port names).
*/}}
{{- define "app-platform.networkpolicy.allowFrom" -}}
{{- $svc := index . 0 -}}
{{- $path := printf "%snetworkPolicy.allowFrom[%d]" $svc.path (index . 1) -}}
{{- $a := index . 2 -}}
{{- $ports := list (int64 $svc.values.port) -}}
{{- $from := dict -}}
{{- if kindIs "string" $a -}}
  {{- $ctx := $svc.root.AppPlatformResolved -}}
  {{- $from = get $ctx.byName $a -}}
  {{- if not $from -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $a
        "problem" "no service of this release has that name"
        "fix" (printf "Name one of: %s; for a caller outside the release write {namespace: <its namespace>, podLabels: {...}} or {cidr: <addresses>}." (join ", " $ctx.names))) -}}
  {{- end -}}
{{- end -}}
{{- if and (kindIs "string" $a) (not $from.values.enabled) }}
# allowFrom: {{ $a }} is disabled (enabled: false): no pods, no rule
{{- else }}
{{- if kindIs "string" $a }}
{{- $helpers := include "app-platform.networkpolicy.helpersOf" $from | fromJson }}
# allowFrom: {{ $a }} (its pods and hook Jobs)
- from:
    {{- include "app-platform.networkpolicy.podsOf" (list $svc $from.selector) | nindent 4 }}
    {{- range concat $helpers.hooks $helpers.canary }}
    {{- include "app-platform.networkpolicy.component" (list $from .) | nindent 4 }}
    {{- end }}
{{- else }}
{{- with $a.ports }}{{ $ports = . }}{{ end }}
# allowFrom: {{ include "app-platform.networkpolicy.describe" $a }}
- from: {{- include "app-platform.networkpolicy.peer" (list $path $a) | nindent 4 }}
{{- end }}
  ports:
    {{- range $ports }}
    - port: {{ include "app-platform.data.scalar" . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- end -}}

{{/*
app-platform.networkpolicy.allowTo: the egress rule of one allowTo entry (list $svc $index $entry):
  {cidr: 10.30.0.0/16, except: [...], ports: [5432]}   addresses (every port when ports is absent)
  {namespace: logging, podLabels: {...}, ports: [...]} pods of another namespace
  {host: api.stripe.com, ports: [443]}                 a name outside the cluster: a NetworkPolicy
                                                       cannot match names, so any address on ports
                                                       (required: a host without ports would open everything)
*/}}
{{- define "app-platform.networkpolicy.allowTo" -}}
{{- $svc := index . 0 -}}
{{- $path := printf "%snetworkPolicy.allowTo[%d]" $svc.path (index . 1) -}}
{{- $a := index . 2 }}
# allowTo: {{ include "app-platform.networkpolicy.describe" $a }}
{{- if $a.host }}
{{- if not $a.ports -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $a
        "problem" "a host entry needs ports: a NetworkPolicy cannot match a host name, so the entry allows those ports at any address, and without ports it would allow everything"
        "fix" (printf "Add the ports the service uses, e.g. %s.ports: [443]; or give the host's addresses as {cidr: ...}." $path)) -}}
{{- end }}
- ports:
{{- else }}
- to: {{- include "app-platform.networkpolicy.peer" (list $path $a) | nindent 4 }}
  {{- if $a.ports }}
  ports:
  {{- end }}
{{- end }}
    {{- range $a.ports }}
    - port: {{ include "app-platform.data.scalar" . }}
      protocol: TCP
    {{- end }}
{{- end -}}

{{/* app-platform.networkpolicy.describe: an allowFrom / allowTo entry in a comment. */}}
{{- define "app-platform.networkpolicy.describe" -}}
{{- if .host }}host {{ .host }}{{ else if .cidr }}cidr {{ .cidr }}{{ else }}namespace {{ .namespace }}{{ with .podLabels }} pods {{ toJson . }}{{ end }}{{ end -}}
{{- end -}}

{{/*
app-platform.networkpolicy.peer: the peer of an allowFrom / allowTo entry that is not a service
or a host (list $path $entry): addresses (cidr, except: each checked) or pods of a namespace.
*/}}
{{- define "app-platform.networkpolicy.peer" -}}
{{- $path := index . 0 -}}
{{- $a := index . 1 -}}
{{- if $a.cidr -}}
{{- include "app-platform.networkpolicy.cidr" (list (printf "%s.cidr" $path) $a.cidr) -}}
- ipBlock:
    cidr: {{ $a.cidr }}
    {{- with $a.except }}
    except:
      {{- range $i, $e := . }}
      {{- include "app-platform.networkpolicy.cidr" (list (printf "%s.except[%d]" $path $i) $e) }}
      - {{ $e }}
      {{- end }}
    {{- end }}
{{- else if $a.namespace -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ $a.namespace }}
  {{- with $a.podLabels }}
  podSelector:
    matchLabels: {{- toYaml . | nindent 6 }}
  {{- end }}
{{- else -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $a
        "problem" "the entry names no peer"
        "fix" "Write one of: {cidr: 10.0.0.0/8}, {namespace: payments, podLabels: {app: billing}}, or (allowTo only) {host: api.example.com, ports: [443]}; in allowFrom a plain name is a service of this release.") -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.networkpolicy.cidr: fails unless the value (list $path $value) is an IPv4 CIDR
(four octets 0-255, prefix 0-32) or an IPv6 one (hex groups with at most one "::", prefix 0-128).
The API server would refuse the policy at install; this names the value key before anything runs.
*/}}
{{- define "app-platform.networkpolicy.cidr" -}}
{{- $path := index . 0 -}}
{{- $c := toString (index . 1) -}}
{{- $ok := false -}}
{{- if regexMatch "^([0-9]{1,3}\\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$" $c -}}
  {{- $ok = true -}}
  {{- range splitList "." (first (splitList "/" $c)) }}{{ if gt (atoi .) 255 }}{{ $ok = false }}{{ end }}{{ end -}}
{{- else if regexMatch "^[0-9a-fA-F:]*:[0-9a-fA-F:]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$" $c -}}
  {{- $addr := first (splitList "/" $c) -}}
  {{- $groups := splitList ":" $addr -}}
  {{- $ok = and (le (len $groups) 8) (not (contains ":::" $addr)) (le (len (splitList "::" $addr)) 2) -}}
  {{- range $groups }}{{ if gt (len .) 4 }}{{ $ok = false }}{{ end }}{{ end -}}
  {{- if and (not (contains "::" $addr)) (ne (len $groups) 8) }}{{ $ok = false }}{{ end -}}
{{- end -}}
{{- if not $ok -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $c
        "problem" "not a CIDR (an address and a prefix length, e.g. 10.20.0.0/16 or fd00::/8)"
        "fix" (printf "Write %s as address/prefix: IPv4 a.b.c.d/0-32 (each part 0-255), IPv6 .../0-128; a single address is a.b.c.d/32." $path)) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.networkpolicy.helperPolicy: the NetworkPolicy of a service's helper pods (hook Jobs
and the helm test Pod: <fullname>-helpers; backups: <fullname>-backup), selected by their
component labels. Ingress: none. Egress: the service's own rules (what its pods may reach) and the
service's own pods on its main and metrics ports; backups also networkPolicy.backupEgress.
*/}}
{{- define "app-platform.networkpolicy.helperPolicy" -}}
{{- $svc := . -}}
{{- $np := .values.networkPolicy | default dict -}}
{{- if and $np.enabled (ne .values.workloadType "external") -}}
{{- $h := include "app-platform.networkpolicy.helpersOf" . | fromJson -}}
{{- $docs := list -}}
{{- $backup := include "app-platform.names.component" (list .name "backup") -}}
{{- $runs := without (concat $h.hooks $h.others) $backup -}}
{{- if $runs -}}
{{- $docs = append $docs (include "app-platform.networkpolicy.helperObject" (list $svc "helpers" $runs list) | trim) -}}
{{- end -}}
{{- if has $backup $h.others -}}
{{- $docs = append $docs (include "app-platform.networkpolicy.helperObject" (list $svc "backup" (list $backup) ($np.backupEgress | default list)) | trim) -}}
{{- end -}}
{{- join "\n---\n" $docs -}}
{{- end -}}
{{- end -}}

{{/* app-platform.networkpolicy.helperObject: one helper NetworkPolicy (list $svc $suffix $components $extraEgress). */}}
{{- define "app-platform.networkpolicy.helperObject" -}}
{{- $svc := index . 0 -}}
{{- $v := $svc.values -}}
{{- $port := int64 $v.port -}}
{{- $metrics := "" -}}
{{- if ($v.monitoring).enabled }}{{ $metrics = include "app-platform.data.scalar" (($v.monitoring).port | default "metrics") }}{{ end -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{- include "app-platform.meta.object" (dict "svc" $svc "name" (include "app-platform.names.suffixed" (list $svc (index . 1)))) | nindent 2 }}
spec:
  podSelector:
    matchLabels: {{- include "app-platform.data.yaml" (list $svc.root (omit $svc.selector "app.kubernetes.io/component")) | nindent 6 }}
    matchExpressions:
      - key: app.kubernetes.io/component
        operator: In
        values: {{- toYaml (index . 2) | nindent 10 }}
  policyTypes:
    - Ingress
    - Egress
  ingress: []
  egress:
    {{- include "app-platform.data.memo" (list $svc.root "app-platform.networkpolicy.egress" $svc (printf "%p" $svc)) | trim | nindent 4 }}
    {{- if has $v.workloadType (list "deployment" "statefulset" "daemonset") }}
    # the service's own pods (a smoke test, a helm test, a backup reach the service)
    - to: {{- include "app-platform.networkpolicy.podsOf" (list $svc $svc.selector) | nindent 8 }}
      ports:
        - port: {{ $port }}
          protocol: TCP
        {{- if and $metrics (ne $metrics "http") (ne $metrics (toString $port)) }}
        - port: {{ $metrics }}
          protocol: TCP
        {{- end }}
    {{- end }}
    {{- with index . 3 }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
