{{/* ---------------------------------------------------------------- names */}}

{{- define "kite.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kite.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kite.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <fullname>-<service>-<role>, kept under 63 characters. ctx: dict root svc role */}}
{{- define "kite.workloadName" -}}
{{- printf "%s-%s-%s" (include "kite.fullname" .root | trunc 40 | trimSuffix "-") .svc .role | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kite.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kite.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- labels */}}

{{- define "kite.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kite.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "kite.labels" -}}
helm.sh/chart: {{ include "kite.chart" . }}
{{ include "kite.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: kite
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels of one service's role. ctx: dict root svc role */}}
{{- define "kite.roleSelectorLabels" -}}
{{ include "kite.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
kite.dev/service: {{ .svc }}
{{- end -}}

{{- define "kite.roleLabels" -}}
{{ include "kite.labels" .root }}
app.kubernetes.io/component: {{ .role }}
kite.dev/service: {{ .svc }}
{{- end -}}

{{/* ---------------------------------------------------------------- image */}}

{{- define "kite.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{- printf "%s:%s@%s" $img.repository $img.tag $img.digest -}}
{{- else -}}
{{- printf "%s:%s" $img.repository $img.tag -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- topics */}}

{{- define "kite.topic" -}}
{{- printf "%s%s.events" .root.Values.kafka.topicPrefix .svc -}}
{{- end -}}

{{/* Partition count of a service's events topic. ctx: dict root svc */}}
{{- define "kite.partitions" -}}
{{- $cfg := index .root.Values.services .svc -}}
{{- $p := .root.Values.kafka.topics.partitions -}}
{{- if and $cfg.topic (not (kindIs "invalid" $cfg.topic.partitions)) -}}
{{- $p = $cfg.topic.partitions -}}
{{- end -}}
{{- int $p -}}
{{- end -}}

{{/* A DNS-1123 name for a Kafka topic resource. */}}
{{- define "kite.topicResourceName" -}}
{{- . | lower | replace "_" "-" | trunc 63 | trimSuffix "-" | trimSuffix "." -}}
{{- end -}}

{{/* ---------------------------------------------------------------- replicas */}}

{{/*
Smallest number of replicas a Deployment runs with: the HPA's or KEDA's minimum when one
of them owns the replica count, else `replicas`. ctx: dict root svc role
*/}}
{{- define "kite.minReplicas" -}}
{{- $cfg := index (index .root.Values.services .svc) .role -}}
{{- if and $cfg.autoscaling $cfg.autoscaling.enabled -}}
{{- int $cfg.autoscaling.minReplicas -}}
{{- else if and $cfg.keda $cfg.keda.enabled -}}
{{- int $cfg.keda.minReplicaCount -}}
{{- else -}}
{{- int $cfg.replicas -}}
{{- end -}}
{{- end -}}

{{- define "kite.scaledExternally" -}}
{{- $cfg := index (index .root.Values.services .svc) .role -}}
{{- if or (and $cfg.autoscaling $cfg.autoscaling.enabled) (and $cfg.keda $cfg.keda.enabled) -}}true{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- checks */}}

{{/* Everything that must fail the render with a clear message. */}}
{{- define "kite.validate" -}}
{{- $root := . -}}
{{- if not .Values.image.tag -}}
{{- fail "image.tag is required (an immutable tag of the Kite image)" -}}
{{- end -}}
{{- if and (not .Values.auth.jwksUrl) (not .Values.auth.jwtPublicKey) (not .Values.secrets.auth.existingSecret) -}}
{{- fail "auth: set auth.jwksUrl, auth.jwtPublicKey or secrets.auth.existingSecret, or no request can be authenticated" -}}
{{- end -}}
{{- if and (eq .Values.telemetry.exporter "otlp") (not .Values.telemetry.otlpEndpoint) -}}
{{- fail "telemetry.exporter is otlp: set telemetry.otlpEndpoint" -}}
{{- end -}}
{{- if and .Values.kafka.strimzi.users.enabled (not (hasPrefix "SASL" .Values.kafka.securityProtocol)) -}}
{{- fail "kafka.strimzi.users.enabled needs kafka.securityProtocol SASL_SSL or SASL_PLAINTEXT (the KafkaUsers authenticate with SCRAM-SHA-512)" -}}
{{- end -}}
{{- if and .Values.kafka.sasl.password .Values.kafka.sasl.existingSecret -}}
{{- fail "kafka.sasl: set either password or existingSecret, not both" -}}
{{- end -}}
{{- if and .Values.networkPolicy.enabled .Values.networkPolicy.webhooks.enabled (not .Values.networkPolicy.webhooks.to) -}}
{{- fail "networkPolicy.webhooks.enabled: list the webhook receivers in networkPolicy.webhooks.to (e.g. an ipBlock)" -}}
{{- end -}}
{{- if and .Values.services.notify.enabled (not .Values.secrets.webhook.existingSecret) -}}
{{- fail "secrets.webhook.existingSecret is required while notify is enabled (KITE_WEBHOOK_SIGNING_SECRET signs every webhook)" -}}
{{- end -}}
{{- $anyEnabled := false -}}
{{- range $svc, $cfg := .Values.services -}}
{{- if $cfg.enabled -}}
{{- $anyEnabled = true -}}
{{- if and $cfg.database.password $cfg.database.existingSecret -}}
{{- fail (printf "services.%s.database: set either password or existingSecret, not both" $svc) -}}
{{- end -}}
{{- if and $cfg.database.urlKey (not $cfg.database.existingSecret) -}}
{{- fail (printf "services.%s.database.urlKey needs services.%s.database.existingSecret" $svc $svc) -}}
{{- end -}}
{{- range $role := list "api" "consume" -}}
{{- $r := index $cfg $role -}}
{{- if and $r.enabled $r.autoscaling $r.autoscaling.enabled (gt (int $r.autoscaling.minReplicas) (int $r.autoscaling.maxReplicas)) -}}
{{- fail (printf "services.%s.%s.autoscaling: minReplicas (%d) is above maxReplicas (%d)" $svc $role (int $r.autoscaling.minReplicas) (int $r.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- end -}}
{{- range $role := list "api" "relay" "consume" -}}
{{- $r := index $cfg $role -}}
{{- $stop := int $r.preStopSleepSeconds -}}
{{- if eq $role "api" -}}{{- $stop = add $stop (int $r.drainSeconds) -}}{{- end -}}
{{- if and $r.enabled (ge $stop (int $r.terminationGracePeriodSeconds)) -}}
{{- fail (printf "services.%s.%s: terminationGracePeriodSeconds (%d) must be longer than preStopSleepSeconds%s (%d), or the pod is killed before it has drained" $svc $role (int $r.terminationGracePeriodSeconds) (ternary " + drainSeconds" "" (eq $role "api")) $stop) -}}
{{- end -}}
{{- end -}}
{{- $c := $cfg.consume -}}
{{- if and $c.enabled $c.keda.enabled -}}
{{- if $c.autoscaling.enabled -}}
{{- fail (printf "services.%s.consume: both autoscaling (HPA) and keda are enabled; only one may scale a workload" $svc) -}}
{{- end -}}
{{- if not $c.keda.consumerGroup -}}
{{- fail (printf "services.%s.consume.keda.consumerGroup is required (the consumer group whose lag is measured, e.g. %s.projections)" $svc $svc) -}}
{{- end -}}
{{- if gt (int $c.keda.minReplicaCount) (int $c.keda.maxReplicaCount) -}}
{{- fail (printf "services.%s.consume.keda: minReplicaCount (%d) is above maxReplicaCount (%d)" $svc (int $c.keda.minReplicaCount) (int $c.keda.maxReplicaCount)) -}}
{{- end -}}
{{- $topics := $c.keda.topics -}}
{{- if not $topics -}}
{{- $topics = list -}}
{{- range $other, $ocfg := $root.Values.services -}}
{{- if $ocfg.enabled -}}{{- $topics = append $topics $other -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- range $t := $topics -}}
{{- if not (hasKey $root.Values.services $t) -}}
{{- fail (printf "services.%s.consume.keda.topics: unknown service %q" $svc $t) -}}
{{- end -}}
{{- $parts := include "kite.partitions" (dict "root" $root "svc" $t) | int -}}
{{- if gt (int $c.keda.maxReplicaCount) $parts -}}
{{- fail (printf "services.%s.consume.keda.maxReplicaCount (%d) is above the partition count (%d) of topic %s; extra consumers would sit idle" $svc (int $c.keda.maxReplicaCount) $parts (include "kite.topic" (dict "root" $root "svc" $t))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and $c.enabled $c.autoscaling.enabled -}}
{{- $parts := int $root.Values.kafka.topics.partitions -}}
{{- if gt (int $c.autoscaling.maxReplicas) $parts -}}
{{- fail (printf "services.%s.consume.autoscaling.maxReplicas (%d) is above kafka.topics.partitions (%d); extra consumers would sit idle" $svc (int $c.autoscaling.maxReplicas) $parts) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $anyEnabled -}}
{{- fail "services: enable at least one of roster, casework, jobs, notify, identity" -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- pod parts */}}

{{- define "kite.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.fsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kite.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "kite.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpVolume.sizeLimit }}
{{- end -}}

{{- define "kite.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Heartbeat exec probe command for relay and consume. */}}
{{- define "kite.heartbeatCommand" -}}
- python
- -c
- "import os,sys,time; sys.exit(0 if time.time()-os.path.getmtime(os.environ.get('KITE_HEARTBEAT_FILE','/tmp/kite-heartbeat'))<60 else 1)"
{{- end -}}

{{/* Database environment of one service. ctx: dict root svc */}}
{{- define "kite.databaseEnv" -}}
{{- $root := .root -}}
{{- $db := (index $root.Values.services .svc).database -}}
{{- $pg := $root.Values.postgresql -}}
{{- if $db.urlKey }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.urlKey }}
{{- else }}
{{- $host := default $pg.host $db.host -}}
{{- $port := $pg.port -}}
{{- if not (kindIs "invalid" $db.port) }}{{- $port = $db.port -}}{{- end }}
- name: DATABASE_URL
  value: {{ printf "postgresql://%s@%s:%d/%s?sslmode=%s" $db.user $host (int $port) $db.name $pg.sslmode | quote }}
{{- if $db.existingSecret }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.passwordKey }}
{{- else if $db.password }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .credentialsSecret }}
      key: {{ printf "%s-database-password" .svc }}
{{- end }}
{{- end }}
- name: DATABASE_POOL_MIN
  value: {{ $pg.pool.min | quote }}
- name: DATABASE_POOL_MAX
  value: {{ $pg.pool.max | quote }}
{{- end -}}

{{/* Kafka credentials of one service. ctx: dict root svc */}}
{{- define "kite.kafkaEnv" -}}
{{- $root := .root -}}
{{- $k := $root.Values.kafka -}}
{{- if $k.strimzi.users.enabled }}
- name: KAFKA_SASL_USERNAME
  value: {{ include "kite.kafkaUserName" . | quote }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "kite.kafkaUserName" . }}
      key: password
{{- else }}
{{- if $k.sasl.username }}
- name: KAFKA_SASL_USERNAME
  value: {{ $k.sasl.username | quote }}
{{- end }}
{{- if $k.sasl.existingSecret }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $k.sasl.existingSecret }}
      key: {{ $k.sasl.passwordKey }}
{{- else if $k.sasl.password }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "kite.fullname" $root }}-credentials
      key: kafka-sasl-password
{{- end }}
{{- end }}
{{- end -}}

{{- define "kite.kafkaUserName" -}}
{{- printf "%s-%s" (include "kite.fullname" .root | trunc 50 | trimSuffix "-") .svc -}}
{{- end -}}

{{/* Keys from existing Secrets only. ctx: dict root svc */}}
{{- define "kite.secretEnv" -}}
{{- $s := .root.Values.secrets -}}
{{- if $s.auth.existingSecret }}
- name: KITE_AUTH_JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $s.auth.existingSecret }}
      key: {{ $s.auth.jwtSecretKey }}
{{- end }}
{{- if $s.crypto.existingSecret }}
- name: KITE_CRYPTO_DATA_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ $s.crypto.existingSecret }}
      key: {{ $s.crypto.dataKeysKey }}
- name: KITE_CRYPTO_HASH_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $s.crypto.existingSecret }}
      key: {{ $s.crypto.hashKeyKey }}
{{- if eq .svc "casework" }}
- name: KITE_CERT_SIGNING_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ $s.crypto.existingSecret }}
      key: {{ $s.crypto.certSigningKeysKey }}
{{- end }}
{{- if eq .svc "identity" }}
- name: KITE_IDENTITY_SIGNING_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ $s.crypto.existingSecret }}
      key: {{ $s.crypto.identitySigningKeysKey }}
{{- end }}
{{- end }}
{{- if and (eq .svc "notify") $s.webhook.existingSecret }}
- name: KITE_WEBHOOK_SIGNING_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $s.webhook.existingSecret }}
      key: {{ $s.webhook.signingSecretKey }}
{{- end }}
{{- end -}}

