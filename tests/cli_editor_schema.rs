//! The files `apwiz new` writes validate in an editor: a real yaml-language-server (the one VS Code
//! and Neovim use, installed by scripts/install-tools.sh from npm), driven over stdio with the
//! Language Server Protocol, reads each file's `$schema` line, finds the schema written beside the
//! files, and reports a typo at its line.
mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};
use support::cli::{apwiz, write};
use support::{repo, scratch};

fn server() -> PathBuf {
    let p = repo().join(".tools/bin/yaml-language-server");
    assert!(
        p.exists(),
        "{} is missing: run scripts/install-tools.sh yaml-language-server",
        p.display()
    );
    p
}

/// Publishes `path` to a fresh server and returns the diagnostics it sends back.
fn diagnostics(path: &Path) -> Vec<Value> {
    let mut child = Command::new(server())
        .arg("--stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start yaml-language-server");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel::<Value>();
    std::thread::spawn(move || {
        let mut r = BufReader::new(stdout);
        loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = n.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_err() {
                return;
            }
            if let Ok(v) = serde_json::from_slice(&body)
                && tx.send(v).is_err()
            {
                return;
            }
        }
    });
    let mut send = |m: Value| {
        let b = m.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{b}", b.len()).expect("write to the server");
        stdin.flush().expect("flush");
    };
    let uri = format!("file://{}", path.display());
    let dir = format!("file://{}", path.parent().expect("dir").display());
    send(json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"processId": null, "rootUri": dir, "capabilities": {}}}));
    let wait = |rx: &mpsc::Receiver<Value>| {
        rx.recv_timeout(Duration::from_secs(60))
            .expect("yaml-language-server answers")
    };
    while wait(&rx)["id"] != 1 {}
    send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    send(
        json!({"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration",
        "params": {"settings": {"yaml": {"validate": true, "schemaStore": {"enable": false}}}}}),
    );
    let text = std::fs::read_to_string(path).expect("read");
    send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument":
        {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}}),
    );
    let found = loop {
        let m = wait(&rx);
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str() {
            break m["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        // The server asks the client for settings; an empty answer is enough.
        if m.get("id").is_some() && m.get("method").is_some() {
            send(json!({"jsonrpc": "2.0", "id": m["id"], "result": [null]}));
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    found
}

#[test]
fn a_typo_in_a_written_file_gets_a_diagnostic_at_its_line_from_the_schema_beside_it() {
    let dir = scratch("editor");
    apwiz(
        &dir,
        &[
            "new",
            "--preset",
            "web-app",
            "--name",
            "shop",
            "--image",
            "ghcr.io/acme/shop:1.4.2",
            "--env",
            "prod",
            "--set",
            "ingress.host=shop.example.com",
        ],
    )
    .expect(0);
    let deploy = dir.join("deploy");
    // As written, the files are clean for the editor too.
    for f in ["values.yaml", "values-prod.yaml"] {
        let d = diagnostics(&deploy.join(f));
        assert!(d.is_empty(), "{f}: {d:?}");
    }
    // A typo appended by hand: reported at its (0-based) line with the schema's words.
    let text = std::fs::read_to_string(deploy.join("values.yaml")).expect("read");
    let typo_line = text.lines().count();
    write(&deploy, "values.yaml", &format!("{text}replica: 3\n"));
    let d = diagnostics(&deploy.join("values.yaml"));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["range"]["start"]["line"], typo_line, "{d:?}");
    let message = d[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("replica"), "{message}");
    let schema = d[0]["data"]["schemaUri"].to_string();
    assert!(schema.contains(".apwiz/values.schema.json"), "{schema}");
}
