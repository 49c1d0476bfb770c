'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { MeProvider, type Me } from './auth/permissions';

/** Client-side data for the panel: one TanStack Query cache per browser tab. */
export function Providers({ children, me }: { children: React.ReactNode; me: Me }) {
  const [client] = useState(() => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, refetchOnWindowFocus: false } } }));
  // Marks the page interactive (event handlers attached): end-to-end tests wait for it
  // instead of clicking a server-rendered button that does nothing yet.
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true';
  }, []);
  return (
    <QueryClientProvider client={client}>
      <MeProvider me={me}>{children}</MeProvider>
    </QueryClientProvider>
  );
}
