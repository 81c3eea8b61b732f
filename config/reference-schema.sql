-- The reference table: webhook events, range-partitioned by month on received_at.
-- partmand creates the partitions; this file only makes the empty parent.
-- The columns are the seed's: the database generates webhook_events_id, so the seed's verification
--   INSERT INTO public.webhook_events (source, event_type, payload, headers) VALUES (…) RETURNING webhook_events_id
-- works as it did. The primary key includes received_at: PostgreSQL requires the partition column in
-- every PRIMARY KEY and UNIQUE index of a partitioned table.
CREATE TABLE IF NOT EXISTS public.webhook_events (
    webhook_events_id bigint GENERATED ALWAYS AS IDENTITY,
    source            text NOT NULL,
    event_type        text NOT NULL,
    payload           jsonb NOT NULL,
    headers           jsonb NOT NULL DEFAULT '{}'::jsonb,
    received_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (webhook_events_id, received_at)
) PARTITION BY RANGE (received_at);

CREATE INDEX IF NOT EXISTS webhook_events_received_at_idx ON public.webhook_events (received_at);
