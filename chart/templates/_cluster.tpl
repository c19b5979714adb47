{{/*
Cluster: what the release needs from the cluster it goes to, checked once per render (from
app-platform.render.context, after the services are resolved), before Helm creates anything:
  - the cluster serves the kinds the enabled features render: ServiceMonitor and PrometheusRule
    (monitoring), HTTPRoute (route, canary), ExternalSecret at externalSecrets.apiVersion;
  - each storage class named in persistence.storageClass exists, and with storageClass: default the
    cluster has a default class (one look-up of the StorageClasses per render);
  - the Kubernetes version: Helm itself refuses a cluster outside Chart.yaml's kubeVersion before
    the chart renders, so the chart adds no check of its own.
Only with the cluster's own answers: `helm install` / `upgrade` and `--dry-run=server` (Helm 4;
Helm 3's `template --dry-run=server` uses built-in capabilities). Offline `helm template` has none
(its .Capabilities are Helm's defaults, without apiregistration.k8s.io/v1, which every API server
serves), and the checks are skipped silently. global.clusterChecks: false skips them too (for example when
the installing account may not read StorageClasses).
*/}}

{{/*
app-platform.cluster.online: "true" when .Capabilities come from the API server (apiregistration
is served by every kube-apiserver and is not among Helm's built-in defaults).
*/}}
{{- define "app-platform.cluster.online" -}}
{{- if .Capabilities.APIVersions.Has "apiregistration.k8s.io/v1" }}true{{ end -}}
{{- end -}}

{{/*
app-platform.cluster.check: every prerequisite of the resolved services; fails with the first one
the cluster does not meet. Usage: {{- include "app-platform.cluster.check" (list $ $ctx) }}
*/}}
{{- define "app-platform.cluster.check" -}}
{{- $root := index . 0 -}}
{{- $ctx := index . 1 -}}
{{- if and (ne (toString ($root.Values.global).clusterChecks) "false") (include "app-platform.cluster.online" $root) -}}
{{- $kinds := dict -}}{{- /* "group/version/Kind" → {path, value, feature} of the first service needing it */ -}}
{{- $classes := dict -}}{{- /* storage class → {path, value} */ -}}
{{- range $svc := $ctx.services -}}
  {{- $v := $svc.values -}}
  {{- $p := $svc.path -}}
  {{- if include "app-platform.monitoring.applies" $svc -}}
    {{- $need := dict "path" (printf "%smonitoring.enabled" $p) "value" true "feature" "monitoring" -}}
    {{- if $v.service.enabled }}{{ $_ := set $kinds "monitoring.coreos.com/v1/ServiceMonitor" (get $kinds "monitoring.coreos.com/v1/ServiceMonitor" | default $need) }}{{ end -}}
    {{- $_ := set $kinds "monitoring.coreos.com/v1/PrometheusRule" (get $kinds "monitoring.coreos.com/v1/PrometheusRule" | default $need) -}}
  {{- end -}}
  {{- if and ($v.route).enabled (include "app-platform.ingress.applies" $svc) -}}
    {{- $_ := set $kinds "gateway.networking.k8s.io/v1/HTTPRoute" (get $kinds "gateway.networking.k8s.io/v1/HTTPRoute" | default (dict "path" (printf "%sroute.enabled" $p) "value" true "feature" "route")) -}}
  {{- end -}}
  {{- with ($v.externalSecrets).secrets -}}
    {{- $gvk := printf "%s/ExternalSecret" $v.externalSecrets.apiVersion -}}
    {{- $_ := set $kinds $gvk (get $kinds $gvk | default (dict "path" (printf "%sexternalSecrets.apiVersion" $p) "value" $v.externalSecrets.apiVersion "feature" "externalSecrets")) -}}
  {{- end -}}
  {{- $pv := $v.persistence | default dict -}}
  {{- if and $pv.enabled (not $pv.existingClaim) (ne $pv.storageClass "-") (has $v.workloadType (list "deployment" "statefulset" "job" "cronjob")) -}}
    {{- $_ := set $classes $pv.storageClass (get $classes $pv.storageClass | default (dict "path" (printf "%spersistence.storageClass" $p) "value" $pv.storageClass)) -}}
  {{- end -}}
{{- end -}}
{{- $fixes := dict
      "monitoring" "Install the Prometheus Operator's CRDs (monitoring.coreos.com, e.g. with kube-prometheus-stack), or set %smonitoring.enabled: false."
      "route" "Install the Gateway API CRDs (gateway.networking.k8s.io, standard channel), or set %sroute.enabled: false (and canary.enabled: false)."
      "externalSecrets" "Install the External Secrets Operator, or set %sexternalSecrets.apiVersion to the version it serves (external-secrets.io/v1 from operator 0.16, v1beta1 before)." -}}
{{- range $gvk := keys $kinds | sortAlpha -}}
  {{- if not ($root.Capabilities.APIVersions.Has $gvk) -}}
    {{- $need := get $kinds $gvk -}}
    {{- $parts := splitList "/" $gvk -}}
    {{- include "app-platform.errors.fail" (dict "path" $need.path "value" $need.value
          "problem" (printf "the cluster does not serve %s (%s/%s), which %s renders" (last $parts) (index $parts 0) (index $parts 1) $need.feature)
          "fix" (printf (get $fixes $need.feature) (include "app-platform.cluster.prefix" $need.path))) -}}
  {{- end -}}
{{- end -}}
{{- if $classes -}}
  {{- $found := lookup "storage.k8s.io/v1" "StorageClass" "" "" -}}
  {{- if hasKey $found "items" -}}{{- /* a list from the API server (offline, lookup gives {}) */ -}}
  {{- $list := $found.items | default list -}}
  {{- $names := list -}}
  {{- $default := "" -}}
  {{- range $list -}}
    {{- $names = append $names .metadata.name -}}
    {{- $ann := .metadata.annotations | default dict -}}
    {{- if or (eq (get $ann "storageclass.kubernetes.io/is-default-class") "true") (eq (get $ann "storageclass.beta.kubernetes.io/is-default-class") "true") }}{{ $default = .metadata.name }}{{ end -}}
  {{- end -}}
  {{- range $class := keys $classes | sortAlpha -}}
    {{- $need := get $classes $class -}}
    {{- if and (eq $class "default") (not $default) -}}
      {{- include "app-platform.errors.fail" (dict "path" $need.path "value" $class
            "problem" "the cluster has no default StorageClass, so the claim would stay Pending"
            "fix" (printf "Set %s to one of: %s (or \"-\" to bind pre-created PersistentVolumes)." $need.path (join ", " ($names | sortAlpha)))) -}}
    {{- else if and (ne $class "default") (not (has $class $names)) -}}
      {{- include "app-platform.errors.fail" (dict "path" $need.path "value" $class
            "problem" "the cluster has no StorageClass of that name, so the claim would stay Pending"
            "fix" (printf "Set %s to one of: %s, \"default\" (the cluster's default%s) or \"-\" (pre-created PersistentVolumes)." $need.path (join ", " ($names | sortAlpha)) (ternary (printf ", %s" $default) " class" (ne $default "")))) -}}
    {{- end -}}
  {{- end -}}
  {{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* app-platform.cluster.prefix: "services.<name>." of a value path, or "" at the top level. */}}
{{- define "app-platform.cluster.prefix" -}}
{{- if hasPrefix "services." . }}{{ printf "services.%s." (index (splitList "." .) 1) }}{{ end -}}
{{- end -}}
