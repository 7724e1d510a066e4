//! waitset.txt "A Detailed Example", replayed step by step. Deviations from the spec text follow
//! Zimbra (zimbra-waitset.md §0): signalled accounts are `Signalled` (`<a>`), and the first data
//! response has seq 2, the next one 3 (the spec says 1 and 2).

use inboxd_model::ChangeId;
use inboxd_waitset::{AddSpec, WaitOutcome, WaitRequest};

use crate::harness::*;

#[test]
fn detailed_example() {
    let mut h = H::new();
    h.accounts(&["a1", "a2", "a3"]);

    // <AdminCreateWaitSetRequest defTypes="c"><add><a id="a1"/></add>
    let created = h.create(&admin(), "c", vec![add("a1")]);
    assert_eq!(
        (created.def_types.to_string(), created.seq),
        ("c".to_string(), 0)
    );
    assert!(created.errors.is_empty());
    let foo = created.id;

    // a1 receives a contact update.
    h.commit("a1", "c");
    // a3 receives a contact update (token goes to 100); the client syncs a3 and holds token 100.
    h.set_change_id("a3", 99);
    h.commit("a3", "c");
    assert_eq!(h.change_id("a3"), 100);

    // <AdminWaitSetRequest waitSet="foo" seq="0" block="1"><add><a id="a3" token="100"/></add>
    // Returns at once because a1 changed since the <add>; a3 is up to date by its token.
    let r = WaitRequest {
        add: vec![add_token("a3", 100)],
        ..block(&foo, "0")
    };
    let r = ready(h.wait(&admin(), r));
    assert_eq!(r.seq.as_deref(), Some("2"));
    assert_eq!(ids(&r), ["a1"]);
    assert!(r.errors.is_empty());

    // <AdminWaitSetRequest waitSet="foo" seq="2" block="1"><add><a id="a2"/></add> blocks...
    let r = WaitRequest {
        add: vec![add("a2")],
        ..block(&foo, "2")
    };
    let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), r) else {
        panic!("must block")
    };
    assert!(h.done.is_empty());
    // ...until a3 receives a contact update (token goes to 101 here; 107 in the spec's prose).
    let done = h.commit("a3", "c");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].ticket, ticket);
    assert_eq!(done[0].response.seq.as_deref(), Some("3"));
    assert_eq!(ids(&done[0].response), ["a3"]);
    assert_eq!(done[0].response.signalled[0].change_id, ChangeId(101));

    // The client syncs a3, then: <AdminWaitSetRequest seq="3" block="1"><update><a id="a3" token="101"/>
    let upd = AddSpec {
        token: Some(ChangeId(101)),
        ..add("a3")
    };
    let r = WaitRequest {
        update: vec![upd],
        ..block(&foo, "3")
    };
    let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), r) else {
        panic!("up to date: blocks")
    };
    // Blocks until there is new data on a1, a2 or a3.
    h.done.clear();
    let done = h.commit("a2", "c");
    assert_eq!(done.len(), 1);
    assert_eq!(
        (done[0].ticket, ids(&done[0].response)),
        (ticket, vec!["a2"])
    );
    assert_eq!(done[0].response.seq.as_deref(), Some("4"));
}
