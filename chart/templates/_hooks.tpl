{{/*
Hooks: Helm hook Jobs (hooks.<name>) that run as their service at points of the release's life.
Each is a service variant (app-platform.values.variant: workloadType job, the hook's image,
command and env) printed by app-platform.workloads.jobSpec, so it has the service's security
context, pull secrets, env, volumes, service account and scheduling, and its own component label
(<service>-<hook>) that never matches the service's selector. Init containers and sidecars are
not copied: a sidecar would keep the Job from completing, and an init container that waits for
the migration would wait for itself.

Which hooks run: without `services`, every enabled hooks.<name> of the one service. With
`services`, only the hooks a service names under services.<svc>.hooks; a top-level hooks.<name>
supplies their defaults (merge rule) and never runs by itself, so a migration declared once does
not run in every service's image.
Precedence of a hook's keys: app-platform.hooks.defaults < its preset < every key set in values.
Helm runs the hooks of one event by weight, then by object name, across all services.
*/}}

{{/* app-platform.hooks.events: the events Helm knows, in the order of a release's life. */}}
{{- define "app-platform.hooks.events" -}}
["pre-install","post-install","pre-upgrade","post-upgrade","pre-rollback","post-rollback","pre-delete","post-delete"]
{{- end -}}

{{/* app-platform.hooks.deletePolicies: the delete policies Helm knows. */}}
{{- define "app-platform.hooks.deletePolicies" -}}
["before-hook-creation","hook-succeeded","hook-failed"]
{{- end -}}

{{/* app-platform.hooks.defaults: a hook's keys before its preset and its values. */}}
{{- define "app-platform.hooks.defaults" -}}
{"events": [], "weight": 0, "deletePolicy": ["before-hook-creation", "hook-succeeded"],
 "command": [], "args": [], "env": {}, "backoffLimit": 1, "activeDeadlineSeconds": 600}
{{- end -}}

{{/*
app-platform.hooks.presets: what each preset fills in (the smoke-test command is added by
app-platform.hooks.resolve, since it depends on the service).
*/}}
{{- define "app-platform.hooks.presets" -}}
{"migration": {"events": ["post-install", "pre-upgrade"], "weight": -10, "backoffLimit": 3},
 "smoke-test": {"events": ["post-install", "post-upgrade"], "weight": 10, "backoffLimit": 0, "activeDeadlineSeconds": 300},
 "data-export": {"events": ["pre-delete"], "weight": 0, "activeDeadlineSeconds": 3600}}
{{- end -}}

