//! Authentication internals: password hashing, session tokens and the session cookie.
//!
//! Passwords are hashed with argon2id (m = 19456 KiB, t = 2, p = 1, OWASP's baseline) on a
//! fixed set of hashing threads, one per core, each of which owns its 19 MiB of argon2 memory
//! for its whole life. Allocating that memory per hash (as tokio's blocking pool did) made the
//! allocator keep every burst's peak: 64 concurrent sign-ins took the process from 17 MB to
//! 760 MB, for good. The threads run at a lower CPU priority than the request threads, so a
//! flood of sign-ins slows sign-ins, not pages; when their queue is full a sign-in is refused
//! at once with "try again" (429, `Retry-After`) instead of waiting in line, and one that has
//! waited `MAX_QUEUE_WAIT` for a thread is refused then.

use crate::error::AppError;
use argon2::{Algorithm, Argon2, Block, Params, PasswordHash, Version};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const M_COST: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;
/// Hashes waiting per hashing thread before new ones are refused: at ~15 ms a hash that is a
/// quarter of a second of queue, well inside a sign-in's patience.
const QUEUE_PER_THREAD: usize = 16;
/// How long a refused sign-in is told to wait.
const BUSY_RETRY_SECS: u64 = 1;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN)).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A password as typed: kept out of `Debug` so it can never reach a log line.
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Work for a hashing thread: given that thread's argon2 memory, or `None` when the job waited
/// longer than `MAX_QUEUE_WAIT` and is to be refused instead.
type Work = Box<dyn FnOnce(Option<&mut Vec<Block>>) + Send>;

struct Job {
    queued: Instant,
    work: Work,
}

impl Job {
    /// Start-up work that runs however long it waited (in spare memory if it is ever late).
    fn always(work: impl FnOnce(&mut Vec<Block>) + Send + 'static) -> Job {
        Job {
            queued: Instant::now(),
            work: Box::new(move |memory| match memory {
                Some(memory) => work(memory),
                None => work(&mut Vec::new()),
            }),
        }
    }
}

/// Longest a sign-in waits for a hashing thread. Under a flood the request threads take most of
/// the CPU and the queue drains slower than its length suggests; past this wait the sign-in is
/// answered "try again" (429) without hashing, so no one waits seconds for an answer.
const MAX_QUEUE_WAIT: Duration = Duration::from_millis(800);

#[derive(Clone)]
pub struct Hasher {
    jobs: mpsc::SyncSender<Job>,
    /// Jobs sent and not yet finished, and how many may be: a full queue refuses sign-ins
    /// before they cost a database round trip (`refuse_when_full`).
    pending: Arc<AtomicUsize>,
    capacity: usize,
    /// When the last "queue full" warning was logged (unix seconds): one per second at most,
    /// not one per refused sign-in of a flood.
    warned_at: Arc<AtomicI64>,
    /// Verified against when the e-mail is unknown, so both failures cost the same time.
    dummy_hash: Arc<str>,
}

