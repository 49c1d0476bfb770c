import semver from 'semver';
import { Prisma, type Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { parseInput } from './validate';
import { createVersionSchema } from './schemas';
import { findServiceOr404, presentVersion } from './services';

/** "v2.1.0" and "2.1.0" name the same version; anything that is not semver is refused. */
export function normalizeSemver(raw: string): string {
  const v = semver.valid(semver.clean(raw) ?? '');
  if (!v) throw new AppError('invalid', `invalid semver ${JSON.stringify(raw)}: expected MAJOR.MINOR.PATCH such as 2.1.0`, { version: raw });
  return v;
}

export async function createVersion(db: Db, serviceName: string, input: unknown, actor: string) {
  const data = parseInput(createVersionSchema, input);
  const v = normalizeSemver(data.version);
  const service = await findServiceOr404(db, serviceName);
  try {
    const row = await db.version.create({
      data: {
        serviceId: service.id,
        semver: v,
        artifact: data.artifact,
        config: data.config,
        notes: data.notes,
        migrations: data.migrations,
        commitSha: data.commitSha?.toLowerCase() ?? null,
        repositoryUrl: data.repositoryUrl ?? null,
        changelogUrl: data.changelogUrl ?? null,
        createdBy: actor,
      },
    });
    return presentVersion(row);
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') {
      throw new AppError('conflict', `version ${v} of ${serviceName} already exists (versions are immutable)`, { service: serviceName, version: v });
    }
    throw e;
  }
}

export async function listVersions(db: Db, serviceName: string) {
  const service = await findServiceOr404(db, serviceName);
  const rows = await db.version.findMany({ where: { serviceId: service.id } });
  return rows.sort((a, b) => semver.rcompare(a.semver, b.semver)).map(presentVersion);
}

export async function findVersionOr404(db: Db | Prisma.TransactionClient, serviceId: string, serviceName: string, raw: string) {
  const v = normalizeSemver(raw);
  const row = await db.version.findUnique({ where: { serviceId_semver: { serviceId, semver: v } } });
  if (!row) throw new AppError('not_found', `version ${v} of ${serviceName} not found`, { service: serviceName, version: v });
  return row;
}
