//! The ceiling for `bench/web-load.sh`: the same connection loop as `aspire serve`, answering
//! every request with a fixed page and no database, so that the difference to Aspire's pages is
//! what the pages themselves cost.
//!
//! `cargo run --release -p aspire-web --example ceiling -- 127.0.0.1:18090`

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18090".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let app =
        Router::new().fallback(get(|| async { axum::response::Html("<!DOCTYPE html><title>ok</title><p>ok</p>") }));
    aspire_web::serve_router(
        listener,
        app,
        aspire_web::ConnectionLimits::default(),
        aspire_web::proxy::TrustedProxies::default(),
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
    )
    .await
}
