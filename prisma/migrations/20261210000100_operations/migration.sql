-- Operations at scale: a dead worker's leases are freed by its presence, error budgets read
-- hourly and daily rollups of traffic_minutes.

-- Indexes for reads that must stay fast at scale: What changed (newest deployments, versions,
-- settings changes), the overview (what is live, what is in flight, budgets across services).
CREATE INDEX "versions_created_at_idx" ON "versions"("created_at");
CREATE INDEX "deployments_created_at_idx" ON "deployments"("created_at");
CREATE INDEX "deployments_active_for_idx" ON "deployments"("active_for");
CREATE INDEX "release_history_until_idx" ON "release_history"("until");
CREATE INDEX "audit_log_action_id_idx" ON "audit_log"("action", "id");

-- Leases: claimed while the owner held its worker's advisory lock (its death frees the lease at once).
ALTER TABLE "leases" ADD COLUMN "presence" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "traffic_rollups" (
    "service_id" UUID NOT NULL,
    "environment_id" UUID NOT NULL,
    "span" TEXT NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "requests" BIGINT NOT NULL DEFAULT 0,
    "errors" BIGINT NOT NULL DEFAULT 0,
    "spent_minutes" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "minutes" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "traffic_rollups_pkey" PRIMARY KEY ("service_id","environment_id","span","start")
);
CREATE INDEX "traffic_rollups_span_start_idx" ON "traffic_rollups"("span", "start");
ALTER TABLE "traffic_rollups" ADD CONSTRAINT "traffic_rollups_service_id_fkey" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "traffic_rollups" ADD CONSTRAINT "traffic_rollups_environment_id_fkey" FOREIGN KEY ("environment_id") REFERENCES "environments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Add one minute's contribution (or take it away: a negative sign) to its hour and its day.
-- Only minutes with traffic count, as in the budget itself. Taking away never inserts: the
-- rollup row exists (the minute was added) or is being deleted with its service.
CREATE FUNCTION "traffic_rollup_add"(s UUID, e UUID, m TIMESTAMPTZ, req INTEGER, err INTEGER, sign INTEGER) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r BIGINT := sign * req::BIGINT;
  x BIGINT := sign * LEAST(err, req)::BIGINT;
  spent DOUBLE PRECISION;
  bucket TEXT;
  bucket_start TIMESTAMPTZ;
BEGIN
  -- A minute without requests spends nothing (and must not be divided by).
  IF req <= 0 THEN RETURN; END IF;
  spent := sign * LEAST(err, req)::DOUBLE PRECISION / req;
  FOREACH bucket IN ARRAY ARRAY['hour', 'day'] LOOP
    bucket_start := date_trunc(bucket, m, 'UTC');
    IF sign > 0 THEN
      INSERT INTO "traffic_rollups" AS t ("service_id", "environment_id", "span", "start", "requests", "errors", "spent_minutes", "minutes")
      VALUES (s, e, bucket, bucket_start, r, x, spent, 1)
      ON CONFLICT ("service_id", "environment_id", "span", "start") DO UPDATE
        SET "requests" = t."requests" + r, "errors" = t."errors" + x, "spent_minutes" = t."spent_minutes" + spent, "minutes" = t."minutes" + 1;
    ELSE
      UPDATE "traffic_rollups"
        SET "requests" = "requests" + r, "errors" = "errors" + x, "spent_minutes" = "spent_minutes" + spent, "minutes" = "minutes" - 1
        WHERE "service_id" = s AND "environment_id" = e AND "span" = bucket AND "start" = bucket_start;
    END IF;
  END LOOP;
END $$;

CREATE FUNCTION "traffic_minutes_rollup"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM "traffic_rollup_add"(OLD."service_id", OLD."environment_id", OLD."minute", OLD."requests", OLD."errors", -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM "traffic_rollup_add"(NEW."service_id", NEW."environment_id", NEW."minute", NEW."requests", NEW."errors", 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "traffic_minutes_rollup" AFTER INSERT OR UPDATE OR DELETE ON "traffic_minutes"
FOR EACH ROW EXECUTE FUNCTION "traffic_minutes_rollup"();

-- The minutes recorded so far.
INSERT INTO "traffic_rollups" ("service_id", "environment_id", "span", "start", "requests", "errors", "spent_minutes", "minutes")
SELECT "service_id", "environment_id", span, date_trunc(span, "minute", 'UTC'),
       SUM("requests"), SUM(LEAST("errors", "requests")), SUM(LEAST("errors", "requests")::DOUBLE PRECISION / "requests"), COUNT(*)
FROM "traffic_minutes" CROSS JOIN (VALUES ('hour'), ('day')) AS spans(span)
WHERE "requests" > 0
GROUP BY "service_id", "environment_id", span, date_trunc(span, "minute", 'UTC');
