//! SOAP ↔ engine types for the WaitSet requests: parsing `<add>/<update>/<remove>` specs, sync tokens,
//! interest types, and building the response elements in Zimbra's wire shapes (zimbra-waitset.md §2.3):
//! `<a id changeid>` and `<error id type>` (JSON arrays), `seq` a JSON number in Create responses and a
//! string in WaitSet responses, `canceled="1"` without a seq. No engine calls and no IO here.

use inboxd_model::{AccountId, ChangeId, InterestTypes};
use inboxd_soap::{Element, Fault, Value};
use inboxd_waitset::{AccountError, AddSpec, Created, WaitResponse, WaitSetError};

/// Maps an engine error to its fault. `destroy` uses `mail.NO_SUCH_WAITSET`, everything else the admin code.
pub fn fault(err: WaitSetError, destroy: bool) -> Fault {
    match err {
        WaitSetError::NoSuchWaitSet(id) if destroy => Fault::no_such_waitset_mail(id.as_str()),
        WaitSetError::NoSuchWaitSet(id) => Fault::no_such_waitset_admin(id.as_str()),
        WaitSetError::PermDenied(msg) => Fault::perm_denied(msg),
        WaitSetError::InvalidTypes(e) => Fault::invalid_request(e),
        other => Fault::failure(other),
    }
}

/// `defTypes` / `types`: absent → `None`; unknown letters → `service.INVALID_REQUEST`.
pub fn types_opt(el: &Element, key: &str) -> Result<Option<InterestTypes>, Fault> {
    el.scalar(key)
        .map(|s| inboxd_waitset::parse_types(&s).map_err(|e| fault(e, false)))
        .transpose()
}

/// Zimbra's CreateWaitSetResponse form: comma list in f,m,c,a,t,d order, `all` expanded.
pub fn types_comma(t: InterestTypes) -> String {
    t.iter()
        .map(|it| it.letter().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// QueryWaitSet's form: `all`, or the letters without commas (Zimbra `expandInterestStr`).
pub fn types_compact(t: InterestTypes) -> String {
    if t.is_all() {
        return "all".into();
    }
    t.iter().map(|it| it.letter()).collect()
}

/// A sync token: `N`, `N-M` or `N-M:dD-E`; only the change id `N` matters to waitsets.
pub fn sync_token(raw: &str) -> Result<ChangeId, Fault> {
    let head = raw.split([':', '-']).next().unwrap_or_default().trim();
    head.parse::<u64>()
        .map(ChangeId)
        .map_err(|_| Fault::invalid_request(format!("malformed sync token: {raw}")))
}

fn folder_interests(raw: &str) -> Result<Vec<i64>, Fault> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| Fault::invalid_request(format!("invalid folderInterests: {raw}")))
        })
        .collect()
}

/// One `<a>` of add/update/remove with its account named by `id`, or by `name` resolved through
/// `resolve` (a name takes precedence, as in Zimbra). An unknown name stays as the id text, so that the
/// engine reports it (NO_SUCH_ACCOUNT for admins, PERM_DENIED for others).
pub fn add_spec(
    a: &Element,
    resolve: &dyn Fn(&str) -> Option<AccountId>,
) -> Result<AddSpec, Fault> {
    let account = match (a.scalar("name"), a.scalar("id")) {
        (Some(name), _) => resolve(&name).unwrap_or_else(|| AccountId::new(name)),
        (None, Some(id)) => AccountId::new(id),
        (None, None) => return Err(Fault::invalid_request("missing required attribute: id")),
    };
    Ok(AddSpec {
        account,
        token: a.scalar("token").map(|t| sync_token(&t)).transpose()?,
        types: types_opt(a, "types")?,
        folder_interests: a
            .scalar("folderInterests")
            .map(|f| folder_interests(&f))
            .transpose()?
            .unwrap_or_default(),
    })
}

