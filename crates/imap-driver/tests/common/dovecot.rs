//! A real Dovecot for tests: temp config on 127.0.0.1 with free ports, one user (`alice`/`alicepw`), sdbox
//! with `mail_fsync = never`, TLS from a fresh rcgen CA, and only `IMAP4rev1` advertised. Killed on drop.
//!
//! Runs as root (mail owned by `nobody`, login as `dovenull`) or unprivileged (everything as the caller).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use inboxd_imap_driver::{ConnectOptions, Trust};
use inboxd_store::{ImapSecurity, ImapSource};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::CertificateDer;

pub const USER: &str = "alice";
pub const PASSWORD: &str = "alicepw";

/// A running Dovecot; dropping it stops the server and removes its files.
pub struct Dovecot {
    dir: tempfile::TempDir,
    conf: PathBuf,
    child: Option<Child>,
    /// Plain + STARTTLS port.
    pub port: u16,
    /// Implicit TLS port.
    pub tls_port: u16,
    pub ca: CertificateDer<'static>,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn output(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("run");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn is_root() -> bool {
    output("id", &["-u"]) == "0"
}

/// A CA and a server certificate for `localhost` / 127.0.0.1 signed by it: (ca der, cert pem, key pem).
fn make_certs() -> (CertificateDer<'static>, String, String) {
    let ca_key = KeyPair::generate().expect("key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca");
    let key = KeyPair::generate().expect("key");
    let params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .expect("params");
    let cert = params.signed_by(&key, &ca, &ca_key).expect("cert");
    (ca.der().clone(), cert.pem(), key.serialize_pem())
}

impl Dovecot {
    /// Starts Dovecot and waits until it accepts connections (at most 15 s).
    pub fn start() -> Dovecot {
        Self::start_advertising("IMAP4rev1")
    }

    /// Like [`Dovecot::start`], advertising `capability` after login (e.g. `IMAP4rev1 IDLE`).
    pub fn start_advertising(capability: &str) -> Dovecot {
        let dir = tempfile::Builder::new()
            .prefix("inboxd-dovecot")
            .tempdir()
            .expect("tempdir");
        let root = dir.path().to_path_buf();
        for d in ["run", "state", "mail"] {
            std::fs::create_dir_all(root.join(d)).expect("mkdir");
        }
        let (ca, cert_pem, key_pem) = make_certs();
        std::fs::write(root.join("cert.pem"), cert_pem).expect("write");
        std::fs::write(root.join("key.pem"), key_pem).expect("write");
        std::fs::write(
            root.join("users"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .expect("write");
        set_mode(&root, 0o755);
        set_mode(&root.join("users"), 0o644);
        if is_root() {
            std::os::unix::fs::chown(root.join("mail"), Some(65534), Some(65534)).expect("chown");
        }
        let conf = root.join("dovecot.conf");
        let mut d = Dovecot {
            dir,
            conf,
            child: None,
            port: 0,
            tls_port: 0,
            ca,
        };
        // A port picked here can be taken by someone else before Dovecot binds it: retry with new ones.
        for _ in 0..3 {
            d.port = free_port();
            d.tls_port = free_port();
            std::fs::write(&d.conf, config(&root, d.port, d.tls_port, capability)).expect("write");
            let child = Command::new("/usr/sbin/dovecot")
                .arg("-F")
                .arg("-c")
                .arg(&d.conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start dovecot");
            d.child = Some(child);
            if d.wait_ready() {
                return d;
            }
            d.stop();
        }
        panic!("dovecot did not start; log:\n{}", d.log());
    }

    /// True once both ports accept connections; false if Dovecot exited or 15 s passed.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(_)) = c.try_wait()
            {
                return false;
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
                && std::net::TcpStream::connect(("127.0.0.1", self.tls_port)).is_ok()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// Stops and starts the server again on the same ports and mail (for reconnect tests).
    pub fn restart(&mut self) {
        self.stop();
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dovecot");
        self.child = Some(child);
        assert!(
            self.wait_ready(),
            "dovecot did not restart; log:\n{}",
            self.log()
        );
    }

    /// Stops the server until [`Dovecot::restart`].
    pub fn pause(&mut self) {
        self.stop();
    }

    /// The directory holding config, state and mail.
    pub fn root(&self) -> &std::path::Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// The account's IMAP source for a given security mode (TLS uses the implicit-TLS port).
    pub fn source(&self, security: ImapSecurity) -> ImapSource {
        ImapSource {
            host: "localhost".into(),
            port: if security == ImapSecurity::Tls {
                self.tls_port
            } else {
                self.port
            },
            security,
            user: USER.into(),
            password: PASSWORD.into(),
        }
    }

    /// Trusts only this server's CA; plaintext allowed; short timeouts.
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            trust: Trust::Roots(vec![self.ca.clone()]),
            allow_plaintext: true,
            timeout: Duration::from_secs(10),
        }
    }

    /// Runs `doveadm -c CONF args…` and returns stdout; panics on failure.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("/usr/bin/doveadm")
            .arg("-c")
            .arg(&self.conf)
            .args(args)
            .output()
            .expect("run doveadm");
        assert!(
            out.status.success(),
            "doveadm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Dovecot {
    /// Stops the server: SIGTERM lets the master stop its children; SIGKILL if it does not exit in time.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn config(root: &Path, port: u16, tls_port: u16, capability: &str) -> String {
    let r = root.display();
    let users = if is_root() {
        "default_internal_user = dovecot\ndefault_login_user = dovenull\nuserdb {\n  driver = static\n  args = uid=65534 gid=65534 home=%RHOME%/mail/%u\n}\n".to_string()
    } else {
        let (user, group) = (output("id", &["-un"]), output("id", &["-gn"]));
        let (uid, gid) = (output("id", &["-u"]), output("id", &["-g"]));
        format!(
            "default_internal_user = {user}\ndefault_internal_group = {group}\ndefault_login_user = {user}\nuserdb {{\n  driver = static\n  args = uid={uid} gid={gid} home=%RHOME%/mail/%u\n}}\n"
        )
    }
    .replace("%RHOME%", &r.to_string());
    format!(
        "protocols = imap
listen = 127.0.0.1
base_dir = {r}/run
state_dir = {r}/state
instance_name = inboxd-test-{port}
log_path = {r}/dovecot.log
info_log_path = {r}/dovecot.log
ssl = yes
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = sdbox:{r}/mail/%u/sdbox
mail_fsync = never
first_valid_uid = 1
{users}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
protocol imap {{
  mail_max_userip_connections = 1000
  imap_capability = {capability}
}}
"
    )
}
