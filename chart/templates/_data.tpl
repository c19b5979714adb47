{{/*
Data: generic helpers on values data, used by every area: the merge rule and how a scalar is
printed. They know nothing of services, objects or the chart's values.
*/}}

{{/*
app-platform.data.merge: fills dst with base overridden by over, the documented rule:
maps merge key by key, recursively; any other value replaces (false, 0 and "" included);
null removes the key. Unlike sprig's merge/mergeOverwrite, false and 0 do override.
Copy on write: subtrees that over does not touch are shared with base, never copied, so
resolved values are read-only by convention.
Usage: {{- $merged := dict }}{{- $_ := include "app-platform.data.merge" (list $merged $base $over) }}
*/}}
{{- define "app-platform.data.merge" -}}
{{- $dst := index . 0 -}}
{{- range $k, $v := index . 1 }}{{ $_ := set $dst $k $v }}{{ end -}}
{{- include "app-platform.data.mergeOver" . -}}
{{- end -}}

{{/*
app-platform.data.mergeOver: the second half of app-platform.data.merge, for a dst that already
holds base's keys (a copy made with `omit $base`, which copies a map in one call where a range of
`set`s costs one template call per key: the merge is the helper called most often).
Usage: {{- $merged := omit $base }}{{- $_ := include "app-platform.data.mergeOver" (list $merged $base $over) }}
*/}}
{{- define "app-platform.data.mergeOver" -}}
{{- $dst := index . 0 -}}
{{- $base := index . 1 -}}
{{- range $k, $v := index . 2 -}}
  {{- if kindIs "map" $v -}}
    {{- $b := get $base $k -}}
    {{- if not (kindIs "map" $b) -}}
      {{- $_ := set $dst $k $v -}}
    {{- else if $b -}}
      {{- $sub := omit $b -}}
      {{- $_ := include "app-platform.data.mergeOver" (list $sub $b $v) -}}
      {{- $_ := set $dst $k $sub -}}
    {{- else -}}{{- /* over an empty map: over's map without its nulls (what the recursion gives) */ -}}
      {{- $sub := omit $v -}}
      {{- range $k2, $v2 := $v }}{{ if kindIs "invalid" $v2 }}{{ $_ := unset $sub $k2 }}{{ end }}{{ end -}}
      {{- $_ := set $dst $k $sub -}}
    {{- end -}}
  {{- else if kindIs "invalid" $v -}}
    {{- $_ := unset $dst $k -}}
  {{- else -}}
    {{- $_ := set $dst $k $v -}}
  {{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.data.memo: the output of a helper, printed once per render for each key: kept in the
render's memo ($.AppPlatformMemo, made by app-platform.render.context before the services are
resolved; the first argument is the chart's root context). The key must say everything the output depends on
(for example the argument as JSON); use it for helpers called often with the same argument whose
work (toYaml, a regular expression) costs more than the look-up.
Usage: {{ include "app-platform.data.memo" (list $svc.root "app-platform.some.helper" $arg $key) }}
*/}}
{{- define "app-platform.data.memo" -}}
{{- $memo := (index . 0).AppPlatformMemo -}}
{{- $key := printf "%s %s" (index . 1) (index . 3) -}}
{{- if not (hasKey $memo $key) }}{{ $_ := set $memo $key (include (index . 1) (index . 2)) }}{{ end -}}
{{- get $memo $key -}}
{{- end -}}

{{/*
app-platform.data.yaml: toYaml of a value, printed once per render for each value: Helm's toYaml
is JSON first, then YAML, so values with the same JSON print the same YAML and the JSON is the
key (toJson costs a fraction of toYaml). For what many objects print alike: selectors, hook
annotations, the helm test script, env sources. Usage: {{ include "app-platform.data.yaml" (list $svc.root $value) }}
*/}}
{{- define "app-platform.data.yaml" -}}
{{- include "app-platform.data.memo" (list (index . 0) "app-platform.data.toYaml" (index . 1) (toJson (index . 1))) -}}
{{- end -}}

{{/* app-platform.data.toYaml: toYaml, as a helper for app-platform.data.yaml. */}}
{{- define "app-platform.data.toYaml" -}}
{{- toYaml . -}}
{{- end -}}

{{/*
app-platform.data.scalar: a scalar as Helm users expect to read it: whole numbers without an
exponent (20250811, never 2.0250811e+07), null as "".
Usage: {{ include "app-platform.data.scalar" $v.port }}
*/}}
{{- define "app-platform.data.scalar" -}}
{{- if kindIs "invalid" . -}}
{{- else if and (kindIs "float64" .) (eq (floor .) .) -}}
{{- printf "%d" (int64 .) -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.data.stringMap: a map of strings as block YAML, keys sorted, every key and value a
JSON string (valid YAML whatever it holds). toYaml would do, at about ten times the cost: it is
the slowest step of printing an object, and labels, selectors and pod annotations are printed
for every object.
Usage: labels: {{- include "app-platform.data.stringMap" $labels | nindent 2 }}
*/}}
{{- define "app-platform.data.stringMap" -}}
{{- range $k, $v := . }}
{{ toJson $k }}: {{ toJson $v }}
{{- end }}
{{- end -}}

{{/*
app-platform.data.resources: requests and limits as block YAML, each amount as JSON (a string stays
a string, a number a number). The schema allows only known resource names as keys.
Usage: resources: {{- include "app-platform.data.resources" $v.resources | nindent 4 }}
*/}}
{{- define "app-platform.data.resources" -}}
{{- range $part, $list := . }}
{{ $part }}:
  {{- range $k, $q := $list }}
  {{ $k }}: {{ toJson $q }}
  {{- end }}
{{- end }}
{{- end -}}
