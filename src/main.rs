//! The `profile-center` server binary: logging, then `server::app::run`.

/// mimalloc instead of glibc's malloc: requests allocate on one thread and free on another
/// (the database's worker threads, tokio's), which made glibc wait on its arena locks.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() {
    use tracing_subscriber::EnvFilter;
    match std::env::args().nth(1).as_deref() {
        Some("--help" | "-h") => {
            print!("{}", profile_center::server::config::HELP);
            return;
        }
        Some("--version" | "-V") => {
            println!("profile-center {}", env!("CARGO_PKG_VERSION"));
            return;
        }
        Some(other) => {
            eprintln!("profile-center: unknown argument {other:?}; see --help");
            std::process::exit(2);
        }
        None => {}
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if let Err(e) = profile_center::server::app::run().await {
        tracing::error!(error = %e, "profile-center could not start");
        std::process::exit(1);
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
