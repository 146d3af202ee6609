//! The lab's certificate authority. Real SDKs verify TLS, so the front doors present a leaf
//! certificate for the AWS names, signed by a CA made for the lab at `up` and handed to the tasks
//! (`AWS_CA_BUNDLE`, `SSL_CERT_FILE`, `NODE_EXTRA_CA_CERTS`). ECDSA P-256 keys: fast to make,
//! and every SDK's TLS stack accepts them.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::fmt;

const DAY: u64 = 86_400;
/// The CA lives a year (a lab lives hours or days); the leaf too, issued at each agent start.
const LIFETIME_DAYS: u64 = 365;

/// A lab CA: its certificate and PKCS#8 key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct LabCa {
    pub cert_pem: String,
    pub key_pem: String,
}

impl fmt::Debug for LabCa {
    // The key stays out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabCa").field("cert_pem", &self.cert_pem).finish_non_exhaustive()
    }
}

/// A certificate that could not be made or read.
#[derive(Debug, thiserror::Error)]
#[error("lab CA: {0}")]
pub struct CaError(String);

impl From<rcgen::Error> for CaError {
    fn from(e: rcgen::Error) -> CaError {
        CaError(e.to_string())
    }
}

impl From<CaError> for std::io::Error {
    fn from(e: CaError) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, e)
    }
}

/// Valid from a day ago (clocks in a lab may lag the host's a little) for `LIFETIME_DAYS`.
fn validity(params: &mut CertificateParams, now: u64) {
    let ymd = |secs: u64| {
        let (y, m, d, ..) = crate::sys::time::civil(secs);
        rcgen::date_time_ymd(y as i32, m as u8, d as u8)
    };
    params.not_before = ymd(now.saturating_sub(DAY));
    params.not_after = ymd(now + LIFETIME_DAYS * DAY);
}

fn serial() -> SerialNumber {
    // Positive 16 random bytes: two certificates from one CA must never share a serial.
    let mut b = [0u8; 16];
    // Without the kernel's source the serial is still unique enough among a lab's few leaves.
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b).is_err() {
        b = crate::sys::time::now_unix()
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .to_be_bytes()
            .repeat(2)
            .try_into()
            .unwrap_or([1; 16]);
    }
    b[0] &= 0x7f;
    SerialNumber::from_slice(&b)
}

impl LabCa {
    /// A new CA for lab `lab`: `CN=ecsnet lab <lab> CA`, CA:TRUE, keyCertSign.
    pub fn generate(lab: &str) -> Result<LabCa, CaError> {
        Self::generate_at(lab, crate::sys::time::now_unix())
    }

    pub fn generate_at(lab: &str, now: u64) -> Result<LabCa, CaError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "ecsnet");
        dn.push(DnType::CommonName, format!("ecsnet lab {lab} CA"));
        params.distinguished_name = dn;
        // Path length 0: it signs leaves only.
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.serial_number = Some(serial());
        validity(&mut params, now);
        let cert = params.self_signed(&key)?;
        Ok(LabCa { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }

    /// A CA made earlier (kept in the lab's state).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<LabCa, CaError> {
        let ca = LabCa { cert_pem: cert_pem.into(), key_pem: key_pem.into() };
        // Read both now, so a broken pair fails at start rather than at the first handshake.
        ca.issuer()?;
        Ok(ca)
    }

    fn issuer(&self) -> Result<Issuer<'static, KeyPair>, CaError> {
        let key = KeyPair::from_pem(&self.key_pem)?;
        Ok(Issuer::from_ca_cert_pem(&self.cert_pem, key)?)
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> Result<CertificateDer<'static>, CaError> {
        use rustls::pki_types::pem::PemObject;
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes()).map_err(|e| CaError(format!("CA certificate: {e}")))
    }

    /// A server certificate for `names` (DNS names, `*.` wildcards, IP addresses) and its key:
    /// the chain is the leaf then this CA, as a TLS server sends it.
    pub fn issue(&self, names: &[String]) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), CaError> {
        self.issue_at(names, crate::sys::time::now_unix())
    }

    pub fn issue_at(
        &self,
        names: &[String],
        now: u64,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), CaError> {
        if names.is_empty() {
            return Err(CaError("a certificate needs at least one name".into()));
        }
        let issuer = self.issuer()?;
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, names[0].clone());
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // OpenSSL's strict mode (Python 3.13's default) wants the authority key identifier.
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(serial());
        validity(&mut params, now);
        let leaf = params.signed_by(&key, &issuer)?;
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok((vec![leaf.der().clone(), self.cert_der()?], key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_ca_reads_back_and_issues() {
        let ca = LabCa::generate("l1").unwrap();
        assert!(ca.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(ca.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = LabCa::from_pem(&ca.cert_pem, &ca.key_pem).unwrap();
        let (chain, _) = again.issue(&["api.ecr.ap-northeast-1.amazonaws.com".into(), "localhost".into()]).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1], ca.cert_der().unwrap());
        assert!(format!("{ca:?}").contains("cert_pem") && !format!("{ca:?}").contains("PRIVATE"));
    }

    #[test]
    fn broken_pems_are_errors() {
        let ca = LabCa::generate("l1").unwrap();
        assert!(LabCa::from_pem("junk", &ca.key_pem).is_err());
        assert!(LabCa::from_pem(&ca.cert_pem, "junk").is_err());
        assert!(ca.issue(&[]).is_err());
    }

    #[test]
    fn validity_starts_a_day_back() {
        // 2024-10-31T11:38:11Z: from 2024-10-30 for a year.
        let mut p = CertificateParams::default();
        validity(&mut p, 1_730_374_691);
        assert_eq!(p.not_before, rcgen::date_time_ymd(2024, 10, 30));
        assert_eq!(p.not_after, rcgen::date_time_ymd(2025, 10, 31));
    }
}
