//! An OCI distribution client that does one thing: a tag's manifest digest.
//!
//! `HEAD /v2/<name>/manifests/<tag>` with the `Accept` types of an OCI index and manifest and a
//! Docker manifest list and v2 manifest; the digest is `Docker-Content-Digest`, else the sha256 of
//! the body of a `GET`. A `401` with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is
//! followed (anonymously, or with the registry's credentials from `~/.docker/config.json`
//! `auths`); a `Basic` challenge is answered with those credentials. https by default, plain http
//! for `localhost` / `127.0.0.1` registries or when asked.
use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest as _, Sha256};

use crate::core::base::error::{Error, Result};

/// Docker Hub's registry, for references that name none.
pub(crate) const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_API: &str = "registry-1.docker.io";
const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";
const TIMEOUT: Duration = Duration::from_secs(30);

/// `repository[:tag][@digest]` split into the registry, the repository's name there, tag and
/// digest (Docker's rules: a first part with `.` or `:`, or `localhost`, is a registry; Docker
/// Hub's one-part names live under `library/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub registry: String,
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    pub(crate) fn parse(text: &str) -> Reference {
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (text, None),
        };
        let (rest, tag) = match rest.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r, Some(t.to_string())),
            _ => (rest, None),
        };
        let (registry, name) = match rest.split_once('/') {
            Some((first, name))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), name.to_string())
            }
            _ => (DOCKER_HUB.to_string(), rest.to_string()),
        };
        let name = if registry == DOCKER_HUB && !name.contains('/') {
            format!("library/{name}")
        } else {
            name
        };
        Reference {
            registry,
            name,
            tag,
            digest,
        }
    }

    /// `registry/name` as a user would write it.
    pub(crate) fn repository(&self) -> String {
        format!("{}/{}", self.registry, self.name)
    }
}

/// A registry client: credentials read once, one connection pool.
pub(crate) struct Client {
    http: HyperClient<
        hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
        Empty<bytes::Bytes>,
    >,
    plain_http: bool,
    auths: BTreeMap<String, String>,
}

struct Reply {
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Client {
    /// A client; `plain_http` for every registry (else only for localhost ones).
    pub(crate) fn new(plain_http: bool) -> Result<Client> {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| Error::Environment(format!("cannot load the system's CA roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Client {
            http: HyperClient::builder(TokioExecutor::new()).build(https),
            plain_http,
            auths: docker_auths(),
        })
    }

    fn base(&self, registry: &str) -> String {
        let host = registry.split(':').next().unwrap_or(registry);
        let plain = self.plain_http || host == "localhost" || host == "127.0.0.1";
        let api = if registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            registry
        };
        format!("{}://{api}", if plain { "http" } else { "https" })
    }

    /// The manifest digest (`sha256:…`) of `tag` in `registry`/`name`.
    pub(crate) async fn digest(&self, registry: &str, name: &str, tag: &str) -> Result<String> {
        let url = format!("{}/v2/{name}/manifests/{tag}", self.base(registry));
        let shown = format!("{registry}/{name}:{tag}");
        let mut auth = None;
        let mut reply = self.send(&url, http::Method::HEAD, None, &shown).await?;
        if reply.status == http::StatusCode::UNAUTHORIZED {
            auth = Some(self.answer(registry, &reply.headers, &shown).await?);
            reply = self
                .send(&url, http::Method::HEAD, auth.as_deref(), &shown)
                .await?;
        }
        check_status(&reply, &shown, registry)?;
        if let Some(d) = header(&reply.headers, "docker-content-digest") {
            return valid_digest(d, &shown);
        }
        let reply = self
            .send(&url, http::Method::GET, auth.as_deref(), &shown)
            .await?;
        check_status(&reply, &shown, registry)?;
        Ok(format!("sha256:{}", hex(&Sha256::digest(&reply.body))))
    }

