//! Unit tests of the query parser: tree shapes and precedence, field resolution, limits and faults, lowering
//! to store queries, and a randomized no-panic check.

use inboxd_model::ItemId;
use inboxd_store::{MessageQuery, folder_ids};

use super::super::super::folder::FolderTree;
use super::{Atom, Expr, MAX_DEPTH, MAX_TERMS, parse_expr, parse_query};

fn folder(id: i64, parent: i64, name: &str) -> inboxd_store::Folder {
    inboxd_store::Folder {
        id: ItemId(id),
        parent: (parent > 0).then_some(ItemId(parent)),
        name: name.into(),
        view: Some(inboxd_model::ItemType::Message),
        imap_path: None,
        special_use: None,
        created_change: inboxd_model::ChangeId(1),
        mod_change: inboxd_model::ChangeId(1),
    }
}

fn folders() -> Vec<inboxd_store::Folder> {
    vec![
        folder(1, 0, "USER_ROOT"),
        folder(2, 1, "Inbox"),
        folder(300, 2, "Sub"),
        folder(301, 1, "Some Folder"),
    ]
}

fn expr(text: &str) -> Expr {
    let folders = folders();
    parse_expr(text, &FolderTree::new(&folders)).unwrap()
}

fn query(text: &str) -> MessageQuery {
    let folders = folders();
    parse_query(text, &FolderTree::new(&folders)).unwrap()
}

/// The fault (code, message) of a query that must fail.
fn fault(text: &str) -> (String, String) {
    let folders = folders();
    let f = parse_expr(text, &FolderTree::new(&folders)).unwrap_err();
    (f.code.to_string(), f.reason.to_string())
}

fn w(s: &str) -> Expr {
    Expr::Atom(Atom::Subject(s.into()))
}

fn not(e: Expr) -> Expr {
    Expr::Not(Box::new(e))
}

fn and(xs: Vec<Expr>) -> Expr {
    Expr::And(xs)
}

fn or(xs: Vec<Expr>) -> Expr {
    Expr::Or(xs)
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        expr("a b or c"),
        or(vec![and(vec![w("a"), w("b")]), w("c")])
    );
    assert_eq!(
        expr("a or b c"),
        or(vec![w("a"), and(vec![w("b"), w("c")])])
    );
    assert_eq!(expr("a OR b or c"), or(vec![w("a"), w("b"), w("c")]));
    assert_eq!(
        expr("a and b or c"),
        or(vec![and(vec![w("a"), w("b")]), w("c")])
    );
    assert_eq!(
        expr("a or b AND c"),
        or(vec![w("a"), and(vec![w("b"), w("c")])])
    );
    assert_eq!(
        expr("(a b) or c"),
        or(vec![and(vec![w("a"), w("b")]), w("c")])
    );
    assert_eq!(
        expr("a (b or c)"),
        and(vec![w("a"), or(vec![w("b"), w("c")])])
    );
    assert_eq!(
        expr("(a or b) (c or d)"),
        and(vec![or(vec![w("a"), w("b")]), or(vec![w("c"), w("d")])])
    );
    assert_eq!(expr("a"), w("a"));
    assert_eq!(expr("((a))"), w("a"));
}

