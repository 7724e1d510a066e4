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

impl Trust {
    /// Trusts exactly the certificates in a PEM bundle (e.g. a private CA or a self-signed server
    /// certificate given on the command line). An empty or unreadable bundle is an error.
    pub fn from_pem(pem: &[u8]) -> Result<Trust, DriverError> {
        use rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DriverError::Config(format!("bad PEM certificate bundle: {e}")))?;
        if certs.is_empty() {
            return Err(DriverError::Config("no certificates in PEM bundle".into()));
        }
        Ok(Trust::Roots(certs))
    }
}

/// Connection policy that is not part of the stored `ImapSource`.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    pub trust: Trust,
    /// Honour accounts configured with `ImapSecurity::None` (plaintext). On by default, since the account's
    /// setting is the configuration; a deployment can switch it off to refuse sending passwords in clear.
    pub allow_plaintext: bool,
    /// Limit for connecting and for each wait on the server.
    pub timeout: std::time::Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            trust: Trust::WebPki,
            allow_plaintext: true,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_bundles() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let bundle = format!("{}{}", cert.pem(), cert.pem());
        match Trust::from_pem(bundle.as_bytes()).unwrap() {
            Trust::Roots(certs) => assert_eq!(certs, vec![cert.der().clone(), cert.der().clone()]),
            Trust::WebPki => panic!("expected roots"),
        }
        assert!(matches!(Trust::from_pem(b""), Err(DriverError::Config(_))));
        assert!(client_config(&Trust::WebPki).is_ok());
    }
}
