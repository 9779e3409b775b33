-- Custom migration (drizzle-kit generate --custom): drizzle's schema DSL has no triggers.
-- The audit log is append-only: any UPDATE, DELETE or TRUNCATE of audit_events is refused by
-- the database itself, whichever code path or instance attempts it.
CREATE OR REPLACE FUNCTION knockgate_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION knockgate_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION knockgate_audit_append_only();
