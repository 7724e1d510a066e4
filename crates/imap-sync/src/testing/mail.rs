//! Builders for raw test messages.

/// Midnight UTC of day `n` after 2020-01-01, plus `hour` hours, in ms.
pub fn day_ms(n: i64, hour: i64) -> i64 {
    1_577_836_800_000 + n * 86_400_000 + hour * 3_600_000
}

/// A raw RFC 5322 message under construction.
#[derive(Clone, Debug, Default)]
pub struct MailBuilder {
    headers: Vec<(String, String)>,
    body: String,
}

impl MailBuilder {
    /// A message with a Message-ID `<id>`, From and Subject.
    pub fn new(id: &str, subject: &str) -> Self {
        Self::default()
            .header("From", "Ann <ann@example.org>")
            .header("Subject", subject)
            .header("Message-ID", &format!("<{id}>"))
    }

    /// A message without any Message-ID.
    pub fn without_id(subject: &str) -> Self {
        Self::default()
            .header("From", "Ann <ann@example.org>")
            .header("Subject", subject)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn references(self, ids: &[&str]) -> Self {
        let v: Vec<String> = ids.iter().map(|i| format!("<{i}>")).collect();
        self.header("References", &v.join(" "))
    }

    pub fn in_reply_to(self, id: &str) -> Self {
        self.header("In-Reply-To", &format!("<{id}>"))
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = String::new();
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&self.body);
        out.into_bytes()
    }
}
