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
{{- $base := index . 1 -}}
{{- range $k, $v := $base }}{{ $_ := set $dst $k $v }}{{ end -}}
{{- range $k, $v := index . 2 -}}
  {{- if kindIs "invalid" $v -}}
    {{- $_ := unset $dst $k -}}
  {{- else if and (kindIs "map" $v) (kindIs "map" (get $base $k)) -}}
    {{- $sub := dict -}}
    {{- $_ := include "app-platform.data.merge" (list $sub (get $base $k) $v) -}}
    {{- $_ := set $dst $k $sub -}}
  {{- else -}}
    {{- $_ := set $dst $k $v -}}
  {{- end -}}
{{- end -}}
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
