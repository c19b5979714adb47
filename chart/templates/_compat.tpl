{{/*
Compat: values written the way other charts write them (helm create, bitnami) and the cronjob and
job keys teams write at a service's top level (schedule, backoffLimit, ...). Checked once per
service by app-platform.values.resolve, before any other rule. Each key is decided once, in the
table "Keys from other charts" of docs/values-contract.md:
  taken    with the same meaning: the service's values are rewritten to the app-platform key
           (new maps: values shared with other services or with .Values are never written);
           set together with that key to a different value, it fails naming both;
  refused  it fails with the app-platform key that does the job, written out from the team's
           own value (securityContext.runAsUser: 1000 → security.runAsUser: 1000).
A key that is empty (or enabled: false) means nothing and is ignored. Where another key counts as
"set", it differs from the chart's values.yaml (the rule of global service defaults).
Cost when no such key is there: one pick and a few kind tests per service.
*/}}

{{/*
app-platform.compat.aliases: top-level key → [group, key in group] of the keys taken as another
key of the same meaning ("" group: a service key itself). Used by app-platform.compat.apply.
*/}}
{{- define "app-platform.compat.aliases" -}}
{"schedule": ["cronjob", "schedule"], "concurrencyPolicy": ["cronjob", "concurrencyPolicy"],
 "suspend": ["cronjob", "suspend"], "timeZone": ["cronjob", "timeZone"],
 "startingDeadlineSeconds": ["cronjob", "startingDeadlineSeconds"],
 "successfulJobsHistoryLimit": ["cronjob", "successfulJobsHistoryLimit"],
 "failedJobsHistoryLimit": ["cronjob", "failedJobsHistoryLimit"],
 "backoffLimit": ["job", "backoffLimit"], "activeDeadlineSeconds": ["job", "activeDeadlineSeconds"],
 "ttlSecondsAfterFinished": ["job", "ttlSecondsAfterFinished"], "completions": ["job", "completions"],
 "parallelism": ["job", "parallelism"], "restartPolicy": ["job", "restartPolicy"],
 "replicaCount": ["", "replicas"]}
{{- end -}}

