{{/*
Tests: the Pods `helm test` runs (helm.sh/hook: test). One per long-running service with a
Service, named <service object name>-test. It runs as the service (a variant: its pull secrets,
scheduling and service account, its own component label) with the busybox image of tests.image,
the restricted security context as user and group 10001 whatever the service's (busybox needs no
particular user, and kube-score and checkov want ids of 10000 and above), no env, volumes, init containers or sidecars of the service,
and checks, retrying until tests.timeoutSeconds:
  1. the Service accepts connections on its port (nc -z);
  2. the readiness probe's path answers through the Service, when that probe is http;
  3. the metrics path answers on the port the ServiceMonitor scrapes, when monitoring is on.
A failing check exits 1 with a message naming the address it could not reach.
*/}}

{{/*
app-platform.tests.scannerExceptions: the scanners' checks that do not apply to a test Pod, each
skipped on the Pod with its reason (checkov.io/skipN: ID=reason). A test Pod runs its checks once
and exits: no Service routes to it and nothing restarts it, so readiness and liveness probes
(checkov CKV_K8S_8, CKV_K8S_9) have nothing to report to. kube-score asks for probes only on pods
a Service targets, so it needs no exception. JSON, merged into the Pod's annotations.
*/}}
{{- define "app-platform.tests.scannerExceptions" -}}
{{- dict
      "checkov.io/skip1" "CKV_K8S_8=a helm test Pod runs its checks once and exits; nothing would act on a liveness probe"
      "checkov.io/skip2" "CKV_K8S_9=a helm test Pod is in no Service, so a readiness probe gates nothing" | toJson -}}
{{- end -}}

{{/* app-platform.tests.applies: "true" when the service gets a test Pod. */}}
{{- define "app-platform.tests.applies" -}}
{{- if and (.values.tests).enabled (has .values.workloadType (list "deployment" "statefulset" "daemonset")) .values.service.enabled -}}true{{- end -}}
{{- end -}}

