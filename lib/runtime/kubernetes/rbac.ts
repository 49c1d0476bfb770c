/**
 * The RBAC Flightdeck's service account needs in each namespace it deploys to: exactly the
 * verbs the Kubernetes runtime uses, on exactly the resources it touches. (Server-side apply
 * is a patch; creating an object through it also needs create.)
 */
import { dumpYaml } from '@kubernetes/client-node';
import type { KubeObject } from './objects';

export const RBAC_RULES = [
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'create', 'patch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get'] },
  { apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], verbs: ['get', 'list', 'create', 'patch'] },
];

/** ServiceAccount (in `accountNamespace`), Role and RoleBinding (in `namespace`). */
export function rbacObjects(namespace: string, accountNamespace = namespace, account = 'flightdeck'): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'flightdeck', 'app.kubernetes.io/managed-by': 'flightdeck' };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: accountNamespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'flightdeck-deployer', namespace, labels }, rules: RBAC_RULES },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'flightdeck-deployer', namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'flightdeck-deployer' },
      subjects: [{ kind: 'ServiceAccount', name: account, namespace: accountNamespace }],
    },
  ];
}

export function rbacYaml(namespace: string, accountNamespace = namespace): string {
  return rbacObjects(namespace, accountNamespace)
    .map((o) => `---\n${dumpYaml(o)}`)
    .join('');
}
