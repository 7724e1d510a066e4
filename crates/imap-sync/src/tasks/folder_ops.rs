//! folder_ops: carries out one client folder change (`Task::Folder`) upstream: CREATE, RENAME or DELETE.
//!
//! After a CREATE the folder list is re-read, which adds the folder (the driver adopts the store folder the
//! client already has). After a RENAME the folder records (the folder and everything below it) get their new
//! paths at once, so the next LIST matches them and nothing is re-synced. After a DELETE the folder and its
//! messages are dropped. A `NO` drops the task with a problem: the next LIST shows what the server has.

use super::{Cx, Job, JobSpec, Step};
use crate::plan::{FolderOp, Task};
use crate::reply::Reply;
use crate::wire::Command;
use crate::{Folder, FolderId, TaskId};

#[derive(Debug)]
pub(crate) struct FolderOps {
    task: TaskId,
    op: Option<FolderOp>,
    /// The new path of a rename.
    new_path: String,
}

impl FolderOps {
    pub(crate) fn new(task: TaskId) -> Self {
        Self {
            task,
            op: None,
            new_path: String::new(),
        }
    }

    /// The hierarchy delimiter to use under `parent` (the parent's, else any folder's, else `/`).
    fn delimiter(cx: &Cx<'_>, parent: Option<FolderId>) -> char {
        parent
            .and_then(|p| cx.db.folder(p))
            .and_then(|f| f.delimiter)
            .or_else(|| cx.db.folders().values().find_map(|f| f.delimiter))
            .unwrap_or('/')
    }

    fn child_path(cx: &Cx<'_>, parent: Option<FolderId>, name: &str) -> Option<String> {
        match parent {
            None => Some(name.to_string()),
            Some(p) => {
                let parent = cx.db.folder(p)?;
                Some(format!(
                    "{}{}{name}",
                    parent.path,
                    Self::delimiter(cx, Some(p))
                ))
            }
        }
    }

    fn command(&mut self, cx: &Cx<'_>, op: &FolderOp) -> Option<Command> {
        match op {
            FolderOp::Create { parent, name } => Some(Command::Create {
                mailbox: Self::child_path(cx, *parent, name)?,
            }),
            FolderOp::Rename { folder, name } => {
                let f = cx.db.folder(*folder)?;
                let prefix = f
                    .delimiter
                    .and_then(|d| f.path.rsplit_once(d).map(|(p, _)| format!("{p}{d}")))
                    .unwrap_or_default();
                self.new_path = format!("{prefix}{name}");
                Some(Command::Rename {
                    from: f.path.clone(),
                    to: self.new_path.clone(),
                })
            }
            FolderOp::Delete { folder } => Some(Command::Delete {
                mailbox: cx.db.folder(*folder)?.path.clone(),
            }),
        }
    }

    /// Gives `folder` and its descendants their paths under the new name.
    fn renamed(&self, cx: &mut Cx<'_>, folder: FolderId, name: &str) {
        let Some(old) = cx.db.folder(folder).cloned() else {
            return;
        };
        let delim = old.delimiter;
        let moved: Vec<Folder> = cx
            .db
            .folders()
            .values()
            .filter(|f| {
                f.id == folder
                    || delim.is_some_and(|d| f.path.starts_with(&format!("{}{d}", old.path)))
            })
            .cloned()
            .collect();
        for mut f in moved {
            let rest = f.path.strip_prefix(&old.path).unwrap_or_default();
            f.path = format!("{}{rest}", self.new_path);
            if f.id == folder {
                f.name = name.to_string();
            }
            cx.db.put_folder(f);
        }
    }
}

impl Job for FolderOps {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        let Some(Task::Folder(op)) = cx.db.task(self.task).cloned() else {
            return Step::Done;
        };
        let Some(cmd) = self.command(cx, &op) else {
            cx.db.finish_task(self.task);
            return Step::Done;
        };
        self.op = Some(op);
        Step::Send(cmd)
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        cx.db.finish_task(self.task);
        if !reply.is_ok() {
            cx.command_failed(None, "folder change", &reply);
            cx.follow_ups.push(JobSpec::FolderList);
            return Step::Done;
        }
        match self.op.take() {
            Some(FolderOp::Create { .. }) => cx.follow_ups.push(JobSpec::FolderList),
            Some(FolderOp::Rename { folder, name }) => self.renamed(cx, folder, &name),
            Some(FolderOp::Delete { folder }) => cx.db.delete_folder(folder),
            None => {}
        }
        Step::Done
    }
}