{{/*
app-platform.hooks.names: the hooks that run for a service, sorted, as a JSON list.
Usage: {{- range $name := include "app-platform.hooks.names" $svc | fromJsonArray }}
*/}}
{{- define "app-platform.hooks.names" -}}
{{- $hooks := .values.hooks | default dict -}}
{{- $names := keys $hooks -}}
{{- if .path -}}
  {{- $own := get (get .root.Values.services .name | default dict) "hooks" | default dict -}}
  {{- $names = keys $own -}}
{{- end -}}
{{- $out := list -}}
{{- range $name := $names | sortAlpha -}}
  {{- $h := get $hooks $name -}}
  {{- if and (kindIs "map" $h) (ne (toString $h.enabled) "false") }}{{ $out = append $out $name }}{{ end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{/*
app-platform.hooks.jobs: every hook Job of a service (nothing when it has none).
Usage (templates/hooks.yaml): objects (list "app-platform.hooks.jobs")
*/}}
{{- define "app-platform.hooks.jobs" -}}
{{- $svc := . -}}
{{- $docs := list -}}
{{- range $name := include "app-platform.hooks.names" $svc | fromJsonArray -}}
  {{- $path := printf "%shooks.%s" $svc.path $name -}}
  {{- if eq $svc.values.workloadType "external" -}}
    {{- include "app-platform.errors.fail" (dict "path" $path "value" (get $svc.values.hooks $name)
          "problem" "an external service has no pods, so nothing can run a hook as it"
          "fix" (printf "Remove %s, or declare the hook on a service that runs pods (e.g. the one that owns the data)." $path)) -}}
  {{- end -}}
  {{- $hook := include "app-platform.hooks.resolve" (list $svc $name) | fromJson -}}
  {{- include "app-platform.hooks.checkName" (list $svc $name) -}}
  {{- $docs = append $docs (include "app-platform.hooks.job" (list $svc $name $hook) | trim) -}}
{{- end -}}
{{- join "\n---\n" $docs -}}
{{- end -}}

{{/*
app-platform.hooks.resolve: one hook's effective keys (defaults < preset < values), validated,
as JSON: events, weight, deletePolicy, image (only when not the service's), command, args, env,
backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished (only when set).
Usage: {{- $hook := include "app-platform.hooks.resolve" (list $svc "migrate") | fromJson }}
*/}}
{{- define "app-platform.hooks.resolve" -}}
{{- $svc := index . 0 -}}
{{- $name := index . 1 -}}
{{- $v := $svc.values -}}
{{- $p := printf "%shooks.%s." $svc.path $name -}}
{{- $set := get $v.hooks $name -}}
{{- $h := include "app-platform.hooks.defaults" . | fromJson -}}
{{- $presets := include "app-platform.hooks.presets" . | fromJson -}}
{{- $preset := $set.preset | default "" -}}
{{- if $preset -}}
  {{- if not (hasKey $presets $preset) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%spreset" $p) "value" $preset
          "problem" "no such hook preset"
          "fix" (printf "Use one of: %s; or leave preset out and set events and command." (join ", " (keys $presets | sortAlpha)))) -}}
  {{- end -}}
  {{- range $k, $x := get $presets $preset }}{{ $_ := set $h $k $x }}{{ end -}}
{{- end -}}
{{- range $k, $x := omit $set "enabled" "preset" }}{{ $_ := set $h $k $x }}{{ end -}}
{{- /* events: at least one, each known to Helm */ -}}
{{- $known := include "app-platform.hooks.events" . | fromJsonArray -}}
{{- if not $h.events -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sevents" $p) "value" $h.events
        "problem" (ternary (printf "a hook needs at least one event, and events: [] replaces the %s preset's" $preset) "a hook needs at least one event (no preset gives them)" (and (ne $preset "") (hasKey $set "events")))
        "fix" (printf "Set %sevents, e.g. [post-install, pre-upgrade], or preset: migration, smoke-test or data-export." $p)) -}}
{{- end -}}
{{- range $i, $e := $h.events -}}
  {{- if not (has $e $known) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sevents[%d]" $p $i) "value" $e
          "problem" "not a Helm hook event"
          "fix" (printf "Use one of: %s." (join ", " $known))) -}}
  {{- end -}}
{{- end -}}
{{- $policies := include "app-platform.hooks.deletePolicies" . | fromJsonArray -}}
{{- range $i, $d := $h.deletePolicy -}}
  {{- if not (has $d $policies) -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sdeletePolicy[%d]" $p $i) "value" $d
          "problem" "not a Helm hook delete policy"
          "fix" (printf "Use one of: %s." (join ", " $policies))) -}}
  {{- end -}}
{{- end -}}
{{- /* command: the team's, else the smoke-test check of the service's Service */ -}}
{{- $hasService := and (has $v.workloadType (list "deployment" "statefulset" "daemonset")) $v.service.enabled -}}
{{- if and (not $h.command) (eq $preset "smoke-test") $hasService -}}
  {{- $_ := set $h "command" (include "app-platform.hooks.smokeCommand" (list $svc $h.activeDeadlineSeconds) | fromJsonArray) -}}
  {{- if not (hasKey $set "image") }}{{ $_ := set $h "image" $v.dependencyWait.image }}{{ end -}}
{{- end -}}
{{- if not $h.command -}}
  {{- $why := "no preset gives one" -}}
  {{- if eq $preset "smoke-test" -}}
    {{- $why = printf "the smoke-test preset's own command checks the service's Service, and this service has none (workloadType %s, service.enabled %v)" $v.workloadType $v.service.enabled -}}
  {{- else if $preset -}}
    {{- $why = printf "the %s preset cannot guess your image's command" $preset -}}
  {{- end -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%scommand" $p) "value" $h.command
        "problem" (printf "a hook needs a command: %s" $why)
        "fix" (printf "Set %scommand, e.g. %s. Only the smoke-test preset supplies a command, for a service with a Service." $p (get (dict "migration" `["/app/migrate", "up"]` "data-export" `["/app/export", "--to", "s3://backups/shop"]`) $preset | default `["/app/hook"]`))) -}}
{{- end -}}
{{- /* a pre-install hook runs before the release has created anything */ -}}
{{- if has "pre-install" $h.events -}}
  {{- $needs := list -}}
  {{- if or $v.serviceAccount.create ($v.rbac).enabled -}}
    {{- $needs = append $needs (printf "the ServiceAccount %s" (include "app-platform.pod.serviceAccountName" $svc)) -}}
  {{- end -}}
  {{- if ($v.configFiles).files -}}
    {{- $needs = append $needs (printf "the ConfigMap %s (configFiles)" (include "app-platform.names.suffixed" (list $svc "config"))) -}}
  {{- end -}}
  {{- range $name, $s := ($v.externalSecrets).secrets -}}
    {{- if ne (toString $s.env) "false" -}}
    {{- $needs = append $needs (printf "the Secret %s (externalSecrets.secrets.%s)" (include "app-platform.names.suffixed" (list $svc $name)) $name) -}}
    {{- end -}}
  {{- end -}}
  {{- if $needs -}}
    {{- include "app-platform.errors.fail" (dict "path" (printf "%sevents" $p) "value" $h.events
          "problem" (printf "a pre-install hook runs before the release creates its objects, but this hook's pod needs %s, so it would wait until its deadline" (join " and " $needs))
          "fix" "Run it at post-install instead (the migration preset does), or have the pod use only objects that exist before the install (serviceAccount.name of an existing account, no configFiles, externalSecrets with env: false).") -}}
  {{- end -}}
{{- end -}}
{{- toJson $h -}}
{{- end -}}

