-- 0001: accounts, per-account change ids, and the global change log (redo log).
-- Migrations are history: never edit a released file, add a new one.

CREATE TABLE accounts (
    key           INTEGER PRIMARY KEY,          -- internal row key; never leaves the store
    id            TEXT    NOT NULL UNIQUE,      -- the ACCTID (UUID string)
    name          TEXT    NOT NULL,             -- user@domain as given
    name_key      TEXT    NOT NULL,             -- lower-cased name: case-insensitive uniqueness
    password_hash TEXT    NOT NULL,             -- PHC string; hashing happens in the server
    admin         INTEGER NOT NULL DEFAULT 0,
    status        TEXT    NOT NULL CHECK (status IN ('active', 'maintenance', 'deleted')),
    imap_host     TEXT,                         -- IMAP source; all NULL when there is none
    imap_port     INTEGER,
    imap_security TEXT CHECK (imap_security IN ('none', 'starttls', 'tls')),
    imap_user     TEXT,
    imap_password TEXT,
    created       INTEGER NOT NULL,             -- ms since the Unix epoch
    change_id     INTEGER NOT NULL DEFAULT 0,   -- last committed change id: the sync token
    next_item_id  INTEGER NOT NULL DEFAULT 257, -- next user item id (1..256 are system ids)
    log_floor     INTEGER NOT NULL DEFAULT 0    -- highest change id whose log row was trimmed
);

-- Deleted accounts keep their row (their log rows point at it) but free their name.
CREATE UNIQUE INDEX accounts_live_name ON accounts (name_key) WHERE status <> 'deleted';

-- One row per commit that touched something.
CREATE TABLE change_log (
    seq       INTEGER PRIMARY KEY,              -- global commit seq, from log_state.last_seq
    account   INTEGER NOT NULL REFERENCES accounts (key),
    change_id INTEGER NOT NULL,                 -- the account's change id after the commit
    types     INTEGER NOT NULL,                 -- InterestTypes bits
    changed   TEXT    NOT NULL,                 -- comma list of created/modified item ids
    deleted   TEXT    NOT NULL,                 -- comma list of <kind letter><item id>
    time      INTEGER NOT NULL                  -- commit time, ms since the Unix epoch
);
CREATE INDEX change_log_account ON change_log (account, change_id);
CREATE INDEX change_log_time ON change_log (time);

-- Counters that must survive trimming every row: seqs never repeat, and a trimmed seq stays provably trimmed.
CREATE TABLE log_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq        INTEGER NOT NULL,           -- highest seq ever allocated
    trimmed_through INTEGER NOT NULL            -- highest seq ever trimmed (0: none)
);
INSERT INTO log_state (id, last_seq, trimmed_through) VALUES (1, 0, 0);
