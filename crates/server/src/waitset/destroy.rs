//! [Admin]DestroyWaitSetRequest: removes the waitset (its parked request returns `canceled`); an unknown
//! id is `mail.NO_SUCH_WAITSET` in both namespaces, as in Zimbra.

use std::sync::Arc;

use inboxd_soap::{Element, Fault};
use inboxd_waitset::WaitSetId;

use super::shell::WaitSetShell;
use super::{codec, owner};
use crate::cx::Cx;

pub(super) async fn handle(
    shell: Arc<WaitSetShell>,
    cx: &Cx,
    req: &Element,
    name: &str,
    ns: &str,
) -> Result<Element, Fault> {
    let owner = owner(cx)?;
    let id = WaitSetId::new(req.required("waitSet")?);
    {
        let mut st = shell.lock();
        let done = st
            .engine
            .destroy(&owner, &id)
            .map_err(|e| codec::fault(e, true))?;
        st.deliver(done);
    }
    Ok(Element::ns(name, ns).with_attr("waitSet", id.as_str()))
}
