-- OrleansMl's PostgreSQL schema, part 6: who uses stored content.
--
-- One row per owner of an artifact (a dataset version's CSV, a model version's zip), added before the owner's state
-- names the content and confirmed once it does. Releasing the last reference of a content deletes it in the same
-- transaction; content stored before references existed has none and is kept.

CREATE TABLE IF NOT EXISTS orleansml_artifact_refs
(
    hash       text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    owner      text        NOT NULL,
    confirmed  boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hash, owner)
);

-- The sweep looks for references that were never confirmed.
CREATE INDEX IF NOT EXISTS ix_orleansml_artifact_refs_unconfirmed ON orleansml_artifact_refs (updated_at) WHERE NOT confirmed;