impl Hasher {
    pub fn new() -> Self {
        let threads = hashing_threads();
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * QUEUE_PER_THREAD);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(queue));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a password-hashing thread");
            }
        }
        // On a hashing thread, in the memory it keeps anyway: 19 MiB allocated here for one
        // hash would stay with the allocator for the life of the process.
        let (done, dummy) = mpsc::channel();
        let job = Job::always(move |memory| {
            let _ = done.send(hash_with(memory, crate::server::random_id(24).as_bytes()));
        });
        let dummy = match jobs.send(job).ok().and_then(|()| dummy.recv().ok()) {
            Some(dummy) => dummy,
            // No hashing thread could start: sign-ins will say so; the dummy is made here.
            None => hash_with(&mut Vec::new(), crate::server::random_id(24).as_bytes()),
        };
        let hasher = Hasher {
            jobs,
            pending: Arc::new(AtomicUsize::new(0)),
            // Queued plus the one each thread is working on.
            capacity: threads * (QUEUE_PER_THREAD + 1),
            warned_at: Arc::new(AtomicI64::new(0)),
            dummy_hash: dummy.into(),
        };
        let hash_ms = hasher.time_one_hash(threads);
        tracing::info!(threads, hash_ms, "password hashing ready");
        hasher
    }

    /// What one hash costs on this machine while every hashing thread hashes (the median of
    /// three per thread): cores that share caches and memory bandwidth hash slower together
    /// than one alone. `bench/run.sh` compares sign-in throughput with the bound this sets
    /// (threads × 1000 / ms).
    fn time_one_hash(&self, threads: usize) -> f64 {
        let (done, times) = mpsc::channel::<f64>();
        for _ in 0..threads * 3 {
            let done = done.clone();
            let dummy = self.dummy_hash.clone();
            let job = Job::always(move |memory| {
                let started = Instant::now();
                hash_with(memory, dummy.as_bytes());
                let _ = done.send(started.elapsed().as_secs_f64() * 1000.0);
            });
            if self.jobs.send(job).is_err() {
                break;
            }
        }
        drop(done);
        let mut times: Vec<f64> = times.iter().collect();
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
    }

    /// Refuses (429) when the hashing queue is full: the first thing a sign-in asks, so that
    /// the part of a flood beyond capacity is answered at once and costs the pages nothing.
    pub fn refuse_when_full(&self) -> Result<(), AppError> {
        if self.pending.load(Ordering::Relaxed) >= self.capacity {
            return Err(self.busy());
        }
        Ok(())
    }

    fn busy(&self) -> AppError {
        let now = crate::server::now();
        if self.warned_at.swap(now, Ordering::Relaxed) != now {
            tracing::warn!("password hashing queue full: sign-ins refused with Retry-After");
        }
        AppError::RateLimited(BUSY_RETRY_SECS)
    }

    /// Runs `work` on a hashing thread; refused (429) when the queue is full, or when the job
    /// waited too long for a thread.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let pending = self.pending.clone();
        pending.fetch_add(1, Ordering::Relaxed);
        let job = Job {
            queued: Instant::now(),
            work: Box::new(move |memory| {
                let _ = tx.send(memory.map(work));
                pending.fetch_sub(1, Ordering::Relaxed);
            }),
        };
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(job)) => {
                // Dropping the job unsent: count it as done.
                drop(job);
                self.pending.fetch_sub(1, Ordering::Relaxed);
                return Err(self.busy());
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                self.pending.fetch_sub(1, Ordering::Relaxed);
                return Err(crate::server::context::internal(
                    "password hashing threads stopped",
                ));
            }
        }
        match rx.await {
            Ok(Some(done)) => Ok(done),
            Ok(None) => Err(self.busy()),
            Err(_) => Err(crate::server::context::internal(
                "a password-hashing job was lost",
            )),
        }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.0.clone();
        self.run(move |memory| hash_with(memory, password.as_bytes()))
            .await
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no account.
    pub async fn verify(
        &self,
        stored: Option<&str>,
        password: &Password,
    ) -> Result<bool, AppError> {
        let exists = stored.is_some();
        let stored = stored.unwrap_or(&self.dummy_hash).to_string();
        let password = password.0.clone();
        let matches = self
            .run(move |memory| verify_with(memory, &stored, password.as_bytes()))
            .await?;
        Ok(exists && matches)
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

/// One hashing thread per core.
fn hashing_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 16)
}

/// A hashing thread: lower priority than request threads, one argon2 memory reused for every
/// job, until the `Hasher` (every sender) is gone.
fn worker(queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on this thread's own id only changes its scheduling niceness.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
    let mut memory = vec![Block::default(); argon2().params().block_count()];
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.recv()
        };
        match job {
            Ok(job) if job.queued.elapsed() > MAX_QUEUE_WAIT => (job.work)(None),
            Ok(job) => (job.work)(Some(&mut memory)),
            Err(_) => return,
        }
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    // PHC strings use standard base64 without padding.
    base64::engine::general_purpose::STANDARD_NO_PAD
}

/// `memory` grown to the blocks `params` needs (only ever grows, so it is allocated once).
fn blocks_for<'m>(memory: &'m mut Vec<Block>, params: &Params) -> &'m mut [Block] {
    let needed = params.block_count();
    if memory.len() < needed {
        memory.resize(needed, Block::default());
    }
    &mut memory[..needed]
}

/// A new PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`.
fn hash_with(memory: &mut Vec<Block>, password: &[u8]) -> String {
    let mut salt = [0u8; SALT_LEN];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
    let mut out = [0u8; OUTPUT_LEN];
    let argon = argon2();
    argon
        .hash_password_into_with_memory(
            password,
            &salt,
            &mut out,
            blocks_for(memory, argon.params()),
        )
        .expect("argon2 with valid parameters and lengths");
    format!(
        "$argon2id$v=19$m={M_COST},t={T_COST},p={P_COST}${}${}",
        b64().encode(salt),
        b64().encode(out)
    )
}

/// Whether `password` matches a stored PHC string (with that string's own parameters).
fn verify_with(memory: &mut Vec<Block>, stored: &str, password: &[u8]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params.clone());
    if argon
        .hash_password_into_with_memory(password, salt, &mut out, blocks_for(memory, &params))
        .is_err()
    {
        return false;
    }
    // `Output` compares in constant time.
    argon2::password_hash::Output::new(&out).is_ok_and(|out| out == expected)
}

/// A new session token (256 random bits) and the hash under which it is stored.
pub fn new_session_token() -> (String, String) {
    let token = crate::server::random_id(32);
    let hash = token_hash(&token);
    (token, hash)
}

/// Whether a value has the shape of our random tokens (43 URL-safe base64 characters), so a
/// cookie value from outside is used only if it could be one of ours.
pub fn is_token_shaped(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Hex SHA-256: tokens carry full entropy, so a fast hash is enough to make a leaked table useless.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The session cookie's name: `__Host-` in production binds it to our exact origin over HTTPS.
pub fn cookie_name(production: bool) -> &'static str {
    if production {
        "__Host-pc_session"
    } else {
        "pc_session"
    }
}

