//! HTTPS listeners: the node terminates TLS (rustls, HTTP/1.1) with a leaf certificate for the
//! load balancer's DNS name issued by the lab CA, whatever ACM certificate the listener names
//! (the lab's DNS answers only that name, and every client of the lab trusts the lab CA), then
//! serves the request as an HTTP listener does, with `X-Forwarded-Proto: https`.

use super::{NodeState, Spec};
use crate::dataplane::ca::LabCa;
use crate::scenario::ElbProtocol;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

/// A client that does not finish its handshake in this long is dropped.
const HANDSHAKE_WINDOW: Duration = Duration::from_secs(10);

/// The names the node's certificate covers: the load balancer's DNS name.
pub fn names(spec: &Spec) -> Vec<String> {
    vec![spec.dns_name.clone()]
}

/// The acceptor of the node's HTTPS listeners; None when it has none.
pub fn acceptor(spec: &Spec) -> io::Result<Option<TlsAcceptor>> {
    if !spec.listeners.iter().any(|l| l.protocol == ElbProtocol::Https) {
        return Ok(None);
    }
    let ca = if spec.ca.0.is_empty() {
        LabCa::generate(&spec.lb).map_err(|e| io::Error::other(e.to_string()))?
    } else {
        LabCa::from_pem(&spec.ca.0, &spec.ca.1)?
    };
    let cfg = crate::services::front_door::tls::server_config(&ca, &names(spec))?;
    Ok(Some(TlsAcceptor::from(Arc::new(cfg))))
}

/// One client connection of an HTTPS listener: the handshake, then one request, one answer.
/// A client that is not speaking TLS gets rustls' alert and the connection closes.
pub(super) async fn handle(client: TcpStream, acceptor: TlsAcceptor, state: Arc<NodeState>, port: u16) {
    let Ok(peer) = client.peer_addr() else { return };
    let Ok(Ok(mut s)) = tokio::time::timeout(HANDSHAKE_WINDOW, acceptor.accept(client)).await else { return };
    let out = super::respond(&mut s, &state, (peer.ip(), port), "https").await;
    if s.write_all(&out).await.is_ok() {
        // close_notify, then FIN.
        let _ = s.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_listeners_get_an_acceptor() {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/24-alb-awsvpc.yaml");
        let lab = crate::model::build(&crate::scenario::load(&p).unwrap()).unwrap();
        let node = lab.load_balancers[0].nodes[0];
        let mut spec = super::super::node_spec(&lab, 0, node);
        assert!(acceptor(&spec).unwrap().is_none(), "HTTP only");
        spec.listeners[0].protocol = ElbProtocol::Https;
        let ca = LabCa::generate("t").unwrap();
        spec.ca = (ca.cert_pem, ca.key_pem);
        assert!(acceptor(&spec).unwrap().is_some());
        assert_eq!(names(&spec), vec![lab.load_balancers[0].dns_name.clone()]);
    }
}