{{/* app-platform.tests.pod: the test Pod of a service, or nothing. Usage: include "app-platform.tests.pod" $svc */}}
{{- define "app-platform.tests.pod" -}}
{{- $v := .values -}}
{{- $t := $v.tests | default dict -}}
{{- if include "app-platform.tests.applies" . -}}
{{- $env := dict
      "SERVICE_HOST" .serviceName
      "SERVICE_PORT" (toString (int64 ($v.service.port | default $v.port)))
      "TIMEOUT" (include "app-platform.data.scalar" $t.timeoutSeconds) -}}
{{- $r := ($v.probes | default dict).readiness -}}
{{- if not (and $r (ne (toString $r.enabled) "false")) -}}
  {{- $_ := set $env "HEALTH_SKIP" "the service has no readiness probe" -}}
{{- else if ne (toString $r.type) "http" -}}
  {{- $_ := set $env "HEALTH_SKIP" (printf "the readiness probe is %s, not http" (toString $r.type)) -}}
{{- else -}}
  {{- $probePort := include "app-platform.data.scalar" ($r.port | default "http") -}}
  {{- with include "app-platform.tests.servicePort" (list . $probePort) -}}
    {{- $_ := set $env "HEALTH_URL" (printf "%s://%s:%s%s" (lower ($r.scheme | default "HTTP")) $.serviceName . ($r.path | default "/")) -}}
  {{- else -}}
    {{- $_ := set $env "HEALTH_SKIP" (printf "the readiness probe's port %s is not a port of the Service" $probePort) -}}
  {{- end -}}
{{- end -}}
{{- if include "app-platform.monitoring.applies" . -}}
  {{- $_ := set $env "METRICS_URL" (printf "http://%s:%s%s" .serviceName (include "app-platform.monitoring.servicePortNumber" .) $v.monitoring.path) -}}
{{- end -}}
{{- $overrides := dict
      "workloadType" "job"
      "image" $t.image
      "command" (list "sh" "-c" (include "app-platform.tests.script" .))
      "args" list
      "ports" list
      "volumes" list
      "initContainers" list
      "sidecars" list
      "resources" ($t.resources | default dict)
      "job" (dict "restartPolicy" "Never")
      "rbac" (dict "enabled" false)
      "serviceAccount" (dict "automountToken" false)
      "monitoring" (dict "enabled" false)
      "podAnnotations" ($t.podAnnotations | default dict)
      "security" (dict "runAsNonRoot" true "runAsUser" 10001 "runAsGroup" 10001 "fsGroup" 10001
        "readOnlyRootFilesystem" true "allowPrivilegeEscalation" false
        "seccompProfile" "RuntimeDefault" "addCapabilities" list "writableTmp" true) -}}
{{- $test := dict -}}
{{- $_ := include "app-platform.values.variant" (list . "test" $overrides $test) -}}
{{- /* the variant's values are its own dict: replace what a merge cannot remove */ -}}
{{- $_ := set $test.values "env" $env -}}
{{- $_ := unset $test.values "envFrom" -}}
{{- $_ := unset $test.values "configFiles" -}}
{{- include "app-platform.workloads.pod" (dict "svc" $test "annotations" (merge (dict
      "helm.sh/hook" "test"
      "helm.sh/hook-delete-policy" "before-hook-creation,hook-succeeded")
      (include "app-platform.tests.scannerExceptions" . | fromJson))) -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.tests.servicePort: the Service port number that reaches a container port (given by
name or number), or "" when the Service does not expose it. Usage: include (list $svc $port)
*/}}
{{- define "app-platform.tests.servicePort" -}}
{{- $svc := index . 0 -}}
{{- $want := toString (index . 1) -}}
{{- $v := $svc.values -}}
{{- $container := concat (list (dict "name" $svc.mainPort.name "port" $v.port)) ($v.ports | default list) -}}
{{- $service := list (dict "port" ($v.service.port | default $v.port) "target" ($v.service.targetPort | default $svc.mainPort.name)) -}}
{{- if eq $want "http" }}{{ $want = $svc.mainPort.name }}{{ end -}}
{{- range $v.service.ports }}{{ $service = append $service (dict "port" .port "target" (.targetPort | default .port)) }}{{ end -}}
{{- with include "app-platform.monitoring.containerPort" $svc | fromYamlArray }}{{ $container = concat $container (list (dict "name" (first .).name "port" (first .).containerPort)) }}{{ end -}}
{{- with include "app-platform.monitoring.servicePort" $svc | fromYamlArray }}{{ $service = append $service (dict "port" (first .).port "target" (first .).targetPort) }}{{ end -}}
{{- $ids := list $want -}}
{{- range $container -}}
  {{- $num := include "app-platform.data.scalar" .port -}}
  {{- if or (eq .name $want) (eq $num $want) }}{{ $ids = concat $ids (list .name $num) }}{{ end -}}
{{- end -}}
{{- $found := "" -}}
{{- range $service -}}
  {{- if and (not $found) (has (include "app-platform.data.scalar" .target) $ids) }}{{ $found = include "app-platform.data.scalar" .port }}{{ end -}}
{{- end -}}
{{- $found -}}
{{- end -}}

{{/* app-platform.tests.script: the checks (sh), configured through the container's environment. */}}
{{- define "app-platform.tests.script" -}}
deadline=$(( $(date +%s) + TIMEOUT ))
check() {
  what=$1
  shift
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "FAIL: $what did not answer within ${TIMEOUT}s" >&2
      exit 1
    fi
    sleep 2
  done
  echo "ok: $what answers"
}
check "tcp://$SERVICE_HOST:$SERVICE_PORT" nc -z -w 5 "$SERVICE_HOST" "$SERVICE_PORT"
if [ -n "${HEALTH_URL:-}" ]; then
  check "$HEALTH_URL" wget -q -T 5 -O /dev/null "$HEALTH_URL"
else
  echo "skipped: health endpoint (${HEALTH_SKIP:-})"
fi
if [ -n "${METRICS_URL:-}" ]; then
  check "$METRICS_URL" wget -q -T 5 -O /dev/null "$METRICS_URL"
fi
echo "all checks passed"
{{- end -}}
