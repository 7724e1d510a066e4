//! QueryWaitSetRequest (admin, debugging only): dumps one waitset or all, in Zimbra's current layout
//! (`<waitSet>` per waitset with `<session>`, `<errors>`, `<ready>` children).

use inboxd_soap::{Element, Fault, Value};
use inboxd_waitset::{WaitSetId, WaitSetInfo};

use super::codec;
use super::shell::WaitSetShell;
use crate::cx::Cx;

pub(super) fn handle(
    shell: &WaitSetShell,
    cx: &Cx,
    req: &Element,
    name: &str,
    ns: &str,
) -> Result<Element, Fault> {
    cx.require_admin()?;
    let id = req.scalar("waitSet").map(WaitSetId::new);
    let infos = shell
        .lock()
        .engine
        .query(id.as_ref())
        .map_err(|e| codec::fault(e, false))?;
    let mut resp = Element::ns(name, ns);
    for info in &infos {
        resp.push(waitset_element(info));
    }
    Ok(resp)
}

fn ms(t: inboxd_model::Timestamp) -> Value {
    Value::from(t.as_millis())
}

fn waitset_element(info: &WaitSetInfo) -> Element {
    let mut el = Element::new("waitSet")
        .with_attr("id", info.id.as_str())
        .with_attr("owner", info.owner.as_str())
        .with_attr("defTypes", codec::types_compact(info.def_types))
        .with_attr("ld", ms(info.last_access))
        .with_attr("currentSeqNo", info.current_seq.as_str())
        .json_list();
    if let Some(cb) = &info.cb_seq {
        el.set_attr("cbSeqNo", cb.as_str());
    }
    if let Some(next) = &info.next_seq {
        el.set_attr("nextSeqNo", next.as_str());
    }
    for m in &info.accounts {
        let mut session = Element::new("WaitSetSession")
            .with_attr("interestMask", codec::types_comma(m.types))
            .with_attr("highestChangeId", Value::from(m.highest_change_id.0))
            .with_attr("lastAccessTime", ms(info.last_access))
            .with_attr("creationTime", ms(info.created));
        if let Some(token) = m.token {
            session.set_attr("token", token.0.to_string());
        }
        if !m.folder_interests.is_empty() {
            let list: Vec<String> = m.folder_interests.iter().map(i64::to_string).collect();
            session.set_attr("folderInterests", list.join(","));
        }
        let mut s = Element::new("session")
            .with_attr("account", m.account.as_str())
            .with_attr("types", codec::types_compact(m.types))
            .with_attr("mboxSyncToken", Value::from(m.highest_change_id.0))
            .json_list()
            .with_child(session);
        if let Some(token) = m.token {
            s.set_attr("token", token.0.to_string());
            let diff = m.highest_change_id.0.saturating_sub(token.0);
            s.set_attr("mboxSyncTokenDiff", Value::from(diff));
        }
        el.push(s);
    }
    if !info.errors.is_empty() {
        let mut errors = Element::new("errors");
        for e in &info.errors {
            let err = Element::new("error")
                .with_attr("id", e.account.as_str())
                .with_attr("type", e.code.as_str());
            errors.push(err.json_list());
        }
        el.push(errors);
    }
    if !info.ready.is_empty() {
        let ids: Vec<&str> = info.ready.iter().map(|a| a.as_str()).collect();
        el.push(Element::new("ready").with_attr("accounts", ids.join(",")));
    }
    el
}
