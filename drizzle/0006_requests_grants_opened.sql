ALTER TABLE "access_requests" ADD COLUMN "grants_opened_at" timestamp with time zone;--> statement-breakpoint
-- Requests approved before this column existed had their grants opened at the approval.
UPDATE "access_requests" SET "grants_opened_at" = "decided_at" WHERE "status" = 'approved';
