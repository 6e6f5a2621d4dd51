-- RESTART Desktop: the central export in PostgreSQL (issue 25). Run once per database, as the
-- database's owner (or a superuser), with psql:
--
--     psql "dbname=restart_team" -v ON_ERROR_STOP=1 -f schema.sql
--
-- Safe to run again (every object is made only when missing; policies are replaced).
--
-- The server holds the very bytes a folder export holds: the supervisor's signed roster,
-- join requests, and each laptop's signed, age-encrypted bundles and files. It can read none
-- of the case data; every check and the merge stay on the laptops. What it enforces is who
-- may write what:
--   * restart_joining (LOGIN): a laptop asking to join. It can read the roster (to pin the
--     supervisor's key) and file a request; nothing else.
--   * restart_device (group): one LOGIN role per laptop, "rd_" and its device id without
--     dashes, made by the supervisor's laptop when it approves the request. Row-level
--     security lets it insert only rows of its own device, read only while it is an active
--     member, and delete only its own superseded generations. No UPDATE grant anywhere.
--   * restart_supervisor (group): the supervisors' device roles (with CREATEROLE): they
--     publish the roster, approve requests (making the device's role) and disable removed
--     laptops' roles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'restart_device') THEN
        CREATE ROLE restart_device NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'restart_supervisor') THEN
        CREATE ROLE restart_supervisor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'restart_joining') THEN
        CREATE ROLE restart_joining LOGIN;
    END IF;
END
$$;

CREATE SCHEMA IF NOT EXISTS restart;
REVOKE ALL ON SCHEMA restart FROM PUBLIC;
GRANT USAGE ON SCHEMA restart TO restart_device, restart_supervisor, restart_joining;

-- The role of a device: "rd_" and the device id's 32 hexadecimal digits.
CREATE OR REPLACE FUNCTION restart.device_role(device_id text) RETURNS name
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT ('rd_' || replace(device_id, '-', ''))::name $$;

-- The supervisor's signed roster; each version is a new row, the newest is read.
CREATE TABLE IF NOT EXISTS restart.roster (
    id bigserial PRIMARY KEY,
    data bytea NOT NULL,
    signature bytea NOT NULL,
    published_by name NOT NULL DEFAULT current_user,
    published_at timestamptz NOT NULL DEFAULT now()
);

-- Laptops asking to join: the member entry (JSON, as in a folder's requests/) and the SCRAM
-- verifier of the password the laptop made for its own role (never the password itself).
CREATE TABLE IF NOT EXISTS restart.requests (
    device_id text PRIMARY KEY CHECK (device_id ~ '^[0-9a-f-]{36}$'),
    data bytea NOT NULL,
    verifier text,
    filed_at timestamptz NOT NULL DEFAULT now()
);

-- The devices the supervisors admitted; a removed device stays, inactive.
CREATE TABLE IF NOT EXISTS restart.members (
    device_id text PRIMARY KEY CHECK (device_id ~ '^[0-9a-f-]{36}$'),
    role_name name NOT NULL UNIQUE,
    active boolean NOT NULL DEFAULT true,
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- Each device's bundles: one row per bundle and generation, written in one statement.
CREATE TABLE IF NOT EXISTS restart.bundles (
    device_id text NOT NULL CHECK (device_id ~ '^[0-9a-f-]{36}$'),
    from_seq bigint NOT NULL CHECK (from_seq >= 1),
    to_seq bigint NOT NULL,
    generation integer NOT NULL DEFAULT 1 CHECK (generation >= 1),
    ciphertext bytea NOT NULL,
    signature bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, from_seq, to_seq, generation),
    CHECK (to_seq >= from_seq)
);

-- The parts of each device's format 3 bundles (each encrypted to one audience), named by
-- their bytes; written before the bundle row (the manifest) that lists them.
CREATE TABLE IF NOT EXISTS restart.parts (
    device_id text NOT NULL CHECK (device_id ~ '^[0-9a-f-]{36}$'),
    name text NOT NULL CHECK (name ~ '^[0-9]{10}-[0-9]{10}([.][0-9]+)?[.]p[0-9a-f]{16}[.]age$'),
    from_seq bigint NOT NULL,
    to_seq bigint NOT NULL,
    generation integer NOT NULL CHECK (generation >= 1),
    ciphertext bytea NOT NULL,
    signature bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, name)
);
CREATE INDEX IF NOT EXISTS parts_bundle ON restart.parts (device_id, from_seq, to_seq, generation);

