-- OrleansMl's PostgreSQL schema, part 5: the artifact store (raw dataset uploads, model zips), content-addressed.
--
-- Bytes live in chunks of at most 1 MB, grouped by a blob id, so no statement ever carries a whole artifact. A
-- staged upload writes its chunks under its upload id; committing it hashes them and records that blob id under the
-- content hash, so the bytes never move.

CREATE TABLE IF NOT EXISTS orleansml_blob_chunks
(
    blob_id uuid    NOT NULL,
    seq     integer NOT NULL,
    data    bytea   NOT NULL,
    PRIMARY KEY (blob_id, seq)
);

CREATE TABLE IF NOT EXISTS orleansml_artifacts
(
    -- SHA-256 of the content, lower-case hex.
    hash        text        NOT NULL PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    blob_id     uuid        NOT NULL UNIQUE,
    size        bigint      NOT NULL,
    chunk_count integer     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Uploads in progress; committing one hashes its chunks in order and records the blob under that hash.
CREATE TABLE IF NOT EXISTS orleansml_uploads
(
    upload_id    uuid        NOT NULL PRIMARY KEY,
    size         bigint      NOT NULL,
    chunk_count  integer     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_orleansml_uploads_updated ON orleansml_uploads (updated_at);
