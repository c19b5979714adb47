{{/*
Validate: rules that values.schema.json cannot express, checked once per service while resolving.
Each failure uses app-platform.errors.fail: "<path>: <what is wrong>, got <value>. <how to fix>";
the rules of app-platform.validate.service itself (cross-field rules) and of the canary collect
their messages (app-platform.errors.add) so that helm prints all of them at once.
Cross-service rules use the index built by app-platform.values.resolve (ctx.byName), never a search.
*/}}

{{/* app-platform.validate.service: every rule for one service. Usage: include (list $svc $ctx) */}}
{{- define "app-platform.validate.service" -}}
{{- $svc := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $v := $svc.values -}}
{{- $p := $svc.path -}}
{{- $wt := $v.workloadType -}}
{{- $pv := $v.persistence -}}
{{- if and $pv.enabled (not $pv.existingClaim) (not $pv.storageClass) -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%spersistence.storageClass" $p) "value" $pv.storageClass
        "problem" "persistence is enabled but no storage class is chosen"
        "fix" (printf "Set %spersistence.storageClass to a class name, to \"default\" for the cluster's default class, or to \"-\" to bind pre-created PersistentVolumes." $p)) -}}
{{- end -}}
{{- if and (eq $wt "daemonset") $pv.enabled -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%spersistence.enabled" $p) "value" $pv.enabled
        "problem" "a daemonset runs one pod per node and cannot share one claim"
        "fix" (printf "Set %spersistence.enabled: false and use volumes (emptyDir, or a ReadWriteMany persistentVolumeClaim)." $p)) -}}
{{- end -}}
{{- if eq $wt "external" -}}
  {{- include "app-platform.validate.external" $svc -}}
{{- else if and (kindIs "map" $v.image) (not $v.image.repository) -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%simage.repository" $p) "value" $v.image.repository
        "problem" "the image has no repository (a tag or digest alone names no image)"
        "fix" (printf "Set %simage.repository, e.g. ghcr.io/acme/shop, or write %simage as \"repository:tag\"." $p $p)) -}}
{{- end -}}
{{- if and (eq $wt "cronjob") (not $v.cronjob.schedule) -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%scronjob.schedule" $p) "value" $v.cronjob.schedule
        "problem" "a cronjob needs a schedule"
        "fix" (printf "Set %scronjob.schedule to a 5-field cron expression such as \"0 3 * * *\" (03:00 daily)." $p)) -}}
{{- end -}}
{{- $strategies := dict "deployment" (list "RollingUpdate" "Recreate") "statefulset" (list "RollingUpdate" "OnDelete") "daemonset" (list "RollingUpdate" "OnDelete") -}}
{{- with get $strategies $wt -}}
  {{- if not (has $v.strategy.type .) -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%sstrategy.type" $p) "value" $v.strategy.type
        "problem" (printf "a %s does not support this update strategy" $wt)
        "fix" (printf "Set %sstrategy.type to one of: %s." $p (join ", " .))) -}}
  {{- end -}}
{{- end -}}
{{- range $kind, $probe := $v.probes | default dict -}}
  {{- if and $probe (eq (toString $probe.type) "exec") (not $probe.command) (ne (toString $probe.enabled) "false") -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%sprobes.%s.command" $p $kind) "value" $probe.command
        "problem" "an exec probe needs a command"
        "fix" (printf "Set %sprobes.%s.command, e.g. [\"pg_isready\"], or use type: http or tcp." $p $kind)) -}}
  {{- end -}}
{{- end -}}
{{- if ne $wt "external" -}}
  {{- range $part := list "requests" "limits" -}}
  {{- range $res := list "cpu" "memory" -}}
    {{- if not (get (get ($v.resources | default dict) $part | default dict) $res) -}}
    {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%sresources.%s.%s" $p $part $res) "value" nil
          "problem" (printf "every container needs a %s %s (Pod Security, quotas and fair scheduling depend on it)" $res (trimSuffix "s" $part))
          "fix" (printf "Set %sresources.%s.%s, e.g. %s." $p $part $res (ternary "500m" "256Mi" (eq $res "cpu")))) -}}
    {{- end -}}
  {{- end -}}
  {{- end -}}
{{- end -}}
{{- if and $v.security.runAsNonRoot (eq (int64 $v.security.runAsUser) 0) -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%ssecurity.runAsUser" $p) "value" $v.security.runAsUser
        "problem" "user 0 is root, which contradicts security.runAsNonRoot: true"
        "fix" (printf "Set %ssecurity.runAsUser to a non-zero id such as 10001." $p)) -}}
{{- end -}}
{{- if ($v.canary).enabled -}}
  {{- include "app-platform.canary.check" (list $svc $ctx) -}}
{{- end -}}
{{- include "app-platform.validate.dependsOn" (list $svc $ctx) -}}
{{- include "app-platform.validate.services" $svc -}}
{{- end -}}

