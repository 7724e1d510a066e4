//! GetFolderRequest: the folder tree (`<folder l="ID"/>` or `<folder path="/Inbox"/>` selects a subtree; `depth`
//! limits it), nested as Zimbra does, root `USER_ROOT` with id 1.

use std::collections::BTreeMap;

use inboxd_model::ItemId;
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Folder, folder_ids};

use super::{parse_id, render};
use crate::cx::Cx;

pub fn handle_get(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let folders = cx
        .app
        .store
        .folders(&account.id)
        .map_err(crate::store_fault)?;
    let tree = FolderTree::new(&folders);
    let start = match req.child("folder") {
        Some(spec) => match (
            spec.scalar("l").or_else(|| spec.scalar("id")),
            spec.scalar("path"),
        ) {
            (Some(id), _) => parse_id(&id)?,
            (None, Some(path)) => tree
                .by_path(&path)
                .ok_or_else(|| Fault::no_such_folder(&path))?,
            (None, None) => folder_ids::ROOT,
        },
        None => folder_ids::ROOT,
    };
    let depth = req
        .int_opt::<i64>("depth")?
        .filter(|d| *d >= 0)
        .map(|d| d as usize);
    let el = tree
        .render(start, depth)
        .ok_or_else(|| Fault::no_such_folder(start))?;
    Ok(Element::ns("GetFolderResponse", NS_MAIL).with_child(el))
}

/// Folders indexed by id and by parent, for rendering subtrees and resolving paths.
pub struct FolderTree<'a> {
    by_id: BTreeMap<ItemId, &'a Folder>,
    children: BTreeMap<ItemId, Vec<&'a Folder>>,
}

impl<'a> FolderTree<'a> {
    pub fn new(folders: &'a [Folder]) -> Self {
        let mut children: BTreeMap<ItemId, Vec<&Folder>> = BTreeMap::new();
        for f in folders {
            if let Some(parent) = f.parent {
                children.entry(parent).or_default().push(f);
            }
        }
        Self {
            by_id: folders.iter().map(|f| (f.id, f)).collect(),
            children,
        }
    }

    /// `/Inbox/Sub` (case-insensitive per component, as Zimbra paths are).
    pub fn by_path(&self, path: &str) -> Option<ItemId> {
        let mut at = folder_ids::ROOT;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let kids = self.children.get(&at)?;
            at = kids.iter().find(|f| f.name.eq_ignore_ascii_case(part))?.id;
        }
        Some(at)
    }

    /// The folder with its subfolders nested, `depth` levels deep (`None`: all).
    pub fn render(&self, id: ItemId, depth: Option<usize>) -> Option<Element> {
        let folder = self.by_id.get(&id)?;
        let mut el = render::folder(folder);
        if depth != Some(0) {
            for child in self.children.get(&id).into_iter().flatten() {
                if let Some(sub) = self.render(child.id, depth.map(|d| d - 1)) {
                    el.push(sub);
                }
            }
        }
        Some(el)
    }
}