{{/*
app-platform.hooks.smokeCommand: the smoke-test preset's command: until shortly before the
deadline, an HTTP GET of the readiness probe's path (when that probe is http, over plain HTTP),
else a TCP connect, to the service's Service. Needs sh, wget and nc (dependencyWait.image).
The target and time limit are arguments of the script, never spliced into it.
Usage: {{ include "app-platform.hooks.smokeCommand" (list $svc $activeDeadlineSeconds) | fromJsonArray }}
*/}}
{{- define "app-platform.hooks.smokeCommand" -}}
{{- $svc := index . 0 -}}
{{- $deadline := int64 (index . 1) -}}
{{- $v := $svc.values -}}
{{- $port := include "app-platform.data.scalar" ($v.service.port | default $v.port) -}}
{{- $limit := ternary (sub $deadline 10) $deadline (gt $deadline 20) -}}
{{- $r := ($v.probes | default dict).readiness | default dict -}}
{{- $http := and (eq (toString $r.type) "http") (ne (toString $r.enabled) "false") (ne (upper (toString $r.scheme)) "HTTPS") -}}
{{- $check := `nc -z -w 5 "$2" "$3"` -}}
{{- $target := list "tcp" $svc.serviceName $port -}}
{{- if $http -}}
  {{- $check = `wget -q -O /dev/null -T 5 "http://$2:$3$4"` -}}
  {{- $path := $r.path | default "/" -}}
  {{- $target = list "http" $svc.serviceName $port (ternary $path (printf "/%s" $path) (hasPrefix "/" $path)) -}}
{{- end -}}
{{- $script := printf `deadline=$(( $(date +%%s) + %d ))
until %s; do
  if [ "$(date +%%s)" -ge "$deadline" ]; then
    echo "smoke test failed: $1 $2:$3$4 did not answer within %ds" >&2
    exit 1
  fi
  echo "waiting for $1 $2:$3$4"
  sleep 2
done
echo "smoke test passed: $1 $2:$3$4 answered"
` $limit $check $limit -}}
{{- concat (list "sh" "-c" $script "smoke-test") $target | toJson -}}
{{- end -}}

