//! A stand-in for the Hugging Face Hub on 127.0.0.1, so Hub code can be tested without
//! network. It serves the endpoints hf-hub's sync API uses:
//!
//! - `GET /{id}/resolve/{revision}/{file}` and `GET /datasets/{id}/resolve/{revision}/{file}`
//!   (revision percent-encoded, e.g. `refs%2Fconvert%2Fparquet`), honoring `Range: bytes=a-b`
//!   with `206` + `Content-Range: bytes a-b/size`, and sending `X-Repo-Commit` and `ETag`
//!   (hf-hub's `metadata` needs all three);
//! - `GET /api/{models|datasets}/{id}/revision/{revision}`: `{"sha": ..., "siblings": [...]}`.
//!
//! Every request path is logged so tests can assert what was (not) asked.
//!
//! ```
//! use unmask_hub::{HubOptions, HubRepoKind, resolve_dataset};
//! use unmask_test_data::hub_stand_in::{FakeRepo, StandInHub};
//!
//! let repo = FakeRepo::new(
//!     HubRepoKind::Dataset,
//!     "acme/corpus",
//!     unmask_hub::PARQUET_REVISION,
//!     "1111111111111111111111111111111111111111",
//!     &[("default/train/0000.parquet", b"PAR1...".as_slice())],
//! );
//! let hub = StandInHub::start(vec![repo])?;
//! let cache = std::env::temp_dir().join(format!("stand-in-doctest-{}", std::process::id()));
//! let options = HubOptions {
//!     endpoint: Some(hub.endpoint()),
//!     cache_dir: Some(cache.clone()),
//!     ..HubOptions::default()
//! };
//! let shards = resolve_dataset("acme/corpus", None, "train", &options)?;
//! assert_eq!(std::fs::read(&shards[0])?, b"PAR1...");
//! assert!(hub.requests().iter().any(|path| path.ends_with("/0000.parquet")));
//! std::fs::remove_dir_all(cache)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use unmask_hub::HubRepoKind;

/// One repository at one revision, as the stand-in serves it.
#[derive(Debug, Clone)]
pub struct FakeRepo {
    /// Model or dataset (datasets are served under `/datasets/`).
    pub kind: HubRepoKind,
    /// `owner/name`.
    pub id: String,
    /// The branch or tag the files are on (e.g. `main`, `refs/convert/parquet`).
    pub revision: String,
    /// The commit hash `revision` points to; requests may name either.
    pub commit: String,
    /// File paths inside the repository and their bytes.
    pub files: Vec<(String, Vec<u8>)>,
    /// Answer 401 to everything, like a gated repository without a token.
    pub gated: bool,
}

impl FakeRepo {
    /// A repository that is not gated.
    pub fn new(
        kind: HubRepoKind,
        id: &str,
        revision: &str,
        commit: &str,
        files: &[(&str, &[u8])],
    ) -> Self {
        Self {
            kind,
            id: id.to_string(),
            revision: revision.to_string(),
            commit: commit.to_string(),
            files: files
                .iter()
                .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
                .collect(),
            gated: false,
        }
    }
}

struct Config {
    repos: Vec<FakeRepo>,
    listing_api: bool,
}

/// A Hub stand-in serving on a free port of 127.0.0.1 until stopped or dropped.
pub struct StandInHub {
    addr: SocketAddr,
    shutdown: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl StandInHub {
    /// Serves `repos`, with the repository listing API.
    pub fn start(repos: Vec<FakeRepo>) -> std::io::Result<Self> {
        Self::start_with(Config {
            repos,
            listing_api: true,
        })
    }

    /// Like a mirror that serves files but not the `/api/` listing.
    pub fn start_without_listing(repos: Vec<FakeRepo>) -> std::io::Result<Self> {
        Self::start_with(Config {
            repos,
            listing_api: false,
        })
    }

    fn start_with(config: Config) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shutdown = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let shutdown = shutdown.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shutdown.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        let _ = serve(stream, &config, &requests);
                    }
                }
            })
        };
        Ok(Self {
            addr,
            shutdown,
            requests,
            thread: Some(thread),
        })
    }

    /// The base URL to use as `HubOptions::endpoint` (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Request paths so far, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.requests).clone()
    }

    /// Stops serving and closes the port.
    pub fn stop(mut self) {
        self.shutdown_now();
    }

    fn shutdown_now(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.shutdown.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(self.addr);
            let _ = thread.join();
        }
    }
}

impl Drop for StandInHub {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// An endpoint where nothing listens: a port of 127.0.0.1 that was free a moment ago.
pub fn closed_endpoint() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    drop(listener);
    Ok(format!("http://{addr}"))
}