{{/*
app-platform.compat.apply: takes or refuses the keys of other charts in one service's values.
$cache is a dict shared by the services of one render (the chart's defaults, parsed once, only
when a key needs them). Usage: {{- include "app-platform.compat.apply" (list $svc $root $cache) }}
*/}}
{{- define "app-platform.compat.apply" -}}
{{- $svc := index . 0 -}}
{{- $v := $svc.values -}}
{{- $found := pick $v "schedule" "concurrencyPolicy" "suspend" "timeZone" "startingDeadlineSeconds"
      "successfulJobsHistoryLimit" "failedJobsHistoryLimit" "backoffLimit" "activeDeadlineSeconds"
      "ttlSecondsAfterFinished" "completions" "parallelism" "restartPolicy" "replicaCount"
      "livenessProbe" "readinessProbe" "startupProbe" "securityContext" "containerSecurityContext"
      "podSecurityContext" "volumeMounts" "httpRoute" "updateStrategy" "extraEnvVars"
      "extraEnvVarsSecret" "extraEnvVarsCM" "metrics" "resourcesPreset" "healthCheck" "extraEnv"
      "extraVolumes" "extraVolumeMounts" "podDisruptionBudget" "serviceMonitor" "secrets" -}}
{{- $in := $v.ingress | default dict -}}
{{- $nested := or (kindIs "slice" $v.env) (kindIs "slice" $in.tls) (hasKey ($v.serviceAccount | default dict) "automount") (hasKey ($v.pdb | default dict) "create") (hasKey ($v.strategy | default dict) "rollingUpdate") -}}
{{- range $in.hosts }}{{ if kindIs "map" . }}{{ $nested = true }}{{ end }}{{ end -}}
{{- $sb := $v.service | default dict -}}
{{- $foreign := pick $sb "clusterIP" "containerPort" "portName" "httpPortName" "protocol" "nodePorts" "extraPorts" "labels" "loadBalancerIP" "sessionAffinityConfig" -}}
{{- if kindIs "map" $sb.ports }}{{ $_ := set $foreign "ports" $sb.ports }}{{ end -}}
{{- if or $found $nested $foreign -}}
{{- $root := index . 1 -}}
{{- $cache := index . 2 -}}
{{- if not (hasKey $cache "defaults") }}{{ $_ := set $cache "defaults" (include "app-platform.values.chartDefaults" $root | fromYaml) }}{{ end -}}
{{- $defaults := $cache.defaults -}}
{{- $own := $v -}}
{{- if $svc.path }}{{ $own = get ($root.Values.services | default dict) $svc.name | default dict }}{{ end -}}
{{- $ctx := dict "svc" $svc "v" $v "own" $own "defaults" $defaults -}}
{{- $aliases := include "app-platform.compat.aliases" . | fromJson -}}
{{- range $key := keys $found | sortAlpha -}}
  {{- $val := get $found $key -}}
  {{- $p := include "app-platform.compat.path" (list $ctx $key) -}}
  {{- if hasKey $aliases $key -}}
    {{- include "app-platform.compat.alias" (list $ctx $key $val (get $aliases $key)) -}}
  {{- else if has $key (list "livenessProbe" "readinessProbe" "startupProbe") -}}
    {{- include "app-platform.compat.probe" (list $ctx $key $val) -}}
  {{- else if has $key (list "securityContext" "containerSecurityContext" "podSecurityContext") -}}
    {{- include "app-platform.compat.securityContext" (list $ctx $key $val) -}}
  {{- else if and (eq $key "volumeMounts") $val -}}
    {{- $moved := list -}}
    {{- range $val }}{{ $moved = append $moved (printf "{name: %s, mountPath: %s%s%s, <its source>}" (toString .name) (toString .mountPath) (ternary ", readOnly: true" "" (eq (toString .readOnly) "true")) (ternary (printf ", subPath: %s" (toString .subPath)) "" (not (empty .subPath)))) }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%svolumeMounts" $p) "value" $val
          "problem" "app-platform has no volumeMounts: each entry of volumes carries its own mountPath and is mounted in every container"
          "fix" (printf "Write volumes: [%s] (the source from your volumes entry of the same name: emptyDir, secret, configMap, persistentVolumeClaim, ...) and remove volumeMounts." (join ", " $moved))) -}}
  {{- else if and (eq $key "httpRoute") (kindIs "map" $val) (eq (toString $val.enabled) "true") -}}
    {{- $route := dict "enabled" true "parentRefs" (list (dict "name" "<gateway>" "namespace" "<its namespace>")) -}}
    {{- with $val.parentRefs }}{{ $_ := set $route "parentRefs" . }}{{ end -}}
    {{- with $val.hostnames }}{{ $_ := set $route "hostnames" . }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%shttpRoute" $p) "value" $val
          "problem" "app-platform's Gateway API HTTPRoute is the key route"
          "fix" (printf "Write route: %s (paths: [{path: /, pathType: Prefix}], default ingress.paths; every path goes to the service's Service) and remove httpRoute." (toJson $route))) -}}
  {{- else if and (eq $key "updateStrategy") $val -}}
    {{- $s := omit $val "rollingUpdate" -}}
    {{- range $k, $x := (get $val "rollingUpdate" | default dict) }}{{ $_ := set $s $k $x }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%supdateStrategy" $p) "value" $val
          "problem" "app-platform's update strategy of every workload type is the key strategy, with rollingUpdate's settings beside type"
          "fix" (printf "Write strategy: %s and remove updateStrategy." (toJson $s))) -}}
  {{- else if and (eq $key "extraEnvVars") $val -}}
    {{- $env := dict -}}
    {{- range $val }}{{ if kindIs "map" . }}{{ $_ := set $env (toString .name) (ternary .valueFrom .value (hasKey . "valueFrom")) }}{{ end }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sextraEnvVars" $p) "value" $val
          "problem" "app-platform's environment variables are the key env, a map NAME: value"
          "fix" (printf "Write env: %s and remove extraEnvVars." (toJson $env))) -}}
  {{- else if and (has $key (list "extraEnvVarsSecret" "extraEnvVarsCM")) $val -}}
    {{- $ref := ternary "secretRef" "configMapRef" (eq $key "extraEnvVarsSecret") -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
          "problem" "app-platform takes whole Secrets and ConfigMaps as environment through the key envFrom"
          "fix" (printf "Write envFrom: [{%s: {name: %s}}] and remove %s." $ref (toString $val) $key)) -}}
  {{- else if and (eq $key "metrics") (kindIs "map" $val) (eq (toString $val.enabled) "true") -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%smetrics" $p) "value" $val
          "problem" "app-platform's Prometheus scraping (ServiceMonitor and alerts) is the key monitoring"
          "fix" "Write monitoring: {enabled: true, scrapeInterval: 30s} (port: metrics and portNumber: 9090, or port: http to scrape the main port; path: /metrics) and remove metrics.") -}}
  {{- else if and (eq $key "healthCheck") $val -}}
    {{- $http := dict "path" ($val.path | default "/") -}}
    {{- with $val.port }}{{ $_ := set $http "port" . }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%shealthCheck" $p) "value" $val
          "problem" (printf "healthCheck.path is probes.readiness.http.path here (and probes.liveness for restarts)")
          "fix" (printf "Write probes: {readiness: {http: %s}, liveness: {http: %s, failureThreshold: 6}} and remove healthCheck." (toJson $http) (toJson $http))) -}}
  {{- else if and (eq $key "extraEnv") $val -}}
    {{- $env := dict -}}
    {{- if kindIs "map" $val }}{{ $env = $val }}{{ else }}{{ range $val }}{{ if kindIs "map" . }}{{ $_ := set $env (toString .name) (ternary .valueFrom .value (hasKey . "valueFrom")) }}{{ end }}{{ end }}{{ end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sextraEnv" $p) "value" $val
          "problem" "extraEnv is env here, a map NAME: value (merged with the inherited one)"
          "fix" (printf "Write env: %s and remove extraEnv." (toJson $env))) -}}
  {{- else if and (has $key (list "extraVolumes" "extraVolumeMounts")) $val -}}
    {{- $mounts := dict -}}
    {{- range ($v.extraVolumeMounts | default list) }}{{ $_ := set $mounts (toString .name) . }}{{ end -}}
    {{- $moved := list -}}
    {{- range ($v.extraVolumes | default list) -}}
      {{- $m := get $mounts (toString .name) | default dict -}}
      {{- $moved = append $moved (merge (dict "mountPath" ($m.mountPath | default "<where it is mounted>")) (pick $m "readOnly" "subPath") .) -}}
    {{- end -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
          "problem" (printf "%s is volumes here: each entry is the volume and its mountPath together" $key)
          "fix" (printf "Write volumes: %s and remove extraVolumes and extraVolumeMounts." (toJson $moved))) -}}
  {{- else if and (eq $key "podDisruptionBudget") (kindIs "map" $val) (ne (toString $val.enabled) "false") (omit $val "enabled") -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%spodDisruptionBudget" $p) "value" $val
          "problem" "podDisruptionBudget is pdb here"
          "fix" (printf "Write pdb: %s and remove podDisruptionBudget." (toJson (merge (dict "enabled" true) (pick $val "minAvailable" "maxUnavailable"))))) -}}
  {{- else if and (eq $key "serviceMonitor") (kindIs "map" $val) (eq (toString $val.enabled) "true") -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sserviceMonitor" $p) "value" $val
          "problem" "serviceMonitor is monitoring here (a ServiceMonitor and default alerts)"
          "fix" (printf "Write monitoring: %s and remove serviceMonitor." (toJson (merge (dict "enabled" true "scrapeInterval" ($val.interval | default "30s")) (pick $val "path" "port" "labels"))))) -}}
  {{- else if and (eq $key "secrets") $val -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%ssecrets" $p) "value" "(not shown)"
          "problem" "app-platform never takes a secret's value from a values file"
          "fix" "Keep the values in your secret manager and write externalSecrets: {storeRef: {name: <store>}, secrets: {<name>: {data: {KEY: {key: <path>, property: <field>}}}}}, or envFrom: [{secretRef: {name: <existing Secret>}}]; then remove secrets.") -}}
  {{- else if and (eq $key "resourcesPreset") $val (ne (toString $val) "none") -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sresourcesPreset" $p) "value" $val
          "problem" "app-platform has no resource presets: requests and limits are written out, and the chart's defaults fill what is not"
          "fix" "Write resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {cpu: 750m, memory: 768Mi}} with what the service needs and remove resourcesPreset.") -}}
  {{- end -}}
{{- end -}}
{{- if $nested -}}{{- include "app-platform.compat.nested" $ctx -}}{{- end -}}
{{- if $foreign -}}{{- include "app-platform.compat.serviceBlock" (list $ctx $foreign) -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.compat.path: the prefix of a key's path in messages: the service's own path when its
own block sets the key, else "" (inherited from the top level, where the team wrote it).
*/}}
{{- define "app-platform.compat.path" -}}
{{- $ctx := index . 0 -}}
{{- if hasKey $ctx.own (index . 1) }}{{ $ctx.svc.path }}{{ end -}}
{{- end -}}

