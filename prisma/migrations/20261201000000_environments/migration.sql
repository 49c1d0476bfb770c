-- Environments (staging, production, …): each with its own live version per service, leases,
-- history, error budget and runtime settings; approvals for protected environments; freeze
-- windows. Everything deployed before lives on in one environment, "production".
ALTER TYPE "DeploymentState" ADD VALUE 'awaiting_approval' BEFORE 'queued';
ALTER TYPE "Role" ADD VALUE 'approver' BEFORE 'admin';

-- CreateTable
CREATE TABLE "environments" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "order" INTEGER NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "protected" BOOLEAN NOT NULL DEFAULT false,
    "required_approvals" INTEGER NOT NULL DEFAULT 0,
    "soak_minutes" INTEGER NOT NULL DEFAULT 0,
    "approval_ttl_hours" INTEGER NOT NULL DEFAULT 24,
    "strategy" TEXT,
    "runtime" JSONB NOT NULL DEFAULT '{}',
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "environments_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "environments_name_key" ON "environments"("name");
CREATE UNIQUE INDEX "environments_order_key" ON "environments"("order");

INSERT INTO "environments" ("id", "name", "order", "description", "created_by")
VALUES (gen_random_uuid(), 'production', 0, 'Everything deployed before environments existed lives here.', 'system');

-- Deployments: their environment, the approvals they need, the gates an admin overrode.
ALTER TABLE "deployments" ADD COLUMN "environment_id" UUID,
    ADD COLUMN "approvals_required" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "approval_expires_at" TIMESTAMPTZ(3),
    ADD COLUMN "overrides" JSONB NOT NULL DEFAULT '[]';
UPDATE "deployments" SET "environment_id" = (SELECT "id" FROM "environments" WHERE "name" = 'production');
ALTER TABLE "deployments" ALTER COLUMN "environment_id" SET NOT NULL;
DROP INDEX "deployments_active_for_key";
CREATE UNIQUE INDEX "deployments_environment_id_active_for_key" ON "deployments"("environment_id", "active_for");
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Leases: one per service per environment.
ALTER TABLE "leases" ADD COLUMN "environment_id" UUID;
UPDATE "leases" SET "environment_id" = (SELECT "id" FROM "environments" WHERE "name" = 'production');
ALTER TABLE "leases" ALTER COLUMN "environment_id" SET NOT NULL;
ALTER TABLE "leases" DROP CONSTRAINT "leases_pkey", ADD CONSTRAINT "leases_pkey" PRIMARY KEY ("service_id", "environment_id");
ALTER TABLE "leases" ADD CONSTRAINT "leases_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Release history: which version served each service in each environment.
ALTER TABLE "release_history" ADD COLUMN "environment_id" UUID;
UPDATE "release_history" SET "environment_id" = (SELECT "id" FROM "environments" WHERE "name" = 'production');
ALTER TABLE "release_history" ALTER COLUMN "environment_id" SET NOT NULL;
DROP INDEX "release_history_service_id_from_idx";
CREATE INDEX "release_history_service_id_environment_id_from_idx" ON "release_history"("service_id", "environment_id", "from");
ALTER TABLE "release_history" ADD CONSTRAINT "release_history_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Multi-service releases happen in one environment.
ALTER TABLE "releases" ADD COLUMN "environment_id" UUID;
UPDATE "releases" SET "environment_id" = (SELECT "id" FROM "environments" WHERE "name" = 'production');
ALTER TABLE "releases" ALTER COLUMN "environment_id" SET NOT NULL;
ALTER TABLE "releases" ADD CONSTRAINT "releases_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Error budgets per environment.
ALTER TABLE "traffic_minutes" ADD COLUMN "environment_id" UUID;
UPDATE "traffic_minutes" SET "environment_id" = (SELECT "id" FROM "environments" WHERE "name" = 'production');
ALTER TABLE "traffic_minutes" ALTER COLUMN "environment_id" SET NOT NULL;
ALTER TABLE "traffic_minutes" DROP CONSTRAINT "traffic_minutes_pkey", ADD CONSTRAINT "traffic_minutes_pkey" PRIMARY KEY ("service_id", "environment_id", "minute");
ALTER TABLE "traffic_minutes" ADD CONSTRAINT "traffic_minutes_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "approvals" (
    "id" BIGSERIAL NOT NULL,
    "deployment_id" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "approvals_deployment_id_actor_key" ON "approvals"("deployment_id", "actor");
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "freeze_windows" (
    "id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "cron" TEXT,
    "duration_minutes" INTEGER,
    "time_zone" TEXT NOT NULL DEFAULT 'UTC',
    "environments" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "services" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "freeze_windows_pkey" PRIMARY KEY ("id")
);