/// All `<a>` specs under the child `list` (`add`, `update` or `remove`).
pub fn specs(
    req: &Element,
    list: &str,
    resolve: &dyn Fn(&str) -> Option<AccountId>,
) -> Result<Vec<AddSpec>, Fault> {
    req.children_named(list)
        .flat_map(|l| l.children_named("a"))
        .map(|a| add_spec(a, resolve))
        .collect()
}

fn error_elements(errors: &[AccountError]) -> impl Iterator<Item = Element> + '_ {
    errors.iter().map(|e| {
        Element::new("error")
            .with_attr("id", e.account.as_str())
            .with_attr("type", e.code.as_str())
            .json_list()
    })
}

/// `<[Admin]CreateWaitSetResponse waitSet defTypes seq=0>` with `<error>`s.
pub fn created(name: &str, ns: &str, c: &Created) -> Element {
    let mut el = Element::ns(name, ns)
        .with_attr("waitSet", c.id.as_str())
        .with_attr("defTypes", types_comma(c.def_types))
        .with_attr("seq", Value::Int(i64::try_from(c.seq).unwrap_or(0)));
    for e in error_elements(&c.errors) {
        el.push(e);
    }
    el
}

/// `<[Admin]WaitSetResponse waitSet [canceled="1"|seq]>` with `<a id changeid>` then `<error>`s.
pub fn wait_response(name: &str, ns: &str, r: &WaitResponse) -> Element {
    let mut el = Element::ns(name, ns).with_attr("waitSet", r.id.as_str());
    if r.canceled {
        el.set_attr("canceled", true);
    } else if let Some(seq) = &r.seq {
        el.set_attr("seq", Value::Str(seq.clone()));
    }
    for s in &r.signalled {
        let changeid = i64::try_from(s.change_id.0).unwrap_or(i64::MAX);
        el.push(
            Element::new("a")
                .with_attr("id", s.account.as_str())
                .with_attr("changeid", changeid)
                .json_list(),
        );
    }
    for e in error_elements(&r.errors) {
        el.push(e);
    }
    el
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_tokens_keep_only_the_change_id() {
        assert_eq!(sync_token("42").unwrap(), ChangeId(42));
        assert_eq!(sync_token("42-7").unwrap(), ChangeId(42));
        assert_eq!(sync_token("42-7:d3-1").unwrap(), ChangeId(42));
        assert_eq!(
            sync_token("x1").unwrap_err().code,
            "service.INVALID_REQUEST"
        );
    }

    #[test]
    fn types_render_in_both_zimbra_forms() {
        let t = InterestTypes::parse("c,m").unwrap();
        assert_eq!(types_comma(t), "m,c");
        assert_eq!(types_compact(t), "mc");
        assert_eq!(types_comma(InterestTypes::ALL), "f,m,c,a,t,d");
        assert_eq!(types_compact(InterestTypes::ALL), "all");
    }

    #[test]
    fn add_spec_reads_id_or_name_and_options() {
        let none = |_: &str| None;
        let a = Element::new("a")
            .with_attr("id", "A1")
            .with_attr("token", "5")
            .with_attr("types", "m")
            .with_attr("folderInterests", "2, 257");
        let spec = add_spec(&a, &none).unwrap();
        assert_eq!(spec.account.as_str(), "A1");
        assert_eq!(spec.token, Some(ChangeId(5)));
        assert_eq!(spec.types.unwrap().to_string(), "m");
        assert_eq!(spec.folder_interests, [2, 257]);
        let named = Element::new("a")
            .with_attr("name", "u@x")
            .with_attr("id", "ignored");
        let resolve = |n: &str| (n == "u@x").then(|| AccountId::new("U"));
        assert_eq!(add_spec(&named, &resolve).unwrap().account.as_str(), "U");
        let bad = Element::new("a")
            .with_attr("id", "A")
            .with_attr("types", "q");
        assert_eq!(
            add_spec(&bad, &none).unwrap_err().code,
            "service.INVALID_REQUEST"
        );
    }
}
