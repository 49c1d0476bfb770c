/**
 * The shapes of the Kubernetes objects Flightdeck writes and reads, as JSON on the wire: only
 * the fields it sets or looks at. (Full upstream schemas validate them in the tests.)
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  managedFields?: ManagedFieldsEntry[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }>;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- spec/status differ per kind; typed views below
  [key: string]: any;
}

export interface EnvVar {
  name: string;
  value: string;
}

export interface Probe {
  httpGet: { path: string; port: string | number; scheme?: 'HTTP' | 'HTTPS' };
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface Container {
  name: string;
  image: string;
  ports: Array<{ name: string; containerPort: number; protocol: 'TCP' }>;
  env: EnvVar[];
  envFrom?: Array<{ configMapRef: { name: string } } | { secretRef: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe: Probe;
}

export interface Deployment extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { terminationGracePeriodSeconds: number; containers: Container[] };
    };
  };
}

export interface Service extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: Array<{ name: string; port: number; targetPort: string; protocol: 'TCP' }>;
  };
}

export interface BackendRef {
  group: '';
  kind: 'Service';
  name: string;
  port: number;
  weight: number;
}

export interface HTTPRoute extends KubeObject {
  apiVersion: 'gateway.networking.k8s.io/v1';
  kind: 'HTTPRoute';
  spec: {
    parentRefs: Array<{ group: 'gateway.networking.k8s.io'; kind: 'Gateway'; name: string; namespace?: string; sectionName?: string }>;
    hostnames?: string[];
    rules: Array<{ matches: Array<{ path: { type: 'PathPrefix'; value: string } }>; backendRefs: BackendRef[] }>;
  };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
  };
  lastState?: ContainerStatus['state'];
}

export interface Pod extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  spec?: { nodeName?: string; containers?: Array<{ name: string; ports?: Array<{ containerPort: number }> }> };
  status?: {
    phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
    podIP?: string;
    startTime?: string;
    conditions?: Array<{ type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string }>;
    containerStatuses?: ContainerStatus[];
  };
}
