{{/*
Values: turns .Values into the list of services to render, once per render (app-platform.render.context
keeps the result on the root context for every template file).

Each service is a dict:
  name      service name (the key under services, or nameOverride / the chart name or alias)
  fullname  object base name of the service (app-platform.names.*)
  serviceName  name of its main Service (service.name, else fullname)
  mainPort  the main container port {name, port, protocol, appProtocol} (app-platform.shape.service)
  path      prefix of its value paths in messages: "" or "services.<name>."
  values    its merged values (top level, then global service defaults, then services.<name>)
  root      the chart's root context ($)
  global    .Values.global (never nil)
  selector  immutable selector labels (dict)      labels  all labels of its objects (dict)
  image     {ref, tag, pullPolicy} of the main container
  dependencies  resolved dependsOn: [{name, host, port, external, target (a service)}]
  dependents    the services whose dependsOn names this one (the reverse edges)
Work per service is constant: no helper searches the whole set from inside a per-service helper.
The only cross-service data is the index built here (byName), passed down with each service.
*/}}

{{/*
app-platform.values.resolve: fills $out.services (sorted by name), $out.byName and $out.names.
Usage:
  {{- $ctx := dict }}{{- $_ := include "app-platform.values.resolve" (list $ $ctx) }}
  {{- range $svc := $ctx.services }} ... {{ end }}
*/}}
{{- define "app-platform.values.resolve" -}}
{{- $root := index . 0 -}}
{{- $out := index . 1 -}}
{{- $global := $root.Values.global | default dict -}}
{{- $top := omit $root.Values "global" "services" "nameOverride" "fullnameOverride" "naming" -}}
{{- with include "app-platform.values.withGlobalDefaults" (list $root $top $global) }}{{ $top = fromJson . }}{{ end -}}
{{- $base := include "app-platform.names.base" $root -}}
{{- $declared := $root.Values.services | default dict -}}
{{- $services := list -}}
{{- $byName := dict -}}
{{- if $declared -}}
  {{- range $name := keys $declared | sortAlpha -}}
    {{- $v := omit $top -}}
    {{- $_ := include "app-platform.data.mergeOver" (list $v $top (get $declared $name | default dict)) -}}
    {{- $full := ternary $name (printf "%s-%s" $base $name) (eq (toString $root.Values.naming) "service") -}}
    {{- $svc := dict "name" $name "path" (printf "services.%s." $name) "values" $v
          "fullname" (include "app-platform.names.fit" ($v.objectName | default $full)) -}}
    {{- $_ := set $byName $name $svc -}}
    {{- if $v.enabled }}{{ $services = append $services $svc }}{{ end -}}
  {{- end -}}
{{- else -}}
  {{- $name := $root.Values.nameOverride | default $root.Chart.Name -}}
  {{- $svc := dict "name" $name "path" "" "values" $top "fullname" (include "app-platform.names.fit" ($top.objectName | default $base)) -}}
  {{- $_ := set $byName $name $svc -}}
  {{- if $top.enabled }}{{ $services = append $services $svc }}{{ end -}}
{{- end -}}
{{- $cache := dict -}}
{{- range $svc := $services -}}
  {{- include "app-platform.compat.apply" (list $svc $root $cache) -}}
  {{- if ($svc.values.externalSecrets).secrets }}{{ include "app-platform.secrets.wire" $svc }}{{ end -}}
  {{- $_ := set $svc "root" $root -}}
  {{- $_ := set $svc "global" $global -}}
  {{- $_ := set $svc "image" (include "app-platform.images.resolve" (list $svc.values.image $global) | fromJson) -}}
  {{- $_ := include "app-platform.labels.set" $svc -}}
  {{- include "app-platform.shape.service" $svc -}}
{{- end -}}
{{- include "app-platform.names.unique" $services -}}
{{- $_ := set $out "services" $services -}}
{{- $_ := set $out "byName" $byName -}}
{{- $_ := set $out "names" (keys $byName | sortAlpha) -}}
{{- $errors := dict "list" list -}}
{{- range $svc := $services -}}
  {{- $_ := set $svc "dependents" list -}}
  {{- $_ := set $svc "errors" $errors -}}
{{- end -}}
{{- range $svc := $services -}}
  {{- include "app-platform.validate.service" (list $svc $out) -}}
  {{- range $dep := $svc.dependencies -}}
    {{- if not $dep.external }}{{ $_ := set $dep.target "dependents" (append $dep.target.dependents $svc) }}{{ end -}}
  {{- end -}}
{{- end -}}
{{- with $errors.list }}{{ fail (join "\n" .) }}{{ end -}}
{{- end -}}

