-- Rollback in depth: the warm rollback window, migration-aware and whole-release rollbacks,
-- what changed between versions, and durable notifications (an outbox delivered by a worker tick).

-- Services: rollback settings and where the commits between two versions are shown.
ALTER TABLE "services" ADD COLUMN "rollback_policy" JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN "compare_url_template" TEXT;

-- Versions: the migrations they apply, and where they came from.
ALTER TABLE "versions" ADD COLUMN "migrations" JSONB NOT NULL DEFAULT '[]',
    ADD COLUMN "commit_sha" TEXT,
    ADD COLUMN "repository_url" TEXT,
    ADD COLUMN "changelog_url" TEXT;

-- Releases: a rollback of a whole release is a release of its own.
ALTER TABLE "releases" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'deploy',
    ADD COLUMN "rollback_of_id" UUID,
    ADD COLUMN "options" JSONB NOT NULL DEFAULT '{}';
ALTER TABLE "releases" ADD CONSTRAINT "releases_rollback_of_id_fkey" FOREIGN KEY ("rollback_of_id") REFERENCES "releases"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "warm_windows" (
    "id" UUID NOT NULL,
    "service_id" UUID NOT NULL,
    "environment_id" UUID NOT NULL,
    "version_id" UUID NOT NULL,
    "deployment_id" UUID NOT NULL,
    "slots" INTEGER[],
    "opened_at" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3) NOT NULL,
    "closed_at" TIMESTAMPTZ(3),
    "closed_reason" TEXT,

    CONSTRAINT "warm_windows_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "warm_windows_service_id_environment_id_closed_at_idx" ON "warm_windows"("service_id", "environment_id", "closed_at");
CREATE INDEX "warm_windows_closed_at_until_idx" ON "warm_windows"("closed_at", "until");
ALTER TABLE "warm_windows" ADD CONSTRAINT "warm_windows_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "warm_windows" ADD CONSTRAINT "warm_windows_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "warm_windows" ADD CONSTRAINT "warm_windows_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "versions"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "warm_windows" ADD CONSTRAINT "warm_windows_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "notification_subscriptions" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "service_id" UUID,
    "environment_id" UUID,
    "events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "url" TEXT NOT NULL,
    "format" TEXT NOT NULL DEFAULT 'json',
    "template" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notification_subscriptions_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "notification_subscriptions" ADD CONSTRAINT "notification_subscriptions_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "notification_subscriptions" ADD CONSTRAINT "notification_subscriptions_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "notification_outbox" (
    "id" BIGSERIAL NOT NULL,
    "subscription_id" UUID,
    "deployment_id" UUID,
    "kind" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "template" TEXT,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "max_attempts" INTEGER NOT NULL DEFAULT 8,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "locked_until" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "delivered_at" TIMESTAMPTZ(3),

    CONSTRAINT "notification_outbox_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "notification_outbox_status_next_attempt_at_idx" ON "notification_outbox"("status", "next_attempt_at");
CREATE INDEX "notification_outbox_deployment_id_idx" ON "notification_outbox"("deployment_id");
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "notification_subscriptions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "notification_outbox" ADD CONSTRAINT "notification_outbox_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "notification_attempts" (
    "id" BIGSERIAL NOT NULL,
    "outbox_id" BIGINT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "status" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,

    CONSTRAINT "notification_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "notification_attempts_outbox_id_idx" ON "notification_attempts"("outbox_id");
ALTER TABLE "notification_attempts" ADD CONSTRAINT "notification_attempts_outbox_id_fkey" FOREIGN KEY ("outbox_id") REFERENCES "notification_outbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;
