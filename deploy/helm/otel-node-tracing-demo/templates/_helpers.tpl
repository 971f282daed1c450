{{/*
Names: each component keeps the name it has in docker-compose.yml and tools/stack, so the four
views of the topology read side by side. One release per namespace, then.
*/}}

{{- define "demo.labels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: otel-node-tracing-demo
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{- define "demo.selectorLabels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{/* What the Pod Security Standard "restricted" asks of a pod, with its user (images differ). */}}
{{- define "demo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .uid }}
fsGroup: {{ .uid }}
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* ... and of every container: nothing to escalate to, nothing to write but its volumes. */}}
{{- define "demo.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{- define "demo.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end }}

{{/* The pod's identity, from the downward API, for the Collector's k8s_attributes and the SDK. */}}
{{- define "demo.podIdentityEnv" -}}
- name: K8S_POD_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.name } }
- name: K8S_POD_UID
  valueFrom: { fieldRef: { fieldPath: metadata.uid } }
- name: K8S_NAMESPACE_NAME
  valueFrom: { fieldRef: { fieldPath: metadata.namespace } }
- name: K8S_NODE_NAME
  valueFrom: { fieldRef: { fieldPath: spec.nodeName } }
{{- end }}

{{/*
Day two (docs/kubernetes.md, "Day two"): how a Deployment of several replicas keeps serving while
it rolls, while a node drains, and while it scales. Called with the labels' dict and `replicas`.
*/}}
{{- define "demo.keepCapacity" -}}
# A rollout starts each new pod and waits for it to turn Ready before it stops an old one.
strategy:
  type: RollingUpdate
  rollingUpdate:
    maxSurge: 1
    maxUnavailable: 0
{{- end }}

{{- define "demo.topologySpread" -}}
{{- if gt (int .replicas) 1 }}
# Replicas on different nodes where there are several, so that one node lost is not all of them.
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "demo.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end }}

{{- define "demo.disruptionBudget" -}}
{{- if gt (int .replicas) 1 }}
---
# A drain evicts one replica at a time, and the next only once its replacement is Ready.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .component }}
  labels:
    {{- include "demo.labels" . | nindent 4 }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "demo.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
How a Collector pod leaves (agents and gateways): it keeps receiving while its endpoint is removed
and its senders move on (the exporters' retries, the agents' ring), then stops. Its sending queues
stay in memory (COLLECTOR_QUEUE_STORAGE=null), because at shutdown a memory queue is drained and a
queue on disk is kept for the next start: on an emptyDir, which goes with the pod, that is lost.
*/}}
{{- define "demo.collectorLeaving" -}}
lifecycle:
  preStop:
    sleep:
      seconds: {{ .Values.lifecycle.drainSeconds }}
{{- end }}
