//! Resolution rules and HeaderIdMap behaviour: joins, merges, missing roots, In-Reply-To-only
//! replies, duplicates, ThreadHeaders lookup ids.

use inboxd_threading::{Assignment, HeaderIdMap, Resolution, ThreadHeaders, resolve};

/// Headers from raw values; `""` means the header is absent.
fn headers(id: &str, irt: &str, refs: &str) -> ThreadHeaders {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    ThreadHeaders::from_raw(
        opt(id).as_deref(),
        opt(irt).as_deref(),
        opt(refs).as_deref(),
    )
}

/// A map plus a monotonic conversation id allocator, as the engine uses it.
struct Fixture {
    map: HeaderIdMap<u32>,
    next: u32,
}

impl Fixture {
    fn new() -> Self {
        Self {
            map: HeaderIdMap::new(),
            next: 1,
        }
    }

    fn assign(&mut self, h: &ThreadHeaders) -> Assignment<u32> {
        let next = &mut self.next;
        self.map.assign(h, || {
            *next += 1;
            *next - 1
        })
    }
}

#[test]
fn resolve_rules() {
    assert_eq!(resolve(Vec::<u32>::new()), Resolution::New);
    assert_eq!(resolve([7u32]), Resolution::Join(7));
    assert_eq!(resolve([7u32, 7, 7]), Resolution::Join(7));
    assert_eq!(
        resolve([9u32, 3, 7, 3, 9]),
        Resolution::Merge {
            keep: 3,
            absorb: vec![7, 9]
        }
    );
    assert_eq!(resolve([2u32, 1]), resolve([1u32, 2]));
    assert_eq!(Resolution::<u32>::New.target(), None);
    assert_eq!(Resolution::Join(4u32).target(), Some(4));
}

#[test]
fn header_ids_order_dedup_and_in_reply_to_without_references() {
    let h = headers("<c@x>", "<b@x>", "<a@x> <b@x> <c@x>");
    assert_eq!(h.header_ids(), vec!["c@x", "a@x", "b@x"]);
    let irt_only = headers("<c@x>", "<b@x>", "");
    assert_eq!(irt_only.header_ids(), vec!["c@x", "b@x"]);
    let nothing = headers("garbage", "", "");
    assert!(nothing.is_empty());
    assert!(nothing.header_ids().is_empty());
}

#[test]
fn new_then_join_records_ids() {
    let mut f = Fixture::new();
    let root = f.assign(&headers("<a@x>", "", ""));
    assert_eq!(root.resolution, Resolution::New);
    assert_eq!(root.added_ids, vec!["a@x"]);
    let reply = f.assign(&headers("<b@x>", "<a@x>", "<a@x>"));
    assert_eq!(reply.resolution, Resolution::Join(root.conversation));
    assert_eq!(reply.added_ids, vec!["b@x"]);
    assert!(reply.moved_ids.is_empty());
    assert_eq!(f.map.ids_of(root.conversation), ["a@x", "b@x"]);
    assert_eq!(f.map.len(), 2);
}

#[test]
fn merge_repoints_absorbed_ids() {
    let mut f = Fixture::new();
    let a = f.assign(&headers("<a@x>", "", ""));
    let b = f.assign(&headers("<b@x>", "", "<b-parent@x>"));
    assert_ne!(a.conversation, b.conversation);
    let c = f.assign(&headers("<c@x>", "", "<a@x> <b@x>"));
    assert_eq!(
        c.resolution,
        Resolution::Merge {
            keep: a.conversation,
            absorb: vec![b.conversation]
        }
    );
    assert_eq!(c.conversation, a.conversation);
    let mut moved = c.moved_ids.clone();
    moved.sort();
    assert_eq!(moved, vec!["b-parent@x", "b@x"]);
    assert_eq!(c.added_ids, vec!["c@x"]);
    for id in ["a@x", "b@x", "b-parent@x", "c@x"] {
        assert_eq!(f.map.get(id), Some(a.conversation), "{id}");
    }
    assert!(f.map.ids_of(b.conversation).is_empty());
    assert_eq!(f.map.ids_of(a.conversation).len(), 4);
    // Later messages of the old B thread land in the merged conversation.
    let late = f.assign(&headers("<d@x>", "<b-parent@x>", ""));
    assert_eq!(late.resolution, Resolution::Join(a.conversation));
}

