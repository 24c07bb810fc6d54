-- OrleansMl's PostgreSQL schema, part 7: grain state written in groups (GroupCommitGrainStorage), one row per state.
--
-- Used for feature entities, whose many small writes are committed together in one transaction. version is the
-- state's ETag: an update names the version it read and changes no row when that is stale; an insert (a state never
-- stored here) changes no row when the state exists. payload is NULL once the state was cleared.

CREATE TABLE IF NOT EXISTS orleansml_grain_state
(
    service_id  text        NOT NULL,
    state_name  text        NOT NULL,
    grain_id    text        NOT NULL,
    version     bigint      NOT NULL,
    payload     bytea       NULL,
    modified_on timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_id, state_name, grain_id)
);