/// The request log stays usable even if a serving thread panicked while holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn status(status: u16, message: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: message.as_bytes().to_vec(),
        }
    }
}

fn serve(stream: TcpStream, config: &Config, requests: &Mutex<Vec<String>>) -> std::io::Result<()> {
    // A safety net against a stuck client, not a timing assertion.
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("range")
        {
            range = Some(value.trim().to_string());
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split('?').next().unwrap_or(target).to_string();
    lock(requests).push(path.clone());

    let response = if method != "GET" {
        Response::status(405, "method not allowed")
    } else if let Some(rest) = path.strip_prefix("/api/") {
        listing(rest, config)
    } else if let Some((repo_part, rest)) = path.split_once("/resolve/") {
        resolve(repo_part, rest, range.as_deref(), config)
    } else {
        Response::status(404, "not found")
    };
    write_response(stream, response)
}

fn find_repo<'a>(
    config: &'a Config,
    kind: HubRepoKind,
    id: &str,
    revision: &str,
) -> Option<&'a FakeRepo> {
    config.repos.iter().find(|repo| {
        repo.kind == kind && repo.id == id && (repo.revision == revision || repo.commit == revision)
    })
}

fn listing(rest: &str, config: &Config) -> Response {
    if !config.listing_api {
        return Response::status(404, "no API here");
    }
    let (kind, rest) = match rest.split_once('/') {
        Some(("models", rest)) => (HubRepoKind::Model, rest),
        Some(("datasets", rest)) => (HubRepoKind::Dataset, rest),
        _ => return Response::status(404, "unknown API"),
    };
    let Some((id, revision)) = rest.split_once("/revision/") else {
        return Response::status(404, "unknown API");
    };
    let Some(repo) = find_repo(config, kind, id, &percent_decode(revision)) else {
        return Response::status(404, "Repository not found");
    };
    if repo.gated {
        return Response::status(401, "gated");
    }
    let siblings: Vec<String> = repo
        .files
        .iter()
        .map(|(name, _)| format!("{{\"rfilename\":\"{}\"}}", json_escape(name)))
        .collect();
    let body = format!(
        "{{\"id\":\"{}\",\"sha\":\"{}\",\"siblings\":[{}]}}",
        json_escape(&repo.id),
        repo.commit,
        siblings.join(",")
    );
    Response {
        status: 200,
        headers: vec![("Content-Type", "application/json".to_string())],
        body: body.into_bytes(),
    }
}

fn resolve(repo_part: &str, rest: &str, range: Option<&str>, config: &Config) -> Response {
    let repo_part = repo_part.trim_start_matches('/');
    let (kind, id) = match repo_part.strip_prefix("datasets/") {
        Some(id) => (HubRepoKind::Dataset, id),
        None => (HubRepoKind::Model, repo_part),
    };
    let Some((revision, file)) = rest.split_once('/') else {
        return Response::status(404, "no file");
    };
    let Some(repo) = find_repo(config, kind, id, &percent_decode(revision)) else {
        return Response::status(404, "Repository not found");
    };
    if repo.gated {
        return Response::status(401, "gated");
    }
    let file = percent_decode(file);
    let Some((_, bytes)) = repo.files.iter().find(|(name, _)| *name == file) else {
        return Response::status(404, "Entry not found");
    };
    let mut headers = vec![
        ("X-Repo-Commit", repo.commit.clone()),
        ("ETag", format!("\"{:016x}\"", fnv1a(bytes))),
    ];
    let size = bytes.len();
    let (status, body) = match range.and_then(|range| parse_range(range, size)) {
        Some(Ok((start, end))) => {
            headers.push(("Content-Range", format!("bytes {start}-{end}/{size}")));
            (206, bytes[start..=end].to_vec())
        }
        Some(Err(())) => {
            headers.push(("Content-Range", format!("bytes */{size}")));
            (416, Vec::new())
        }
        None => (200, bytes.clone()),
    };
    Response {
        status,
        headers,
        body,
    }
}

/// `bytes=a-b` or `bytes=a-` to an inclusive range; `Err` when unsatisfiable.
fn parse_range(range: &str, size: usize) -> Option<Result<(usize, usize), ()>> {
    let (start, end) = range.strip_prefix("bytes=")?.split_once('-')?;
    let start: usize = start.parse().ok()?;
    let end = match end {
        "" => size.saturating_sub(1),
        end => end.parse::<usize>().ok()?.min(size.saturating_sub(1)),
    };
    Some(if start >= size || start > end {
        Err(())
    } else {
        Ok((start, end))
    })
}

fn write_response(mut stream: TcpStream, response: Response) -> std::io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        206 => "Partial Content",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        _ => "Other",
    };
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", response.status);
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        response.body.len()
    ));
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn json_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
