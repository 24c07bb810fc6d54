-- OrleansMl's PostgreSQL schema, part 3: grain state (Orleans.Persistence.AdoNet), one row per grain state.
--
-- Optimistic concurrency: Version is the state's ETag. A write names the version it read (NULL for a state never
-- stored) and gets the new version back; answering the caller's own version, or NULL, tells the provider that the
-- write lost to another writer, which it reports as an InconsistentStateException.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NULL,
    ServiceId              text        NOT NULL,
    -- Grain state serialized by the silo (OrleansMl registers Orleans' binary serializer); NULL once cleared.
    PayloadBinary          bytea       NULL,
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),
    Version                integer     NULL
);

-- The two hashes narrow a lookup to a handful of rows; the remaining key columns are compared on those.
CREATE INDEX IF NOT EXISTS ix_orleansstorage ON OrleansStorage (GrainIdHash, GrainTypeHash);

CREATE OR REPLACE FUNCTION orleansml_storage_write(
    p_grain_id_hash  integer,
    p_grain_id_n0    bigint,
    p_grain_id_n1    bigint,
    p_grain_type_hash integer,
    p_grain_type     text,
    p_grain_id_ext   text,
    p_service_id     text,
    p_version        integer,
    p_payload        bytea)
RETURNS integer
LANGUAGE plpgsql
AS $fn$
DECLARE
    v_new integer;
BEGIN
    IF p_version IS NOT NULL THEN
        UPDATE OrleansStorage s
        SET PayloadBinary = p_payload, ModifiedOn = now(), Version = s.Version + 1
        WHERE s.GrainIdHash = p_grain_id_hash AND s.GrainTypeHash = p_grain_type_hash
          AND s.GrainIdN0 = p_grain_id_n0 AND s.GrainIdN1 = p_grain_id_n1
          AND s.GrainTypeString = p_grain_type AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND s.ServiceId = p_service_id AND s.Version = p_version
        RETURNING s.Version INTO v_new;
        -- A stale version matches no row: answering the caller's own version reports the conflict.
        RETURN COALESCE(v_new, p_version);
    END IF;

    -- First write of this state. The table has no unique key (the key columns are long and nullable), so inserts of
    -- one grain are serialized by a transaction-scoped lock on its hashes: two activations of the same grain (a
    -- split brain) cannot both insert. This statement sees rows committed while it waited for the lock.
    PERFORM pg_advisory_xact_lock(p_grain_type_hash, p_grain_id_hash);
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
         PayloadBinary, ModifiedOn, Version)
    SELECT p_grain_id_hash, p_grain_id_n0, p_grain_id_n1, p_grain_type_hash, p_grain_type, p_grain_id_ext,
           p_service_id, p_payload, now(), 1
    WHERE NOT EXISTS (
        SELECT 1 FROM OrleansStorage s
        WHERE s.GrainIdHash = p_grain_id_hash AND s.GrainTypeHash = p_grain_type_hash
          AND s.GrainIdN0 = p_grain_id_n0 AND s.GrainIdN1 = p_grain_id_n1
          AND s.GrainTypeString = p_grain_type AND s.GrainIdExtensionString IS NOT DISTINCT FROM p_grain_id_ext
          AND s.ServiceId = p_service_id);
    IF FOUND THEN
        RETURN 1;
    END IF;

    -- The state exists although the caller believed it new: NULL reports the conflict.
    RETURN NULL;
END
$fn$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
(
    'WriteToStorageKey', $q$
    SELECT orleansml_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
        @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion;
    $q$
),
(
    'ReadFromStorageKey', $q$
    SELECT PayloadBinary, Version
    FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId;
    $q$
),
(
    -- Keeps the row (with a NULL payload) so the version keeps counting and a later write is an update.
    'ClearStorageKey', $q$
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId AND Version = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion;
    $q$
),
(
    -- Used instead of ClearStorageKey when the provider is configured with DeleteStateOnClear.
    'DeleteStorageKey', $q$
    DELETE FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString AND GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
      AND ServiceId = @ServiceId AND Version = @GrainStateVersion
    RETURNING Version + 1 AS NewGrainStateVersion;
    $q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
