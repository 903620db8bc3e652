CREATE TABLE "tributary_queue_sample" (
	"queue" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"discarded" integer DEFAULT 0 NOT NULL,
	"available" integer,
	"scheduled" integer,
	"running" integer,
	"retryable" integer,
	CONSTRAINT "tributary_queue_sample_pkey" PRIMARY KEY("queue","at")
);