/// `Set-Cookie` value for a new session (`None` clears it).
pub fn session_cookie(production: bool, token: Option<&str>) -> String {
    let name = cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    match token {
        // No Max-Age: the server-side expiry decides; the browser drops it when closed for good.
        Some(token) => format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The cookie that carries a sign-in waiting for its second step (five minutes at most).
pub fn pending_cookie_name(production: bool) -> &'static str {
    if production {
        "__Host-pc_mfa"
    } else {
        "pc_mfa"
    }
}

pub fn pending_cookie(production: bool, token: Option<&str>) -> String {
    let name = pending_cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    let (value, age) = match token {
        Some(token) => (token, super::mfa::PENDING_SECS),
        None => ("", 0),
    };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}")
}

/// The long-lived cookie that lets a browser that signed in before be counted on its own by
/// sign-in throttling (`db::devices`). It carries no authority: it is not a session.
pub fn device_cookie_name(production: bool) -> &'static str {
    if production {
        "__Host-pc_device"
    } else {
        "pc_device"
    }
}

pub fn device_cookie(production: bool, token: &str) -> String {
    let name = device_cookie_name(production);
    let secure = if production { "; Secure" } else { "" };
    let age = super::db::devices::FORGET_AFTER_SECS;
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={age}{secure}")
}

/// A cookie's value from a `Cookie` header.
pub fn cookie_value(header: &str, name: &str) -> Option<String> {
    cookie::Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The session token from a `Cookie` header, if present.
pub fn token_from_cookies(header: &str, production: bool) -> Option<String> {
    let name = cookie_name(production);
    cookie::Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hasher = Hasher::new();
        let hash = hasher
            .hash(&Password("correct horse".into()))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify(Some(&hash), &Password("correct horse".into()))
            .await
            .unwrap());
        assert!(!hasher
            .verify(Some(&hash), &Password("wrong horse".into()))
            .await
            .unwrap());
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_itself_still_verify() {
        use argon2::PasswordHasher;
        let salt = argon2::password_hash::SaltString::generate(&mut rand::rngs::OsRng);
        let stored = argon2()
            .hash_password(b"old password", &salt)
            .unwrap()
            .to_string();
        let mut memory = Vec::new();
        assert!(verify_with(&mut memory, &stored, b"old password"));
        assert!(!verify_with(&mut memory, &stored, b"other password"));
        let ours = hash_with(&mut memory, b"new password");
        assert!(argon2::PasswordVerifier::verify_password(
            &argon2(),
            b"new password",
            &PasswordHash::new(&ours).unwrap()
        )
        .is_ok());
        assert!(!verify_with(&mut memory, "not a hash", b"x"));
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = Hasher::new();
        assert!(!hasher
            .verify(None, &Password("anything".into()))
            .await
            .unwrap());
    }

    #[test]
    fn a_job_that_waited_too_long_is_refused_unhashed() {
        let hasher = Hasher::new();
        let hashed = |queued: Instant| {
            let (tx, rx) = mpsc::channel();
            let work: Work = Box::new(move |memory| tx.send(memory.is_some()).unwrap());
            hasher.jobs.send(Job { queued, work }).unwrap();
            rx.recv().unwrap()
        };
        assert!(hashed(Instant::now()));
        assert!(!hashed(
            Instant::now() - MAX_QUEUE_WAIT - Duration::from_millis(1)
        ));
    }

    #[tokio::test]
    async fn a_refused_job_is_try_again_later() {
        let hasher = Hasher::new();
        // Every thread busy for longer than a job may wait: the next one is refused.
        let (release, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        for _ in 0..hashing_threads() {
            let wait = wait.clone();
            let work: Work = Box::new(move |_| {
                let _ = wait.lock().unwrap().recv_timeout(MAX_QUEUE_WAIT * 2);
            });
            hasher
                .jobs
                .send(Job {
                    queued: Instant::now(),
                    work,
                })
                .unwrap();
        }
        let refused = hasher.verify(None, &Password("x".into())).await;
        drop(release);
        assert!(
            matches!(refused, Err(AppError::RateLimited(_))),
            "{refused:?}"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_their_hash() {
        let (a, hash_a) = new_session_token();
        let (b, _) = new_session_token();
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert_eq!(hash_a, token_hash(&a));
        assert!(!hash_a.contains(&a));
    }

    #[test]
    fn production_cookies_are_secure_and_host_prefixed() {
        let c = session_cookie(true, Some("t"));
        assert!(c.starts_with("__Host-pc_session=t;"));
        assert!(
            c.contains("Secure")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax")
                && c.contains("Path=/")
        );
        assert!(!session_cookie(false, Some("t")).contains("Secure"));
        assert_eq!(
            token_from_cookies("a=1; pc_session=tok; b=2", false).as_deref(),
            Some("tok")
        );
        assert_eq!(token_from_cookies("pc_session=tok", true), None);
    }
}