#[test]
fn negation_binds_tightest() {
    assert_eq!(expr("not a or b"), or(vec![not(w("a")), w("b")]));
    assert_eq!(expr("-a b"), and(vec![not(w("a")), w("b")]));
    assert_eq!(expr("-(a b)"), not(and(vec![w("a"), w("b")])));
    assert_eq!(expr("NOT -a"), not(not(w("a"))));
    assert_eq!(expr("e-mail"), w("e-mail"));
    assert_eq!(expr(r#""not" "or""#), and(vec![w("not"), w("or")]));
}

#[test]
fn fields_resolve() {
    let atom = |a: Atom| Expr::Atom(a);
    assert_eq!(
        expr(r#"FROM:ann To:"Bob B" cc:c tocc:d subject:"x y" Clk*"#),
        and(vec![
            atom(Atom::From("ann".into())),
            atom(Atom::To("Bob B".into())),
            atom(Atom::Cc("c".into())),
            atom(Atom::ToCc("d".into())),
            w("x y"),
            w("Clk"),
        ])
    );
    assert_eq!(
        expr("is:Unread is:read is:flagged is:unflagged"),
        and(vec![
            atom(Atom::Unread),
            not(atom(Atom::Unread)),
            atom(Atom::Flagged),
            not(atom(Atom::Flagged)),
        ])
    );
    assert_eq!(
        expr(r#"in:"some folder" or in:/inbox/SUB or inid:300 or in:trash"#),
        or(vec![
            atom(Atom::Folder(ItemId(301))),
            atom(Atom::Folder(ItemId(300))),
            atom(Atom::Folder(ItemId(300))),
            atom(Atom::Folder(folder_ids::TRASH)),
        ])
    );
    assert_eq!(expr("*"), atom(Atom::All));
}

#[test]
fn faults_say_what_is_wrong() {
    let (code, msg) = fault("has:attachment");
    assert_eq!(code, "service.INVALID_REQUEST");
    assert!(msg.contains("has:"), "{msg}");
    let (code, msg) = fault("from:a DATE:x");
    assert_eq!(code, "service.INVALID_REQUEST");
    assert!(msg.contains("date:"), "{msg}");
    for bad in ["(a", "a)", "()", "(a or b", "a (b))", ")("] {
        let (code, msg) = fault(bad);
        assert_eq!(code, "service.INVALID_REQUEST", "{bad}");
        assert!(msg.contains("parenthes"), "{bad}: {msg}");
    }
    for bad in [
        "a or",
        "or a",
        "not",
        "-",
        "a and",
        "a or or b",
        "a and or b",
        "is:starred",
        "+a",
        "Re: x",
    ] {
        assert_eq!(fault(bad).0, "service.INVALID_REQUEST", "{bad}");
    }
    for missing in ["in:nowhere", "in:\"\"", "inid:999", "a or -in:nowhere"] {
        assert_eq!(fault(missing).0, "mail.NO_SUCH_FOLDER", "{missing}");
    }
}

#[test]
fn limits_on_terms_and_depth() {
    let terms = |n: usize| vec!["x"; n].join(" or ");
    assert!(matches!(expr(&terms(MAX_TERMS)), Expr::Or(xs) if xs.len() == MAX_TERMS));
    let (code, msg) = fault(&terms(MAX_TERMS + 1));
    assert_eq!(code, "service.INVALID_REQUEST");
    assert!(msg.contains("65 terms"), "{msg}");
    let parens = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
    assert_eq!(expr(&parens(MAX_DEPTH)), w("x"));
    let nots = |n: usize| format!("{}x", "not ".repeat(n));
    assert!(matches!(expr(&nots(MAX_DEPTH)), Expr::Not(_)));
    assert!(matches!(
        expr(&format!("-{}", parens(MAX_DEPTH - 1))),
        Expr::Not(_)
    ));
    for deep in [
        parens(MAX_DEPTH + 1),
        nots(MAX_DEPTH + 1),
        format!("-{}", parens(MAX_DEPTH)),
        parens(10_000),
        "-".repeat(10_000) + "x",
    ] {
        let (code, msg) = fault(&deep);
        assert_eq!(code, "service.INVALID_REQUEST");
        assert!(msg.contains("deeper than 16"), "{msg}");
    }
}

fn flat(folder: Option<ItemId>, exclude: &[ItemId]) -> MessageQuery {
    MessageQuery {
        folder,
        exclude_folders: exclude.to_vec(),
        ..Default::default()
    }
}

#[test]
fn plain_queries_lower_to_flat_fields() {
    let default_out = [folder_ids::TRASH, folder_ids::JUNK];
    assert_eq!(query(""), flat(Some(folder_ids::INBOX), &[]));
    assert_eq!(query("  "), flat(Some(folder_ids::INBOX), &[]));
    assert_eq!(
        query("in:inbox is:unread"),
        MessageQuery {
            unread: Some(true),
            ..flat(Some(folder_ids::INBOX), &[])
        }
    );
    assert_eq!(
        query("is:read is:unflagged alpha from:ann to:b cc:c"),
        MessageQuery {
            unread: Some(false),
            flagged: Some(false),
            words: vec!["alpha".into()],
            from: vec!["ann".into()],
            to: vec!["b".into()],
            cc: vec!["c".into()],
            ..flat(None, &default_out)
        }
    );
    // Negated folders are exclusions and do not lift the default one.
    assert_eq!(
        query("-in:sent -in:trash"),
        flat(
            None,
            &[folder_ids::SENT, folder_ids::TRASH, folder_ids::JUNK]
        )
    );
    assert_eq!(
        query("not not in:trash"),
        flat(Some(folder_ids::TRASH), &[])
    );
    assert_eq!(query("*"), flat(None, &default_out));
}

#[test]
fn or_and_not_lower_to_nested_queries() {
    let default_out = [folder_ids::TRASH, folder_ids::JUNK];
    let word = |s: &str| MessageQuery {
        words: vec![s.into()],
        ..Default::default()
    };
    let to = |s: &str| MessageQuery {
        to: vec![s.into()],
        ..Default::default()
    };
    let cc = |s: &str| MessageQuery {
        cc: vec![s.into()],
        ..Default::default()
    };
    assert_eq!(
        query("a b or c"),
        MessageQuery {
            any_of: vec![vec![
                MessageQuery {
                    words: vec!["a".into(), "b".into()],
                    ..Default::default()
                },
                word("c"),
            ]],
            ..flat(None, &default_out)
        }
    );
    assert_eq!(
        query("a (b or c)"),
        MessageQuery {
            words: vec!["a".into()],
            any_of: vec![vec![word("b"), word("c")]],
            ..flat(None, &default_out)
        }
    );
    assert_eq!(
        query("tocc:x"),
        MessageQuery {
            any_of: vec![vec![to("x"), cc("x")]],
            ..flat(None, &default_out)
        }
    );
    assert_eq!(
        query("-(a b) -c -is:read"),
        MessageQuery {
            unread: Some(true),
            none_of: vec![
                MessageQuery {
                    words: vec!["a".into(), "b".into()],
                    ..Default::default()
                },
                word("c"),
            ],
            ..flat(None, &default_out)
        }
    );
    // A positive Trash term lifts Trash's exclusion only; other folders lift nothing.
    assert_eq!(
        query("in:trash or x"),
        MessageQuery {
            any_of: vec![vec![flat(Some(folder_ids::TRASH), &[]), word("x")]],
            ..flat(None, &[folder_ids::JUNK])
        }
    );
    assert_eq!(
        query("x or in:junk"),
        MessageQuery {
            any_of: vec![vec![word("x"), flat(Some(folder_ids::JUNK), &[])]],
            ..flat(None, &[folder_ids::TRASH])
        }
    );
    assert_eq!(
        query("in:inbox or in:sent"),
        MessageQuery {
            any_of: vec![vec![
                flat(Some(folder_ids::INBOX), &[]),
                flat(Some(folder_ids::SENT), &[]),
            ]],
            ..flat(None, &default_out)
        }
    );
    assert_eq!(
        query("-(in:trash or x)"),
        MessageQuery {
            none_of: vec![MessageQuery {
                any_of: vec![vec![flat(Some(folder_ids::TRASH), &[]), word("x")]],
                ..Default::default()
            }],
            ..flat(None, &default_out)
        }
    );
    // A second value for a taken field nests (nothing matches both folders).
    assert_eq!(
        query("in:inbox inid:300 is:read is:unread"),
        MessageQuery {
            unread: Some(false),
            any_of: vec![
                vec![flat(Some(ItemId(300)), &[])],
                vec![MessageQuery {
                    unread: Some(true),
                    ..Default::default()
                }],
            ],
            ..flat(Some(folder_ids::INBOX), &[])
        }
    );
}

/// A small xorshift generator: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

#[test]
fn random_token_soup_never_panics() {
    let alphabet = [
        "(", ")", "-", "\"", ":", "or", "not", "in", "is", "from", "word", " ", " ", "inbox",
        "unread", "and", "*", "\\", "tocc", "inid", "2",
    ];
    let folders = folders();
    let tree = FolderTree::new(&folders);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ok, mut faults) = (0, 0);
    for _ in 0..4000 {
        let len = rng.below(24);
        let text: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        match parse_query(&text, &tree) {
            Ok(_) => ok += 1,
            Err(f) => {
                assert!(
                    f.code == "service.INVALID_REQUEST" || f.code == "mail.NO_SUCH_FOLDER",
                    "{text:?}: {f:?}"
                );
                faults += 1;
            }
        }
    }
    // The alphabet produces both outcomes, so both paths were exercised.
    assert!(ok > 100 && faults > 100, "ok {ok}, faults {faults}");
}