{{/*
app-platform.compat.alias: one key taken as another: the cronjob and job keys for the workload
types they apply to, replicaCount as replicas. On another workload type a key the service's own
block sets fails (an inherited one is ignored, like cronjob.schedule on a deployment).
*/}}
{{- define "app-platform.compat.alias" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $val := index . 2 -}}
{{- $group := index (index . 3) 0 -}}
{{- $target := index (index . 3) 1 -}}
{{- $v := $ctx.v -}}
{{- $p := include "app-platform.compat.path" (list $ctx $key) -}}
{{- $wt := $v.workloadType -}}
{{- $for := get (dict "cronjob" (list "cronjob") "job" (list "job" "cronjob")) $group -}}
{{- $full := ternary $target (printf "%s.%s" $group $target) (eq $group "") -}}
{{- if and $for (not (has $wt $for)) -}}
  {{- if hasKey $ctx.own $key -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
        "problem" (printf "the same key as %s, which applies to workloadType %s only, and this service is a %s" $full (join " or " $for) $wt)
        "fix" (printf "Set %sworkloadType: %s (then %s and %s are the same key), or remove %s%s." $ctx.svc.path (first $for) $key $full $p $key)) -}}
  {{- end -}}
{{- else -}}
  {{- $in := ternary $v (get $v $group | default dict) (eq $group "") -}}
  {{- $din := ternary $ctx.defaults (get $ctx.defaults $group | default dict) (eq $group "") -}}
  {{- $cur := get $in $target -}}
  {{- if and (ne (toJson $cur) (toJson (get $din $target))) (ne (toJson $cur) (toJson $val)) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
        "problem" (printf "the same setting as %s%s, which is set to %s" $ctx.svc.path $full (toJson $cur))
        "fix" (printf "Keep one: remove %s%s (then %s%s applies), or remove %s%s." $p $key $ctx.svc.path $full $ctx.svc.path $full)) -}}
  {{- end -}}
  {{- if eq $group "" -}}
    {{- $_ := set $v $target $val -}}
  {{- else -}}
    {{- $_ := set $v $group (set (merge (dict) $in) $target $val) -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.compat.probe: livenessProbe / readinessProbe / startupProbe in Kubernetes' shape,
taken as probes.liveness / readiness / startup over the chart's probe (its timings stay unless
given). Setting probes.<kind> too (other than the chart's default) fails.
*/}}
{{- define "app-platform.compat.probe" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $val := index . 2 -}}
{{- if $val -}}
{{- $v := $ctx.v -}}
{{- $kind := trimSuffix "Probe" $key -}}
{{- $p := include "app-platform.compat.path" (list $ctx $key) -}}
{{- $t := dict "enabled" true -}}
{{- with $val.httpGet }}{{ $_ := set $t "type" "http" }}{{ $_ := merge $t (pick . "path" "port" "scheme") }}{{ with .httpHeaders }}{{ $_ := set $t "headers" . }}{{ end }}{{ end -}}
{{- with $val.grpc }}{{ $_ := set $t "type" "grpc" }}{{ $_ := merge $t (pick . "port" "service") }}{{ end -}}
{{- with $val.tcpSocket }}{{ $_ := set $t "type" "tcp" }}{{ $_ := merge $t (pick . "port") }}{{ end -}}
{{- with $val.exec }}{{ $_ := set $t "type" "exec" }}{{ $_ := merge $t (pick . "command") }}{{ end -}}
{{- $_ := merge $t (pick $val "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold") -}}
{{- $probes := $v.probes | default dict -}}
{{- $cur := get $probes $kind -}}
{{- if ne (toJson $cur) (toJson (get ($ctx.defaults.probes | default dict) $kind)) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
        "problem" (printf "the same probe as %sprobes.%s, which is set too" $ctx.svc.path $kind)
        "fix" (printf "Keep one: write %sprobes.%s: %s and remove %s%s." $ctx.svc.path $kind (toJson (ternary $t (omit $t "enabled") (eq $kind "startup"))) $p $key)) -}}
{{- end -}}
{{- $merged := dict -}}
{{- $_ := include "app-platform.data.merge" (list $merged ($cur | default dict) $t) -}}
{{- $_ := set $v "probes" (set (merge (dict) $probes) $kind $merged) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.compat.securityContext: Kubernetes' container or pod securityContext, refused with
the same settings written under security. {} and {enabled: false} (bitnami) mean nothing.
*/}}
{{- define "app-platform.compat.securityContext" -}}
{{- $ctx := index . 0 -}}
{{- $key := index . 1 -}}
{{- $val := index . 2 -}}
{{- if and (kindIs "map" $val) (ne (toString $val.enabled) "false") (omit $val "enabled") -}}
{{- $p := include "app-platform.compat.path" (list $ctx $key) -}}
{{- $map := dict "runAsUser" "runAsUser" "runAsGroup" "runAsGroup" "runAsNonRoot" "runAsNonRoot"
      "readOnlyRootFilesystem" "readOnlyRootFilesystem" "allowPrivilegeEscalation" "allowPrivilegeEscalation" -}}
{{- if eq $key "podSecurityContext" }}{{ $map = dict "runAsUser" "runAsUser" "runAsGroup" "runAsGroup" "runAsNonRoot" "runAsNonRoot" "fsGroup" "fsGroup" }}{{ end -}}
{{- $written := list -}}
{{- $dropped := list -}}
{{- range $k := keys (omit $val "enabled") | sortAlpha -}}
  {{- $x := get $val $k -}}
  {{- if hasKey $map $k -}}
    {{- $written = append $written (printf "%ssecurity.%s: %s" $p (get $map $k) (toJson $x)) -}}
  {{- else if and (eq $k "seccompProfile") (kindIs "map" $x) $x.type -}}
    {{- $written = append $written (printf "%ssecurity.seccompProfile: %s" $p (toJson $x.type)) -}}
  {{- else if and (eq $k "capabilities") (kindIs "map" $x) -}}
    {{- with $x.add }}{{ $written = append $written (printf "%ssecurity.addCapabilities: %s" $p (toJson .)) }}{{ end -}}
    {{- if hasKey $x "drop" }}{{ $dropped = append $dropped "capabilities.drop is always [ALL]" }}{{ end -}}
  {{- else -}}
    {{- $dropped = append $dropped (ternary "privileged is never allowed" (printf "%s has no key (the restricted profile sets it)" $k) (eq $k "privileged")) -}}
  {{- end -}}
{{- end -}}
{{- $fix := printf "Remove %s%s" $p $key -}}
{{- if $written }}{{ $fix = printf "Write %s instead of %s%s" (join ", " $written) $p $key }}{{ end -}}
{{- if $dropped }}{{ $fix = printf "%s; here %s" $fix (join " and " $dropped) }}{{ end -}}
{{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $key) "value" $val
      "problem" "app-platform writes every pod and container security context from the key security (Pod Security \"restricted\" by default)"
      "fix" (printf "%s." $fix)) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.compat.nested: keys of other charts inside app-platform keys: env as a list,
