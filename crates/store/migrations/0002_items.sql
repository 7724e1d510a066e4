-- 0002: items. Ids are per account and shared by every kind; folders, conversations, messages and
-- typed items (contacts, appointments, tasks, documents) each have a table.
-- created_change / mod_change: the account change id that created / last modified the row.

CREATE TABLE folders (
    account        INTEGER NOT NULL REFERENCES accounts (key),
    id             INTEGER NOT NULL,
    parent         INTEGER,                     -- NULL only for the root (id 1)
    name           TEXT    NOT NULL,
    view           TEXT,                        -- default item type letter (m, c, a, t, d) or NULL
    imap_path      TEXT,                        -- remote mailbox name, NULL for local-only folders
    special_use    TEXT,                        -- RFC 6154 attribute, e.g. \Sent
    created_change INTEGER NOT NULL,
    mod_change     INTEGER NOT NULL,
    PRIMARY KEY (account, id),
    FOREIGN KEY (account, parent) REFERENCES folders (account, id)
) WITHOUT ROWID;
CREATE INDEX folders_parent ON folders (account, parent);
CREATE INDEX folders_mod ON folders (account, mod_change);

CREATE TABLE conversations (
    account         INTEGER NOT NULL REFERENCES accounts (key),
    id              INTEGER NOT NULL,
    subject         TEXT    NOT NULL,
    participants    TEXT    NOT NULL,           -- JSON array of {"name","email"}
    first_date      INTEGER NOT NULL,
    last_date       INTEGER NOT NULL,
    message_count   INTEGER NOT NULL,
    unread_count    INTEGER NOT NULL,
    flagged         INTEGER NOT NULL,
    has_attachments INTEGER NOT NULL,
    snippet         TEXT,
    created_change  INTEGER NOT NULL,
    mod_change      INTEGER NOT NULL,
    PRIMARY KEY (account, id)
);
CREATE INDEX conversations_mod ON conversations (account, mod_change);

CREATE TABLE messages (
    account         INTEGER NOT NULL REFERENCES accounts (key),
    id              INTEGER NOT NULL,
    folder          INTEGER NOT NULL,
    conversation    INTEGER,
    imap_uid        INTEGER,                    -- NULL until the server assigned one
    message_id      TEXT,                       -- Message-ID header without <>
    in_reply_to     TEXT    NOT NULL,           -- In-Reply-To ids, space separated
    refs            TEXT    NOT NULL,           -- References, space separated, oldest first
    subject         TEXT    NOT NULL,
    from_addrs      TEXT    NOT NULL,           -- JSON arrays of {"name","email"}
    to_addrs        TEXT    NOT NULL,
    cc_addrs        TEXT    NOT NULL,
    date            INTEGER NOT NULL,           -- Date header, ms
    internal_date   INTEGER NOT NULL,           -- IMAP INTERNALDATE, ms
    size            INTEGER NOT NULL,
    flags           TEXT    NOT NULL,           -- sorted, de-duplicated, space separated
    snippet         TEXT,                       -- NULL: not yet extracted
    has_attachments INTEGER NOT NULL,
    body_fetched    INTEGER NOT NULL,
    created_change  INTEGER NOT NULL,
    mod_change      INTEGER NOT NULL,
    PRIMARY KEY (account, id),
    FOREIGN KEY (account, folder) REFERENCES folders (account, id),
    FOREIGN KEY (account, conversation) REFERENCES conversations (account, id)
);
CREATE UNIQUE INDEX messages_uid ON messages (account, folder, imap_uid) WHERE imap_uid IS NOT NULL;
CREATE INDEX messages_conversation ON messages (account, conversation);
CREATE INDEX messages_message_id ON messages (account, message_id);
CREATE INDEX messages_mod ON messages (account, mod_change);

-- Contacts, appointments, tasks and documents: a type letter and an attribute map.
CREATE TABLE items (
    account        INTEGER NOT NULL REFERENCES accounts (key),
    id             INTEGER NOT NULL,
    type           TEXT    NOT NULL CHECK (type IN ('c', 'a', 't', 'd')),
    folder         INTEGER NOT NULL,
    attrs          TEXT    NOT NULL,            -- JSON object of string -> string
    created_change INTEGER NOT NULL,
    mod_change     INTEGER NOT NULL,
    PRIMARY KEY (account, id),
    FOREIGN KEY (account, folder) REFERENCES folders (account, id)
);
CREATE INDEX items_folder ON items (account, folder);
CREATE INDEX items_mod ON items (account, mod_change);

-- Accounts created before this migration get the system folders at change 0 (full state shows them).
INSERT INTO folders (account, id, parent, name, view, imap_path, special_use, created_change, mod_change)
SELECT a.key, f.column1, f.column2, f.column3, f.column4, f.column5, NULL, 0, 0
FROM accounts AS a
CROSS JOIN (VALUES
    (1, NULL, 'USER_ROOT', NULL, NULL),
    (2, 1, 'Inbox', 'm', 'INBOX'),
    (3, 1, 'Trash', 'm', NULL),
    (4, 1, 'Junk', 'm', NULL),
    (5, 1, 'Sent', 'm', NULL),
    (6, 1, 'Drafts', 'm', NULL),
    (7, 1, 'Contacts', 'c', NULL),
    (10, 1, 'Calendar', 'a', NULL),
    (15, 1, 'Tasks', 't', NULL),
    (16, 1, 'Briefcase', 'd', NULL)
) AS f
WHERE a.status <> 'deleted'
ORDER BY f.column1;
