'use client';

import { createContext, useContext } from 'react';

export type Me = { actor: string; role: 'viewer' | 'deployer' | 'approver' | 'admin'; serviceScope: string[] } | null;

const RANK = { viewer: 0, deployer: 1, approver: 2, admin: 3 } as const;
const MeContext = createContext<Me>(null);

export function MeProvider({ me, children }: { me: Me; children: React.ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

/**
 * Whether the signed-in person may do something (role, and service scope for deployers):
 * the panel shows only the buttons that would work. The server enforces the same rules;
 * this only keeps refused buttons off the screen.
 */
export function useMe(): Me {
  return useContext(MeContext);
}

export function useMay(role: keyof typeof RANK, service?: string): boolean {
  const me = useContext(MeContext);
  if (!me || RANK[me.role] < RANK[role]) return false;
  if (role === 'viewer' || !service || me.serviceScope.length === 0) return true;
  return me.serviceScope.includes(service);
}
