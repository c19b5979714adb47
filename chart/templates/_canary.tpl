{{/*
Canary: a second version of a deployment service in the same release, behind the service's
Gateway API HTTPRoute. With canary.enabled the service gets, beside its own objects:
  Deployment  <fullname>-canary  canary.replicas pods of canary.image (or the service's image with
                                 canary.tag), otherwise the service's pod spec
  Service     <fullname>-canary  the same ports, selecting the canary pods only
  the HTTPRoute's second backendRef: weights 100 - canary.weight (the service's Service) and
  canary.weight (the canary's); Gateway API weights are proportional, 0 sends nothing
and, when the service has them, a NetworkPolicy and a ServiceMonitor of its own.
The canary is a service variant (app-platform.values.variant) with the component label
<service>-canary: the service's selector never matches canary pods and the canary's selector
never matches the service's pods. Nothing of the service's own objects depends on the canary
(names, labels, selectors, pod template), so turning it on or off or changing its weight never
restarts a stable pod. Promotion is a plain upgrade: image: <the canary's>, canary.enabled: false.
*/}}

{{/*
app-platform.canary.check: what the schema cannot say, once per service with canary.enabled
(app-platform.validate.service): a deployment, with an HTTPRoute to split the traffic, exactly
one of canary.image and canary.tag, and a component name (<service>-canary) nobody else has.
Usage: {{- include "app-platform.canary.check" (list $svc $ctx) }}
*/}}
{{- define "app-platform.canary.check" -}}
{{- $svc := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- $v := $svc.values -}}
{{- $c := $v.canary -}}
{{- $p := $svc.path -}}
{{- if ne $v.workloadType "deployment" -}}
  {{- include "app-platform.errors.add" (dict "into" $svc.errors "path" (printf "%scanary.enabled" $p) "value" $c.enabled
        "problem" (printf "a canary is a second Deployment beside a deployment service's, and this service is a %s" $v.workloadType)
        "fix" (printf "Set %scanary.enabled: false, or use workloadType: deployment." $p)) -}}
{{- else -}}
{{- if not (and ($v.route).enabled $v.service.enabled) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%scanary.enabled" $p) "value" $c.enabled
        "problem" (printf "a canary's share of the requests is set in the service's Gateway API HTTPRoute, and it has none (route.enabled %v, service.enabled %v)" (($v.route).enabled | default false) $v.service.enabled)
        "fix" (printf "Set %sroute.enabled: true with %sroute.parentRefs (the Gateway) and %sservice.enabled: true, or %scanary.enabled: false." $p $p $p $p)) -}}
{{- end -}}
{{- $image := not (empty $c.image) -}}
{{- $tag := ne (include "app-platform.data.scalar" $c.tag) "" -}}
{{- if eq $image $tag -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%scanary.image" $p) "value" (pick $c "image" "tag")
        "problem" (ternary "canary.image and canary.tag are both set: the canary runs one image" "a canary needs the image it tries out" $image)
        "fix" (printf "Set %scanary.image (e.g. ghcr.io/acme/shop:1.5.0) or %scanary.tag (the service's image at another tag, e.g. 1.5.0), not both." $p $p)) -}}
{{- end -}}
{{- $component := include "app-platform.names.component" (list $svc.name "canary") -}}
{{- $other := get $ctx.byName $component -}}
{{- if and $other ($other.values.enabled) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%scanary.enabled" $p) "value" $c.enabled
        "problem" (printf "the canary's objects and component label %s would be those of service %q" $component $component)
        "fix" "Rename that service, or turn the canary off.") -}}
{{- end -}}
{{- if hasKey ($v.hooks | default dict) "canary" -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%shooks.canary" $p) "value" (get $v.hooks "canary")
        "problem" (printf "with canary.enabled the component label %s belongs to the canary's pods" $component)
        "fix" "Rename the hook, e.g. canary-check.") -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.canary.run: the canary as a service variant (or nothing when canary is off), kept on
the service so the files that print its objects build it once. Prints "true" when there is one.
Usage: {{- if include "app-platform.canary.run" $svc }}{{ $canary := $svc.canaryRun }}...{{ end }}
*/}}
{{- define "app-platform.canary.run" -}}
{{- if and (.values.canary).enabled (eq .values.workloadType "deployment") -}}
{{- if not (hasKey . "canaryRun") -}}
  {{- $c := .values.canary -}}
  {{- $over := dict "replicas" $c.replicas "autoscaling" (dict "enabled" false) "pdb" (dict "enabled" false)
        "tests" (dict "enabled" false) "canary" (dict "enabled" false) -}}
  {{- if $c.image }}{{ $_ := set $over "image" $c.image }}{{ end -}}
  {{- $run := dict -}}
  {{- $_ := include "app-platform.values.variant" (list . "canary" $over $run) -}}
  {{- $_ := set $run "dependencies" .dependencies -}}{{- /* its pods wait for, and may reach, what the service's do */ -}}
  {{- $_ := set $run.values "hooks" dict -}}{{- /* the service's hooks run as the service only */ -}}
  {{- if not $c.image -}}
    {{- $tag := include "app-platform.data.scalar" $c.tag -}}
    {{- $ref := .image.ref -}}
    {{- if contains "@sha256:" $ref }}{{ $ref = regexReplaceAll "@sha256:[a-f0-9]+$" $ref "" }}{{ end -}}
    {{- if .image.tag }}{{ $ref = trimSuffix (printf ":%s" .image.tag) $ref }}{{ end -}}
    {{- $_ := set $run "image" (dict "ref" (printf "%s:%s" $ref $tag) "tag" $tag "pullPolicy" .image.pullPolicy) -}}
    {{- $_ := include "app-platform.labels.set" $run -}}
  {{- end -}}
  {{- $_ := set . "canaryRun" $run -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{/* app-platform.canary.deployment: the canary's Deployment. */}}
{{- define "app-platform.canary.deployment" -}}
{{- if include "app-platform.canary.run" . -}}
{{- include "app-platform.workloads.deployment" .canaryRun -}}
{{- end -}}
{{- end -}}

{{/* app-platform.canary.service: the canary's Service, the HTTPRoute's second backend. */}}
{{- define "app-platform.canary.service" -}}
{{- if include "app-platform.canary.run" . -}}
{{- include "app-platform.network.service" .canaryRun -}}
{{- end -}}
{{- end -}}

{{/* app-platform.canary.networkPolicy: the canary pods' NetworkPolicy (the service's rules). */}}
{{- define "app-platform.canary.networkPolicy" -}}
{{- if include "app-platform.canary.run" . -}}
{{- include "app-platform.networkpolicy.policy" .canaryRun -}}
{{- end -}}
{{- end -}}

{{/* app-platform.canary.serviceMonitor: scrapes the canary pods (through the canary's Service). */}}
{{- define "app-platform.canary.serviceMonitor" -}}
{{- if include "app-platform.canary.run" . -}}
{{- include "app-platform.monitoring.serviceMonitor" .canaryRun -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.canary.backendRefs: the HTTPRoute's backendRefs: the service's Service alone, or
with canary.enabled both, weighted 100 - canary.weight and canary.weight.
Usage: backendRefs: {{- include "app-platform.canary.backendRefs" $svc | nindent 8 }}
*/}}
{{- define "app-platform.canary.backendRefs" -}}
{{- $v := .values -}}
{{- $port := int64 ($v.service.port | default $v.port) -}}
- group: ""
  kind: Service
  name: {{ .serviceName }}
  port: {{ $port }}
{{- if include "app-platform.canary.run" . }}
{{- $w := int64 $v.canary.weight }}
  weight: {{ sub 100 $w }}
- group: ""
  kind: Service
  name: {{ .canaryRun.fullname }}
  port: {{ $port }}
  weight: {{ $w }}
{{- end }}
{{- end -}}