{{/*
app-platform.values.withGlobalDefaults: applies service keys found in global (for example
global.monitoring or global.security, shared by every alias of an umbrella chart) as defaults:
above the chart's own values.yaml, below anything the team set at the top level.
A top-level value counts as "set by the team" when it differs from values.yaml.
Prints the new top level as JSON, or nothing when global holds no service key.
*/}}
{{- define "app-platform.values.withGlobalDefaults" -}}
{{- $root := index . 0 -}}
{{- $top := index . 1 -}}
{{- $overlay := dict -}}
{{- range $k, $v := index . 2 -}}
  {{- if and (hasKey $top $k) (not (has $k (list "imagePullSecrets" "enabled"))) -}}
    {{- $_ := set $overlay $k $v -}}
  {{- end -}}
{{- end -}}
{{- if $overlay -}}
  {{- $top = deepCopy $top -}}
  {{- $_ := include "app-platform.values.overlay" (list $top $overlay (include "app-platform.values.chartDefaults" $root | fromYaml)) -}}
  {{- toJson $top -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.values.overlay: puts global's service keys (overlay) into the top level (dst) in
place, key by key: a map merges recursively; any other value is taken only where dst does not have
the key or still holds the chart's own default (chartDefaults, the same subtree of values.yaml), so
a value the team set wins over global. dst must be a copy the caller owns (withGlobalDefaults
deep-copies the top level first): maps in dst are written into.
Usage: {{- $_ := include "app-platform.values.overlay" (list $dst $overlay $chartDefaults) }}
*/}}
{{- define "app-platform.values.overlay" -}}
{{- $dst := index . 0 -}}
{{- $chartDefaults := index . 2 -}}
{{- range $k, $v := index . 1 -}}
  {{- $d := get $chartDefaults $k -}}
  {{- if and (kindIs "map" $v) (kindIs "map" (get $dst $k)) -}}
    {{- $_ := include "app-platform.values.overlay" (list (get $dst $k) $v (ternary $d dict (kindIs "map" $d))) -}}
  {{- else if or (not (hasKey $dst $k)) (eq (toJson (get $dst $k)) (toJson $d)) -}}
    {{- $_ := set $dst $k $v -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.values.variant: a service seen through another job: hooks, helm test pods and
backups run "as" the service (same security, pull secrets, env, volumes, scheduling) with some
values replaced. The variant gets its own name (<service>-<suffix>) and component label, so its
pods never match the service's selector, no dependsOn waits, and no claim of the service's
(persistence is off unless the overrides turn it on: a statefulset's claims belong to its pods).
Usage:
  {{- $hook := dict }}
  {{- $_ := include "app-platform.values.variant" (list $svc "migrate" (dict "workloadType" "job" "command" $cmd) $hook) }}
  {{- include "app-platform.pod.template" $hook }}
*/}}
{{- define "app-platform.values.variant" -}}
{{- $svc := index . 0 -}}
{{- $suffix := index . 1 -}}
{{- $overrides := index . 2 -}}
{{- $out := index . 3 -}}
{{- $own := dict "containerName" "" "persistence" (set (set (omit $svc.values.persistence "enabled" "existingClaim") "enabled" false) "existingClaim" "") -}}{{- /* not sprig merge: it lets a true overwrite the false */ -}}
{{- $_ := include "app-platform.data.merge" (list $own $own $overrides) -}}
{{- $v := omit $svc.values -}}
{{- $_ := include "app-platform.data.mergeOver" (list $v $svc.values $own) -}}
{{- $name := include "app-platform.names.component" (list $svc.name $suffix) -}}
{{- range $k, $x := $svc }}{{ $_ := set $out $k $x }}{{ end -}}
{{- $_ := set $out "name" $name -}}
{{- $_ := set $out "fullname" (include "app-platform.names.suffixed" (list $svc $suffix)) -}}
{{- $_ := set $out "serviceName" $out.fullname -}}
{{- $_ := set $out "values" $v -}}
{{- $_ := set $out "dependencies" list -}}
{{- $_ := set $out "owner" ($svc.owner | default $svc) -}}{{- /* the service whose ConfigMap and ServiceAccount its pods use */ -}}
{{- if hasKey $overrides "image" -}}
  {{- $_ := set $out "image" (include "app-platform.images.resolve" (list $v.image $svc.global) | fromJson) -}}
{{- end -}}
{{- $_ := include "app-platform.labels.set" $out -}}
{{- end -}}