ingress.hosts entries {host, paths} and ingress.tls as a list (helm create), serviceAccount.automount
(helm create), pdb.create (bitnami).
*/}}
{{- define "app-platform.compat.nested" -}}
{{- $v := .v -}}
{{- $path := .svc.path -}}
{{- if kindIs "slice" $v.env -}}
  {{- $env := dict -}}
  {{- range $v.env }}{{ $_ := set $env .name (ternary .valueFrom .value (hasKey . "valueFrom")) }}{{ end -}}
  {{- $_ := set $v "env" $env -}}
{{- end -}}
{{- $sa := $v.serviceAccount | default dict -}}
{{- if eq (toString $sa.automount) "true" -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sserviceAccount.automount" $path) "value" $sa.automount
        "problem" "app-platform's key for the API token is serviceAccount.automountToken, off unless the code calls the Kubernetes API"
        "fix" (printf "Remove %sserviceAccount.automount; if the code calls the Kubernetes API, set %srbac.enabled: true with its rules (which mounts the token) or %sserviceAccount.automountToken: true." $path $path $path)) -}}
{{- end -}}
{{- $st := $v.strategy | default dict -}}
{{- with $st.rollingUpdate -}}
  {{- $s := dict -}}
  {{- $_ := include "app-platform.data.merge" (list $s (omit $st "rollingUpdate") .) -}}
  {{- $_ := set $v "strategy" $s -}}
{{- end -}}
{{- $pdb := $v.pdb | default dict -}}
{{- if hasKey $pdb "create" -}}
  {{- if and (ne (toJson $pdb.enabled) (toJson (.defaults.pdb).enabled)) (ne (toJson $pdb.enabled) (toJson $pdb.create)) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%spdb.create" $path) "value" $pdb.create
        "problem" (printf "the same setting as %spdb.enabled, which is set to %v" $path $pdb.enabled)
        "fix" (printf "Keep one: remove %spdb.create." $path)) -}}
  {{- end -}}
  {{- $_ := set $v "pdb" (set (omit $pdb "create") "enabled" $pdb.create) -}}
{{- end -}}
{{- $in := $v.ingress | default dict -}}
{{- $new := dict -}}
{{- if kindIs "slice" $in.tls -}}
  {{- if $in.tls -}}
  {{- $first := first $in.tls -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%singress.tls" $path) "value" $in.tls
        "problem" "app-platform's ingress.tls is one certificate for every host of the Ingress (ingress.host and ingress.hosts), not a list"
        "fix" (printf "Write ingress.tls: {enabled: true, secretName: %s} (or clusterIssuer: <issuer> for cert-manager)." (toString ($first.secretName | default "<secret>")))) -}}
  {{- end -}}
  {{- $_ := set $new "tls" (.defaults.ingress).tls -}}
{{- end -}}
{{- $entries := list -}}
{{- $names := list -}}
{{- range $in.hosts -}}
  {{- if kindIs "map" . }}{{ $entries = append $entries . }}{{ $names = append $names .host }}{{ else }}{{ $names = append $names . }}{{ end -}}
{{- end -}}
{{- if $entries -}}
  {{- $paths := (first $entries).paths -}}
  {{- range $entries -}}
    {{- if ne (toJson .paths) (toJson $paths) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%singress.hosts" $path) "value" $in.hosts
          "problem" "app-platform routes every host of a service to the same paths (ingress.paths), and these hosts give different ones"
          "fix" (printf "Write ingress.hosts: %s with one list ingress.paths for all of them, or give each set of paths its own service." (toJson ($names | uniq)))) -}}
    {{- end -}}
  {{- end -}}
  {{- $_ := set $new "hosts" ($names | uniq) -}}
  {{- if $paths -}}
    {{- $dp := (.defaults.ingress).paths -}}
    {{- if and (ne (toJson $in.paths) (toJson $dp)) (ne (toJson $in.paths) (toJson $paths)) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%singress.hosts" $path) "value" $in.hosts
          "problem" (printf "the paths of these hosts are the same setting as %singress.paths, which is set to %s" $path (toJson $in.paths))
          "fix" (printf "Keep one: write ingress.hosts: %s with ingress.paths: %s." (toJson ($names | uniq)) (toJson $paths))) -}}
    {{- end -}}
    {{- $_ := set $new "paths" $paths -}}
  {{- end -}}
{{- end -}}
{{- if $new -}}
  {{- $_ := set $v "ingress" (merge $new $in) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.compat.serviceBlock: the keys of another chart's service block (a single-service
chart's `service: {type, port, targetPort, ...}` written at the top level or in a service's own
block) that app-platform names differently. clusterIP: None is taken as headless: true; every
other one is refused with the app-platform key written out from the team's value; empty ones mean
nothing. Usage: {{- include "app-platform.compat.serviceBlock" (list $ctx $foreign) }}
*/}}
{{- define "app-platform.compat.serviceBlock" -}}
{{- $ctx := index . 0 -}}
{{- $f := index . 1 -}}
{{- $v := $ctx.v -}}
{{- $sp := $ctx.svc.path -}}
{{- $p := printf "%sservice." (include "app-platform.compat.path" (list $ctx "service")) -}}
{{- $main := $v.portName | default "http" -}}
{{- $write := dict -}}
{{- with $f.containerPort -}}
  {{- $_ := set $write "containerPort" (list "service.containerPort is port here: the main container port, which the Service forwards to (service.targetPort picks another)" (printf "Write %sport: %s" $sp (toJson .))) -}}
{{- end -}}
{{- range $k := list "portName" "httpPortName" -}}
  {{- with get $f $k -}}
  {{- $_ := set $write $k (list (printf "service.%s is portName here: the main port's name, the container's and the Service's (meshes and ServiceMonitors select ports by name)" $k) (printf "Write %sportName: %s" $sp (toJson .))) -}}
  {{- end -}}
{{- end -}}
{{- with $f.protocol -}}
  {{- $_ := set $write "protocol" (list "service.protocol is portProtocol here: the main port's transport protocol, the container's and the Service's" (printf "Write %sportProtocol: %s" $sp (toJson .))) -}}
{{- end -}}
{{- with $f.ports -}}
  {{- $names := keys . | sortAlpha -}}
  {{- $first := ternary $main (ternary "http" (first $names) (hasKey . "http")) (hasKey . $main) -}}
  {{- $port := get . $first -}}
  {{- $extra := list -}}
  {{- range $name := $names -}}
    {{- if ne $name $first }}{{ $extra = append $extra (dict "name" $name "port" (get $f.ports $name) "targetPort" $name) }}{{ end -}}
  {{- end -}}
  {{- $fix := printf "Write %sservice.port: %s (the main port, named %s)" $sp (toJson $port) $main -}}
  {{- if ne $first $main }}{{ $fix = printf "Write %sportName: %s, %sservice.port: %s (the main port)" $sp $first $sp (toJson $port) }}{{ end -}}
  {{- with $extra }}{{ $fix = printf "%s and %sservice.ports: %s (each targetPort a container port of that name: declare them in ports, or use a number)" $fix $sp (toJson .) }}{{ end -}}
  {{- $_ := set $write "ports" (list "service.ports is a list of extra Service ports here; the main port is service.port" $fix) -}}
{{- end -}}
{{- with $f.nodePorts -}}
  {{- $fix := "" -}}
  {{- range $name := keys . | sortAlpha -}}
    {{- $n := get $f.nodePorts $name -}}
    {{- if $n -}}
    {{- $one := ternary (printf "%sservice.nodePort: %s" $sp (toJson $n)) (printf "nodePort: %s in the %sservice.ports entry named %s" (toJson $n) $sp $name) (or (eq $name $main) (eq $name "http")) -}}
    {{- $fix = ternary $one (printf "%s, %s" $fix $one) (eq $fix "") -}}
    {{- end -}}
  {{- end -}}
  {{- if $fix -}}
  {{- $_ := set $write "nodePorts" (list "a node port is service.nodePort here (the main port), or nodePort of a service.ports entry" (printf "Write %s" $fix)) -}}
  {{- end -}}
{{- end -}}
{{- with $f.extraPorts -}}
  {{- $_ := set $write "extraPorts" (list "service.extraPorts is service.ports here: the main Service's extra ports, each {name, port, targetPort}" (printf "Write %sservice.ports: %s" $sp (toJson .))) -}}
{{- end -}}
{{- with $f.labels -}}
  {{- $_ := set $write "labels" (list "app-platform labels every object of the release alike (selector labels stay the chart's)" (printf "Write global.labels: %s" (toJson .))) -}}
{{- end -}}
{{- with $f.loadBalancerIP -}}
  {{- $_ := set $write "loadBalancerIP" (list "Kubernetes deprecated spec.loadBalancerIP: a load balancer's address is an annotation its controller reads" (printf `Write %sservice.type: LoadBalancer and %sservice.annotations: {"<your controller's address annotation>": %s}` $sp $sp (toJson .))) -}}
{{- end -}}
{{- with $f.sessionAffinityConfig -}}
  {{- $_ := set $write "sessionAffinityConfig" (list "app-platform's client affinity is service.sessionAffinity: ClientIP, with Kubernetes' timeout (3 hours); the timeout is not a setting here" (printf "Write %sservice.sessionAffinity: ClientIP" $sp)) -}}
{{- end -}}
{{- with $f.clusterIP -}}
  {{- if eq (toString .) "None" -}}
    {{- $_ := set $v "service" (set (omit $v.service "clusterIP") "headless" true) -}}
  {{- else -}}
  {{- $_ := set $write "clusterIP" (list "Kubernetes assigns a Service's cluster IP here (clusterIP: None is service.headless: true)" (printf "Remove %sclusterIP and let Kubernetes assign it; clients reach the Service by name" $p)) -}}
  {{- end -}}
{{- end -}}
{{- range $k := keys $write | sortAlpha -}}
  {{- $w := get $write $k -}}
  {{- $fix := index $w 1 -}}
  {{- if not (hasPrefix "Remove" $fix) }}{{ $fix = printf "%s and remove %s%s." $fix $p $k }}{{ else }}{{ $fix = printf "%s." $fix }}{{ end -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%s%s" $p $k) "value" (get $f $k) "problem" (index $w 0) "fix" $fix) -}}
{{- end -}}
{{- end -}}
