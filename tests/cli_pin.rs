//! `apwiz pin`: image tags resolved to digests through a real local OCI registry
//! (`scripts/registry.sh`, CNCF distribution) that the tests push image manifests to themselves,
//! written into `values-prod.yaml` with the comments kept; `--check`, `--dry-run`, `--json`; bad
//! input (a tag the registry lacks, an unreachable registry, a registry refusing access, an image
//! given as a digest, an image with no tag): clear errors, nothing written.
mod support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

use sha2::{Digest, Sha256};
use support::cli::*;

/// One HTTP/1.1 exchange with the registry (plain http, `Connection: close`): status, headers
/// (lower-case names) and body.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect to the registry");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read reply");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} header in {headers:?}"))
}

fn sha(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A blob uploaded through the distribution API (POST an upload, PUT it with its digest).
fn push_blob(addr: &str, name: &str, blob: &[u8]) -> String {
    let digest = sha(blob);
    let (status, headers, body) = http(
        addr,
        "POST",
        &format!("/v2/{name}/blobs/uploads/"),
        &[],
        b"",
    );
    assert_eq!(
        status,
        202,
        "start upload: {}",
        String::from_utf8_lossy(&body)
    );
    let location = header(&headers, "location");
    let location = match location.find("/v2/") {
        Some(i) => &location[i..],
        None => location,
    };
    let sep = if location.contains('?') { '&' } else { '?' };
    let (status, _, body) = http(
        addr,
        "PUT",
        &format!("{location}{sep}digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        blob,
    );
    assert_eq!(
        status,
        201,
        "finish upload: {}",
        String::from_utf8_lossy(&body)
    );
    digest
}

/// Pushes a tiny image (a config blob, one layer blob, an OCI image manifest) as `name:tag`;
/// returns the manifest's digest as the registry reports it.
fn push_image(addr: &str, name: &str, tag: &str) -> String {
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":[]}},"apwiz":"{name}:{tag}"}}"#
    );
    let layer = format!("layer of {name}:{tag}").into_bytes();
    let config_digest = push_blob(addr, name, config.as_bytes());
    let layer_digest = push_blob(addr, name, &layer);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{layer_digest}","size":{}}}]}}"#,
        config.len(),
        layer.len()
    );
    let (status, headers, body) = http(
        addr,
        "PUT",
        &format!("/v2/{name}/manifests/{tag}"),
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        manifest.as_bytes(),
    );
    assert_eq!(
        status,
        201,
        "push manifest: {}",
        String::from_utf8_lossy(&body)
    );
    let digest = header(&headers, "docker-content-digest").to_string();
    assert_eq!(
        digest,
        sha(manifest.as_bytes()),
        "the registry's digest is the manifest's sha256"
    );
    digest
}

/// A repository name unique to this test run (the registry outlives it).
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("pin-{}-{nanos}/{name}", std::process::id())
}

/// Every line of `before` appears in `after`, in order, unchanged.
fn assert_kept(before: &str, after: &str) {
    let mut rest = after.lines();
    for line in before.lines() {
        assert!(
            rest.any(|l| l == line),
            "line {line:?} of the file was not kept:\n--- before\n{before}--- after\n{after}"
        );
    }
}

/// `apwiz new` of the web-app preset with `image` into `dir/deploy`, and a comment of the
/// team's own in values-prod.yaml.
fn new_team(dir: &Path, image: &str, tests_image: &str) -> String {
    let set = format!("tests.image={tests_image}");
    let mut args = web_app_args("dev,prod", &["--set", &set]);
    let i = args.iter().position(|a| *a == "--image").expect("--image") + 1;
    args[i] = image;
    apwiz(dir, &args).expect(0);
    let prod = read(&dir.join("deploy"), "values-prod.yaml");
    let prod = format!("# Production: owned by the shop team (ask #shop before changing).\n{prod}");
    write(&dir.join("deploy"), "values-prod.yaml", &prod);
    prod
}

