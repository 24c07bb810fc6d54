-- OrleansMl's PostgreSQL schema, part 4: durable reminders (Orleans.Reminders.AdoNet).

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    text        NOT NULL,
    GrainId      text        NOT NULL,
    ReminderName text        NOT NULL,
    StartTime    timestamptz NOT NULL,
    -- Milliseconds.
    Period       bigint      NOT NULL,
    -- The grain's uniform hash as a signed integer: silos own ranges of it on the reminder ring.
    GrainHash    integer     NOT NULL,
    Version      integer     NOT NULL,
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Each silo reads the reminders of its ring range at start-up and whenever the ring changes.
CREATE INDEX IF NOT EXISTS ix_orleansreminders_range ON OrleansRemindersTable (ServiceId, GrainHash);

-- Versions (the reminders' ETags) come from one sequence rather than counting per row, so a reminder deleted and
-- registered again never gets back an ETag a stale caller still holds.
CREATE SEQUENCE IF NOT EXISTS orleansml_reminder_version AS integer CYCLE;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
(
    'UpsertReminderRowKey', $q$
    INSERT INTO OrleansRemindersTable (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
    VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, nextval('orleansml_reminder_version'))
    ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
    SET StartTime = excluded.StartTime, Period = excluded.Period, GrainHash = excluded.GrainHash,
        Version = excluded.Version
    RETURNING Version;
    $q$
),
(
    'ReadReminderRowsKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
    $q$
),
(
    'ReadReminderRowKey', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
    $q$
),
(
    -- The range (BeginHash, EndHash] when it does not wrap around the ring (the provider compares the bounds as
    -- signed integers, exactly as GrainHash is stored).
    'ReadRangeRows1Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
    $q$
),
(
    -- The range that wraps around: above BeginHash or up to EndHash. BeginHash = EndHash is the whole ring.
    'ReadRangeRows2Key', $q$
    SELECT GrainId, ReminderName, StartTime, Period, Version
    FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
    $q$
),
(
    -- One column, read as a boolean: true when the reminder existed with that ETag and is gone.
    'DeleteReminderRowKey', $q$
    WITH deleted AS (
        DELETE FROM OrleansRemindersTable
        WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
        RETURNING 1)
    SELECT count(*)::integer FROM deleted;
    $q$
),
(
    'DeleteReminderRowsKey', $q$
    DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
    $q$
)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = excluded.QueryText;
