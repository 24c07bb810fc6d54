-- OrleansMl's PostgreSQL schema, part 1: the query catalog and the schema version.
-- Every script is idempotent: PostgresSchema runs them in order inside one transaction under an advisory lock.

-- Orleans' ADO.NET providers issue no SQL of their own: at start-up they load every statement they will run from
-- this table by key, and then bind parameters by name and read result columns by name.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- One row: the version of these scripts last installed, so a starting silo skips the install when it is current.
CREATE TABLE IF NOT EXISTS orleansml_schema
(
    id           integer     NOT NULL PRIMARY KEY CHECK (id = 1),
    version      integer     NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now()
);
