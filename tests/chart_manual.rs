//! The team manual's generated sections (chart/docs/*.md, written by scripts/generate.py from real
//! renders, placed by `apwiz docs` before the values reference): the diagrams show every object a
//! render of the same values produces. Staleness is `scripts/generate.py --check`'s job.
mod support;

use support::*;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_manual_places_the_generated_sections_before_the_values_reference() {
    let readme = read("chart/README.md");
    let arch = readme
        .find("\n## Architecture: values to objects\n")
        .expect("architecture section");
    let perf = readme
        .find("\n## Performance tuning\n")
        .expect("performance section");
    let values = readme
        .find("\n## Values reference\n")
        .expect("values reference");
    assert!(arch < perf && perf < values);
    for toc in [
        "- [Architecture: values to objects](#architecture-values-to-objects)",
        "- [Performance tuning](#performance-tuning)",
    ] {
        assert!(readme.contains(toc), "{toc}");
    }
    assert_eq!(readme.matches("```mermaid\n").count(), 2);
    assert!(readme.contains(read("chart/docs/architecture.md").trim_end()));
    assert!(readme.contains(read("chart/docs/performance.md").trim_end()));
}

/// Every object of the multi-service example's render is a node of its diagram.
#[test]
fn the_multi_service_diagram_has_a_node_per_rendered_object() {
    let doc = read("chart/docs/architecture.md");
    let diagram = doc
        .split("```mermaid\n")
        .nth(2)
        .and_then(|d| d.split("```").next())
        .expect("the second diagram");
    let out = std::process::Command::new(helm())
        .args([
            "template",
            "shop",
            "chart",
            "--namespace",
            "shop",
            "--kube-version",
            KUBE_VERSION,
            "-f",
            "examples/four-services.yaml",
        ])
        .env("NO_COLOR", "1")
        .current_dir(repo())
        .output()
        .expect("helm template");
    let objs = parse_manifests(&String::from_utf8_lossy(&out.stdout));
    assert!(objs.len() >= 10);
    for o in &objs {
        let node = format!("[\"{}<br/>{}\"]", kind(o), name(o));
        assert!(diagram.contains(&node), "{node} missing from:\n{diagram}");
    }
    assert_eq!(diagram.matches("<br/>").count(), objs.len());
    assert!(diagram.contains("-- waits for -->"));
}

/// The performance section's environment table is what the environment files say.
#[test]
fn the_performance_table_follows_the_environment_files() {
    let doc = read("chart/docs/performance.md");
    let prod = read("chart/values-prod.yaml");
    assert!(prod.contains("replicas: 3"));
    assert!(doc.contains("| replicas | 1 | 1 | 2 | 3 |"), "{doc}");
    assert!(doc.contains("| ours / floor |"));
}
