import type { Metadata } from 'next';
import { serviceContext } from '@/lib/services';
import { requireUser } from '@/lib/auth/next';
import { listUsers } from '@/lib/auth/users';
import { createUserAction, updateUserAction } from '../actions';
import { CreateUserForm, UpdateUserForm } from '../forms';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Users · Admin' };

export const dynamic = 'force-dynamic';

export default async function UsersPage() {
  const p = await requireUser();
  if (p.role !== 'admin') return null;
  const users = await listUsers(serviceContext().db);
  return (
    <div className="space-y-6">
      <h1 className="text-xl font-semibold">Users</h1>
      <p className="text-sm text-muted">
        viewer: reads everything · deployer: + versions, deploy, release, pause, resume, promote, abort, rollback (only in its scope, if one is set) · admin: + services, users, tokens, audit log
      </p>
      <CreateUserForm action={createUserAction} />
      <ScrollRegion label="Users">
      <table className="w-full text-left text-sm">
        <thead className="text-muted">
          <tr>
            <th className="py-2">Email</th>
            <th>Name</th>
            <th>Last sign-in</th>
            <th>Role · scope · status</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-row-${u.email}`} className="border-t border-zinc-200 align-top dark:border-zinc-800">
              <td className="py-2 font-medium">{u.email}</td>
              <td>{u.name || '—'}</td>
              <td className="text-muted">{u.lastLoginAt?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
              <td>
                <UpdateUserForm action={updateUserAction} id={u.id} role={u.role} scope={u.serviceScope.join(', ')} disabled={u.disabled} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </ScrollRegion>
    </div>
  );
}
