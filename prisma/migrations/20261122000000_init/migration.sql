-- Flightdeck's initial schema. Generated from schema.prisma (see prisma/diff.config.ts),
-- plus the single row behind the global event cursor.

-- CreateEnum
CREATE TYPE "DeploymentState" AS ENUM ('queued', 'running', 'paused', 'succeeded', 'failed', 'aborted');

-- CreateEnum
CREATE TYPE "DeploymentKind" AS ENUM ('deploy', 'rollback');

-- CreateTable
CREATE TABLE "services" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "replicas" INTEGER NOT NULL DEFAULT 1,
    "template" JSONB NOT NULL,
    "health" JSONB NOT NULL,
    "required_config_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "hooks" JSONB NOT NULL DEFAULT '{"pre":[],"post":[]}',
    "default_strategy" TEXT NOT NULL DEFAULT 'rolling',
    "strategy_params" JSONB NOT NULL DEFAULT '{}',
    "slo_availability" DOUBLE PRECISION NOT NULL DEFAULT 99.9,
    "slo_latency_ms" INTEGER,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "services_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service_dependencies" (
    "service_id" UUID NOT NULL,
    "depends_on_id" UUID NOT NULL,

    CONSTRAINT "service_dependencies_pkey" PRIMARY KEY ("service_id","depends_on_id")
);

-- CreateTable
CREATE TABLE "versions" (
    "id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "semver" TEXT NOT NULL,
    "artifact" JSONB NOT NULL DEFAULT '{}',
    "config" JSONB NOT NULL DEFAULT '{}',
    "notes" TEXT NOT NULL DEFAULT '',
    "bad" BOOLEAN NOT NULL DEFAULT false,
    "bad_reason" TEXT,
    "marked_bad_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deployments" (
    "id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "active_for" UUID,
    "kind" "DeploymentKind" NOT NULL DEFAULT 'deploy',
    "state" "DeploymentState" NOT NULL DEFAULT 'queued',
    "phase" TEXT NOT NULL DEFAULT 'queued',
    "strategy" TEXT NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "plan" JSONB NOT NULL,
    "cursor" INTEGER NOT NULL DEFAULT 0,
    "progress" JSONB NOT NULL DEFAULT '{}',
    "control" JSONB NOT NULL DEFAULT '{}',
    "from_version_id" UUID,
    "to_version_id" UUID NOT NULL,
    "release_id" UUID,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "last_seq" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deployments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "id" BIGSERIAL NOT NULL,
    "cursor" BIGINT NOT NULL,
    "deployment_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "actor" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "event_cursor" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "event_cursor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "leases" (
    "service_id" UUID NOT NULL,
    "deployment_id" UUID NOT NULL,
    "owner" TEXT,
    "token" BIGINT NOT NULL DEFAULT 0,
    "ttl_seconds" INTEGER NOT NULL DEFAULT 300,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL,
    "heartbeat_at" TIMESTAMPTZ(3),

    CONSTRAINT "leases_pkey" PRIMARY KEY ("service_id")
);

-- CreateTable
CREATE TABLE "release_history" (
    "id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "deployment_id" UUID,
    "from" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3),

    CONSTRAINT "release_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "releases" (
    "id" UUID NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'running',
    "strategy" TEXT,
    "waves" JSONB NOT NULL,
    "current_wave" INTEGER NOT NULL DEFAULT 0,
    "actor" TEXT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "releases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "release_items" (
    "id" UUID NOT NULL,
    "release_id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "wave" INTEGER NOT NULL,
    "deployment_id" UUID,

    CONSTRAINT "release_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "services_name_key" ON "services"("name");

-- CreateIndex
CREATE INDEX "service_dependencies_depends_on_id_idx" ON "service_dependencies"("depends_on_id");

-- CreateIndex
CREATE UNIQUE INDEX "versions_service_id_semver_key" ON "versions"("service_id", "semver");

-- CreateIndex
CREATE UNIQUE INDEX "deployments_active_for_key" ON "deployments"("active_for");

-- CreateIndex
CREATE INDEX "deployments_service_id_created_at_idx" ON "deployments"("service_id", "created_at");

-- CreateIndex
CREATE INDEX "deployments_state_idx" ON "deployments"("state");

-- CreateIndex
CREATE UNIQUE INDEX "events_cursor_key" ON "events"("cursor");

-- CreateIndex
CREATE UNIQUE INDEX "events_deployment_id_seq_key" ON "events"("deployment_id", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "leases_deployment_id_key" ON "leases"("deployment_id");

-- CreateIndex
CREATE INDEX "release_history_service_id_from_idx" ON "release_history"("service_id", "from");

-- CreateIndex
CREATE UNIQUE INDEX "release_items_deployment_id_key" ON "release_items"("deployment_id");

-- CreateIndex
CREATE UNIQUE INDEX "release_items_release_id_service_id_key" ON "release_items"("release_id", "service_id");

-- AddForeignKey
ALTER TABLE "service_dependencies" ADD CONSTRAINT "service_dependencies_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "service_dependencies" ADD CONSTRAINT "service_dependencies_depends_on_id_fkey" FOREIGN KEY ("depends_on_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "versions" ADD CONSTRAINT "versions_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_from_version_id_fkey" FOREIGN KEY ("from_version_id") REFERENCES "versions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_to_version_id_fkey" FOREIGN KEY ("to_version_id") REFERENCES "versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deployments" ADD CONSTRAINT "deployments_release_id_fkey" FOREIGN KEY ("release_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "leases" ADD CONSTRAINT "leases_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_history" ADD CONSTRAINT "release_history_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_history" ADD CONSTRAINT "release_history_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_history" ADD CONSTRAINT "release_history_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_items" ADD CONSTRAINT "release_items_release_id_fkey" FOREIGN KEY ("release_id") REFERENCES "releases"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_items" ADD CONSTRAINT "release_items_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_items" ADD CONSTRAINT "release_items_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "release_items" ADD CONSTRAINT "release_items_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Seed the global event cursor counter (one row, id 1).
INSERT INTO "event_cursor" ("id", "value") VALUES (1, 0);
