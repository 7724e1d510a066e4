//! Unit tests of `search.rs`: matching, sort order, paging and folder counts on a small seeded mailbox.

use inboxd_model::{AccountId, ItemId, Timestamp};

use super::{MessageQuery, SortOrder};
use crate::{
    ConversationSummary, NewAccount, NewFolder, NewMessage, Store, StoreOptions, folder_ids,
};

const T0: Timestamp = Timestamp(1_700_000_000_000);

struct Mailbox {
    _dir: tempfile::TempDir,
    store: Store,
    account: AccountId,
    sub: ItemId,
    /// Conversation ids in creation order.
    convs: Vec<ItemId>,
    /// Message ids in insertion order (which is also date order).
    msgs: Vec<ItemId>,
}

/// Seeds: conversation A (3 messages, dates 1,4,6), B (2 messages, dates 2,5), C (1 message, date 3, in a
/// subfolder), plus one message without conversation (date 7) and one in Trash (date 8).
fn mailbox() -> Mailbox {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let account = store
        .create_account(
            NewAccount {
                name: "s@example.test".into(),
                password_hash: "x".into(),
                admin: false,
                imap: None,
            },
            T0,
        )
        .unwrap()
        .id;
    let (sub, convs, msgs) = store
        .commit(&account, T0, |txn| {
            let sub = txn.create_folder(NewFolder {
                parent: folder_ids::INBOX,
                name: "Sub".into(),
                ..Default::default()
            })?;
            let mut convs = Vec::new();
            for subject in ["Alpha clock", "Beta", "Gamma"] {
                convs.push(txn.put_conversation(ConversationSummary {
                    subject: subject.into(),
                    ..Default::default()
                })?);
            }
            let (a, b, c) = (convs[0], convs[1], convs[2]);
            let plan: [(Option<ItemId>, ItemId, &str, &[&str]); 8] = [
                (Some(a), folder_ids::INBOX, "Alpha clock", &[]),
                (Some(b), folder_ids::INBOX, "Beta", &["\\Seen"]),
                (Some(c), sub, "Gamma 100%", &["\\Seen", "\\Flagged"]),
                (Some(a), folder_ids::INBOX, "Re: Alpha CLOCK", &["\\Seen"]),
                (Some(b), folder_ids::INBOX, "Re: Beta", &["\\Flagged"]),
                (Some(a), folder_ids::SENT, "Re: Alpha clock", &["\\seen"]),
                (None, folder_ids::INBOX, "Loose", &[]),
                (Some(b), folder_ids::TRASH, "Re: Beta trashed", &[]),
            ];
            let mut msgs = Vec::new();
            for (i, (conv, folder, subject, flags)) in plan.into_iter().enumerate() {
                msgs.push(txn.insert_message(NewMessage {
                    folder,
                    conversation: conv,
                    subject: subject.into(),
                    date: Timestamp(1000 * (i as u64 + 1)),
                    flags: flags.iter().map(|f| f.to_string()).collect(),
                    ..Default::default()
                })?);
            }
            Ok((sub, convs, msgs))
        })
        .unwrap()
        .value;
    Mailbox {
        _dir: dir,
        store,
        account,
        sub,
        convs,
        msgs,
    }
}

impl Mailbox {
    fn messages(
        &self,
        q: &MessageQuery,
        sort: SortOrder,
        limit: u32,
        offset: u64,
    ) -> (Vec<usize>, bool) {
        let page = self
            .store
            .search_messages(&self.account, q, sort, limit, offset)
            .unwrap();
        let idx = page
            .hits
            .iter()
            .map(|m| self.msgs.iter().position(|id| *id == m.id).unwrap())
            .collect();
        (idx, page.more)
    }

    /// (conversation index, matching message indexes) per hit, and `more`.
    fn convs(
        &self,
        q: &MessageQuery,
        sort: SortOrder,
        limit: u32,
        offset: u64,
    ) -> (Vec<(usize, Vec<usize>)>, bool) {
        let page = self
            .store
            .search_conversations(&self.account, q, sort, limit, offset)
            .unwrap();
        let hits = page
            .hits
            .iter()
            .map(|h| {
                let c = self
                    .convs
                    .iter()
                    .position(|id| *id == h.conversation.id)
                    .unwrap();
                let m = h
                    .matches
                    .iter()
                    .map(|m| self.msgs.iter().position(|id| *id == m.id).unwrap())
                    .collect();
                (c, m)
            })
            .collect();
        (hits, page.more)
    }
}

