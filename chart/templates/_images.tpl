{{/*
Images: one parser for every image field (main container, init containers, sidecars, hooks, tests).
An image is "repository[:tag][@digest]" or {registry, repository, tag, digest, pullPolicy}.
global.imageRegistry is prepended when the repository names no registry of its own; the pull
policy is the image's own, else global.imagePullPolicy, else IfNotPresent.
*/}}

{{/*
app-platform.images.resolve: prints {"ref", "tag", "pullPolicy"} as JSON.
Usage: {{- $img := include "app-platform.images.resolve" (list $image $global) | fromJson }}
*/}}
{{- define "app-platform.images.resolve" -}}
{{- $image := index . 0 -}}
{{- $global := index . 1 -}}
{{- $registry := $global.imageRegistry | default "" -}}
{{- $repository := "" -}}{{- $tag := "" -}}{{- $digest := "" -}}{{- $pullPolicy := $global.imagePullPolicy | default "IfNotPresent" -}}
{{- if kindIs "map" $image -}}
  {{- $repository = $image.repository | default "" -}}
  {{- $tag = include "app-platform.data.scalar" $image.tag -}}
  {{- $digest = $image.digest | default "" -}}
  {{- $registry = $image.registry | default $registry -}}
  {{- $pullPolicy = $image.pullPolicy | default $pullPolicy -}}
{{- else -}}
  {{- $rest := include "app-platform.data.scalar" $image -}}
  {{- if contains "@" $rest -}}
    {{- $parts := splitn "@" 2 $rest -}}
    {{- $rest = $parts._0 -}}{{- $digest = $parts._1 -}}
  {{- end -}}
  {{- $last := last (splitList "/" $rest) -}}
  {{- if contains ":" $last -}}
    {{- $tag = last (splitList ":" $last) -}}
    {{- $rest = trimSuffix (printf ":%s" $tag) $rest -}}
  {{- end -}}
  {{- $repository = $rest -}}
{{- end -}}
{{- $first := first (splitList "/" $repository) -}}
{{- $hasRegistry := and (contains "/" $repository) (or (contains "." $first) (contains ":" $first) (eq $first "localhost")) -}}
{{- $ref := $repository -}}
{{- if and $registry (not $hasRegistry) }}{{ $ref = printf "%s/%s" (trimSuffix "/" $registry) $repository }}{{ end -}}
{{- if $tag }}{{ $ref = printf "%s:%s" $ref $tag }}{{ end -}}
{{- if $digest }}{{ $ref = printf "%s@%s" $ref $digest }}{{ end -}}
{{- dict "ref" $ref "tag" $tag "pullPolicy" $pullPolicy | toJson -}}
{{- end -}}