-- Each device's replaceable files (its digest, its audit chain head): a new row each time;
-- the newest of a name is read and the older ones deleted in the same transaction.
CREATE TABLE IF NOT EXISTS restart.files (
    id bigserial PRIMARY KEY,
    device_id text NOT NULL CHECK (device_id ~ '^[0-9a-f-]{36}$'),
    name text NOT NULL,
    data bytea NOT NULL,
    signature bytea NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS files_device_name ON restart.files (device_id, name, id);

-- Whether the connected role is an active member (SECURITY DEFINER: a policy may ask it
-- without its caller reading the members table through its own policies).
CREATE OR REPLACE FUNCTION restart.is_active(role_name name) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = restart, pg_temp
    AS $$ SELECT EXISTS (SELECT FROM restart.members m
                         WHERE m.role_name = is_active.role_name AND m.active) $$;

-- Whether a device has filed a request to join: all a joining laptop may learn.
CREATE OR REPLACE FUNCTION restart.request_filed(device text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = restart, pg_temp
    AS $$ SELECT EXISTS (SELECT FROM restart.requests r WHERE r.device_id = device) $$;
REVOKE ALL ON FUNCTION restart.is_active(name), restart.request_filed(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION restart.is_active(name) TO restart_device, restart_supervisor;
GRANT EXECUTE ON FUNCTION restart.request_filed(text)
    TO restart_device, restart_supervisor, restart_joining;
GRANT EXECUTE ON FUNCTION restart.device_role(text)
    TO restart_device, restart_supervisor, restart_joining;

REVOKE ALL ON ALL TABLES IN SCHEMA restart FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA restart FROM PUBLIC;

GRANT SELECT ON restart.roster TO restart_device, restart_joining;
GRANT SELECT, INSERT ON restart.roster TO restart_supervisor;
GRANT USAGE ON SEQUENCE restart.roster_id_seq TO restart_supervisor;
GRANT INSERT ON restart.requests TO restart_joining;
GRANT SELECT, DELETE ON restart.requests TO restart_supervisor;
GRANT SELECT ON restart.members TO restart_device;
GRANT SELECT, INSERT ON restart.members TO restart_supervisor;
GRANT UPDATE (active, changed_at) ON restart.members TO restart_supervisor;
GRANT SELECT, INSERT, DELETE ON restart.bundles TO restart_device;
GRANT SELECT, INSERT, DELETE ON restart.parts TO restart_device;
GRANT SELECT, INSERT, DELETE ON restart.files TO restart_device;
GRANT USAGE ON SEQUENCE restart.files_id_seq TO restart_device;

ALTER TABLE restart.bundles ENABLE ROW LEVEL SECURITY;
ALTER TABLE restart.parts ENABLE ROW LEVEL SECURITY;
ALTER TABLE restart.files ENABLE ROW LEVEL SECURITY;
ALTER TABLE restart.roster ENABLE ROW LEVEL SECURITY;

-- Bundles: read while an active member; insert only as oneself, while active; delete only
-- one's own generation once a newer generation of the same range is there.
DROP POLICY IF EXISTS bundles_read ON restart.bundles;
CREATE POLICY bundles_read ON restart.bundles FOR SELECT TO restart_device
    USING (restart.is_active(current_user));
DROP POLICY IF EXISTS bundles_insert ON restart.bundles;
CREATE POLICY bundles_insert ON restart.bundles FOR INSERT TO restart_device
    WITH CHECK (restart.device_role(device_id) = current_user
                AND restart.is_active(current_user));
DROP POLICY IF EXISTS bundles_delete ON restart.bundles;
CREATE POLICY bundles_delete ON restart.bundles FOR DELETE TO restart_device
    USING (restart.device_role(device_id) = current_user
           AND EXISTS (SELECT FROM restart.bundles newer
                       WHERE newer.device_id = bundles.device_id
                         AND newer.from_seq = bundles.from_seq
                         AND newer.to_seq = bundles.to_seq
                         AND newer.generation > bundles.generation));

-- Parts: the same as bundles, "superseded" meaning a newer generation of their bundle's range.
DROP POLICY IF EXISTS parts_read ON restart.parts;
CREATE POLICY parts_read ON restart.parts FOR SELECT TO restart_device
    USING (restart.is_active(current_user));
DROP POLICY IF EXISTS parts_insert ON restart.parts;
CREATE POLICY parts_insert ON restart.parts FOR INSERT TO restart_device
    WITH CHECK (restart.device_role(device_id) = current_user
                AND restart.is_active(current_user));
DROP POLICY IF EXISTS parts_delete ON restart.parts;
CREATE POLICY parts_delete ON restart.parts FOR DELETE TO restart_device
    USING (restart.device_role(device_id) = current_user
           AND EXISTS (SELECT FROM restart.bundles newer
                       WHERE newer.device_id = parts.device_id
                         AND newer.from_seq = parts.from_seq
                         AND newer.to_seq = parts.to_seq
                         AND newer.generation > parts.generation));

-- Files: the same, "superseded" meaning a newer row of the same name.
DROP POLICY IF EXISTS files_read ON restart.files;
CREATE POLICY files_read ON restart.files FOR SELECT TO restart_device
    USING (restart.is_active(current_user));
DROP POLICY IF EXISTS files_insert ON restart.files;
CREATE POLICY files_insert ON restart.files FOR INSERT TO restart_device
    WITH CHECK (restart.device_role(device_id) = current_user
                AND restart.is_active(current_user));
DROP POLICY IF EXISTS files_delete ON restart.files;
CREATE POLICY files_delete ON restart.files FOR DELETE TO restart_device
    USING (restart.device_role(device_id) = current_user
           AND EXISTS (SELECT FROM restart.files newer
                       WHERE newer.device_id = files.device_id AND newer.name = files.name
                         AND newer.id > files.id));

-- The roster: read by every member and by joining laptops (to pin the supervisor's key);
-- written by supervisors only (its signature is checked on every laptop all the same).
DROP POLICY IF EXISTS roster_read ON restart.roster;
CREATE POLICY roster_read ON restart.roster FOR SELECT
    TO restart_device, restart_joining, restart_supervisor USING (true);
DROP POLICY IF EXISTS roster_insert ON restart.roster;
CREATE POLICY roster_insert ON restart.roster FOR INSERT TO restart_supervisor
    WITH CHECK (true);
