//! Canary in the same release (`canary.*`): a second Deployment and Service beside a deployment
//! service, a second weighted backend in its HTTPRoute, selectors disjoint both ways, and the
//! service's own objects unchanged whether the canary is on, off or at any weight. Run on Helm 4
//! by default and on Helm 3 with `APWIZ_HELM=.tools/bin/helm3`.
mod support;

use serde_json::{Value, json};
use std::collections::BTreeMap;
use support::*;

const STABLE: &str = "image: ghcr.io/acme/shop:1.4.2\nroute: {enabled: true, parentRefs: [{name: public, namespace: gateway}]}\n";

fn with_canary(extra: &str) -> Vec<Value> {
    render(&format!("{STABLE}{extra}"))
}

fn assert_fails(values: &str, needles: &[&str]) {
    let err = render_err(values);
    for n in needles {
        assert!(
            err.contains(n),
            "message lacks {n:?}:\n{err}\nvalues:\n{values}"
        );
    }
}

/// Every object by kind/name.
fn by_name(objs: &[Value]) -> BTreeMap<String, Value> {
    objs.iter()
        .map(|o| (format!("{}/{}", kind(o), name(o)), o.clone()))
        .collect()
}

/// Does a selector (matchLabels) match these labels?
fn matches(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .expect("selector")
        .iter()
        .all(|(k, v)| &labels[k] == v)
}

fn backend_refs(objs: &[Value]) -> Value {
    of_kind(objs, "HTTPRoute")[0]["spec"]["rules"][0]["backendRefs"].clone()
}

#[test]
fn canary_renders_a_second_deployment_and_service_and_splits_the_route() {
    let objs = with_canary("canary: {enabled: true, weight: 20, tag: 1.5.0, replicas: 2}\n");
    let stable = find(&objs, "Deployment", "release");
    let canary = find(&objs, "Deployment", "release-canary");
    assert_eq!(canary["spec"]["replicas"], 2);
    assert_eq!(main_container(canary)["image"], "ghcr.io/acme/shop:1.5.0");
    assert_eq!(main_container(stable)["image"], "ghcr.io/acme/shop:1.4.2");
    assert_restricted(canary);
    let svc = find(&objs, "Service", "release-canary");
    assert_eq!(
        svc["spec"]["ports"],
        find(&objs, "Service", "release")["spec"]["ports"]
    );
    assert_eq!(
        backend_refs(&objs),
        json!([
            {"group": "", "kind": "Service", "name": "release", "port": 8080, "weight": 80},
            {"group": "", "kind": "Service", "name": "release-canary", "port": 8080, "weight": 20},
        ])
    );
    // no autoscaler, disruption budget, hooks or test pod of its own
    let objs = with_canary(
        "canary: {enabled: true, tag: 1.5.0}\nautoscaling: {enabled: true}\npdb: {enabled: true}\nhooks: {warm: {events: [post-upgrade], command: [/warm]}}\n",
    );
    let names: Vec<String> = by_name(&objs).into_keys().collect();
    for n in &names {
        if n.contains("canary") {
            assert!(
                ["Deployment/release-canary", "Service/release-canary"].contains(&n.as_str()),
                "{n} in {names:?}"
            );
        }
    }
    assert_eq!(
        find(&objs, "Deployment", "release-canary")["spec"]["replicas"],
        1
    );
}

#[test]
fn selectors_are_disjoint_both_ways() {
    let objs = with_canary("canary: {enabled: true, tag: 1.5.0}\n");
    let stable = find(&objs, "Deployment", "release");
    let canary = find(&objs, "Deployment", "release-canary");
    let stable_sel = &stable["spec"]["selector"]["matchLabels"];
    let canary_sel = &canary["spec"]["selector"]["matchLabels"];
    assert!(matches(stable_sel, pod_template_labels(stable)));
    assert!(matches(canary_sel, pod_template_labels(canary)));
    assert!(
        !matches(stable_sel, pod_template_labels(canary)),
        "the service's selector matches canary pods"
    );
    assert!(
        !matches(canary_sel, pod_template_labels(stable)),
        "the canary's selector matches stable pods"
    );
    let stable_svc = &find(&objs, "Service", "release")["spec"]["selector"];
    let canary_svc = &find(&objs, "Service", "release-canary")["spec"]["selector"];
    assert!(!matches(stable_svc, pod_template_labels(canary)));
    assert!(!matches(canary_svc, pod_template_labels(stable)));
    assert_eq!(
        canary_sel["app.kubernetes.io/component"],
        "app-platform-canary"
    );
}