    /// The `Authorization` header answering a 401's challenge.
    async fn answer(
        &self,
        registry: &str,
        headers: &http::HeaderMap,
        shown: &str,
    ) -> Result<String> {
        let challenge = header(headers, "www-authenticate").unwrap_or_default();
        let basic = self.auths.get(registry).map(|a| format!("Basic {a}"));
        let Some(params) = challenge
            .strip_prefix("Bearer ")
            .or_else(|| challenge.strip_prefix("bearer "))
        else {
            return basic.ok_or_else(|| {
                Error::Environment(format!(
                    "{shown}: registry {registry} asks for credentials ({challenge}); \
                     log in (`docker login {registry}` writes ~/.docker/config.json)"
                ))
            });
        };
        let params = challenge_params(params);
        let realm = params.get("realm").ok_or_else(|| {
            Error::Environment(format!(
                "{shown}: registry {registry} sent a Bearer challenge without a realm: {challenge}"
            ))
        })?;
        let mut query = Vec::new();
        for key in ["service", "scope"] {
            if let Some(v) = params.get(key) {
                query.push(format!("{key}={}", url_escape(v)));
            }
        }
        let url = if query.is_empty() {
            realm.clone()
        } else {
            format!(
                "{realm}{}{}",
                if realm.contains('?') { '&' } else { '?' },
                query.join("&")
            )
        };
        let reply = self
            .send(&url, http::Method::GET, basic.as_deref(), shown)
            .await?;
        if !reply.status.is_success() {
            return Err(Error::Environment(format!(
                "{shown}: the token service of registry {registry} ({realm}) refused a token: {}; {}",
                reply.status,
                login_hint(registry, basic.is_some())
            )));
        }
        let body: serde_json::Value = serde_json::from_slice(&reply.body).map_err(|e| {
            Error::Environment(format!(
                "{shown}: the token service of registry {registry} answered no JSON: {e}"
            ))
        })?;
        let token = body["token"]
            .as_str()
            .or_else(|| body["access_token"].as_str())
            .ok_or_else(|| {
                Error::Environment(format!(
                    "{shown}: the token service of registry {registry} answered without a token"
                ))
            })?;
        Ok(format!("Bearer {token}"))
    }

    async fn send(
        &self,
        url: &str,
        method: http::Method,
        auth: Option<&str>,
        shown: &str,
    ) -> Result<Reply> {
        let mut req = http::Request::builder()
            .method(method)
            .uri(url)
            .header(http::header::ACCEPT, ACCEPT)
            .header(http::header::USER_AGENT, "apwiz");
        if let Some(a) = auth {
            req = req.header(http::header::AUTHORIZATION, a);
        }
        let req = req
            .body(Empty::new())
            .map_err(|e| Error::Invalid(format!("{shown}: bad request URL {url}: {e}")))?;
        let unreachable = |e: String| {
            Error::Environment(format!(
                "{shown}: cannot reach the registry at {url}: {e}; check the address, the network, \
                 or pass --plain-http for a registry without TLS"
            ))
        };
        let fetch = async {
            let resp = self
                .http
                .request(req)
                .await
                .map_err(|e| unreachable(error_chain(&e)))?;
            let (parts, body) = resp.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| unreachable(e.to_string()))?
                .to_bytes()
                .to_vec();
            Ok(Reply {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(TIMEOUT, fetch)
            .await
            .map_err(|_| unreachable(format!("no answer in {}s", TIMEOUT.as_secs())))?
    }
}

fn check_status(reply: &Reply, shown: &str, registry: &str) -> Result<()> {
    match reply.status {
        s if s.is_success() => Ok(()),
        http::StatusCode::NOT_FOUND => Err(Error::Invalid(format!(
            "{shown}: registry {registry} has no such tag (404); check the image's repository and \
             tag, or push the image first"
        ))),
        http::StatusCode::UNAUTHORIZED | http::StatusCode::FORBIDDEN => {
            Err(Error::Environment(format!(
                "{shown}: registry {registry} refused access ({}); {}",
                reply.status,
                login_hint(registry, false)
            )))
        }
        s => Err(Error::Environment(format!(
            "{shown}: registry {registry} answered {s}: {}",
            String::from_utf8_lossy(&reply.body).trim()
        ))),
    }
}

fn login_hint(registry: &str, had_credentials: bool) -> String {
    if had_credentials {
        format!("check the credentials for {registry} in ~/.docker/config.json")
    } else {
        format!("log in (`docker login {registry}` writes ~/.docker/config.json)")
    }
}

fn valid_digest(d: &str, shown: &str) -> Result<String> {
    let ok = d
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    if ok {
        Ok(d.to_string())
    } else {
        Err(Error::Environment(format!(
            "{shown}: the registry sent a digest apwiz does not pin: {d} (only sha256:<64 hex>)"
        )))
    }
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `realm="…",service="…",scope="…"` as a map (quoted values may hold commas).
fn challenge_params(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = s.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            match q.split_once('"') {
                Some((v, n)) => (v, n),
                None => (q, ""),
            }
        } else {
            match after.split_once(',') {
                Some((v, n)) => (v, n),
                None => (after, ""),
            }
        };
        out.insert(key, value.to_string());
        rest = next.trim_start_matches(',').trim();
    }
    out
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        out.push_str(": ");
        out.push_str(&s.to_string());
        src = s.source();
    }
    out
}

