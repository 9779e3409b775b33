CREATE TABLE "knock_profiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"definition" jsonb NOT NULL,
	"rotation_secret_enc" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "profile_deployments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"profile_id" uuid NOT NULL,
	"router_id" uuid NOT NULL,
	"status" text NOT NULL,
	"rules_hash" text,
	"rotation_window" bigint,
	"last_error" text,
	"applied_at" timestamp with time zone,
	"applied_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "profile_deployments" ADD CONSTRAINT "profile_deployments_profile_id_knock_profiles_id_fk" FOREIGN KEY ("profile_id") REFERENCES "public"."knock_profiles"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "profile_deployments" ADD CONSTRAINT "profile_deployments_router_id_routers_id_fk" FOREIGN KEY ("router_id") REFERENCES "public"."routers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "knock_profiles_name_key" ON "knock_profiles" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "profile_deployments_key" ON "profile_deployments" USING btree ("profile_id","router_id");