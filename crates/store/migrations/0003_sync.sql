-- 0003: IMAP sync engine state (owned by inboxd-imap-driver through `sync/`). A per-account key/value
-- space: `space` names a map of the engine's state (folders, locations, header ids, …), `key` its entry, `value`
-- the entry's encoding chosen by the driver (JSON). Written in the same transaction as the items it describes.

CREATE TABLE sync_state (
    account INTEGER NOT NULL REFERENCES accounts (key),
    space   TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    value   TEXT    NOT NULL,
    PRIMARY KEY (account, space, key)
) WITHOUT ROWID;