fn in_folder(f: ItemId) -> MessageQuery {
    MessageQuery {
        folder: Some(f),
        ..Default::default()
    }
}

#[test]
fn messages_in_a_folder_sorted_both_ways() {
    let m = mailbox();
    let q = in_folder(folder_ids::INBOX);
    assert_eq!(
        m.messages(&q, SortOrder::DateDesc, 10, 0),
        (vec![6, 4, 3, 1, 0], false)
    );
    assert_eq!(
        m.messages(&q, SortOrder::DateAsc, 10, 0),
        (vec![0, 1, 3, 4, 6], false)
    );
    // A folder means that folder only, not its subfolders.
    assert_eq!(
        m.messages(&in_folder(m.sub), SortOrder::DateDesc, 10, 0),
        (vec![2], false)
    );
}

#[test]
fn paging_reports_more_exactly() {
    let m = mailbox();
    let q = in_folder(folder_ids::INBOX);
    assert_eq!(
        m.messages(&q, SortOrder::DateDesc, 2, 0),
        (vec![6, 4], true)
    );
    assert_eq!(
        m.messages(&q, SortOrder::DateDesc, 2, 2),
        (vec![3, 1], true)
    );
    assert_eq!(m.messages(&q, SortOrder::DateDesc, 2, 4), (vec![0], false));
    assert!(!m.messages(&q, SortOrder::DateDesc, 5, 0).1);
    assert_eq!(m.messages(&q, SortOrder::DateDesc, 2, 99), (vec![], false));
    assert_eq!(m.messages(&q, SortOrder::DateDesc, 0, 0), (vec![], true));
}

#[test]
fn flags_and_words_filter() {
    let m = mailbox();
    let unread = MessageQuery {
        unread: Some(true),
        ..Default::default()
    };
    assert_eq!(
        m.messages(&unread, SortOrder::DateAsc, 10, 0).0,
        vec![0, 4, 6, 7]
    );
    let read = MessageQuery {
        unread: Some(false),
        ..Default::default()
    };
    // `\seen` in lower case counts as seen (flags compare case-insensitively).
    assert_eq!(
        m.messages(&read, SortOrder::DateAsc, 10, 0).0,
        vec![1, 2, 3, 5]
    );
    let flagged = MessageQuery {
        flagged: Some(true),
        ..Default::default()
    };
    assert_eq!(
        m.messages(&flagged, SortOrder::DateAsc, 10, 0).0,
        vec![2, 4]
    );
    let unflagged_unread = MessageQuery {
        flagged: Some(false),
        unread: Some(true),
        ..Default::default()
    };
    assert_eq!(
        m.messages(&unflagged_unread, SortOrder::DateAsc, 10, 0).0,
        vec![0, 6, 7]
    );
    let words = MessageQuery {
        words: vec!["alpha".into(), "Clock".into()],
        ..Default::default()
    };
    assert_eq!(
        m.messages(&words, SortOrder::DateAsc, 10, 0).0,
        vec![0, 3, 5]
    );
    // LIKE wildcards in a word are literal.
    let percent = |w: &str| MessageQuery {
        words: vec![w.into()],
        ..Default::default()
    };
    assert_eq!(
        m.messages(&percent("100%"), SortOrder::DateAsc, 10, 0).0,
        vec![2]
    );
    assert_eq!(
        m.messages(&percent("%"), SortOrder::DateAsc, 10, 0).0,
        vec![2]
    );
    assert_eq!(
        m.messages(&percent("_"), SortOrder::DateAsc, 10, 0).0,
        Vec::<usize>::new()
    );
    let no_trash = MessageQuery {
        exclude_folders: vec![folder_ids::TRASH, folder_ids::JUNK],
        words: vec!["beta".into()],
        ..Default::default()
    };
    assert_eq!(
        m.messages(&no_trash, SortOrder::DateAsc, 10, 0).0,
        vec![1, 4]
    );
}