#[test]
fn merge_keeps_smallest_regardless_of_reference_order() {
    let mut f = Fixture::new();
    let a = f.assign(&headers("<a@x>", "", ""));
    let b = f.assign(&headers("<b@x>", "", ""));
    let z = f.assign(&headers("<z@x>", "", ""));
    let c = f.assign(&headers("<c@x>", "<a@x>", "<z@x> <b@x>"));
    assert_eq!(
        c.resolution,
        Resolution::Merge {
            keep: a.conversation,
            absorb: vec![b.conversation, z.conversation]
        }
    );
}

#[test]
fn two_replies_to_an_unseen_root_join() {
    let mut f = Fixture::new();
    let r1 = f.assign(&headers("<r1@x>", "<root@x>", "<root@x>"));
    let r2 = f.assign(&headers("<r2@x>", "<root@x>", "<root@x>"));
    assert_eq!(r2.resolution, Resolution::Join(r1.conversation));
    // The root arriving later joins too, through its own id.
    let root = f.assign(&headers("<root@x>", "", ""));
    assert_eq!(root.resolution, Resolution::Join(r1.conversation));
    assert!(root.added_ids.is_empty());
}

#[test]
fn in_reply_to_only_chain_and_late_middle_message() {
    let mut f = Fixture::new();
    let a = f.assign(&headers("<a@x>", "", ""));
    // C replies to B (not seen yet) with In-Reply-To only: a separate conversation for now.
    let c = f.assign(&headers("<c@x>", "<b@x>", ""));
    assert_eq!(c.resolution, Resolution::New);
    // B replies to A with In-Reply-To only: it links both, so they merge (gloda never did).
    let b = f.assign(&headers("<b@x>", "<a@x>", ""));
    assert_eq!(
        b.resolution,
        Resolution::Merge {
            keep: a.conversation,
            absorb: vec![c.conversation]
        }
    );
    assert_eq!(f.map.get("c@x"), Some(a.conversation));
}

#[test]
fn duplicates_share_one_conversation() {
    let mut f = Fixture::new();
    let sent = f.assign(&headers("<dup@x>", "<p@x>", "<p@x>"));
    // The mailing-list copy of the same message: same id, maybe different References.
    let list_copy = f.assign(&headers("<dup@x>", "", "<p@x>"));
    assert_eq!(list_copy.resolution, Resolution::Join(sent.conversation));
    assert!(list_copy.added_ids.is_empty());
    // A copy with unrelated References pulls that thread in (as notmuch does).
    let other = f.assign(&headers("<other@x>", "", ""));
    let odd_copy = f.assign(&headers("<dup@x>", "", "<other@x>"));
    assert_eq!(
        odd_copy.resolution,
        Resolution::Merge {
            keep: sent.conversation,
            absorb: vec![other.conversation]
        }
    );
}

#[test]
fn messages_without_ids_stay_alone() {
    let mut f = Fixture::new();
    let a = f.assign(&headers("", "", ""));
    let b = f.assign(&headers("", "", ""));
    assert_ne!(a.conversation, b.conversation);
    assert!(f.map.is_empty());
}

#[test]
fn lookup_does_not_mutate_and_remove_conversation_forgets_ids() {
    let mut f = Fixture::new();
    let a = f.assign(&headers("<a@x>", "", ""));
    let probe = headers("<b@x>", "<a@x>", "");
    assert_eq!(f.map.lookup(&probe), Resolution::Join(a.conversation));
    assert_eq!(f.map.get("b@x"), None);
    f.assign(&probe);
    let mut removed = f.map.remove_conversation(a.conversation);
    removed.sort();
    assert_eq!(removed, vec!["a@x", "b@x"]);
    assert!(f.map.is_empty());
    assert_eq!(f.map.lookup(&probe), Resolution::New);
}

#[test]
fn insert_loads_and_repoints_entries() {
    let mut map: HeaderIdMap<u32> = HeaderIdMap::new();
    map.insert("a@x".into(), 1);
    map.insert("b@x".into(), 1);
    map.insert("b@x".into(), 2);
    map.insert("b@x".into(), 2);
    assert_eq!(map.ids_of(1), ["a@x"]);
    assert_eq!(map.ids_of(2), ["b@x"]);
    assert_eq!(map.get("b@x"), Some(2));
    assert_eq!(map.len(), 2);
}
