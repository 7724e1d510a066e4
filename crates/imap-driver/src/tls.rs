//! TLS client configuration: rustls with the ring provider, certificate verification always on.
//!
//! By default the server is checked against the webpki (Mozilla) roots. Tests and private deployments can
//! pass their own roots with [`Trust::Roots`]; there is no "accept anything" switch.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::DriverError;

/// Which certificate authorities to trust for IMAP servers.
#[derive(Clone, Debug, Default)]
pub enum Trust {
    /// The webpki-roots (Mozilla) set.
    #[default]
    WebPki,
    /// Only these DER certificates as roots (e.g. a test's self-signed certificate).
    Roots(Vec<CertificateDer<'static>>),
}

/// Connection policy that is not part of the stored `ImapSource`.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub trust: Trust,
    /// Allow `ImapSecurity::None` (plaintext). Off by default: passwords would travel in clear.
    pub allow_plaintext: bool,
    /// Limit for connecting and for each wait on the server.
    pub timeout: std::time::Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            trust: Trust::WebPki,
            allow_plaintext: false,
            timeout: std::time::Duration::from_secs(60),
        }
    }
}

fn client_config(trust: &Trust) -> Result<ClientConfig, DriverError> {
    let mut roots = rustls::RootCertStore::empty();
    match trust {
        Trust::WebPki => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Trust::Roots(certs) => {
            for c in certs {
                roots
                    .add(c.clone())
                    .map_err(|e| DriverError::Tls(format!("bad trust root: {e}")))?;
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DriverError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Runs the TLS handshake over `tcp`, verifying the certificate for `host`.
pub(crate) async fn handshake(
    tcp: TcpStream,
    host: &str,
    trust: &Trust,
) -> Result<TlsStream<TcpStream>, DriverError> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| DriverError::Config(format!("invalid TLS server name {host:?}")))?;
    let connector = TlsConnector::from(Arc::new(client_config(trust)?));
    connector
        .connect(name, tcp)
        .await
        .map_err(|e| DriverError::Tls(e.to_string()))
}
