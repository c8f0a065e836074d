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
        Some("backup") => {
            let Some(target) = std::env::args().nth(2) else {
                eprintln!("profile-center: backup needs the file to write; see --help");
                std::process::exit(2);
            };
            let done = match profile_center::server::config::Config::from_env() {
                Ok(config) => {
                    profile_center::server::backup::backup(&config, target.as_ref()).await
                }
                Err(e) => Err(e),
            };
            match done {
                Ok(what) => println!("{what}"),
                Err(e) => {
                    eprintln!("profile-center: {e}");
                    std::process::exit(1);
                }
            }
            return;
        }
        Some(other) => {
            eprintln!("profile-center: unknown argument {other:?}; see --help");
            std::process::exit(2);
        }
        None => {}
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Each line then carries the request's id from its spans (see `middleware::request_log`).
    match std::env::var("LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(filter)
            .init(),
        _ => tracing_subscriber::fmt().with_env_filter(filter).init(),
    }
    if let Err(e) = profile_center::server::app::run().await {
        tracing::error!(error = %e, "profile-center could not start");
        std::process::exit(1);
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {}