/// The service's own objects (the pod template above all) are byte-identical with the canary off,
/// on, at another weight or with another canary image: only the HTTPRoute and the canary's own
/// objects differ, so no step of a canary restarts a stable pod.
#[test]
fn stable_objects_are_identical_with_the_canary_off_on_or_at_any_weight() {
    let base = "networkPolicy: {enabled: true}\nmonitoring: {enabled: true, scrapeInterval: 30s}\npdb: {enabled: true}\nreplicas: 3\n";
    let off = by_name(&with_canary(base));
    for canary in [
        "canary: {enabled: false, weight: 50, tag: 1.5.0}\n",
        "canary: {enabled: true, weight: 0, tag: 1.5.0}\n",
        "canary: {enabled: true, weight: 20, tag: 1.5.0}\n",
        "canary: {enabled: true, weight: 100, image: ghcr.io/acme/shop:2.0.0, replicas: 3}\n",
    ] {
        let on = by_name(&with_canary(&format!("{base}{canary}")));
        for (key, obj) in &off {
            if key.starts_with("HTTPRoute/") {
                continue;
            }
            let other = on
                .get(key)
                .unwrap_or_else(|| panic!("{key} gone with {canary}"));
            assert_eq!(
                serde_json::to_string(obj).unwrap(),
                serde_json::to_string(other).unwrap(),
                "{key} changed with {canary}"
            );
        }
        for key in on.keys().filter(|k| !off.contains_key(*k)) {
            assert!(key.ends_with("-canary"), "{key} is new with {canary}");
        }
    }
    // the pod template of the Deployment as helm prints it, byte for byte
    let template = |values: &str| -> String {
        let out = std::process::Command::new(helm())
            .args([
                "template",
                "release",
                "chart",
                "--kube-version",
                KUBE_VERSION,
                "--show-only",
                "templates/deployment.yaml",
                "-f",
                "-",
            ])
            .env("NO_COLOR", "1")
            .current_dir(repo())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(values.as_bytes())?;
                c.wait_with_output()
            })
            .expect("helm template");
        let text = String::from_utf8(out.stdout).unwrap();
        text.split("\n---\n")
            .find(|d| d.contains("\n  name: release\n"))
            .expect("the stable Deployment")
            .trim_end() // the last document of the file ends with helm's blank lines
            .to_string()
    };
    assert_eq!(
        template(&format!("{STABLE}{base}")),
        template(&format!(
            "{STABLE}{base}canary: {{enabled: true, weight: 30, tag: 1.5.0}}\n"
        ))
    );
}

#[test]
fn weights_are_proportional_from_0_to_100() {
    for (w, stable) in [(0, 100), (10, 90), (50, 50), (100, 0)] {
        let objs = with_canary(&format!(
            "canary: {{enabled: true, weight: {w}, tag: \"1.5\"}}\n"
        ));
        let refs = backend_refs(&objs);
        assert_eq!(refs[0]["weight"], stable, "weight {w}");
        assert_eq!(refs[1]["weight"], w, "weight {w}");
    }
    // without a canary the route has one backend and no weight
    assert_eq!(
        backend_refs(&with_canary("")),
        json!([{"group": "", "kind": "Service", "name": "release", "port": 8080}])
    );
    assert_fails(
        &format!("{STABLE}canary: {{enabled: true, weight: 101, tag: \"1.5\"}}\n"),
        &["canary/weight", "101"],
    );
}

