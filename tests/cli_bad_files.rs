//! A user's bad file is never an internal error: it gets one clear line with file and line, never a
//! crash report, and no single file can make apwiz use more than 256 MB.
mod support;

use std::process::Command;

use support::cli::*;
use support::{chart, helm, scratch};

/// `n` bytes from a fixed-seed generator (the same "random" file on every run).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_values_file_that_is_not_utf8_gets_one_line_with_its_place() {
    let dir = scratch("not-utf8");
    let mut bytes = b"image: ghcr.io/acme/shop:1.4.2\nreplicas: 2\n".to_vec();
    bytes.extend(noise(4096));
    std::fs::write(dir.join("values.yaml"), &bytes).unwrap();
    let run = apwiz(&dir, &["validate", "--no-helm"]).expect(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("values.yaml:3") && all.contains("not UTF-8"),
        "{all}"
    );
    for crash in ["BACKTRACE", "Location:", "panicked", "internal error"] {
        assert!(!all.contains(crash), "looks like a crash:\n{all}");
    }
    // The same as JSON, for scripts: a finding, not an error.
    let report = apwiz(&dir, &["--format", "json", "validate", "--no-helm"])
        .expect(1)
        .json();
    let yaml = findings(&report, "yaml");
    assert_eq!(yaml.len(), 1, "{report}");
    assert_eq!(yaml[0]["line"], 3);
}

/// The billion-laughs shape: each level nine aliases of the one above.
fn alias_bomb(levels: usize) -> String {
    let mut s = String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..=levels {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        s.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    s
}

#[test]
fn an_alias_bomb_is_refused_within_256_mb() {
    let dir = scratch("alias-bomb");
    write(&dir, "values.yaml", &alias_bomb(9));
    // Peak resident memory of the child, as the kernel counts it (getrusage, through Python's
    // standard library: nothing else here reads another process's peak).
    let out = Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n\
             print(r.returncode)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n\
             sys.stdout.write(r.stdout + r.stderr)",
            env!("CARGO_BIN_EXE_apwiz"),
            "validate",
            "--no-helm",
        ])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env("APWIZ_CHART", chart())
        .env("APWIZ_HELM", helm())
        .env("APWIZ_CONFIG", dir.join("no-such-config.yaml"))
        .output()
        .expect("run apwiz under python3");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = text.lines();
    let code: i32 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .expect("exit code");
    let peak_kib: u64 = lines.next().and_then(|l| l.parse().ok()).expect("peak RSS");
    let all: String = lines.collect::<Vec<_>>().join("\n");
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("values.yaml:") && all.contains("alias bomb"),
        "{all}"
    );
    assert!(
        peak_kib < 256 * 1024,
        "peak RSS {peak_kib} KiB is over 256 MB for one bad file"
    );
}
