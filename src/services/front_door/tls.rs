//! The front doors' TLS: rustls with the ring provider given to this config alone (no
//! process-wide default, so nothing else in the process is changed), HTTP/1.1 only, and a
//! certificate chosen by the name the client asked for (SNI). One leaf covers every name today;
//! the resolver already picks among several, so a door can later carry, say, a separate
//! certificate per VPC endpoint.

use crate::dataplane::ca::LabCa;
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::io;
use std::sync::Arc;

/// Certificates by the names they cover; the first also answers clients that send no SNI (or
/// a name none covers: the client then refuses it with a clear name mismatch).
#[derive(Debug)]
pub struct SniResolver {
    certs: Vec<(Vec<String>, Arc<CertifiedKey>)>,
}

impl SniResolver {
    pub fn new(certs: Vec<(Vec<String>, Arc<CertifiedKey>)>) -> SniResolver {
        SniResolver { certs }
    }

    /// The certificate for `name`.
    pub fn pick(&self, name: Option<&str>) -> Option<Arc<CertifiedKey>> {
        let by_name = name.and_then(|n| self.certs.iter().find(|(names, _)| names.iter().any(|p| name_matches(p, n))));
        by_name.or(self.certs.first()).map(|(_, c)| c.clone())
    }
}

impl ResolvesServerCert for SniResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.pick(hello.server_name())
    }
}

/// Does a certificate name (`api.ecr.x.amazonaws.com`, `*.dkr.ecr.x.amazonaws.com`) cover a
/// host? A wildcard stands for exactly one whole label, as RFC 6125 has clients check.
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.trim_end_matches('.').to_ascii_lowercase(), host.trim_end_matches('.').to_ascii_lowercase());
    match p.strip_prefix("*.") {
        Some(suffix) => h.split_once('.').is_some_and(|(first, rest)| !first.is_empty() && rest == suffix),
        None => p == h,
    }
}

/// A certified key for `names`, issued by `ca`, loaded with the ring provider.
pub fn certified_key(ca: &LabCa, names: &[String]) -> io::Result<Arc<CertifiedKey>> {
    let (chain, key) = ca.issue(names)?;
    let provider = rustls::crypto::ring::default_provider();
    let key =
        provider.key_provider.load_private_key(key).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    Ok(Arc::new(CertifiedKey::new(chain, key)))
}

/// The server config of a front door: one leaf for `names`, from the lab CA.
pub fn server_config(ca: &LabCa, names: &[String]) -> io::Result<ServerConfig> {
    let resolver = SniResolver::new(vec![(names.to_vec(), certified_key(ca, names)?)]);
    let mut cfg = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    // Only HTTP/1.1 is served: a client offering h2 must not be told it may use it.
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::pki_types::ServerName;
    use std::io::{Read, Write};

    #[test]
    fn wildcards_cover_one_label() {
        let w = "*.dkr.ecr.ap-northeast-1.amazonaws.com";
        assert!(name_matches(w, "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"));
        assert!(name_matches(w, "123456789012.DKR.ecr.ap-northeast-1.amazonaws.com."));
        assert!(!name_matches(w, "dkr.ecr.ap-northeast-1.amazonaws.com"));
        assert!(!name_matches(w, "a.b.dkr.ecr.ap-northeast-1.amazonaws.com"));
        assert!(!name_matches(w, ".dkr.ecr.ap-northeast-1.amazonaws.com"));
        assert!(name_matches("sts.amazonaws.com", "STS.amazonaws.com"));
        assert!(!name_matches("sts.amazonaws.com", "xsts.amazonaws.com"));
    }

    /// A full handshake in memory: a rustls client that trusts only the lab CA connects by one
    /// of the names (and by a wildcard one), sends bytes, and reads the server's answer.
    fn handshake(ca: &LabCa, server: &ServerConfig, name: &str) -> Result<Vec<u8>, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.cert_der().unwrap()).unwrap();
        let client_cfg =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        let mut client =
            rustls::ClientConnection::new(Arc::new(client_cfg), ServerName::try_from(name.to_string()).unwrap())
                .unwrap();
        let mut srv = rustls::ServerConnection::new(Arc::new(server.clone())).unwrap();
        client.writer().write_all(b"ping").unwrap();
        let mut got = vec![];
        for _ in 0..10 {
            let mut buf = vec![];
            while client.wants_write() {
                client.write_tls(&mut buf).unwrap();
            }
            let mut rd = &buf[..];
            while !rd.is_empty() {
                srv.read_tls(&mut rd).unwrap();
                srv.process_new_packets()?;
            }
            let mut plain = [0u8; 64];
            if let Ok(n) = srv.reader().read(&mut plain) {
                srv.writer().write_all(&plain[..n]).unwrap();
            }
            let mut back = vec![];
            while srv.wants_write() {
                srv.write_tls(&mut back).unwrap();
            }
            let mut rd = &back[..];
            while !rd.is_empty() {
                client.read_tls(&mut rd).unwrap();
                client.process_new_packets()?;
            }
            let mut plain = [0u8; 64];
            if let Ok(n) = client.reader().read(&mut plain) {
                got.extend_from_slice(&plain[..n]);
            }
            if got.len() >= 4 {
                break;
            }
        }
        Ok(got)
    }

    #[test]
    fn a_client_trusting_the_lab_ca_completes_a_handshake() {
        let ca = LabCa::generate("t").unwrap();
        let names: Vec<String> =
            ["api.ecr.ap-northeast-1.amazonaws.com", "*.dkr.ecr.ap-northeast-1.amazonaws.com", "localhost"]
                .map(String::from)
                .to_vec();
        let cfg = server_config(&ca, &names).unwrap();
        assert_eq!(handshake(&ca, &cfg, "api.ecr.ap-northeast-1.amazonaws.com").unwrap(), b"ping");
        assert_eq!(handshake(&ca, &cfg, "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com").unwrap(), b"ping");
        // A name the leaf does not cover is refused by the client.
        assert!(handshake(&ca, &cfg, "s3.ap-northeast-1.amazonaws.com").is_err());
        // A client trusting another CA refuses the leaf.
        let other = LabCa::generate("other").unwrap();
        assert!(handshake(&other, &cfg, "localhost").is_err());
    }
}
