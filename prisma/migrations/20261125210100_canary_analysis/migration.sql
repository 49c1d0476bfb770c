-- Canary analysis: per-service analysis config and budget freeze, stored measurements, per-minute traffic for error budgets.
ALTER TABLE "services" ADD COLUMN "analysis" JSONB NOT NULL DEFAULT '{}',
    ADD COLUMN "budget_freeze" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "analysis_measurements" (
    "id" BIGSERIAL NOT NULL,
    "deployment_id" UUID NOT NULL,
    "cursor" INTEGER NOT NULL,
    "canary_step" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "elapsed_seconds" DOUBLE PRECISION NOT NULL,
    "metric" TEXT NOT NULL,
    "canary_value" DOUBLE PRECISION,
    "baseline_value" DOUBLE PRECISION,
    "canary_n" INTEGER,
    "baseline_n" INTEGER,
    "p_value" DOUBLE PRECISION,
    "status" TEXT NOT NULL,
    "canary_samples" INTEGER NOT NULL,
    "baseline_samples" INTEGER NOT NULL,
    "verdict" TEXT NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "analysis_measurements_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "traffic_minutes" (
    "service_id" UUID NOT NULL,
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "requests" INTEGER NOT NULL,
    "errors" INTEGER NOT NULL,

    CONSTRAINT "traffic_minutes_pkey" PRIMARY KEY ("service_id","minute")
);

CREATE INDEX "analysis_measurements_deployment_id_id_idx" ON "analysis_measurements"("deployment_id", "id");

ALTER TABLE "analysis_measurements" ADD CONSTRAINT "analysis_measurements_deployment_id_fkey" FOREIGN KEY ("deployment_id") REFERENCES "deployments"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "traffic_minutes" ADD CONSTRAINT "traffic_minutes_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
