//! A small HTTP/1.1 helper for test servers, and a fault-injecting proxy in front of PostgREST
//! that answers 5xx for a number of requests, then forwards.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The raw head (request line + headers, without the blank line).
    pub raw_head: String,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request (Content-Length bodies only, as reqwest sends them).
pub fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut r = BufReader::new(stream.try_clone().ok()?);
    let mut raw_head = String::new();
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    if line.trim().is_empty() {
        return None;
    }
    raw_head.push_str(&line);
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).ok()?;
        if line == "\r\n" || line == "\n" || line.is_empty() {
            break;
        }
        raw_head.push_str(&line);
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
        raw_head,
    })
}

pub fn respond(stream: &TcpStream, status: u16, reason: &str, body: &str) {
    respond_with(stream, status, reason, "", body)
}

/// `extra` is zero or more header lines, each ending in CRLF.
pub fn respond_with(mut stream: &TcpStream, status: u16, reason: &str, extra: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

/// Serves each connection's first request with `handler` on its own thread until dropped.
pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(handler: impl Fn(Request, &TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind test server");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            while !stop2.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let h = handler.clone();
                        std::thread::spawn(move || {
                            let _ = s.set_nonblocking(false);
                            let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
                            if let Some(req) = read_request(&s) {
                                h(req, &s);
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { port, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Forwards to `upstream_port`, except that the next `fail_next` requests get `fail_status`.
pub struct FaultProxy {
    pub server: Server,
    pub fail_next: Arc<AtomicU32>,
    pub failed: Arc<AtomicU32>,
    pub forwarded: Arc<AtomicU32>,
    /// Every request's `Prefer` headers, in arrival order.
    pub prefer_seen: Arc<Mutex<Vec<Vec<String>>>>,
}

impl FaultProxy {
    pub fn start(upstream_port: u16, fail_status: u16) -> FaultProxy {
        Self::start_with(upstream_port, fail_status, "")
    }

    /// As `start`, the refusals carrying `extra` header lines (e.g. "Retry-After: 7\r\n").
    pub fn start_with(upstream_port: u16, fail_status: u16, extra: &'static str) -> FaultProxy {
        let fail_next = Arc::new(AtomicU32::new(0));
        let failed = Arc::new(AtomicU32::new(0));
        let forwarded = Arc::new(AtomicU32::new(0));
        let prefer_seen = Arc::new(Mutex::new(Vec::new()));
        let (f, fd, fw) = (fail_next.clone(), failed.clone(), forwarded.clone());
        let ps = prefer_seen.clone();
        let server = Server::start(move |req, client| {
            let prefer: Vec<String> = req
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("prefer"))
                .map(|(_, v)| v.clone())
                .collect();
            ps.lock().expect("prefer log").push(prefer);
            let take = f
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if take {
                fd.fetch_add(1, Ordering::SeqCst);
                respond_with(
                    client,
                    fail_status,
                    "Injected",
                    extra,
                    r#"{"message":"injected by the test proxy"}"#,
                );
                return;
            }
            fw.fetch_add(1, Ordering::SeqCst);
            forward(&req, client, upstream_port);
        });
        FaultProxy {
            server,
            fail_next,
            failed,
            forwarded,
            prefer_seen,
        }
    }
}

fn forward(req: &Request, mut client: &TcpStream, upstream_port: u16) {
    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let mut head = String::new();
    for (i, l) in req.raw_head.lines().enumerate() {
        if i > 0 && l.to_ascii_lowercase().starts_with("connection:") {
            continue;
        }
        head.push_str(l);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    if up.write_all(head.as_bytes()).is_err() || up.write_all(&req.body).is_err() {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut resp = Vec::new();
    let _ = up.read_to_end(&mut resp);
    let _ = client.write_all(&resp);
    let _ = client.flush();
    let _ = client.shutdown(Shutdown::Both);
}
