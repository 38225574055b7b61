CREATE TABLE sample_totals (
    item text PRIMARY KEY,
    quantity integer NOT NULL,
    events integer NOT NULL
);
-- Effects of the sample consumer: one row per handled event, so duplicates would show.
CREATE TABLE sample_effects (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    item text NOT NULL
);
