//! GetInfoRequest (`urn:zimbraAccount`): who the token belongs to. Clients call it right after AuthRequest to learn
//! their account id (the id WaitSet `<a id>` wants), name and the token's remaining lifetime. inboxd answers the
//! subset it has: `version`, `id`, `name`, `lifetime` (ms left), `adminDelegated`, and `<attrs>` with zimbraId,
//! zimbraMailDeliveryAddress, zimbraAccountStatus, zimbraIsAdminAccount.

use inboxd_soap::{Element, Fault, NS_ACCOUNT};

use crate::cx::Cx;

pub fn handle(cx: &Cx, _req: &Element) -> Result<Element, Fault> {
    let info = cx.require_auth()?;
    let account = cx.load_account(&info.account)?;
    let lifetime = info.expires.as_millis().saturating_sub(cx.now.as_millis());
    let attr = |n: &str, v: String| {
        Element::new("attr")
            .with_attr("name", n)
            .with_text(v)
            .json_list()
    };
    let attrs = Element::new("attrs")
        .with_child(attr("zimbraId", account.id.to_string()))
        .with_child(attr("zimbraMailDeliveryAddress", account.name.clone()))
        .with_child(attr(
            "zimbraAccountStatus",
            account.status.as_str().to_string(),
        ))
        .with_child(attr(
            "zimbraIsAdminAccount",
            if account.admin { "TRUE" } else { "FALSE" }.to_string(),
        ));
    Ok(Element::ns("GetInfoResponse", NS_ACCOUNT)
        .with_child(Element::text_child("version", env!("CARGO_PKG_VERSION")).json_attr())
        .with_child(Element::text_child("id", account.id.as_str()).json_attr())
        .with_child(Element::text_child("name", account.name.as_str()).json_attr())
        .with_child(Element::text_child("lifetime", lifetime.to_string()).json_attr())
        .with_child(
            Element::text_child("adminDelegated", if info.admin { "1" } else { "0" }).json_attr(),
        )
        .with_child(attrs))
}