#[test]
fn conversations_sort_by_latest_matching_message() {
    let m = mailbox();
    let q = in_folder(folder_ids::INBOX);
    // Inbox: A has 0,3 (latest 3), B has 1,4 (latest 4); the loose message 6 is in no conversation.
    assert_eq!(
        m.convs(&q, SortOrder::DateDesc, 10, 0),
        (vec![(1, vec![4, 1]), (0, vec![3, 0])], false)
    );
    assert_eq!(
        m.convs(&q, SortOrder::DateAsc, 10, 0),
        (vec![(0, vec![0, 3]), (1, vec![1, 4])], false)
    );
    // All folders: B's latest is the trashed 7, A's is the sent 5, C's is 2.
    let all = MessageQuery::default();
    let (hits, more) = m.convs(&all, SortOrder::DateDesc, 2, 0);
    assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), vec![1, 0]);
    assert!(more);
    assert_eq!(
        m.convs(&all, SortOrder::DateDesc, 2, 2),
        (vec![(2, vec![2])], false)
    );
    // Match rows carry what a hit shows: folder, date, flags.
    let page = m
        .store
        .search_conversations(&m.account, &all, SortOrder::DateDesc, 1, 0)
        .unwrap();
    let hit = &page.hits[0];
    assert_eq!(hit.sort_date, Timestamp(8000));
    assert_eq!(hit.conversation.subject, "Beta");
    let first = &hit.matches[0];
    assert_eq!(
        (first.folder, first.date),
        (folder_ids::TRASH, Timestamp(8000))
    );
    assert!(hit.matches[1].has_flag("\\flagged"));
    assert!(!hit.matches[1].has_flag("\\Seen"));
    let unread = MessageQuery {
        unread: Some(true),
        ..Default::default()
    };
    assert_eq!(
        m.convs(&unread, SortOrder::DateDesc, 10, 0),
        (vec![(1, vec![7, 4]), (0, vec![0])], false)
    );
}

#[test]
fn folder_counts_in_one_query() {
    let m = mailbox();
    let counts = m.store.folder_counts(&m.account).unwrap();
    assert_eq!(counts.get(&folder_ids::INBOX), Some(&(5, 3)));
    assert_eq!(counts.get(&m.sub), Some(&(1, 0)));
    assert_eq!(counts.get(&folder_ids::SENT), Some(&(1, 0)));
    assert_eq!(counts.get(&folder_ids::TRASH), Some(&(1, 1)));
    assert_eq!(counts.get(&folder_ids::DRAFTS), None);
}

#[test]
fn other_accounts_and_unknown_accounts() {
    let m = mailbox();
    let other = m
        .store
        .create_account(
            NewAccount {
                name: "o@example.test".into(),
                password_hash: "x".into(),
                admin: false,
                imap: None,
            },
            T0,
        )
        .unwrap()
        .id;
    let all = MessageQuery::default();
    let page = m
        .store
        .search_messages(&other, &all, SortOrder::DateDesc, 10, 0)
        .unwrap();
    assert!(page.hits.is_empty() && !page.more);
    assert!(m.store.folder_counts(&other).unwrap().is_empty());
    let nobody = AccountId::new("nobody");
    assert_eq!(
        m.store
            .search_conversations(&nobody, &all, SortOrder::DateDesc, 10, 0)
            .unwrap_err(),
        crate::StoreError::NoSuchAccount
    );
}

#[test]
fn escape_like_escapes_wildcards() {
    assert_eq!(super::escape_like(r"a%b_c\d"), r"a\%b\_c\\d");
}

fn words(w: &str) -> MessageQuery {
    MessageQuery {
        words: vec![w.into()],
        ..Default::default()
    }
}

