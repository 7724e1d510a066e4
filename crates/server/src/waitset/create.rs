//! [Admin]CreateWaitSetRequest: `defTypes`, `allAccounts`, `<add>` → waitset id, normalized defTypes,
//! `seq` 0 and per-account errors. Evicting a user's oldest waitset completes its parked request.

use std::sync::Arc;

use inboxd_soap::{Element, Fault};
use inboxd_waitset::CreateRequest;

use super::shell::{StoreLookup, WaitSetShell};
use super::{blocking, codec, owner, resolve_name};
use crate::cx::Cx;

pub(super) async fn handle(
    shell: Arc<WaitSetShell>,
    cx: &Cx,
    req: &Element,
    name: &str,
    ns: &str,
) -> Result<Element, Fault> {
    let owner = owner(cx)?;
    let def_types = codec::types_opt(req, "defTypes")?.unwrap_or_default();
    let all_accounts = req.bool_opt("allAccounts")?.unwrap_or(false);
    let req = req.clone();
    let now = cx.now;
    let created = blocking(move || {
        let add = codec::specs(&req, "add", &|n| resolve_name(&shell.store, n))?;
        let create = CreateRequest {
            def_types,
            all_accounts,
            add,
        };
        let mut st = shell.lock();
        let res = st
            .engine
            .create(&owner, create, &StoreLookup(&shell.store), now);
        let (created, done) = res.map_err(|e| codec::fault(e, false))?;
        st.deliver(done);
        Ok(created)
    })
    .await?;
    Ok(codec::created(name, ns, &created))
}
