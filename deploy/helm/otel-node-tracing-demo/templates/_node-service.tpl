{{/*
One Node service: a Deployment and its Service. Called by frontend.yaml, users-service.yaml and
posts-service.yaml with:
  root: $   component: the service's name   port: its HTTP port   replicas
  grpcPort, grpcService: optional, a second port served over gRPC, and the service its readiness asks
    grpc.health.v1 about (posts-service)
  env: the service's own environment, a list of {name, value} or {name, valueFrom}
The OTEL_* environment is compose's x-node-environment; the pod's identity comes from the
downward API and becomes resource attributes, so no code in the service knows about Kubernetes.
*/}}
{{- define "demo.nodeService" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $labels := dict "root" $root "component" .component "replicas" .replicas -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .component }}
  labels:
    {{- include "demo.labels" $labels | nindent 4 }}
spec:
  replicas: {{ .replicas }}
  {{- include "demo.keepCapacity" . | nindent 2 }}
  selector:
    matchLabels:
      {{- include "demo.selectorLabels" $labels | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "demo.selectorLabels" $labels | nindent 8 }}
    spec:
      automountServiceAccountToken: false
      # SIGKILL only for a process that hung: past its drain and its own shutdown bound (8 s).
      terminationGracePeriodSeconds: {{ add $values.lifecycle.drainSeconds 10 }}
      {{- include "demo.topologySpread" $labels | nindent 6 }}
      securityContext:
        {{- include "demo.podSecurityContext" (dict "uid" 1000) | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ printf "%s%s:%s" $values.images.services.repositoryPrefix .component (toString $values.images.services.tag) }}
          imagePullPolicy: {{ $values.images.services.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .port }}
            {{- if .grpcPort }}
            - name: grpc
              containerPort: {{ .grpcPort }}
            {{- end }}
          env:
            {{- include "demo.podIdentityEnv" . | nindent 12 }}
            - name: OTEL_SERVICE_NAME
              value: {{ .component }}
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: {{ printf "service.namespace=%s,deployment.environment.name=%s,service.instance.id=$(K8S_POD_UID),k8s.pod.name=$(K8S_POD_NAME),k8s.pod.uid=$(K8S_POD_UID),k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.node.name=$(K8S_NODE_NAME)" $values.telemetry.serviceNamespace $values.telemetry.deploymentEnvironment | quote }}
            - name: TELEMETRY_UNTRACED_PATHS
              value: {{ $values.telemetry.untracedPaths | quote }}
            - name: TELEMETRY_HTTP_METRICS
              value: {{ $values.telemetry.httpMetrics | quote }}
            # service.instance.id is the pod's uid (above), so the random one is not detected.
            - name: OTEL_NODE_RESOURCE_DETECTORS
              value: env,host
            - name: OTEL_EXPORTER_OTLP_PROTOCOL
              value: {{ $values.telemetry.protocol | quote }}
            # The agent on this pod's node (the Service's internalTrafficPolicy is Local).
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ ternary "http://otel-collector:4318" "http://otel-collector:4317" (eq $values.telemetry.protocol "http/protobuf") | quote }}
            - name: OTEL_BSP_SCHEDULE_DELAY
              value: {{ $values.telemetry.batchScheduleDelayMs | quote }}
            - name: OTEL_METRIC_EXPORT_INTERVAL
              value: {{ $values.telemetry.metricExportIntervalMs | quote }}
            - name: OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST
              value: {{ $values.telemetry.grpcCaptureMetadata | quote }}
            - name: NODE_OPTIONS
              value: {{ printf "--max-old-space-size=%v --max-semi-space-size=%v" $values.demo.serviceHeapMb $values.demo.serviceSemiSpaceMb | quote }}
            - name: OUTBOUND_TIMEOUT_MS
              value: {{ $values.demo.outboundTimeoutMs | quote }}
            - name: DATABASE_LATENCY_MS
              value: {{ $values.demo.databaseLatencyMs | quote }}
            - name: FIX_SEQUENTIAL_FETCH
              value: {{ $values.demo.fixSequentialFetch | quote }}
            - name: FAULT_INJECTION_ENABLED
              value: {{ $values.demo.faultInjection | quote }}
            - name: PORT
              value: {{ .port | quote }}
            - name: SHUTDOWN_DRAIN_MS
              value: {{ mul $values.lifecycle.drainSeconds 1000 | quote }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          readinessProbe:
            {{- if .grpcPort }}
            # posts-service's users call it over gRPC: ready when grpc.health.v1 says SERVING.
            grpc:
              port: {{ .grpcPort }}
              service: {{ .grpcService }}
            {{- else }}
            httpGet:
              path: /readyz
              port: http
            {{- end }}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 5
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml $values.resources.service | nindent 12 }}
          securityContext:
            {{- include "demo.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .component }}
  labels:
    {{- include "demo.labels" $labels | nindent 4 }}
spec:
  selector:
    {{- include "demo.selectorLabels" $labels | nindent 4 }}
  ports:
    - name: http
      port: {{ .port }}
      targetPort: http
    {{- if .grpcPort }}
    - name: grpc
      port: {{ .grpcPort }}
      targetPort: grpc
      appProtocol: grpc
    {{- end }}
{{- include "demo.disruptionBudget" $labels }}
{{- end }}