/// The messages of `apwiz validate --env prod`'s image-digest-prod warnings.
fn digest_warnings(dir: &Path) -> Vec<String> {
    let report = apwiz(
        dir,
        &[
            "--format", "json", "validate", "--env", "prod", "--dir", "deploy",
        ],
    )
    .json();
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("image-digest-prod "))
        })
        .map(|f| f["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn pins_the_main_image_keeping_comments() {
    let reg = support::registry();
    let name = unique("shop");
    let digest = push_image(reg, &name, "1.4.2");
    let tools = unique("busybox");
    let tools_digest = push_image(reg, &tools, "1.36.1");
    let dir = scratch("pin-single");
    let before = new_team(
        &dir,
        &format!("{reg}/{name}:1.4.2"),
        &format!("{reg}/{tools}:1.36.1"),
    );

    let check = apwiz(
        &dir,
        &["pin", "--env", "prod", "--dir", "deploy", "--check"],
    )
    .expect(2);
    assert!(check.stdout.contains("has no digest"), "{}", check.stdout);

    let warned = digest_warnings(&dir);
    assert!(
        warned.iter().any(|m| m.contains(&format!("{name}:1.4.2")))
            && warned
                .iter()
                .any(|m| m.contains(&format!("{tools}:1.36.1"))),
        "{warned:?}"
    );

    let run = apwiz(&dir, &["pin", "--env", "prod", "--dir", "deploy"]).expect(0);
    assert!(run.stdout.contains(&digest), "{}", run.stdout);
    let after = read(&dir.join("deploy"), "values-prod.yaml");
    assert_kept(&before, &after);
    let line = after
        .lines()
        .find(|l| l.contains("digest:"))
        .unwrap_or_else(|| panic!("no digest line:\n{after}"));
    assert!(
        line.trim_start()
            .starts_with(&format!("digest: {digest} # pinned from 1.4.2 on 20")),
        "{line}"
    );
    let values = apwiz::testing::core::values::read::parse_values(&after)
        .expect("parses")
        .value;
    assert_eq!(values["image"]["digest"], digest.as_str());
    // The helm test Pods' image, a string: pinned in place.
    assert_eq!(
        values["tests"]["image"],
        format!("{reg}/{tools}:1.36.1@{tools_digest}").as_str()
    );
    assert!(
        after.contains(&format!("@{tools_digest} # pinned from 1.36.1 on ")),
        "{after}"
    );
    // Nothing left for the prod policy to warn about.
    assert_eq!(digest_warnings(&dir), Vec::<String>::new());

    apwiz(
        &dir,
        &["pin", "--env", "prod", "--dir", "deploy", "--check"],
    )
    .expect(0);
    let rendered = apwiz(&dir, &["render", "--env", "prod", "--dir", "deploy"]).expect(0);
    assert!(
        rendered
            .stdout
            .contains(&format!("image: \"{reg}/{name}:1.4.2@{digest}\"")),
        "{}",
        rendered.stdout
    );

    // Pinned again: the same digest, the file byte for byte as it was.
    let again = apwiz(
        &dir,
        &[
            "--format", "json", "pin", "--env", "prod", "--dir", "deploy",
        ],
    )
    .expect(0)
    .json();
    assert_eq!(again["pin"]["changed"], false, "{again}");
    assert_eq!(again["pin"]["images"][0]["digest"], digest.as_str());
    assert_eq!(again["pin"]["images"][0]["state"], "unchanged");
    assert_eq!(read(&dir.join("deploy"), "values-prod.yaml"), after);
}

/// A multi-service release: both services' digests under `services.<name>.image`; `--dry-run`
/// prints and writes nothing; one missing tag and nothing is written.
#[test]
fn pins_each_service_and_writes_nothing_on_failure() {
    let reg = support::registry();
    let api = unique("api");
    let web = unique("web");
    let api_digest = push_image(reg, &api, "2.0.1");
    let web_digest = push_image(reg, &web, "1.0.0");
    let dir = scratch("pin-multi");
    let team = dir.join("team");
    write(
        &team,
        "values.yaml",
        &format!(
            "# Two services.\ntests:\n  enabled: false\nimage:\n  repository: {reg}/{api}\n  tag: \"2.0.1\"\nservices:\n  api: {{}}\n  web:\n    image:\n      repository: {reg}/{web}\n      tag: 1.0.0 # the web tier\n"
        ),
    );
    let prod = "# prod overrides\nglobal:\n  environment: prod # the label policies look at\nservices:\n  web:\n    replicas: 2 # two, for the budget\n";
    write(&team, "values-prod.yaml", prod);

    let dry = apwiz(
        &dir,
        &["pin", "--env", "prod", "--dir", "team", "--dry-run"],
    )
    .expect(0);
    assert!(dry.stdout.contains("nothing written"), "{}", dry.stdout);
    assert!(
        dry.stdout.contains(&api_digest) && dry.stdout.contains(&web_digest),
        "{}",
        dry.stdout
    );
    assert_eq!(
        read(&team, "values-prod.yaml"),
        prod,
        "--dry-run wrote the file"
    );

    // A tag the registry does not have: the error names the image and the registry; the other
    // service's digest is not written either.
    let bad = prod.replace("replicas: 2", "replicas: 2\n    image:\n      tag: 9.9.9");
    write(&team, "values-prod.yaml", &bad);
    let run = apwiz(&dir, &["pin", "--env", "prod", "--dir", "team"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!("{reg}/{web}:9.9.9")) && run.stderr.contains("no such tag"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing written"), "{}", run.stderr);
    assert_eq!(read(&team, "values-prod.yaml"), bad);

    write(&team, "values-prod.yaml", prod);
    apwiz(&dir, &["pin", "--env", "prod", "--dir", "team"]).expect(0);
    let after = read(&team, "values-prod.yaml");
    assert_kept(prod, &after);
    let v = apwiz::testing::core::values::read::parse_values(&after)
        .expect("parses")
        .value;
    assert_eq!(v["services"]["api"]["image"]["digest"], api_digest.as_str());
    assert_eq!(v["services"]["web"]["image"]["digest"], web_digest.as_str());
    assert!(
        after.contains(&format!("{web_digest} # pinned from 1.0.0 on ")),
        "{after}"
    );
    assert!(
        after.contains(&format!("{api_digest} # pinned from 2.0.1 on ")),
        "{after}"
    );
    let rendered = apwiz(&dir, &["render", "--env", "prod", "--dir", "team"]).expect(0);
    for (n, d) in [(&api, &api_digest), (&web, &web_digest)] {
        assert!(
            rendered.stdout.contains(&format!("@{d}")),
            "{n}: {}",
            rendered.stdout
        );
    }
}

#[test]
fn refuses_bad_images_and_registries() {
    let reg = support::registry();
    let dir = scratch("pin-bad");
    let team = dir.join("team");
    let prod = "# prod\nglobal:\n  environment: prod\n";
    write(&team, "values-prod.yaml", prod);
    let pin = |values: &str| {
        write(
            &team,
            "values.yaml",
            &format!("tests:\n  enabled: false\n{values}"),
        );
        let run = apwiz(&dir, &["pin", "--env", "prod", "--dir", "team"]);
        assert_eq!(read(&team, "values-prod.yaml"), prod, "written on failure");
        run
    };

    // A registry nobody listens on (a port just closed).
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let run = pin(&format!("image: {closed}/team/app:1.0\n"));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{closed}/team/app:1.0"))
            && run.stderr.contains("cannot reach the registry"),
        "{}",
        run.stderr
    );

    // No tag.
    let run = pin(&format!(
        "image:\n  repository: {reg}/team/app\n  tag: \"\"\n"
    ));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("has no tag") && run.stderr.contains(reg),
        "{}",
        run.stderr
    );

    // Given as a digest already: skipped, said so, nothing to write.
    let given = format!("{reg}/team/app@sha256:{}", "a".repeat(64));
    let run = pin(&format!("image: {given}\n"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("given as a digest; skipped"),
        "{}",
        run.stdout
    );

    // A registry that refuses access. Mock: the local registry runs without auth, so a socket
    // on 127.0.0.1 answers every request with 401 and a Bearer challenge whose token service
    // refuses too (what a private registry says to an anonymous client).
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let realm = format!("http://{addr}/token");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten().take(4) {
            let mut s = stream;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let reply = format!(
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"{realm}\",service=\"mock\",scope=\"repository:team/app:pull\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = s.write_all(reply.as_bytes());
        }
    });
    let run = pin(&format!("image: {addr}/team/app:1.0\n"));
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{addr}/team/app:1.0"))
            && run.stderr.contains("refused")
            && run.stderr.contains("docker login"),
        "{}",
        run.stderr
    );
}
