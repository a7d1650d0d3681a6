-- The run store's database (SYNC_STORE_URL of the workers), next to Temporal's own. The workers create and
-- migrate its tables at start. Runs once, when the Postgres volume is first initialised.
CREATE DATABASE feedback_sync;
