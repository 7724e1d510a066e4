//! Account attributes on the wire (`<a n="name">value</a>`): parsing the ones inboxd understands into store
//! values, and rendering an account the way Zimbra's admin API does.
//!
//! Understood names: `imapHost`, `imapPort`, `imapSecurity` (none|starttls|tls), `imapUser`, `imapPassword`,
//! `zimbraAccountStatus` (active|maintenance), `zimbraIsAdminAccount` (TRUE|FALSE). Anything else is refused, so a
//! typo is an error rather than a silently ignored setting.

use std::collections::BTreeMap;

use inboxd_soap::{Element, Fault};
use inboxd_store::{Account, AccountStatus, ImapSecurity, ImapSource};

const KNOWN: [&str; 7] = [
    "imapHost",
    "imapPort",
    "imapSecurity",
    "imapUser",
    "imapPassword",
    "zimbraAccountStatus",
    "zimbraIsAdminAccount",
];

/// The `<a n>` children of a request, by name (last one wins).
pub fn parse_attrs(req: &Element) -> Result<BTreeMap<String, String>, Fault> {
    let mut attrs = BTreeMap::new();
    for a in req.children_named("a") {
        let name = a
            .scalar("n")
            .ok_or_else(|| Fault::invalid_request("<a> without n"))?;
        if !KNOWN.contains(&name.as_str()) {
            return Err(Fault::invalid_request(format!(
                "unknown account attribute {name}"
            )));
        }
        attrs.insert(name, a.text_content().unwrap_or_default().to_string());
    }
    Ok(attrs)
}

/// Merges IMAP attributes over an existing source. `imapHost=""` removes the source.
pub fn imap_source(
    attrs: &BTreeMap<String, String>,
    existing: Option<&ImapSource>,
) -> Result<Option<Option<ImapSource>>, Fault> {
    if !attrs.keys().any(|k| k.starts_with("imap")) {
        return Ok(None);
    }
    if attrs.get("imapHost").is_some_and(|h| h.trim().is_empty()) {
        return Ok(Some(None));
    }
    let get = |k: &str| attrs.get(k).map(|v| v.trim().to_string());
    let security = match get("imapSecurity") {
        Some(s) => ImapSecurity::parse(&s).map_err(|e| Fault::invalid_request(e.to_string()))?,
        None => existing.map_or(ImapSecurity::Tls, |e| e.security),
    };
    let port = match get("imapPort") {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| {
            Fault::invalid_request(format!("imapPort {p:?} is not a port number"))
        })?,
        None => existing.map_or(default_port(security), |e| e.port),
    };
    let require = |k: &str, old: Option<&String>| {
        get(k)
            .or_else(|| old.cloned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Fault::invalid_request(format!("{k} is required for an IMAP source")))
    };
    Ok(Some(Some(ImapSource {
        host: require("imapHost", existing.map(|e| &e.host))?,
        port,
        security,
        user: require("imapUser", existing.map(|e| &e.user))?,
        // Passwords may contain leading/trailing spaces: take them verbatim.
        password: attrs
            .get("imapPassword")
            .cloned()
            .or_else(|| existing.map(|e| e.password.clone()))
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Fault::invalid_request("imapPassword is required for an IMAP source"))?,
    })))
}

fn default_port(security: ImapSecurity) -> u16 {
    match security {
        ImapSecurity::Tls => 993,
        ImapSecurity::None | ImapSecurity::StartTls => 143,
    }
}

/// `zimbraAccountStatus`, if given. Deleting goes through DeleteAccountRequest.
pub fn status(attrs: &BTreeMap<String, String>) -> Result<Option<AccountStatus>, Fault> {
    let Some(s) = attrs.get("zimbraAccountStatus") else {
        return Ok(None);
    };
    match AccountStatus::parse(s.trim()) {
        Ok(AccountStatus::Deleted) | Err(_) => Err(Fault::invalid_request(format!(
            "zimbraAccountStatus {s:?}: use active or maintenance"
        ))),
        Ok(st) => Ok(Some(st)),
    }
}

/// `zimbraIsAdminAccount`, if given.
pub fn admin_flag(attrs: &BTreeMap<String, String>) -> Result<Option<bool>, Fault> {
    let Some(v) = attrs.get("zimbraIsAdminAccount") else {
        return Ok(None);
    };
    match v.trim().to_ascii_uppercase().as_str() {
        "TRUE" | "1" => Ok(Some(true)),
        "FALSE" | "0" => Ok(Some(false)),
        _ => Err(Fault::invalid_request(format!(
            "zimbraIsAdminAccount {v:?}: use TRUE or FALSE"
        ))),
    }
}

/// `<account name id><a n>…</a>…</account>`; the IMAP password is never echoed.
pub fn account_element(account: &Account) -> Element {
    let mut el = Element::new("account")
        .with_attr("name", account.name.as_str())
        .with_attr("id", account.id.as_str());
    let mut attr = |n: &str, v: String| {
        el.push(Element::new("a").with_attr("n", n).with_text(v).json_list());
    };
    attr("zimbraId", account.id.to_string());
    attr("zimbraMailDeliveryAddress", account.name.clone());
    attr("zimbraAccountStatus", account.status.as_str().to_string());
    attr(
        "zimbraIsAdminAccount",
        if account.admin { "TRUE" } else { "FALSE" }.to_string(),
    );
    attr(
        "zimbraCreateTimestamp",
        account.created.as_millis().to_string(),
    );
    if let Some(imap) = &account.imap {
        attr("imapHost", imap.host.clone());
        attr("imapPort", imap.port.to_string());
        attr("imapSecurity", imap.security.as_str().to_string());
        attr("imapUser", imap.user.clone());
    }
    el.json_list()
}
