CREATE TYPE "public"."grant_source" AS ENUM('web', 'ddns', 'request', 'classic');--> statement-breakpoint
CREATE TYPE "public"."grant_status" AS ENUM('pending', 'active', 'revoke_pending', 'revoked', 'expired', 'failed');--> statement-breakpoint
CREATE TYPE "public"."policy_subject" AS ENUM('role', 'user');--> statement-breakpoint
CREATE TABLE "grants" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"router_id" uuid NOT NULL,
	"family" text NOT NULL,
	"list" text NOT NULL,
	"address" text NOT NULL,
	"kind" text DEFAULT 'address' NOT NULL,
	"source" "grant_source" NOT NULL,
	"status" "grant_status" NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"opened_by" text NOT NULL,
	"ended_by" text,
	"router_entry_id" text,
	"last_error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"subject_type" "policy_subject" NOT NULL,
	"subject_role" "role",
	"subject_user_id" uuid,
	"default_duration_seconds" integer NOT NULL,
	"max_duration_seconds" integer NOT NULL,
	"knock_on_sign_in" boolean DEFAULT true NOT NULL,
	"direct_access" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_targets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"policy_id" uuid NOT NULL,
	"router_id" uuid NOT NULL,
	"list" text
);
--> statement-breakpoint
CREATE TABLE "routers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"tls" boolean DEFAULT false NOT NULL,
	"fingerprint" text,
	"username" text NOT NULL,
	"password_enc" text NOT NULL,
	"ipv4_list" text DEFAULT 'knockgate' NOT NULL,
	"ipv6_list" text DEFAULT 'knockgate' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "grants" ADD CONSTRAINT "grants_router_id_routers_id_fk" FOREIGN KEY ("router_id") REFERENCES "public"."routers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_subject_user_id_users_id_fk" FOREIGN KEY ("subject_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_targets" ADD CONSTRAINT "policy_targets_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_targets" ADD CONSTRAINT "policy_targets_router_id_routers_id_fk" FOREIGN KEY ("router_id") REFERENCES "public"."routers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grants_router_status_idx" ON "grants" USING btree ("router_id","status");--> statement-breakpoint
CREATE INDEX "grants_user_idx" ON "grants" USING btree ("user_id","status");--> statement-breakpoint
CREATE INDEX "grants_expires_idx" ON "grants" USING btree ("status","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "grants_one_live_key" ON "grants" USING btree ("user_id","router_id","list","address") WHERE "grants"."status" in ('pending', 'active', 'revoke_pending');--> statement-breakpoint
CREATE UNIQUE INDEX "policies_name_key" ON "policies" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "policies_role_key" ON "policies" USING btree ("subject_role");--> statement-breakpoint
CREATE UNIQUE INDEX "policies_user_key" ON "policies" USING btree ("subject_user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "policy_targets_key" ON "policy_targets" USING btree ("policy_id","router_id","list");--> statement-breakpoint
CREATE UNIQUE INDEX "routers_name_key" ON "routers" USING btree ("name");