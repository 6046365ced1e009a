-- docs/design.md §4: a per-principal quota on stored idempotency records. The quota counts one
-- principal's records of the last 24 h; this index makes that a bounded range walk.
CREATE INDEX "idempotency_records_principal_created_at_idx"
  ON "idempotency_records"("principal_sub", "principal_scope", "created_at");
