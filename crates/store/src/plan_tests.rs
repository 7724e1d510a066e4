//! Query plans of the by-id lookups the per-message write path runs (`txn_mail.rs`, `txn_mail_write.rs`,
//! `read::item`): each must be an indexed search, never a scan, or a sync's cost would grow with the
//! mailbox. The search API's plans are checked in `search_tests.rs`.

use crate::read::ITEM_TABLE;
use crate::txn_mail::{MESSAGE_BODY, MESSAGE_CONVERSATION, MESSAGE_FLAGS, MESSAGE_PLACE};
use crate::txn_mail_write::{
    CONVERSATION_EXISTS, FOLDER_EXISTS, MESSAGE_EXISTS, UPDATE_CONVERSATION,
    UPDATE_CONVERSATION_AGAIN,
};
use crate::{Store, StoreOptions};

fn plan(store: &Store, sql: &str) -> String {
    store
        .read(|conn| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let args = vec![1i64; stmt.parameter_count()];
            let rows = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap();
            Ok(rows.map(|r| r.unwrap()).collect::<Vec<_>>().join(" | "))
        })
        .unwrap()
}

#[test]
fn per_message_lookups_search_by_primary_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    for sql in [
        ITEM_TABLE,
        MESSAGE_FLAGS,
        MESSAGE_PLACE,
        MESSAGE_BODY,
        MESSAGE_CONVERSATION,
        FOLDER_EXISTS,
        CONVERSATION_EXISTS,
        MESSAGE_EXISTS,
        UPDATE_CONVERSATION,
        UPDATE_CONVERSATION_AGAIN,
    ] {
        let p = plan(&store, sql);
        assert!(p.contains("SEARCH"), "{sql}: {p}");
        let scans = p
            .split(" | ")
            .filter(|step| step.starts_with("SCAN") && *step != "SCAN CONSTANT ROW");
        assert_eq!(scans.count(), 0, "{sql}: {p}");
        assert!(p.contains("(account=? AND id=?)"), "{sql}: {p}");
    }
}

#[test]
fn filtered_message_loads_use_the_filter_index() {
    use crate::read::{Filter, MESSAGES, by_header_id_sql, load_sql};
    use inboxd_model::{ChangeId, ItemId};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    for (filter, column) in [
        (Filter::InConversation(ItemId(1)), "conversation=?"),
        (Filter::InFolder(ItemId(1)), "folder=?"),
        (Filter::Uid(ItemId(1), 1), "imap_uid=?"),
        (Filter::ModAfter(ChangeId(1)), "mod_change>?"),
    ] {
        let (sql, _) = load_sql(&MESSAGES, filter).unwrap();
        let p = plan(&store, &sql);
        // Not the primary key's `(account=?)` walk over the whole mailbox.
        assert!(p.contains(column), "{filter:?}: {p}");
    }
    let p = plan(&store, &by_header_id_sql());
    assert!(p.contains("message_id=?"), "{p}");
}
