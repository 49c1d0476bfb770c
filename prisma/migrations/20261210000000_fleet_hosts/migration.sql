-- The fleet: hosts running Flightdeck's agent (registered by an admin, their state from the
-- control plane's heartbeats), and where a service's instances may run.
ALTER TABLE "services" ADD COLUMN "placement" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "hosts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "ca_cert" TEXT,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "pool" TEXT NOT NULL DEFAULT 'default',
    "capacity" INTEGER,
    "draining" BOOLEAN NOT NULL DEFAULT false,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "state_changed_at" TIMESTAMPTZ(3),
    "last_heartbeat_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "observed" JSONB NOT NULL DEFAULT '{}',
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hosts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "hosts_name_key" ON "hosts"("name");

-- CreateIndex
CREATE INDEX "hosts_pool_idx" ON "hosts"("pool");
