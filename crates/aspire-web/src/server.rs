//! Serving connections with limits: how many at once, how many from one address, and how long a
//! client may take to send a request's headers (a client that trickles them, or sits idle on a
//! kept-alive connection, is closed after [`ConnectionLimits::header_timeout`]).
//!
//! hyper does the HTTP; this loop accepts, applies the limits, hands each connection the
//! address it came from (for `ConnectInfo`), and on shutdown stops accepting and lets requests
//! in progress finish.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// What one server accepts.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Connections open at once; more wait in the operating system's queue.
    pub max_connections: usize,
    /// Connections open at once from one address (the proxies named with `--trust-proxy` are
    /// exempt: every client behind them shares their address).
    pub per_client: usize,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle.
    pub header_timeout: Duration,
    /// How long a form's body may take to arrive in full, and an upload's.
    pub form_body_within: Duration,
    pub upload_body_within: Duration,
    /// How long requests in progress may take to finish after shutdown is asked for.
    pub drain: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 2048,
            // A school's staff share one public address: a staff meeting filling in a survey at
            // once is a few hundred connections.
            per_client: 256,
            header_timeout: Duration::from_secs(10),
            form_body_within: Duration::from_secs(20),
            // 5 MB at 350 kbit/s.
            upload_body_within: Duration::from_secs(120),
            drain: Duration::from_secs(10),
        }
    }
}

/// Open connections per client address.
#[derive(Default)]
struct PerClient(Mutex<HashMap<IpAddr, usize>>);

/// A connection counted against its address; uncounted when dropped.
struct Counted {
    table: Arc<PerClient>,
    ip: IpAddr,
}

impl PerClient {
    fn enter(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<Counted> {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = t.entry(ip).or_insert(0);
        if *n >= limit {
            return None;
        }
        *n += 1;
        Some(Counted { table: self.clone(), ip })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut t = self.table.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = t.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                t.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve_with_limits(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    exempt: crate::proxy::TrustedProxies,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_client = Arc::new(PerClient::default());
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // A permit before accepting: past the limit, new connections wait in the kernel's queue.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            p = open.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let counted = if exempt.trusts(peer.ip()) {
            None
        } else {
            match per_client.enter(aspire_store::client_network(peer.ip()), limits.per_client) {
                Some(c) => Some(c),
                None => {
                    tracing::warn!(client = %peer.ip(), "too many connections from one address: closed");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = tower::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let mut stopping = stopping.clone();
        let header_timeout = limits.header_timeout;
        connections.spawn(async move {
            let _held = (permit, counted);
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = stopping.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(limits.drain, async { while connections.join_next().await.is_some() {} }).await;
    Ok(())
}
