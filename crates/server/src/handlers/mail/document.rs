//! SaveDocumentRequest: `<doc [id="…"] [l="16"] name="notes.txt" [ct="text/plain"]><content>…</content></doc>`
//! creates a document (or, with `id`, saves a new version of it). The content is kept inline as the `content`
//! attribute; `ver` counts saves.

use std::collections::BTreeMap;

use inboxd_model::ItemType;
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Item, folder_ids};

use super::{commit, folder_or, load_item, parse_id};
use crate::cx::Cx;

pub fn handle_save(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let doc = req
        .child("doc")
        .ok_or_else(|| Fault::invalid_request("missing <doc>"))?;
    let mut attrs = BTreeMap::new();
    for key in ["name", "ct", "desc"] {
        if let Some(v) = doc.scalar(key) {
            attrs.insert(key.to_string(), v);
        }
    }
    if let Some(content) = doc.scalar("content") {
        attrs.insert("content".to_string(), content);
    }
    let (id, version) = match doc.scalar("id") {
        Some(id) => {
            let id = parse_id(&id)?;
            let Item::Generic(existing) = load_item(cx, &account, id)? else {
                return Err(Fault::no_such_item(id));
            };
            if existing.item_type != ItemType::Document {
                return Err(Fault::no_such_item(id));
            }
            let version = existing
                .attrs
                .get("ver")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1)
                + 1;
            attrs.insert("ver".to_string(), version.to_string());
            commit(cx, &account, |txn| txn.modify_item(id, &attrs))?;
            (id, version)
        }
        None => {
            if attrs.get("name").is_none_or(|n| n.trim().is_empty()) {
                return Err(Fault::invalid_request("a document needs a name"));
            }
            attrs
                .entry("ct".to_string())
                .or_insert_with(|| "text/plain".to_string());
            attrs.insert("ver".to_string(), "1".to_string());
            let folder = folder_or(doc, folder_ids::BRIEFCASE)?;
            (
                commit(cx, &account, |txn| {
                    txn.create_item(ItemType::Document, folder, &attrs)
                })?,
                1,
            )
        }
    };
    let name = attrs.get("name").cloned().unwrap_or_default();
    let el = Element::new("doc")
        .with_attr("id", id.0)
        .with_attr("ver", version)
        .with_attr("name", name);
    Ok(Element::ns("SaveDocumentResponse", NS_MAIL).with_child(el))
}