{{/*
app-platform.validate.services: every Service of a service maps to ports its pods have: a
targetPort by name names a container port of the pod, port names are unique per Service, and
extraServices only where there are pods to select.
*/}}
{{- define "app-platform.validate.services" -}}
{{- $v := .values -}}
{{- $p := .path -}}
{{- $longRunning := has $v.workloadType (list "deployment" "statefulset" "daemonset") -}}
{{- if and $v.extraServices (not $longRunning) -}}
  {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%sextraServices" $p) "value" (len $v.extraServices)
        "problem" (printf "a %s has no long-running pods for a Service to select" $v.workloadType)
        "fix" (printf "Remove %sextraServices, or use workloadType deployment, statefulset or daemonset." $p)) -}}
{{- end -}}
{{- if $longRunning -}}
{{- $pod := merge (dict) .portNames -}}
{{- range $v.sidecars }}{{ range .ports }}{{ $_ := set $pod .name .port }}{{ end }}{{ end -}}
{{- if and (include "app-platform.monitoring.applies" .) (ne $v.monitoring.port "http") }}{{ $_ := set $pod $v.monitoring.port $v.monitoring.portNumber }}{{ end -}}
{{- $blocks := list -}}
{{- if $v.service.enabled -}}
  {{- $blocks = append $blocks (dict "path" (printf "%sservice" $p) "ports" (prepend ($v.service.ports | default list) (dict "name" .mainPort.name "targetPort" ($v.service.targetPort | default .mainPort.name))) "target" ($v.service.targetPort | default "")) -}}
{{- end -}}
{{- range $i, $x := $v.extraServices | default list -}}
  {{- $blocks = append $blocks (dict "path" (printf "%sextraServices[%d]" $p $i) "ports" ($x.ports | default list)) -}}
{{- end -}}
{{- range $b := $blocks -}}
  {{- $seen := dict -}}
  {{- range $i, $port := $b.ports -}}
    {{- $where := ternary (printf "%s.ports[%d]" $b.path (sub $i 1)) (printf "%s" $b.path) (and (gt $i 0) (hasKey $b "target")) -}}
    {{- if not (hasKey $b "target") }}{{ $where = printf "%s.ports[%d]" $b.path $i }}{{ end -}}
    {{- if hasKey $seen $port.name -}}
    {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%s.name" $where) "value" $port.name
          "problem" "two ports of this Service have the same name (the first port is named after portName)"
          "fix" "Give each Service port its own name.") -}}
    {{- end -}}
    {{- $_ := set $seen $port.name true -}}
    {{- $target := include "app-platform.data.scalar" ($port.targetPort | default $port.port) -}}
    {{- if and $target (trimAll "0123456789" $target) (not (hasKey $pod $target)) (ne $target "http") -}}
    {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%s.targetPort" $where) "value" $target
          "problem" "no container port of the pod has this name, so the Service would send its traffic nowhere"
          "fix" (printf "Use one of: %s (or a port number), or add the port to ports / a sidecar's ports." (join ", " (keys $pod | sortAlpha)))) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* app-platform.validate.external: a pod-less service sets a target and no pod settings. */}}
{{- define "app-platform.validate.external" -}}
{{- $v := .values -}}
{{- $p := .path -}}
{{- $own := $v -}}
{{- $defaults := dict -}}
{{- $keys := list "image" "replicas" -}}
{{- if $p -}}
  {{- $own = get .root.Values.services .name | default dict -}}
{{- else -}}
  {{- /* One service: the top level mixes the team's file with environment layers such as
         values-prod.yaml, whose replicas is a default for every kind; only the image is telling. */ -}}
  {{- $defaults = include "app-platform.values.chartDefaults" .root | fromYaml -}}
  {{- $keys = list "image" -}}
{{- end -}}
{{- range $key := $keys -}}
  {{- if and (hasKey $own $key) (ne (toJson (get $own $key)) (toJson (get $defaults $key))) -}}
  {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%s%s" $p $key) "value" (get $own $key)
        "problem" "an external service has no pods, so it takes no image or replicas"
        "fix" (printf "Remove %s%s, or choose a workloadType that runs pods (deployment, statefulset, ...)." $p $key)) -}}
  {{- end -}}
{{- end -}}
{{- if and $v.external.name $v.external.addresses -}}
  {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%sexternal" $p) "value" (pick $v.external "name" "addresses")
        "problem" "an external service points at a DNS name or at IP addresses, not both"
        "fix" (printf "Keep either %sexternal.name or %sexternal.addresses." $p $p)) -}}
{{- end -}}
{{- if not (or $v.external.name $v.external.addresses) -}}
  {{- include "app-platform.errors.add" (dict "into" $.errors "path" (printf "%sexternal.name" $p) "value" $v.external.name
        "problem" "an external service needs a target"
        "fix" (printf "Set %sexternal.name to a DNS name (e.g. db.example.com) or %sexternal.addresses to IP addresses." $p $p)) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.validate.dependsOn: resolves dependsOn into $svc.dependencies ({name, host, port}).
An entry is a service of this release, or "host:port" outside it.
*/}}
{{- define "app-platform.validate.dependsOn" -}}
{{- $svc := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $deps := list -}}
{{- range $i, $dep := $svc.values.dependsOn | default list -}}
  {{- $path := printf "%sdependsOn[%d]" $svc.path $i -}}
  {{- $target := get $ctx.byName $dep -}}
  {{- if contains ":" $dep -}}
    {{- $hp := splitList ":" $dep -}}
    {{- $deps = append $deps (dict "name" (first $hp) "host" (first $hp) "port" (last $hp) "external" true) -}}
  {{- else if not $target -}}
    {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" $path "value" $dep
          "problem" "no service of this release has that name"
          "fix" (printf "Use one of: %s; or \"host:port\" for something outside the release." (join ", " $ctx.names))) -}}
  {{- else if eq $dep $svc.name -}}
    {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" $path "value" $dep "problem" "a service cannot depend on itself" "fix" "Remove it from dependsOn.") -}}
  {{- else -}}
    {{- $tv := $target.values -}}
    {{- if or (not $tv.enabled) (has $tv.workloadType (list "job" "cronjob")) (and (ne $tv.workloadType "external") (not $tv.service.enabled)) -}}
      {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" $path "value" $dep
            "problem" (printf "service %q has no Service to wait for (workloadType %s, enabled %v, service.enabled %v)" $dep $tv.workloadType $tv.enabled $tv.service.enabled)
            "fix" "Depend only on enabled long-running or external services; order jobs with hooks instead.") -}}
    {{- else -}}
      {{- $port := $tv.service.port | default $tv.port -}}
      {{- if eq $tv.workloadType "external" }}{{ $port = (first ($tv.external.ports | default (list (dict "port" $tv.port)))).port }}{{ end -}}
      {{- $deps = append $deps (dict "name" $dep "host" $target.serviceName "port" (include "app-platform.data.scalar" $port) "external" false "target" $target) -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- $_ := set $svc "dependencies" $deps -}}
{{- end -}}