{{/*
app-platform.hooks.checkName: a hook Job's name and component label (<service>-<hook>) must be
nobody else's: not another service's (services "api" + hook "db" vs service "api-db"), nor another
service's hook ("api" + "db-migrate" vs "api-db" + "migrate"). Looks up each shorter service
name by its dash-separated prefixes in the index (ctx.byName): a handful of look-ups, no search.
A job service's own Job is <object name>-<8 hex characters>: hook names of that form are refused,
and so are backup and backup-pre-upgrade on a service with backup.enabled (app-platform.backup.*).
*/}}
{{- define "app-platform.hooks.checkName" -}}
{{- $svc := index . 0 -}}
{{- $name := index . 1 -}}
{{- $path := printf "%shooks.%s" $svc.path $name -}}
{{- if and (eq (len $name) 8) (not (trimAll "0123456789abcdef" $name)) -}}{{- /* ^[0-9a-f]{8}$ */ -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $name
        "problem" "hook names of 8 hex characters are reserved: a job service's own Job is named <service>-<8 hex characters of its spec>"
        "fix" "Choose a descriptive name such as migrate, smoke or export.") -}}
{{- end -}}
{{- if and ($svc.values.backup).enabled (has $name (list "backup" "backup-pre-upgrade")) -}}
  {{- include "app-platform.errors.fail" (dict "path" $path "value" $name
        "problem" "with backup.enabled this name belongs to the backup's own Job and pods (<service>-backup, <service>-backup-pre-upgrade)"
        "fix" "Choose another hook name, e.g. export; backup.preUpgradeHook already runs the backup before each upgrade.") -}}
{{- end -}}
{{- $ctx := $svc.root.AppPlatformResolved | default dict -}}
{{- if and $svc.path $ctx.byName -}}
  {{- $full := printf "%s-%s" $svc.name $name -}}
  {{- $parts := splitList "-" $full -}}
  {{- range $i := until (len $parts) -}}
    {{- $prefix := join "-" (slice $parts 0 (add1 $i)) -}}
    {{- $rest := join "-" (slice $parts (add1 $i)) -}}
    {{- $other := get $ctx.byName $prefix -}}
    {{- if and $other (ne $prefix $svc.name) $other.values.enabled -}}
      {{- if not $rest -}}
        {{- include "app-platform.errors.fail" (dict "path" $path "value" $name
              "problem" (printf "the hook's Job and component label %s would be those of service %q" $full $prefix)
              "fix" (printf "Rename the hook (e.g. %s-hook) or the service." $name)) -}}
      {{- else if has $rest (include "app-platform.hooks.names" $other | fromJsonArray) -}}
        {{- include "app-platform.errors.fail" (dict "path" $path "value" $name
              "problem" (printf "the hook's Job and component label %s would be those of hook %q of service %q" $full $rest $prefix)
              "fix" "Rename one of the two hooks.") -}}
      {{- end -}}
    {{- end -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.hooks.job: one hook Job from a resolved hook.
Usage: {{ include "app-platform.hooks.job" (list $svc "migrate" $hook) }}
*/}}
{{- define "app-platform.hooks.job" -}}
{{- $svc := index . 0 -}}
{{- $name := index . 1 -}}
{{- $h := index . 2 -}}
{{- $job := dict "backoffLimit" $h.backoffLimit "activeDeadlineSeconds" $h.activeDeadlineSeconds
      "ttlSecondsAfterFinished" nil "completions" 1 "parallelism" 1 "restartPolicy" "Never" -}}
{{- if hasKey $h "ttlSecondsAfterFinished" }}{{ $_ := set $job "ttlSecondsAfterFinished" $h.ttlSecondsAfterFinished }}{{ end -}}
{{- $over := dict "workloadType" "job" "command" $h.command "args" $h.args "env" $h.env
      "initContainers" list "sidecars" list "job" $job -}}
{{- if hasKey $h "image" }}{{ $_ := set $over "image" $h.image }}{{ end -}}
{{- with $h.podAnnotations }}{{ $_ := set $over "podAnnotations" . }}{{ end -}}
{{- $run := dict -}}
{{- $_ := include "app-platform.values.variant" (list $svc $name $over $run) -}}
{{- $ann := dict
      "helm.sh/hook" (join "," $h.events)
      "helm.sh/hook-weight" (include "app-platform.data.scalar" $h.weight)
      "helm.sh/hook-delete-policy" (join "," $h.deletePolicy) -}}
apiVersion: batch/v1
kind: Job
metadata: {{- include "app-platform.meta.object" (dict "svc" $run "name" $run.fullname "annotations" $ann) | nindent 2 }}
spec: {{- include "app-platform.workloads.jobSpec" $run | nindent 2 }}
{{- end -}}
