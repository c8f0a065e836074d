//! The accept loop: HTTP/1.1 over hyper with the limits a public service needs, which
//! `axum::serve` does not offer.
//!
//! - A connection that sends no complete request head within `HTTP_IDLE_TIMEOUT_SECS` is closed
//!   (hyper's header-read timer runs from the end of the previous response, so it bounds idle
//!   keep-alive connections and headers trickled a byte at a time alike).
//! - A request, body included, gets `HTTP_REQUEST_TIMEOUT_SECS` (four times that for the picture
//!   upload); then it is answered 408 and its connection closed.
//! - At most `MAX_CONNECTIONS` connections, and `MAX_CONNECTIONS_PER_IP` from one address (not
//!   behind a proxy, where every connection is the proxy's); more are closed on accept, so one
//!   client cannot use up the file descriptors that health checks and everyone else need.
//! - On shutdown: stop accepting, let in-flight requests finish for up to `SHUTDOWN_GRACE_SECS`.

use super::config::Config;
use axum::{
    extract::ConnectInfo,
    http::{Request, StatusCode},
    response::IntoResponse,
    Router,
};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::{
    collections::HashMap,
    future::Future,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Connections open per client address; a slot is given back when its guard drops.
#[derive(Clone, Default)]
struct PerIp(Arc<Mutex<HashMap<IpAddr, usize>>>);

struct Slot {
    map: PerIp,
    ip: IpAddr,
}

impl PerIp {
    fn take(&self, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let open = map.entry(ip).or_insert(0);
        if *open >= max {
            return None;
        }
        *open += 1;
        Some(Slot {
            map: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self.map.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(open) = map.get_mut(&self.ip) {
            *open -= 1;
            if *open == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains (see the module docs).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl Future<Output = ()>,
) {
    let total = Arc::new(tokio::sync::Semaphore::new(config.max_connections));
    let per_ip = PerIp::default();
    // Behind a proxy every connection has the proxy's address: a per-address cap would cap
    // everyone at once.
    let per_ip_max = match config.proxy_hops {
        0 => config.max_connections_per_ip,
        _ => usize::MAX,
    };
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let (idle, request_timeout) = (config.idle_timeout, config.request_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or similar: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::warn!(peer = %peer.ip(), "connection refused: MAX_CONNECTIONS reached");
            continue;
        };
        let Some(slot) = per_ip.take(peer.ip(), per_ip_max) else {
            tracing::warn!(peer = %peer.ip(), "connection refused: MAX_CONNECTIONS_PER_IP reached");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            // The picture upload may be several megabytes over a slow phone connection.
            let limit = if req.uri().path() == "/settings/avatar" {
                request_timeout * 4
            } else {
                request_timeout
            };
            let app = app.clone();
            async move {
                let req = req.map(axum::body::Body::new);
                match tokio::time::timeout(limit, app.oneshot(req)).await {
                    Ok(res) => res,
                    Err(_) => Ok((
                        StatusCode::REQUEST_TIMEOUT,
                        [(axum::http::header::CONNECTION, "close")],
                        "The request took too long.",
                    )
                        .into_response()),
                }
            }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(idle)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are the client's (reset, timed out): nothing to report upwards.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop((permit, slot));
        });
    }
    drop(listener);
    tracing::info!(
        in_flight = graceful.count(),
        "shutting down: draining connections"
    );
    if tokio::time::timeout(config.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown grace period over: closing the remaining connections");
    }
}

/// The listen address as a base URL for links, for development without `PUBLIC_ORIGIN`
/// (an unspecified address such as 0.0.0.0 becomes `localhost`).
pub fn local_origin(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "localhost".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}", addr.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_address_cap_gives_slots_back() {
        let map = PerIp::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let a = map.take(ip, 2).unwrap();
        let _b = map.take(ip, 2).unwrap();
        assert!(map.take(ip, 2).is_none());
        assert!(map.take("10.0.0.2".parse().unwrap(), 2).is_some());
        drop(a);
        assert!(map.take(ip, 2).is_some());
    }

    #[test]
    fn links_use_the_listen_address_in_development() {
        assert_eq!(
            local_origin("127.0.0.1:3000".parse().unwrap()),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            local_origin("0.0.0.0:3000".parse().unwrap()),
            "http://localhost:3000"
        );
        assert_eq!(
            local_origin("[::1]:8080".parse().unwrap()),
            "http://[::1]:8080"
        );
    }
}
