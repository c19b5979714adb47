//! Helm as a subprocess: version checks, the search order, cancellation (dropping a call kills
//! helm) and "a newer request supersedes an older one".
mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use apwiz::testing::core::base::helm::{self, Args, Locate};
use apwiz::testing::core::base::jobs::Latest;
use support::cli::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A fake helm: answers `version`, otherwise records its pid and sleeps.
fn slow_helm(dir: &Path) -> std::path::PathBuf {
    script(
        dir,
        "helm",
        &format!(
            "if [ \"$1\" = version ]; then echo v4.3.1; exit 0; fi\necho $$ >> {}/pids\nexec sleep 30",
            dir.display()
        ),
    )
}

fn alive(pid: &str) -> bool {
    Path::new(&format!("/proc/{}", pid.trim())).exists()
        && !std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn versions_and_search_order() {
    let dir = scratch("helm-locate");
    let rt = rt();
    // The pinned helm is found through .tools/bin above the chart.
    let h = rt
        .block_on(helm::locate(&Locate {
            search_from: vec![chart()],
            ..Locate::default()
        }))
        .expect("pinned helm");
    assert_eq!(h.version.major, 4);
    // Explicit but missing: an environment error.
    let e = rt
        .block_on(helm::locate(&Locate {
            explicit: Some(dir.join("nope")),
            ..Locate::default()
        }))
        .unwrap_err();
    assert_eq!(e.kind(), apwiz::testing::core::ErrorKind::Environment);
    // Too old on PATH only: named in the error.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(&bin, "helm", "echo v3.12.0");
    let e = rt
        .block_on(helm::locate(&Locate {
            path_var: Some(bin.clone().into_os_string()),
            ..Locate::default()
        }))
        .unwrap_err();
    assert!(e.to_string().contains("too old"), "{e}");
    // Helm 4 preferred over a supported Helm 3 that comes first.
    let b3 = dir.join("b3");
    let b4 = dir.join("b4");
    std::fs::create_dir_all(&b3).unwrap();
    std::fs::create_dir_all(&b4).unwrap();
    script(&b3, "helm", "echo v3.21.4");
    script(&b4, "helm4", "echo v4.0.2");
    let path = std::env::join_paths([&b3, &b4]).unwrap();
    let h = rt
        .block_on(helm::locate(&Locate {
            path_var: Some(path),
            ..Locate::default()
        }))
        .expect("a helm");
    assert_eq!(h.version.to_string(), "v4.0.2");
}

#[test]
fn dropping_a_call_kills_helm_and_newer_requests_supersede_older_ones() {
    let dir = scratch("helm-cancel");
    let fake = slow_helm(&dir);
    let rt = rt();
    rt.block_on(async {
        let h = helm::locate(&Locate {
            explicit: Some(fake.clone()),
            ..Locate::default()
        })
        .await
        .expect("fake helm");
        let args = Args {
            release: "x".into(),
            chart: dir.clone(),
            ..Args::default()
        };
        // A timeout drops the call: the process must die with it.
        let start = Instant::now();
        let r = tokio::time::timeout(Duration::from_millis(300), h.template(&args)).await;
        assert!(r.is_err(), "the fake helm should still be sleeping");
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pids = std::fs::read_to_string(dir.join("pids")).unwrap_or_default();
        let first = pids.lines().next().expect("helm started").to_string();
        assert!(
            !alive(&first),
            "helm {first} still runs after its call was dropped"
        );

        // Two requests on one slot: the first is cancelled when the second arrives.
        let mut latest = Latest::new();
        let (g1, first_req) = {
            let h = h.clone();
            let a = args.clone();
            latest.submit(async move { h.template(&a).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (g2, second_req) = {
            let h = h.clone();
            let a = args.clone();
            latest.submit(async move { h.template(&a).await })
        };
        assert!(g2 > g1);
        let r1 = first_req.await;
        assert!(
            r1.is_err() && r1.unwrap_err().is_cancelled(),
            "the older request was not cancelled"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let pids: Vec<String> = std::fs::read_to_string(dir.join("pids"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        assert!(pids.len() >= 3, "{pids:?}");
        assert!(!alive(&pids[1]), "the superseded helm still runs");
        assert!(
            alive(&pids[2]),
            "the newest request should still be running"
        );
        latest.cancel();
        let r2 = second_req.await;
        assert!(r2.unwrap_err().is_cancelled());
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!alive(&pids[2]), "cancel() leaves helm running");
    });
}