#[test]
fn any_of_and_none_of_nest() {
    let m = mailbox();
    let asc = |q: &MessageQuery| m.messages(q, SortOrder::DateAsc, 10, 0).0;
    let either = MessageQuery {
        any_of: vec![vec![words("gamma"), words("loose")]],
        ..Default::default()
    };
    assert_eq!(asc(&either), vec![2, 6]);
    let not_inbox = MessageQuery {
        none_of: vec![in_folder(folder_ids::INBOX)],
        ..Default::default()
    };
    assert_eq!(asc(&not_inbox), vec![2, 5, 7]);
    let not_unread = MessageQuery {
        none_of: vec![MessageQuery {
            unread: Some(true),
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(asc(&not_unread), vec![1, 2, 3, 5]);
    // Inbox AND (flagged OR alpha).
    let inbox_flagged_or_alpha = MessageQuery {
        folder: Some(folder_ids::INBOX),
        any_of: vec![vec![
            MessageQuery {
                flagged: Some(true),
                ..Default::default()
            },
            words("alpha"),
        ]],
        ..Default::default()
    };
    assert_eq!(asc(&inbox_flagged_or_alpha), vec![0, 3, 4]);
    // NOT (beta OR alpha), two groups ANDed: (gamma OR loose) AND (100 OR alpha).
    let neither = MessageQuery {
        none_of: vec![MessageQuery {
            any_of: vec![vec![words("beta"), words("alpha")]],
            ..Default::default()
        }],
        ..Default::default()
    };
    assert_eq!(asc(&neither), vec![2, 6]);
    let two_groups = MessageQuery {
        any_of: vec![
            vec![words("gamma"), words("loose")],
            vec![words("100"), words("alpha")],
        ],
        ..Default::default()
    };
    assert_eq!(asc(&two_groups), vec![2]);
    // An empty group matches nothing; an empty nested query matches everything.
    let empty_group = MessageQuery {
        any_of: vec![vec![]],
        ..Default::default()
    };
    assert_eq!(asc(&empty_group), Vec::<usize>::new());
    let everything = MessageQuery {
        any_of: vec![vec![MessageQuery::default()]],
        ..Default::default()
    };
    assert_eq!(asc(&everything), (0..8).collect::<Vec<_>>());
    // Conversation hits list only the matching messages of each conversation.
    let replies = MessageQuery {
        any_of: vec![vec![words("re:"), words("gamma")]],
        ..Default::default()
    };
    assert_eq!(
        m.convs(&replies, SortOrder::DateDesc, 10, 0),
        (vec![(1, vec![7, 4]), (0, vec![5, 3]), (2, vec![2])], false)
    );
}

#[test]
fn nesting_is_limited() {
    let m = mailbox();
    let nest = |levels: usize| {
        let mut q = words("alpha");
        for _ in 0..levels {
            q = MessageQuery {
                none_of: vec![q],
                ..Default::default()
            };
        }
        q
    };
    // An even number of NOTs is the word itself.
    assert_eq!(
        m.messages(&nest(40), SortOrder::DateAsc, 10, 0).0,
        vec![0, 3, 5]
    );
    let err = m
        .store
        .search_messages(&m.account, &nest(41), SortOrder::DateAsc, 10, 0)
        .unwrap_err();
    assert!(matches!(err, crate::StoreError::Invalid(_)), "{err:?}");
}

fn addr(name: Option<&str>, email: &str) -> crate::Address {
    crate::Address {
        name: name.map(str::to_string),
        email: email.into(),
    }
}

/// Messages with addresses: (from, to, cc) per message, all in the Inbox, dates in index order.
fn address_mailbox() -> Mailbox {
    let m = mailbox();
    type Plan = (
        Vec<crate::Address>,
        Vec<crate::Address>,
        Vec<crate::Address>,
    );
    let plan: Vec<Plan> = vec![
        (
            vec![addr(Some("Ann Smith"), "ann@example.test")],
            vec![addr(None, "bob@x.test")],
            vec![],
        ),
        (
            vec![addr(Some("Bob Jones"), "bob@example.test")],
            vec![addr(Some("Ann"), "ann@example.test")],
            vec![
                addr(Some("Carol"), "carol@corp.test"),
                addr(None, "erin@x.test"),
            ],
        ),
        (
            vec![addr(Some("Quote \"Q\" Back\\slash"), "q@example.test")],
            vec![addr(None, "dave@corp.test")],
            vec![],
        ),
        (
            vec![addr(None, "NoBody@EXAMPLE.test")],
            vec![],
            vec![addr(Some("Ann"), "ann@x.test")],
        ),
    ];
    let msgs = m
        .store
        .commit(&m.account, T0, |txn| {
            let mut msgs = Vec::new();
            for (i, (from, to, cc)) in plan.into_iter().enumerate() {
                msgs.push(txn.insert_message(crate::NewMessage {
                    folder: folder_ids::DRAFTS,
                    subject: format!("addressed {i}"),
                    from,
                    to,
                    cc,
                    date: Timestamp(100_000 + i as u64),
                    ..Default::default()
                })?);
            }
            Ok(msgs)
        })
        .unwrap()
        .value;
    Mailbox { msgs, ..m }
}

#[test]
fn addresses_match_names_and_emails() {
    let m = address_mailbox();
    let find = |from: &[&str], to: &[&str], cc: &[&str]| {
        let q = MessageQuery {
            from: from.iter().map(|s| s.to_string()).collect(),
            to: to.iter().map(|s| s.to_string()).collect(),
            cc: cc.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        m.messages(&q, SortOrder::DateAsc, 10, 0).0
    };
    let none = Vec::<usize>::new();
    // From: email or display name, case-insensitive, substring; To and Cc addresses do not count.
    assert_eq!(find(&["ann"], &[], &[]), vec![0]);
    assert_eq!(find(&["ANN SMITH"], &[], &[]), vec![0]);
    assert_eq!(find(&["smith"], &[], &[]), vec![0]);
    assert_eq!(find(&["jones"], &[], &[]), vec![1]);
    assert_eq!(find(&["example.TEST"], &[], &[]), vec![0, 1, 2, 3]);
    assert_eq!(find(&["nobody@example"], &[], &[]), vec![3]);
    assert_eq!(find(&["carol"], &[], &[]), none);
    // Every needle must match (one address or another).
    assert_eq!(find(&["bob", "jones"], &[], &[]), vec![1]);
    assert_eq!(find(&["bob", "smith"], &[], &[]), none);
    // To and Cc.
    assert_eq!(find(&[], &["ann"], &[]), vec![1]);
    assert_eq!(find(&[], &["corp"], &[]), vec![2]);
    assert_eq!(find(&[], &["bob"], &[]), vec![0]);
    assert_eq!(find(&[], &[], &["carol"]), vec![1]);
    assert_eq!(find(&[], &[], &["ERIN"]), vec![1]);
    assert_eq!(find(&[], &[], &["ann"]), vec![3]);
    assert_eq!(find(&["bob"], &["ann"], &["carol"]), vec![1]);
    // To or Cc, as tocc: is built.
    let tocc = |n: &str| MessageQuery {
        any_of: vec![vec![
            MessageQuery {
                to: vec![n.into()],
                ..Default::default()
            },
            MessageQuery {
                cc: vec![n.into()],
                ..Default::default()
            },
        ]],
        ..Default::default()
    };
    assert_eq!(
        m.messages(&tocc("ann"), SortOrder::DateAsc, 10, 0).0,
        vec![1, 3]
    );
    // Values, not JSON syntax, are searched; quotes and backslashes in values are found unescaped.
    for syntax in [
        "email", "name", "\":\"", "{", "}", ",", "[", "null", "%", "_",
    ] {
        assert_eq!(find(&[syntax], &[syntax], &[syntax]), none, "{syntax}");
        assert_eq!(find(&[syntax], &[], &[]), none, "{syntax}");
    }
    assert_eq!(find(&["\""], &[], &[]), vec![2]);
    assert_eq!(find(&["\"q\" back"], &[], &[]), vec![2]);
    assert_eq!(find(&["back\\slash"], &[], &[]), vec![2]);
    assert_eq!(find(&["\\"], &[], &[]), vec![2]);
    assert_eq!(find(&["\\\""], &[], &[]), none);
}

/// The plan's index use, as `EXPLAIN QUERY PLAN` details joined.
fn plan(m: &Mailbox, sql: &str, args: Vec<rusqlite::types::Value>) -> String {
    m.store
        .read(|conn| {
            let mut all = vec![rusqlite::types::Value::Integer(1)];
            all.extend(args);
            all.push(rusqlite::types::Value::Integer(10));
            all.push(rusqlite::types::Value::Integer(0));
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let rows = stmt
                .query_map(rusqlite::params_from_iter(all), |r| r.get::<_, String>(3))
                .unwrap();
            Ok(rows.map(|r| r.unwrap()).collect::<Vec<_>>().join(" | "))
        })
        .unwrap()
}

#[test]
fn folder_pages_use_the_folder_indexes() {
    let m = mailbox();
    let inbox = in_folder(folder_ids::INBOX);
    let unread_inbox = MessageQuery {
        unread: Some(true),
        ..inbox.clone()
    };
    for q in [&inbox, &unread_inbox] {
        let (sql, args) = super::messages_sql(q, SortOrder::DateDesc).unwrap();
        let p = plan(&m, &sql, args);
        assert!(
            p.contains("USING INDEX messages_folder_date (account=? AND folder=?)"),
            "{p}"
        );
        let (sql, args) = super::conversations_sql(q, SortOrder::DateDesc).unwrap();
        let p = plan(&m, &sql, args);
        assert!(
            p.contains("INDEX messages_folder_conversation_date (account=? AND folder=?"),
            "{p}"
        );
    }
    // The SQL for a plain folder page is the plain column test, nothing nested.
    let (sql, _) = super::messages_sql(&unread_inbox, SortOrder::DateDesc).unwrap();
    assert_eq!(
        sql,
        "SELECT id FROM messages WHERE account = ?1 AND folder = ?2 \
         AND NOT (' ' || flags || ' ') LIKE '% \\Seen %' ORDER BY date DESC, id DESC LIMIT ?3 OFFSET ?4"
    );
}
