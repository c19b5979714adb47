//! Every workload preset in every environment: `apwiz new` with the preset's example answers,
//! then `apwiz validate` (schema, chart checks, policies, helm lint --strict) must pass, and the
//! features the preset turns on must render (in prod, where every feature is on).
mod support;

use apwiz::testing::core::inputs::presets;
use serde_json::Value;
use support::cli::*;

/// The kind each feature renders, for features that render an object of their own.
fn feature_kind(feature: &str) -> Option<&'static str> {
    Some(match feature {
        "service" => "Service",
        "ingress" => "Ingress",
        "autoscaling" => "HorizontalPodAutoscaler",
        "pdb" => "PodDisruptionBudget",
        "statefulset" => "StatefulSet",
        "daemonset" => "DaemonSet",
        "cronjob" | "backup" => "CronJob",
        "job" => "Job",
        "monitoring" => "ServiceMonitor",
        "external" => "Service",
        "networkPolicy" => "NetworkPolicy",
        _ => return None,
    })
}

#[test]
fn every_preset_renders_and_validates_in_every_environment() {
    let all = presets::builtin().expect("presets parse");
    let envs: Vec<String> = all
        .iter()
        .filter(|p| p.kind == presets::PresetKind::Environment)
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(envs, ["dev", "staging", "prod"]);
    let mut problems = Vec::new();
    for p in all
        .iter()
        .filter(|p| p.kind == presets::PresetKind::Workload)
    {
        let dir = scratch(&format!("preset-{}", p.name));
        let run = new_from_example(&dir, p, &all, &envs);
        if run.code != 0 {
            problems.push(format!(
                "{}: apwiz new failed: {}",
                p.name,
                run.stderr.trim()
            ));
            continue;
        }
        for env in &envs {
            let run = apwiz(
                &dir,
                &[
                    "--format", "json", "validate", "--dir", "deploy", "--env", env,
                ],
            );
            let report: Value = match serde_json::from_str(&run.stdout) {
                Ok(v) => v,
                Err(_) => {
                    problems.push(format!(
                        "{} in {env}: exit {} {}",
                        p.name,
                        run.code,
                        run.stderr.trim()
                    ));
                    continue;
                }
            };
            for f in report["findings"].as_array().into_iter().flatten() {
                if f["severity"] == "error" {
                    problems.push(format!(
                        "{} in {env}: [{}] {} {}",
                        p.name,
                        f["source"].as_str().unwrap_or(""),
                        f["message"].as_str().unwrap_or(""),
                        f["fix"].as_str().unwrap_or("")
                    ));
                }
            }
            if env == "prod" && report["ok"] == true {
                let run = apwiz(
                    &dir,
                    &[
                        "--format",
                        "json",
                        "render",
                        "--dir",
                        "deploy",
                        "--env",
                        env,
                        "--summary",
                    ],
                );
                let kinds: Vec<String> = serde_json::from_str::<Value>(&run.stdout)
                    .ok()
                    .and_then(|v| v["objects"].as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|o| o["kind"].as_str().map(str::to_string))
                    .collect();
                for feature in &p.features {
                    if let Some(kind) = feature_kind(feature)
                        && !kinds.iter().any(|k| k == kind)
                    {
                        problems.push(format!(
                            "{} in prod: feature {feature} rendered no {kind} (got {kinds:?})",
                            p.name
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
