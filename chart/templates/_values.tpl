{{/*
Values: turns .Values into the list of services to render, once per template file.

Each service is a dict:
  name      service name (the key under services, or nameOverride / the chart name or alias)
  fullname  object base name of the service (app-platform.names.*)
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
{{- $top := omit $root.Values "global" "services" "nameOverride" "fullnameOverride" -}}
{{- with include "app-platform.values.withGlobalDefaults" (list $root $top $global) }}{{ $top = fromJson . }}{{ end -}}
{{- $base := include "app-platform.names.base" $root -}}
{{- $declared := $root.Values.services | default dict -}}
{{- $services := list -}}
{{- $byName := dict -}}
{{- if $declared -}}
  {{- range $name := keys $declared | sortAlpha -}}
    {{- $v := deepCopy $top -}}
    {{- $_ := include "app-platform.values.merge" (list $v (get $declared $name | default dict)) -}}
    {{- $svc := dict "name" $name "path" (printf "services.%s." $name) "values" $v
          "fullname" (include "app-platform.names.fit" (printf "%s-%s" $base $name)) -}}
    {{- $_ := set $byName $name $svc -}}
    {{- if $v.enabled }}{{ $services = append $services $svc }}{{ end -}}
  {{- end -}}
{{- else -}}
  {{- $name := $root.Values.nameOverride | default $root.Chart.Name -}}
  {{- $svc := dict "name" $name "path" "" "values" $top "fullname" (include "app-platform.names.fit" $base) -}}
  {{- $_ := set $byName $name $svc -}}
  {{- if $top.enabled }}{{ $services = append $services $svc }}{{ end -}}
{{- end -}}
{{- range $svc := $services -}}
  {{- $_ := set $svc "root" $root -}}
  {{- $_ := set $svc "global" $global -}}
  {{- $_ := set $svc "image" (include "app-platform.images.resolve" (list $svc.values.image $global) | fromJson) -}}
  {{- $_ := set $svc "selector" (include "app-platform.labels.selector" $svc | fromYaml) -}}
  {{- $_ := set $svc "labels" (include "app-platform.labels.common" $svc | fromYaml) -}}
{{- end -}}
{{- $_ := set $out "services" $services -}}
{{- $_ := set $out "byName" $byName -}}
{{- $_ := set $out "names" (keys $byName | sortAlpha) -}}
{{- range $svc := $services -}}
  {{- $_ := set $svc "dependents" list -}}
{{- end -}}
{{- range $svc := $services -}}
  {{- include "app-platform.validate.service" (list $svc $out) -}}
  {{- range $dep := $svc.dependencies -}}
    {{- if not $dep.external }}{{ $_ := set $dep.target "dependents" (append $dep.target.dependents $svc) }}{{ end -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.values.merge: merges src into dst in place, the documented rule:
maps merge key by key, recursively; any other value replaces (false, 0 and "" included);
null removes the key. Unlike sprig's merge/mergeOverwrite, false and 0 do override.
Usage: {{- $_ := include "app-platform.values.merge" (list $dst $src) }}
*/}}
{{- define "app-platform.values.merge" -}}
{{- $dst := index . 0 -}}
{{- range $k, $v := index . 1 -}}
  {{- if kindIs "invalid" $v -}}
    {{- $_ := unset $dst $k -}}
  {{- else if and (kindIs "map" $v) (kindIs "map" (get $dst $k)) -}}
    {{- $_ := include "app-platform.values.merge" (list (get $dst $k) $v) -}}
  {{- else -}}
    {{- $_ := set $dst $k $v -}}
  {{- end -}}
{{- end -}}
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
app-platform.values.scalar: a scalar as Helm users expect to read it: whole numbers without an
exponent (20250811, never 2.0250811e+07), null as "".
*/}}
{{- define "app-platform.values.scalar" -}}
{{- if kindIs "invalid" . -}}
{{- else if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- printf "%d" (int64 .) -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}
