//! AuthRequest, user (`urn:zimbraAccount`, `<account by="name">` + `<password>`) and admin (`urn:zimbraAdmin`,
//! `<name>` + `<password>`, or `<account by>`), returning a signed `authToken` and its `lifetime` in ms.
//! Either may be an attribute or a child element, as Zimbra accepts both.

use inboxd_model::Timestamp;
use inboxd_soap::{Element, Fault, NS_ACCOUNT, NS_ADMIN};
use inboxd_store::{Account, AccountStatus};

use crate::auth::{TokenClaims, verify_password};
use crate::cx::Cx;

/// `urn:zimbraAccount` AuthRequest.
pub fn handle_user(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let spec = req
        .child("account")
        .ok_or_else(|| Fault::invalid_request("missing <account>"))?;
    let shown = spec.text_content().unwrap_or_default().trim().to_string();
    let account = cx
        .lookup_account(spec)
        .map_err(|_| Fault::auth_failed(&shown))?;
    let password = req.required("password")?;
    let account = check_password(account, &password, &shown)?;
    Ok(token_response(cx, &account, false, NS_ACCOUNT))
}

/// `urn:zimbraAdmin` AuthRequest: only admin accounts may use it.
pub fn handle_admin(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let (account, shown) = match req.scalar("name") {
        Some(name) => (
            cx.app
                .store
                .account_by_name(&name)
                .map_err(crate::store_fault)?,
            name,
        ),
        None => {
            let spec = req
                .child("account")
                .ok_or_else(|| Fault::invalid_request("missing <name>"))?;
            let shown = spec.text_content().unwrap_or_default().trim().to_string();
            (cx.lookup_account(spec).ok(), shown)
        }
    };
    let account = account
        .filter(|a| a.status != AccountStatus::Deleted)
        .ok_or_else(|| Fault::auth_failed(&shown))?;
    let password = req.required("password")?;
    let account = check_password(account, &password, &shown)?;
    if !account.admin {
        return Err(Fault::perm_denied("not an admin account"));
    }
    Ok(token_response(cx, &account, true, NS_ADMIN))
}

fn check_password(account: Account, password: &str, shown: &str) -> Result<Account, Fault> {
    if !verify_password(password, &account.password_hash) {
        return Err(Fault::auth_failed(shown));
    }
    match account.status {
        AccountStatus::Active => Ok(account),
        AccountStatus::Maintenance => Err(Fault::maintenance_mode(account.id.as_str())),
        AccountStatus::Deleted => Err(Fault::auth_failed(shown)),
    }
}

fn token_response(cx: &Cx, account: &Account, admin: bool, ns: &str) -> Element {
    let lifetime = cx.app.config.token_lifetime;
    let expires: Timestamp = cx.now.plus(lifetime);
    let token = cx.app.key.issue(&TokenClaims {
        account: account.id.clone(),
        admin,
        expires,
    });
    let lifetime_ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX);
    Element::ns("AuthResponse", ns)
        .with_child(Element::text_child("authToken", token).json_list())
        .with_child(Element::text_child("lifetime", lifetime_ms.to_string()).json_attr())
        .with_child(Element::text_child("skin", "serenity").json_list())
}
