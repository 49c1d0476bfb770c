/**
 * socket.io connections are authenticated like HTTP calls: the session cookie the browser
 * sends with the handshake, or an API token in `auth: { token }` / `Authorization: Bearer`.
 * Anyone else is refused at connect time (connect_error "unauthorized"). The live feed is
 * read-only, so any role may subscribe.
 */
import type { Server } from 'socket.io';
import type { Db } from '../db/client';
import { resolvePrincipal } from './principal';
import type { Principal } from './roles';

export function authenticateSockets(io: Server, db: Db): void {
  io.use((socket, next) => {
    const h = socket.handshake;
    const token = typeof h.auth?.token === 'string' ? h.auth.token : null;
    resolvePrincipal(db, { authorization: token ? `Bearer ${token}` : (h.headers.authorization ?? null), cookie: h.headers.cookie ?? null })
      .then((p: Principal | null) => {
        if (!p) return next(new Error('unauthorized'));
        socket.data.principal = p;
        next();
      })
      .catch(() => next(new Error('unauthorized')));
  });
}
