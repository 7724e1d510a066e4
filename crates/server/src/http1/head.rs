//! Request heads: `httparse` over the bytes read so far, reduced to what the server acts on (method,
//! path, keep-alive, body framing, `Expect`, cookies). Sans-IO; reading the socket is `conn`'s job.

/// Most headers a request may carry (more is 431).
pub(crate) const MAX_HEADERS: usize = 100;

/// The request methods the server distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Other,
}

/// How the request body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyLen {
    None,
    Length(u64),
    Chunked,
}

/// One parsed request head, owning only what the server uses.
#[derive(Debug)]
pub(crate) struct Head {
    pub method: Method,
    /// The request target's path, without the query.
    pub path: String,
    /// Whether the client wants the connection kept after the answer.
    pub keep_alive: bool,
    /// An HTTP/1.0 request (its keep-alive must be confirmed in the answer).
    pub http10: bool,
    pub body: BodyLen,
    /// `Expect: 100-continue` was sent: the client waits for `100 Continue` before the body.
    pub expect_continue: bool,
    /// Every `Cookie` header value, in order.
    pub cookies: Vec<String>,
}

/// Why a head was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadError {
    /// More than [`MAX_HEADERS`] headers (431).
    TooManyHeaders,
    /// Not HTTP/1.x, or framing headers that cannot be trusted (400).
    Malformed,
}

/// Parses a complete head at the start of `buf`: `Ok(None)` while it is incomplete, else the head and
/// its length in bytes.
pub(crate) fn parse(buf: &[u8]) -> Result<Option<(Head, usize)>, HeadError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooManyHeaders),
        Err(_) => return Err(HeadError::Malformed),
    };
    let (Some(method), Some(target), Some(version)) = (req.method, req.path, req.version) else {
        return Err(HeadError::Malformed);
    };
    let method = match method {
        "GET" => Method::Get,
        "POST" => Method::Post,
        _ => Method::Other,
    };
    let path = origin_path(target).to_string();
    let mut head = Head {
        method,
        path,
        // HTTP/1.1 keeps the connection by default, HTTP/1.0 only when asked.
        keep_alive: version == 1,
        http10: version == 0,
        body: BodyLen::None,
        expect_continue: false,
        cookies: Vec::new(),
    };
    let mut length: Option<u64> = None;
    let mut chunked = false;
    for h in req.headers.iter() {
        let value = std::str::from_utf8(h.value)
            .map_err(|_| HeadError::Malformed)
            .map(str::trim);
        let name = h.name;
        if name.eq_ignore_ascii_case("content-length") {
            let n = value?.parse::<u64>().map_err(|_| HeadError::Malformed)?;
            // Differing lengths are a smuggling attempt or a broken client.
            if length.is_some_and(|l| l != n) {
                return Err(HeadError::Malformed);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Only `chunked` as the final coding can be read; anything else cannot be framed.
            let last = value?.rsplit(',').next().unwrap_or_default().trim();
            if !last.eq_ignore_ascii_case("chunked") {
                return Err(HeadError::Malformed);
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value?.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    head.keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") && version == 0 {
                    head.keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
            head.expect_continue = value?.eq_ignore_ascii_case("100-continue");
        } else if name.eq_ignore_ascii_case("cookie")
            && let Ok(v) = value
        {
            head.cookies.push(v.to_string());
        }
    }
    head.body = match (chunked, length) {
        // Both framings at once: chunked wins (RFC 9112 6.3), and the connection is not reused.
        (true, Some(_)) => {
            head.keep_alive = false;
            BodyLen::Chunked
        }
        (true, None) => BodyLen::Chunked,
        (false, Some(0) | None) => BodyLen::None,
        (false, Some(n)) => BodyLen::Length(n),
    };
    Ok(Some((head, len)))
}

/// The path of a request target: origin-form (`/p?q`) or absolute-form (`http://host/p?q`, which
/// HTTP/1.1 servers must accept), without the query.
fn origin_path(target: &str) -> &str {
    let path = match target.split_once("://") {
        Some((_, rest)) if !target.starts_with('/') => {
            rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/")
        }
        _ => target,
    };
    path.split('?').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str) -> Result<Option<Head>, HeadError> {
        parse(raw.as_bytes()).map(|o| o.map(|(h, _)| h))
    }

    #[test]
    fn reads_what_the_server_needs() {
        let raw = "POST /service/soap/x?y=1 HTTP/1.1\r\nContent-Length: 12\r\nCookie: a=1\r\n\
                   Cookie: ZM_AUTH_TOKEN=t\r\nExpect: 100-continue\r\n\r\nbody";
        let (h, len) = parse(raw.as_bytes()).unwrap().unwrap();
        assert_eq!(len, raw.len() - 4);
        assert_eq!(h.method, Method::Post);
        assert_eq!(h.path, "/service/soap/x");
        assert!(h.keep_alive && h.expect_continue);
        assert_eq!(h.body, BodyLen::Length(12));
        assert_eq!(h.cookies, ["a=1", "ZM_AUTH_TOKEN=t"]);
    }

    #[test]
    fn absolute_form_targets_are_reduced_to_their_path() {
        assert_eq!(origin_path("http://h:7070/service/soap?x"), "/service/soap");
        assert_eq!(origin_path("http://h"), "/");
        assert_eq!(origin_path("/a?b://c"), "/a");
    }

    #[test]
    fn keep_alive_follows_version_and_connection() {
        let h = |raw: &str| head(raw).unwrap().unwrap().keep_alive;
        assert!(!h("GET / HTTP/1.0\r\n\r\n"));
        assert!(h("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(!h("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
        assert!(h("GET / HTTP/1.1\r\n\r\n"));
    }

    #[test]
    fn framing_and_errors() {
        assert!(head("POST / HTTP/1.1\r\nContent-Le").unwrap().is_none());
        let chunked = head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(chunked.unwrap().unwrap().body, BodyLen::Chunked);
        let both = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n";
        let both = head(both).unwrap().unwrap();
        assert_eq!((both.body, both.keep_alive), (BodyLen::Chunked, false));
        for bad in [
            "garbage\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        ] {
            assert_eq!(head(bad).unwrap_err(), HeadError::Malformed, "{bad}");
        }
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: v\r\n")).collect();
        let many = format!("GET / HTTP/1.1\r\n{many}\r\n");
        assert_eq!(head(&many).unwrap_err(), HeadError::TooManyHeaders);
    }
}
