-- The reference table: webhook events, range-partitioned by month on received_at.
-- partmand creates the partitions; this file only makes the empty parent.
CREATE TABLE IF NOT EXISTS public.webhook_events (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    received_at timestamptz NOT NULL DEFAULT now(),
    source      text NOT NULL,
    payload     jsonb NOT NULL,
    PRIMARY KEY (id, received_at)
) PARTITION BY RANGE (received_at);

CREATE INDEX IF NOT EXISTS webhook_events_received_at_idx ON public.webhook_events (received_at);