#[test]
fn the_canary_image_is_an_image_or_another_tag_of_the_services() {
    let image = |values: &str| -> String {
        let objs = render(&format!(
            "route: {{enabled: true, parentRefs: [{{name: gw}}]}}\n{values}"
        ));
        main_container(find(&objs, "Deployment", "release-canary"))["image"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        image(
            "image: ghcr.io/acme/shop:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\ncanary: {enabled: true, tag: 1.5.0}\n"
        ),
        "ghcr.io/acme/shop:1.5.0"
    );
    assert_eq!(
        image(
            "global: {imageRegistry: registry.acme.internal}\nimage: {repository: acme/shop, tag: 20250811}\ncanary: {enabled: true, tag: 20251130}\n"
        ),
        "registry.acme.internal/acme/shop:20251130"
    );
    assert_eq!(
        image(
            "image: acme/shop:1.4.2\ncanary: {enabled: true, image: {repository: acme/shop-next, tag: \"2.0\", pullPolicy: Always}}\n"
        ),
        "acme/shop-next:2.0"
    );
    let objs = render(
        "route: {enabled: true, parentRefs: [{name: gw}]}\nimage: acme/shop:1\ncanary: {enabled: true, image: acme/shop:2}\n",
    );
    let canary = find(&objs, "Deployment", "release-canary");
    assert_eq!(
        pod_template_labels(canary)["app.kubernetes.io/version"],
        "2"
    );
}

#[test]
fn canary_failures_name_the_field_and_the_value() {
    assert_fails(
        "workloadType: statefulset\npersistence: {enabled: true, storageClass: standard}\nroute: {enabled: true, parentRefs: [{name: gw}]}\ncanary: {enabled: true, tag: \"2\"}\n",
        &[
            "canary.enabled: a canary is a second Deployment beside a deployment service's, and this service is a statefulset, got true.",
            "Set canary.enabled: false, or use workloadType: deployment.",
        ],
    );
    assert_fails(
        "canary: {enabled: true, tag: \"2\"}\n",
        &[
            "canary.enabled: a canary's share of the requests is set in the service's Gateway API HTTPRoute, and it has none (route.enabled false, service.enabled true), got true.",
            "Set route.enabled: true with route.parentRefs (the Gateway)",
        ],
    );
    assert_fails(
        "services:\n  api:\n    route: {enabled: true, parentRefs: [{name: gw}]}\n    service: {enabled: false}\n    canary: {enabled: true, tag: \"2\"}\n",
        &[
            "services.api.canary.enabled: a canary's share",
            "(route.enabled true, service.enabled false)",
        ],
    );
    assert_fails(
        &format!("{STABLE}canary: {{enabled: true}}\n"),
        &[
            "canary.image: a canary needs the image it tries out, got {",
            "Set canary.image (e.g. ghcr.io/acme/shop:1.5.0) or canary.tag",
        ],
    );
    assert_fails(
        &format!("{STABLE}canary: {{enabled: true, tag: \"2\", image: acme/shop:2}}\n"),
        &["canary.image: canary.image and canary.tag are both set: the canary runs one image"],
    );
    assert_fails(
        "route: {enabled: true, parentRefs: [{name: gw}]}\nservices:\n  api: {canary: {enabled: true, tag: \"2\"}}\n  api-canary: {}\n",
        &[
            "services.api.canary.enabled: the canary's objects and component label api-canary would be those of service \"api-canary\"",
        ],
    );
    assert_fails(
        &format!(
            "{STABLE}canary: {{enabled: true, tag: \"2\"}}\nhooks: {{canary: {{events: [post-upgrade], command: [/x]}}}}\n"
        ),
        &[
            "hooks.canary: with canary.enabled the component label app-platform-canary belongs to the canary's pods",
            "Rename the hook",
        ],
    );
    assert_fails(
        &format!("{STABLE}canary: {{enabled: true, replicas: 0, tag: \"2\"}}\n"),
        &["canary/replicas", "minimum"],
    );
}

/// The canary's pods get the service's NetworkPolicy rules under their own selector, and the
/// services it depends on admit them like the service's own pods.
#[test]
fn network_policies_admit_the_canary_where_the_service_goes() {
    let objs = render(
        "networkPolicy: {enabled: true}\ntests: {enabled: false}\nservices:\n  api:\n    dependsOn: [db]\n    route: {enabled: true, parentRefs: [{name: gw}]}\n    canary: {enabled: true, tag: \"2\"}\n  db: {port: 5432}\n",
    );
    let stable = find(&objs, "NetworkPolicy", "release-api");
    let canary = find(&objs, "NetworkPolicy", "release-api-canary");
    assert_eq!(
        canary["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"],
        "api-canary"
    );
    assert_eq!(canary["spec"]["ingress"], stable["spec"]["ingress"]);
    assert_eq!(canary["spec"]["egress"], stable["spec"]["egress"]);
    let db = find(&objs, "NetworkPolicy", "release-db");
    let from = db["spec"]["ingress"][0]["from"].as_array().unwrap();
    let components: Vec<&str> = from
        .iter()
        .map(|p| {
            p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(components, ["api", "api-canary"]);
    // the canary waits for what the service waits for
    let deploy = find(&objs, "Deployment", "release-api-canary");
    assert_eq!(pod_spec(deploy)["initContainers"][0]["name"], "wait-for-db");
}

/// Promotion is a plain upgrade: the canary's image becomes the service's, the canary goes off.
#[test]
fn promotion_is_the_canary_image_as_the_service_image_and_the_canary_off() {
    let before =
        with_canary("canary: {enabled: true, weight: 50, image: ghcr.io/acme/shop:1.5.0}\n");
    let after = render(
        "image: ghcr.io/acme/shop:1.5.0\nroute: {enabled: true, parentRefs: [{name: public, namespace: gateway}]}\ncanary: {enabled: false, weight: 50, image: ghcr.io/acme/shop:1.5.0}\n",
    );
    assert_eq!(
        main_container(find(&after, "Deployment", "release"))["image"],
        main_container(find(&before, "Deployment", "release-canary"))["image"]
    );
    assert!(by_name(&after).keys().all(|k| !k.contains("canary")));
    assert_eq!(backend_refs(&after).as_array().unwrap().len(), 1);
}

#[test]
fn canary_lints_clean() {
    let dir = scratch("canary-lint");
    let file = dir.join("values.yaml");
    std::fs::write(
        &file,
        format!("{STABLE}canary: {{enabled: true, weight: 20, tag: 1.5.0}}\nnetworkPolicy: {{enabled: true}}\n"),
    )
    .unwrap();
    lint_strict(&[file.to_str().unwrap()]).unwrap_or_else(|e| panic!("{e}"));
}
