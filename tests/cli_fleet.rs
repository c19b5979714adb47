//! `apwiz fleet` over real git repositories made here (`git init`, `apwiz new`, commits) and the
//! real helm: candidate charts made from copies of the checkout's chart — one renames a
//! selector label (recreates), one changes a default of the pod template (restarts), one whose
//! schema refuses a value a team sets (breaks, exit 1) — and teams that cannot be read (a
//! missing path, a directory that is not a repository, a repository without `.apwiz.yaml`, a
//! values file that does not parse), each its own row. The teams' working trees are never
//! touched: an uncommitted edit stays, unseen.
mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::cli::{Run, apwiz_env, write};
use support::fleet::{candidate, commit_all, fleet_file, git, shop_team, team, worker_team};
use support::{KUBE_VERSION, chart, scratch};

/// apwiz in `cwd` with the fleet cache of `root` and `chart` as the candidate.
fn fleet(root: &Path, chart: &Path, args: &[&str]) -> Run {
    apwiz_env(
        root,
        args,
        &[
            ("APWIZ_CHART", chart.to_str().unwrap()),
            ("APWIZ_FLEET_CACHE", root.join("cache").to_str().unwrap()),
        ],
    )
}

/// The fleet: two good teams and four that cannot be read (or rendered).
fn fleet_root() -> PathBuf {
    let root = scratch("fleet");
    let shop = shop_team(&root);
    team(
        &root,
        "queue",
        &[
            "--preset",
            "worker",
            "--image",
            "ghcr.io/acme/queue:2.0.0",
            "--set",
            "env.QUEUE_URL=amqp://mq:5672",
        ],
    );
    // Not rendered: the fleet reads the branch's commit, never the working tree.
    let values = shop.join("deploy/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    std::fs::write(&values, format!("{text}replicas: 5000\n")).unwrap();
    // Broken on purpose: its prod file does not parse.
    let bad = team(
        &root,
        "badvals",
        &[
            "--preset",
            "web-app",
            "--image",
            "ghcr.io/acme/bad:1.0.0",
            "--set",
            "ingress.host=bad.example.com",
        ],
    );
    write(&bad, "deploy/values-prod.yaml", "replicas: [2\n");
    commit_all(&bad, "break prod");
    std::fs::create_dir_all(root.join("plain")).unwrap();
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    git(&empty, &["init", "-q"]);
    write(&empty, "README.md", "nothing here\n");
    commit_all(&empty, "readme");
    write(
        &root,
        "fleet.yaml",
        &format!(
            "kubeVersion: {KUBE_VERSION}\nteams:\n  - repo: shop\n    dir: deploy\n  - repo: queue\n    branch: main\n    dir: deploy\n  - repo: badvals\n    dir: deploy\n  - repo: ghost\n  - repo: plain\n  - repo: empty\n"
        ),
    );
    root
}

/// The schema edit that lets a service have one replica at most.
const SCHEMA_FROM: &str = "\"description\": \"Pods of a deployment or statefulset. Not rendered when autoscaling is enabled.\",\n      \"minimum\": 1,\n      \"maximum\": 1000,";
const SCHEMA_TO: &str = "\"description\": \"Pods of a deployment or statefulset. Not rendered when autoscaling is enabled.\",\n      \"minimum\": 1,\n      \"maximum\": 1,";

fn env<'a>(impact: &'a Value, team: &str, env: &str) -> &'a Value {
    let t = impact["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == team)
        .unwrap_or_else(|| panic!("no team {team} in {impact:#}"));
    t["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["env"] == env)
        .unwrap_or_else(|| panic!("no {team} {env} in {t:#}"))
}

fn team_error(impact: &Value, team: &str) -> String {
    impact["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["team"] == team)
        .and_then(|t| t["error"].as_str())
        .unwrap_or_else(|| panic!("team {team} has no error in {impact:#}"))
        .to_string()
}

fn assert_unreadable_rows(impact: &Value) {
    assert!(
        team_error(impact, "ghost").contains("does not exist"),
        "{impact:#}"
    );
    assert!(
        team_error(impact, "plain").contains("not a git repository"),
        "{impact:#}"
    );
    assert!(
        team_error(impact, "empty").contains("no .apwiz.yaml"),
        "{impact:#}"
    );
    assert_eq!(impact["unreadable"], 3);
    let bad = env(impact, "badvals", "prod");
    assert_eq!(bad["class"], "fails-today", "{bad:#}");
    assert_eq!(env(impact, "badvals", "dev")["class"], "recreates");
}

#[test]
fn impact_classifies_every_team_and_environment() {
    let root = fleet_root();
    let shop = root.join("shop");
    let shop_status = git(&shop, &["status", "--porcelain"]);
    assert!(shop_status.contains("values.yaml"), "{shop_status}");

    // The selector label renamed: every Deployment's immutable selector changes.
    let label = candidate(
        &root,
        "label",
        &[(
            "templates/_labels.tpl",
            "\"app.kubernetes.io/component\" .name -}}",
            "\"app-platform.io/component\" .name -}}",
        )],
    );
    let r = fleet(&root, &label, &["--format", "json", "fleet", "impact"]).expect(0);
    let impact = &r.json()["impact"];
    for e in ["dev", "prod"] {
        let row = env(impact, "shop", e);
        assert_eq!(row["class"], "recreates", "{row:#}");
        let paths: Vec<&str> = row["recreates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&"spec.selector.matchLabels[\"app-platform.io/component\"]"),
            "{paths:?}"
        );
        assert_eq!(env(impact, "queue", e)["class"], "recreates");
    }
    assert_unreadable_rows(impact);
    assert_eq!(
        impact["summary"]["prod"]["recreates"], 2,
        "{:#}",
        impact["summary"]
    );
    assert!(impact["stats"]["renders"].as_u64().unwrap() > 0);

    // A default of the pod template changed: pods restart, nothing immutable.
    let default = candidate(
        &root,
        "default",
        &[
            (
                "values.yaml",
                "    periodSeconds: 10\n",
                "    periodSeconds: 20\n",
            ),
            (
                "templates/_defaults.tpl",
                "    periodSeconds: 10\n",
                "    periodSeconds: 20\n",
            ),
        ],
    );
    let r = fleet(&root, &default, &["fleet", "impact", "--diff", "shop"]).expect(0);
    assert!(
        r.stdout
            .contains("changes 3 of 3 teams' dev, restarts 3, recreates 0, breaks 0"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("diff shop prod:"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("spec.template.spec.containers[0].livenessProbe.periodSeconds: 10 → 20"),
        "{}",
        r.stdout
    );
    let r = fleet(&root, &default, &["--format", "json", "fleet", "impact"]).expect(0);
    let impact = &r.json()["impact"];
    let row = env(impact, "shop", "prod");
    assert_eq!(row["class"], "restarts", "{row:#}");
    assert_eq!(row["restarts"][0], "Deployment/shop");
    assert!(row.get("changes").is_none(), "diffs only on demand");
    // The second run renders nothing: every result comes from the cache.
    assert_eq!(impact["stats"]["renders"], 0, "{:#}", impact["stats"]);
    assert!(impact["stats"]["cached"].as_u64().unwrap() > 0);

    // A schema that refuses the worker's two replicas: the gate fails.
    let schema = candidate(
        &root,
        "schema",
        &[("values.schema.json", SCHEMA_FROM, SCHEMA_TO)],
    );
    let r = fleet(&root, &schema, &["--format", "json", "fleet", "impact"]).expect(1);
    let impact = &r.json()["impact"];
    let row = env(impact, "queue", "prod");
    assert_eq!(row["class"], "breaks", "{row:#}");
    let first = row["error"].as_str().unwrap();
    assert!(first.contains("replicas"), "{first}");
    assert_eq!(r.json()["ok"], false);

    // The pinned chart itself as the candidate: nothing rendered, all unchanged.
    let r = fleet(&root, &chart(), &["--format", "json", "fleet", "impact"]).expect(0);
    let impact = &r.json()["impact"];
    assert_eq!(env(impact, "shop", "prod")["class"], "unchanged");
    assert_eq!(
        impact["stats"]["skipped_same_chart"], 6,
        "{:#}",
        impact["stats"]
    );

    // The team's working tree as it was: the uncommitted edit still there, nothing added.
    assert_eq!(git(&shop, &["status", "--porcelain"]), shop_status);
    assert_eq!(git(&shop, &["worktree", "list"]).lines().count(), 1);
}

#[test]
fn a_malformed_fleet_file_names_its_line_and_scan_finds_teams() {
    let root = scratch("fleet-bad");
    write(
        &root,
        "fleet.yaml",
        "teams:\n  - repo: a\n  - repo: b\n    brnach: main\n",
    );
    let r = fleet(&root, &chart(), &["fleet", "impact"]).expect(1);
    assert!(r.stderr.contains("fleet.yaml:4"), "{}", r.stderr);
    assert!(r.stderr.contains("brnach"), "{}", r.stderr);
    let r = fleet(
        &root,
        &chart(),
        &["fleet", "impact", "--fleet", "nope.yaml"],
    )
    .expect(2);
    assert!(r.stderr.contains("nope.yaml not found"), "{}", r.stderr);

    // --scan: every .apwiz.yaml below the directory, each in its repository.
    let shop = shop_team(&root);
    let r = fleet(
        &root,
        &chart(),
        &[
            "--format",
            "json",
            "fleet",
            "impact",
            "--scan",
            root.to_str().unwrap(),
            "--kube-version",
            KUBE_VERSION,
        ],
    )
    .expect(0);
    let impact = &r.json()["impact"];
    assert_eq!(impact["teams"].as_array().unwrap().len(), 1, "{impact:#}");
    assert_eq!(impact["teams"][0]["team"], "shop");
    assert_eq!(env(impact, "shop", "dev")["class"], "unchanged");
    assert!(shop.join("deploy/.apwiz.yaml").is_file());
}

#[test]
fn upgrade_commits_one_branch_per_team_and_skips_the_ones_that_break() {
    let root = fleet_root();
    let shop = root.join("shop");
    let queue = root.join("queue");
    let shop_status = git(&shop, &["status", "--porcelain"]);
    let queue_head = git(&queue, &["rev-parse", "HEAD"]);
    // Host names of five characters at most: shop's breaks, the worker (no Ingress) moves.
    let schema = candidate(&root, "host", &[]);
    let file = schema.join("values.schema.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    json["definitions"]["hostName"]["maxLength"] = 5.into();
    std::fs::write(&file, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    let args = ["--format", "json", "fleet", "upgrade", "--to", "0.2.0"];
    let r = fleet(&root, &schema, &args).expect(2);
    let teams = r.json()["teams"].as_array().unwrap().clone();
    let row = |name: &str| teams.iter().find(|t| t["team"] == name).unwrap().clone();
    let skipped = |name: &str| {
        row(name)["skipped"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let q = row("queue");
    assert_eq!(q["branch"], "apwiz/app-platform-0.2.0", "{q:#}");
    let why = skipped("shop");
    assert!(
        why.contains("would break") && why.contains("ingress.host"),
        "{why}"
    );
    // Its prod file does not parse (and its host is too long now): skipped either way.
    assert!(skipped("badvals").contains("would"), "{teams:#?}");
    assert!(skipped("ghost").contains("does not exist"), "{teams:#?}");

    // The branch: one commit on the team's commit, the pin moved, the summary in the message.
    let branch = "apwiz/app-platform-0.2.0";
    let log = git(&queue, &["log", "--format=%P %s%n%b", "-1", branch]);
    assert!(log.starts_with(queue_head.trim()), "{log}");
    assert!(
        log.contains("Move to app-platform 0.2.0 (from 0.1.0)"),
        "{log}"
    );
    assert!(log.contains("- prod: "), "{log}");
    let pin = git(&queue, &["show", &format!("{branch}:deploy/.apwiz.yaml")]);
    assert!(pin.contains("version: 0.2.0"), "{pin}");
    // No branch where nothing moved; nothing pushed (no remote), nothing left behind.
    assert!(git(&shop, &["branch", "--list", "apwiz/*"]).is_empty());
    assert!(git(&queue, &["remote"]).is_empty());
    assert_eq!(git(&shop, &["status", "--porcelain"]), shop_status);
    assert!(git(&queue, &["status", "--porcelain"]).is_empty());
    assert_eq!(git(&queue, &["rev-parse", "HEAD"]), queue_head);
    assert_eq!(git(&queue, &["worktree", "list"]).lines().count(), 1);
    let left: Vec<_> = std::fs::read_dir(root.join("cache/worktrees"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    // Again: the branch exists, so the worker is skipped with the way out.
    let r = fleet(&root, &schema, &["fleet", "upgrade", "--teams", "queue"]).expect(2);
    assert!(r.stdout.contains("exists already"), "{}", r.stdout);
}

/// The `apwiz/*` branches of `repo` (short names).
fn apwiz_branches(repo: &Path) -> Vec<String> {
    git(
        repo,
        &["branch", "--list", "--format=%(refname:short)", "apwiz/*"],
    )
    .lines()
    .map(str::to_string)
    .collect()
}

/// Files below `dir` whose name ends with `.lock` (a git killed while it held a lock).
fn locks(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(locks(&p));
        } else if p.extension().is_some_and(|x| x == "lock") {
            out.push(p);
        }
    }
    out
}

/// `apwiz fleet upgrade` in its own process group, interrupted like a terminal's Ctrl-C (SIGINT
/// to the whole group: apwiz, its helm and git) once the `nth` team's worktree exists.
fn interrupted_upgrade(root: &Path, chart: &Path, nth: usize) -> support::cli::Run {
    use std::os::unix::process::CommandExt;
    let tmp = root.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("APWIZ_NON_INTERACTIVE", "1")
        .env("APWIZ_CHART", chart)
        .env("APWIZ_HELM", support::helm())
        .env("APWIZ_CONFIG", root.join("no-such-config.yaml"))
        .env("APWIZ_FLEET_CACHE", root.join("cache"))
        .env("TMPDIR", &tmp)
        .args(["fleet", "upgrade", "--to", "0.2.0"])
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run apwiz");
    let pid = child.id();
    let worktrees = root.join("cache/worktrees");
    let mut seen = std::collections::BTreeSet::new();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while seen.len() < nth {
        if child.try_wait().expect("poll apwiz").is_some() {
            let out = child.wait_with_output().expect("apwiz's output");
            panic!(
                "apwiz ended before worktree {nth} ({:?}):\n{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if let Ok(d) = std::fs::read_dir(&worktrees) {
            seen.extend(d.flatten().map(|e| e.file_name()));
        }
        assert!(
            std::time::Instant::now() < end,
            "no worktree number {nth} appeared in {} (saw {seen:?})",
            worktrees.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let st = Command::new("kill")
        .args(["-s", "INT", "--", &format!("-{pid}")])
        .status()
        .expect("run kill");
    assert!(st.success(), "kill -INT -{pid}");
    let out = child.wait_with_output().expect("wait for apwiz");
    support::cli::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn ctrl_c_during_upgrade_leaves_no_worktree_and_no_half_made_branch() {
    let root = scratch("fleet-sigint");
    let names = ["shop", "queue", "mail", "search"];
    shop_team(&root);
    for name in &names[1..] {
        worker_team(&root, name);
    }
    fleet_file(&root, &names);
    let heads: Vec<String> = names
        .iter()
        .map(|n| {
            git(&root.join(n), &["rev-parse", "HEAD"])
                .trim()
                .to_string()
        })
        .collect();
    let next = candidate(&root, "next", &[]);
    let branch = "apwiz/app-platform-0.2.0";

    // Interrupted while the first team's worktree exists, then while the second's does (the
    // first team's branch complete by then, or gone with its worktree).
    for nth in [1, 2] {
        let r = interrupted_upgrade(&root, &next, nth).expect(130);
        assert!(r.stderr.contains("cancelled"), "{}", r.stderr);
        let mut complete = 0;
        for (name, head) in names.iter().zip(&heads) {
            let repo = root.join(name);
            let wts = git(&repo, &["worktree", "list", "--porcelain"]);
            assert_eq!(
                wts.lines().filter(|l| l.starts_with("worktree ")).count(),
                1,
                "{name} after the interrupt at worktree {nth}: {wts}"
            );
            assert!(
                locks(&repo.join(".git")).is_empty(),
                "{name}: {:?}",
                locks(&repo.join(".git"))
            );
            assert!(git(&repo, &["status", "--porcelain"]).is_empty(), "{name}");
            assert_eq!(git(&repo, &["rev-parse", "HEAD"]).trim(), head, "{name}");
            // A branch that is there is a whole one: the upgrade's commit on the team's commit.
            for b in apwiz_branches(&repo) {
                assert_eq!(b, branch, "{name}");
                let log = git(&repo, &["log", "--format=%P %s", "-1", &b]);
                assert!(
                    log.starts_with(head.as_str())
                        && log.contains("Move to app-platform 0.2.0 (from 0.1.0)"),
                    "{name}: a half-made branch {b}: {log}"
                );
                complete += 1;
                git(&repo, &["branch", "-D", &b]);
            }
        }
        assert!(
            complete < nth,
            "{complete} branch(es) made before worktree {nth}"
        );
        let left: Vec<_> = std::fs::read_dir(root.join("cache/worktrees"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{left:?}");
        let scratch_left: Vec<_> = std::fs::read_dir(root.join("tmp"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains("apwiz-fleet"))
            .collect();
        assert!(scratch_left.is_empty(), "{scratch_left:?}");
    }

    // Nothing left in the way: the run again, uninterrupted, moves every team.
    let r = fleet(
        &root,
        &next,
        &["--format", "json", "fleet", "upgrade", "--to", "0.2.0"],
    )
    .expect(0);
    let teams = r.json()["teams"].as_array().unwrap().clone();
    assert_eq!(
        teams.iter().filter(|t| t["branch"] == branch).count(),
        names.len(),
        "{teams:#?}"
    );
    for name in names {
        assert_eq!(apwiz_branches(&root.join(name)), vec![branch.to_string()]);
    }
}

/// The candidate in an OCI registry, named `oci://HOST/PATH/NAME:VERSION` (the local registry
/// of scripts/registry.sh, as tests/chart_oci.rs uses): pulled through helm into the cache and
/// compared like a chart on disk; the pin it reports is the reference without the tag. A tag and
/// a `--chart-version` that disagree are one usage error naming both.
#[test]
fn impact_takes_an_oci_candidate_with_its_version_as_the_tag() {
    let root = scratch("fleet-oci");
    shop_team(&root);
    write(
        &root,
        "fleet.yaml",
        &format!("kubeVersion: {KUBE_VERSION}\nteams:\n  - repo: shop\n    dir: deploy\n"),
    );
    // The readiness probe's default period changed (in the defaults and the helper alike).
    let (from, to) = ("    periodSeconds: 5\n", "    periodSeconds: 7\n");
    let default = candidate(
        &root,
        "readiness",
        &[
            ("values.yaml", from, to),
            ("templates/_defaults.tpl", from, to),
        ],
    );
    let dist = root.join("dist");
    let helm = |args: &[&str]| {
        let out = Command::new(support::helm())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run helm");
        assert!(
            out.status.success(),
            "helm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    helm(&[
        "package",
        default.to_str().unwrap(),
        "-d",
        dist.to_str().unwrap(),
    ]);
    // A repository of this run's own: nothing pushed earlier under the same version answers.
    let repository = format!(
        "{}/fleet-h{}-{}",
        support::registry(),
        support::helm_major(),
        root.file_name().unwrap().to_string_lossy()
    );
    helm(&[
        "push",
        dist.join("app-platform-0.2.0.tgz").to_str().unwrap(),
        &format!("oci://{repository}"),
        "--plain-http",
    ]);
    let reference = format!("oci://{repository}/app-platform");
    let tagged = format!("{reference}:0.2.0");
    let cache = root.join("cache");
    let xdg = root.join("xdg-cache");
    let vars = [
        ("APWIZ_CHART", ""),
        ("APWIZ_FLEET_CACHE", cache.to_str().unwrap()),
        ("XDG_CACHE_HOME", xdg.to_str().unwrap()),
    ];
    let r = apwiz_env(
        &root,
        &["--chart", &tagged, "--format", "json", "fleet", "impact"],
        &vars,
    )
    .expect(0);
    let impact = &r.json()["impact"];
    assert_eq!(impact["candidate"]["version"], "0.2.0", "{impact:#}");
    assert_eq!(impact["candidate"]["source"], reference.as_str());
    for e in ["dev", "prod"] {
        let row = env(impact, "shop", e);
        assert_eq!(row["class"], "restarts", "{row:#}");
        assert_eq!(row["restarts"][0], "Deployment/shop");
    }
    // Pulled once, into apwiz's chart cache.
    assert!(xdg.join("apwiz/charts/oci").is_dir());

    let r = apwiz_env(
        &root,
        &[
            "--chart",
            &tagged,
            "--chart-version",
            "0.3.0",
            "fleet",
            "impact",
        ],
        &vars,
    )
    .expect(2);
    assert!(
        r.stderr.contains("0.2.0") && r.stderr.contains("--chart-version says 0.3.0"),
        "{}",
        r.stderr
    );
}
