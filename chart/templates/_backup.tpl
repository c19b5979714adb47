{{/*
Backup: a CronJob per statefulset with backup.enabled, and optionally the same job as a Helm
pre-upgrade hook. Both run "as" the service through app-platform.values.variant (its security,
pull secrets, env, volumes and scheduling; no API token, no dependsOn waits, no claim of the
service's: they reach the data over the network, through the service's Service; so a user or
group id below 10000, which is the data's, becomes 10001) with the
backup's image, command, schedule and resources, the keys of backup.targetSecret as environment
(envFrom) or, with targetSecretMountPath, as files there (volume backup-target), and
BACKUP_SOURCE_HOST / BACKUP_SOURCE_PORT naming the Service to back up.
Their pods carry the component label <service>-backup, which the service's NetworkPolicy admits
(app-platform.networkpolicy.helpers).
*/}}

{{/*
app-platform.backup.enabled: "true" when the service gets backups, after checking what the
schema cannot: statefulsets only, and image, command and targetSecret are set.
*/}}
{{- define "app-platform.backup.enabled" -}}
{{- $b := .values.backup | default dict -}}
{{- if $b.enabled -}}
{{- $p := .path -}}
{{- if ne .values.workloadType "statefulset" -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sbackup.enabled" $p) "value" $b.enabled
        "problem" (printf "backup is for statefulsets (the data they keep in their claims), and this service is a %s" .values.workloadType)
        "fix" (printf "Set %sbackup.enabled: false, or use workloadType: statefulset with persistence." $p)) -}}
{{- end -}}
{{- $examples := dict "image" "postgres:16.4-alpine" "command" "[\"/scripts/backup.sh\"]" "targetSecret" "shop-db-backup-s3" -}}
{{- range $key := list "image" "command" "targetSecret" -}}
  {{- $example := get $examples $key -}}
  {{- if not (get $b $key) -}}
  {{- include "app-platform.errors.fail" (dict "path" (printf "%sbackup.%s" $p $key) "value" (get $b $key)
        "problem" (printf "backup is enabled without %s" (get (dict "image" "an image to run" "command" "a command to run" "targetSecret" "a Secret naming where backups go") $key))
        "fix" (printf "Set %sbackup.%s, e.g. %s, or set %sbackup.enabled: false." $p $key $example $p)) -}}
  {{- end -}}
{{- end -}}
true
{{- end -}}
{{- end -}}

{{/*
app-platform.backup.variant: fills $out with the service as its backup job runs it.
workloadType is "cronjob" (the schedule) or "job" (the hook).
Usage: {{- $b := dict }}{{- $_ := include "app-platform.backup.variant" (list $svc "cronjob" $b) }}
*/}}
{{- define "app-platform.backup.variant" -}}
{{- $svc := index . 0 -}}
{{- $v := $svc.values -}}
{{- $b := $v.backup -}}
{{- $host := ternary $svc.fullname (include "app-platform.names.suffixed" (list $svc "headless")) (not (not $v.service.enabled)) -}}
{{- /* ids below 10000 (a database image's own user) are the data's, which the backup reaches over the network */ -}}
{{- $ids := dict -}}
{{- range $k := list "runAsUser" "runAsGroup" "fsGroup" -}}
  {{- $id := int64 (get $v.security $k) -}}
  {{- $_ := set $ids $k (ternary $id 10001 (ge $id 10000)) -}}
{{- end -}}
{{- $overrides := dict
      "workloadType" (index . 1)
      "image" $b.image
      "command" $b.command
      "args" list
      "ports" list
      "monitoring" (dict "enabled" false)
      "initContainers" list
      "sidecars" list
      "env" (dict "BACKUP_SOURCE_HOST" $host "BACKUP_SOURCE_PORT" (include "app-platform.data.scalar" ($v.service.port | default $v.port)))
      "envFrom" (ternary ($v.envFrom | default list) (concat ($v.envFrom | default list) (list (dict "secretRef" (dict "name" $b.targetSecret)))) (not (not $b.targetSecretMountPath)))
      "volumes" (ternary (concat ($v.volumes | default list) (list (dict "name" "backup-target" "mountPath" $b.targetSecretMountPath "readOnly" true "secret" (dict "secretName" $b.targetSecret)))) ($v.volumes | default list) (not (not $b.targetSecretMountPath)))
      "resources" ($b.resources | default dict)
      "cronjob" (dict "schedule" $b.schedule)
      "rbac" (dict "enabled" false)
      "serviceAccount" (dict "create" false "automountToken" false "name" (include "app-platform.pod.serviceAccountName" $svc))
      "security" $ids -}}
{{- $_ := include "app-platform.values.variant" (list $svc "backup" $overrides (index . 2)) -}}
{{- end -}}

{{/* app-platform.backup.cronjob: the CronJob <fullname>-backup. */}}
{{- define "app-platform.backup.cronjob" -}}
{{- if include "app-platform.backup.enabled" . -}}
{{- $job := dict -}}
{{- $_ := include "app-platform.backup.variant" (list . "cronjob" $job) -}}
{{- include "app-platform.workloads.cronjob" $job -}}
{{- end -}}
{{- end -}}

{{/*
app-platform.backup.hook: the pre-upgrade hook Job <fullname>-backup-pre-upgrade. Helm runs it
before applying an upgrade and waits for it: a failed backup stops the upgrade. The previous
hook Job is deleted before a new one is created, and a successful one when it is done.
*/}}
{{- define "app-platform.backup.hook" -}}
{{- if and (include "app-platform.backup.enabled" .) .values.backup.preUpgradeHook -}}
{{- $job := dict -}}
{{- $_ := include "app-platform.backup.variant" (list . "job" $job) -}}
apiVersion: batch/v1
kind: Job
metadata: {{- include "app-platform.meta.object" (dict "svc" $job "name" (include "app-platform.names.suffixed" (list . "backup-pre-upgrade"))
      "annotations" (dict "helm.sh/hook" "pre-upgrade" "helm.sh/hook-weight" "-5" "helm.sh/hook-delete-policy" "before-hook-creation,hook-succeeded")) | nindent 2 }}
spec: {{- include "app-platform.workloads.jobSpec" $job | nindent 2 }}
{{- end -}}
{{- end -}}