/// `auths.<registry>.auth` (base64 `user:password`) from `$DOCKER_CONFIG/config.json` or
/// `~/.docker/config.json`; nothing when there is no such file.
fn docker_auths() -> BTreeMap<String, String> {
    let path = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => std::path::PathBuf::from(d).join("config.json"),
        None => match std::env::var_os("HOME") {
            Some(h) => std::path::PathBuf::from(h).join(".docker/config.json"),
            None => return BTreeMap::new(),
        },
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse_docker_config(&text),
        Err(_) => BTreeMap::new(),
    }
}

/// A Docker config's `auths`: registry host → base64 `user:password` (an unreadable file gives
/// none: the registries are then asked anonymously).
fn parse_docker_config(text: &str) -> BTreeMap<String, String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    if let Some(auths) = v["auths"].as_object() {
        for (host, entry) in auths {
            let auth = match (entry["auth"].as_str(), entry["username"].as_str()) {
                (Some(a), _) if !a.is_empty() => a.to_string(),
                (_, Some(u)) => base64::engine::general_purpose::STANDARD.encode(format!(
                    "{u}:{}",
                    entry["password"].as_str().unwrap_or_default()
                )),
                _ => continue,
            };
            let host = host
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap_or_default();
            let host = if host == "index.docker.io" || host == DOCKER_HUB_API {
                DOCKER_HUB
            } else {
                host
            };
            out.insert(host.to_string(), auth);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_like_docker() {
        let r = Reference::parse("nginx");
        assert_eq!(
            (r.registry.as_str(), r.name.as_str()),
            ("docker.io", "library/nginx")
        );
        assert_eq!(r.tag, None);
        let r = Reference::parse("127.0.0.1:5000/team/app:1.4.2");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.name, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.4.2"));
        let r = Reference::parse("ghcr.io/acme/shop@sha256:abc");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
    }

    #[test]
    fn docker_config_auths_by_host() {
        let a = parse_docker_config(
            r#"{"auths": {"https://index.docker.io/v1/": {"auth": "dTpw"},
                "registry.example.com:5000": {"username": "u", "password": "p"},
                "ghcr.io": {}}}"#,
        );
        assert_eq!(a.get("docker.io").map(String::as_str), Some("dTpw"));
        assert_eq!(
            a.get("registry.example.com:5000").map(String::as_str),
            Some("dTpw")
        );
        assert!(!a.contains_key("ghcr.io"));
        assert!(parse_docker_config("not json").is_empty());
    }

    #[test]
    fn bearer_challenges_parse() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert_eq!(p["scope"], "repository:a/b:pull,push");
    }
}