{{/* name: value map -> env list */}}
{{- define "kite.extraEnv" -}}
{{- range $k, $v := . }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod scheduling: spread over zones and nodes, plus user settings. ctx: dict root svc role */}}
{{- define "kite.scheduling" -}}
{{- $root := .root -}}
{{- if $root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  - topologyKey: topology.kubernetes.io/zone
    maxSkew: {{ $root.Values.topologySpread.zone.maxSkew }}
    whenUnsatisfiable: {{ $root.Values.topologySpread.zone.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "kite.roleSelectorLabels" . | nindent 8 }}
    matchLabelKeys: ["pod-template-hash"]
  - topologyKey: kubernetes.io/hostname
    maxSkew: {{ $root.Values.topologySpread.hostname.maxSkew }}
    whenUnsatisfiable: {{ $root.Values.topologySpread.hostname.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "kite.roleSelectorLabels" . | nindent 8 }}
    matchLabelKeys: ["pod-template-hash"]
{{- end }}
{{- with $root.Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rule for DNS. */}}
{{- define "kite.npDnsEgress" -}}
- to:
    {{- toYaml .Values.networkPolicy.dns.to | nindent 4 }}
  ports:
    {{- range .Values.networkPolicy.dns.ports }}
    - {protocol: UDP, port: {{ . }}}
    - {protocol: TCP, port: {{ . }}}
    {{- end }}
{{- end -}}
