/**
 * Response schemas of rollbacks (see responses.ts for why they are strict): one service's
 * rollback with what it would do (warm switch or instances to start, migrations, hooks, what it
 * undoes), and a whole release's rollback plan.
 */
import { z } from 'zod';
import { count, environment, uuid } from './response-primitives';

export const versionChangeSchema = z
  .strictObject({
    versions: z
      .array(z.strictObject({ version: z.string(), commitSha: z.string().nullable(), changelogUrl: z.string().nullable(), notes: z.string() }))
      .meta({ description: 'What the change brings in (a deploy) or undoes (a rollback), newest first.' }),
    compareUrl: z.string().nullable().meta({ description: "The commits in between, when the service has a compare-URL template and both versions a commit." }),
    config: z
      .strictObject({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) })
      .meta({ description: 'Config keys once the change is done, against before it (names only: values may be secrets).' }),
  })
  .meta({ title: 'Version change' });

const undoneMigration = z.strictObject({
  version: z.string(),
  id: z.string(),
  reversible: z.boolean(),
  action: z.enum(['down_hook', 'nothing_to_run', 'irreversible']),
});

/** A rollback as decided (the API's answer adds the deployment, in responses.ts). */
export const rollbackPreviewSchema = z
  .strictObject({
    mode: z.enum(['abort-in-flight', 'deployment']).meta({ description: 'abort-in-flight: the deployment in flight is aborted and traffic returns; deployment: a fast deployment of the target.' }),
    environment,
    deploymentId: uuid.nullable(),
    from: z.string().nullable(),
    target: z.string().nullable(),
    skipped: z.array(z.strictObject({ semver: z.string(), reason: z.string() })),
    dryRun: z.boolean(),
    warm: z
      .strictObject({ version: z.string(), until: z.string(), secondsLeft: count, instances: count })
      .nullable()
      .meta({ description: 'The target is still running out of rotation (the warm rollback window): the rollback is a traffic switch.' }),
    startsInstances: count.nullable().meta({ description: 'Processes the rollback starts (0 inside the warm window); null when the runtime cannot be asked.' }),
    estimatedSeconds: z.strictObject({ min: z.number(), max: z.number() }).meta({ description: 'Until traffic is back on the target.' }),
    migrations: z.strictObject({
      undone: z.array(undoneMigration).meta({ description: 'Migrations of the versions rolled back past, newest first; reversible ones run their down hook before traffic moves back.' }),
      irreversible: z.array(undoneMigration),
      refusal: z.string().nullable().meta({ description: 'Dry run: why the rollback would be refused (409) without an admin’s override.' }),
    }),
    hooks: z.strictObject({ preRollback: z.array(z.string()), postRollback: z.array(z.string()) }),
    undoes: versionChangeSchema.nullable(),
  });

/** A release's rollback plan (the API's answer adds the rollback release, in responses.ts). */
export const releaseRollbackPlanSchema = z
  .strictObject({
    dryRun: z.boolean(),
    releaseId: uuid,
    environment,
    waves: z.array(z.array(z.string())).meta({ description: 'Services per wave in the order they roll back: dependents first.' }),
    items: z.array(z.strictObject({ service: z.string(), wave: count, from: z.string(), to: z.string(), preview: rollbackPreviewSchema.extend({ deployment: z.null().optional() }) })),
    skipped: z.array(z.strictObject({ service: z.string(), reason: z.string() })).meta({ description: 'Services of the release left alone, each with why.' }),
  });
