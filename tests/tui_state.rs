//! The wizard's state machine without a terminal: every step, back and forward, per-field
//! validation, quitting with unsaved answers, stale results, and that the files written equal
//! what `apwiz new` writes for the same answers — for every workload preset.
mod tui_common;

use apwiz::testing::core::inputs::presets::PresetKind;
use apwiz::testing::tui::app::{Overlay, update};
use apwiz::testing::tui::msg::{Cmd, Msg};
use apwiz::testing::tui::steps::StepId;
use crossterm::event::KeyCode;
use tui_common::*;

#[test]
fn web_app_by_keys_writes_what_apwiz_new_writes() {
    let s = session();
    let root = scratch("webapp");
    let out = root.join("tui/shop");
    std::fs::create_dir_all(&out).unwrap();
    let mut st = new_state(&s, &out);
    assert_eq!(st.step, StepId::Preset);
    assert_eq!(
        st.preset_step.visible(&st.presets)[st.preset_step.selected].name,
        "web-app"
    );

    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Workload);
    // The cursor is in the first empty required field: the image.
    assert_eq!(st.project.fields[st.form_step.focus].path, "image");
    assert!(st.in_text());
    let mut msgs = chars("ghcr.io/acme/shop:1.4.2");
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars("shop.example.com"));
    msgs.push(key(KeyCode::Enter));
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Features, "{:?}", st.status);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Environments, "{:?}", st.status);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Review);
    let files = st.review_step.files.clone().unwrap().unwrap();
    assert_eq!(
        files.len(),
        6,
        "values, dev, staging, prod, the schema, answers"
    );
    assert!(files.iter().all(|f| !f.exists && f.changed));
    assert!(
        !out.join("values.yaml").exists(),
        "nothing is written before Enter"
    );
    let cmds = drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(cmds.iter().any(|c| matches!(c, Cmd::Write { .. })));
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    assert!(!st.dirty);

    let cli_out = root.join("cli/shop");
    new_shop(&cli_out, &[]);
    assert_eq!(files_of(&out), files_of(&cli_out));
    // After writing, quitting asks nothing.
    let cmds = drive(&s, &mut st, vec![key(KeyCode::Char('q'))]);
    assert_eq!(cmds, vec![Cmd::Quit]);
}

#[test]
fn every_preset_writes_what_apwiz_new_writes() {
    let s = session();
    let workloads: Vec<_> = s
        .presets
        .iter()
        .filter(|p| p.kind == PresetKind::Workload)
        .cloned()
        .collect();
    for (i, preset) in workloads.iter().enumerate() {
        let root = scratch(&format!("preset-{}", preset.name));
        let out = root.join("tui/team");
        std::fs::create_dir_all(&out).unwrap();
        let mut st = new_state(&s, &out);
        let mut msgs: Vec<Msg> = (0..i).map(|_| key(KeyCode::Down)).collect();
        msgs.push(key(KeyCode::Enter));
        drive(&s, &mut st, msgs);
        assert_eq!(st.project.preset.as_deref(), Some(preset.name.as_str()));
        // Answer the required questions with their examples, in the form's order.
        let mut args: Vec<String> = vec![
            "new".into(),
            "--non-interactive".into(),
            "--preset".into(),
            preset.name.clone(),
            "--name".into(),
            "team".into(),
        ];
        let required: Vec<_> = st
            .project
            .fields
            .iter()
            .filter(|f| f.question.required && f.value().is_empty())
            .map(|f| {
                (
                    f.path.clone(),
                    f.question.example.clone().unwrap_or_else(|| "x".into()),
                )
            })
            .collect();
        let mut msgs = Vec::new();
        for (n, (path, example)) in required.iter().enumerate() {
            if n > 0 {
                msgs.push(key(KeyCode::Tab));
            }
            msgs.extend(chars(example));
            if path == "image" {
                args.extend(["--image".into(), example.clone()]);
            } else {
                args.extend(["--set".into(), format!("{path}={example}")]);
            }
        }
        msgs.push(key(KeyCode::Enter)); // workload → features
        msgs.push(key(KeyCode::Enter)); // features → environments
        msgs.push(key(KeyCode::Enter)); // environments → review
        msgs.push(key(KeyCode::Enter)); // write
        drive(&s, &mut st, msgs);
        assert!(
            matches!(st.review_step.written, Some(Ok(_))),
            "{}: {:?} {:?}",
            preset.name,
            st.status,
            st.review_step.files
        );
        let cli_out = root.join("cli/team");
        args.extend(["--out".into(), cli_out.display().to_string()]);
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = apwiz(&argv);
        assert!(
            o.status.success(),
            "{}: {}",
            preset.name,
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(files_of(&out), files_of(&cli_out), "{}", preset.name);
    }
}

#[test]
fn back_and_forward_and_field_validation() {
    let s = session();
    let out = scratch("backfwd").join("shop");
    let mut st = new_state(&s, &out);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Workload);
    // Enter on an incomplete form stays, with the cursor in the field that needs an answer.
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Workload);
    let f = &st.project.fields[st.form_step.focus];
    assert_eq!(f.path, "image");
    assert_eq!(f.check().unwrap_err(), "an answer is needed");
    // A space in the image: the core's rule, under the field.
    drive(&s, &mut st, chars("a b"));
    assert_eq!(
        st.project.fields[st.form_step.focus].check().unwrap_err(),
        "an image reference has no spaces (repository:tag)"
    );
    // The release name: the one rule (names::check).
    let name_at = st
        .project
        .fields
        .iter()
        .position(|f| f.path == "<name>")
        .unwrap();
    while st.form_step.focus != name_at {
        drive(&s, &mut st, vec![key(KeyCode::Tab)]);
    }
    assert_eq!(
        st.project.fields[name_at].value(),
        "shop",
        "the directory's name"
    );
    drive(&s, &mut st, vec![key(KeyCode::Char('_'))]);
    assert_eq!(
        st.project.fields[name_at].check().unwrap_err(),
        apwiz::testing::core::base::names::check("shop_").unwrap_err()
    );
    // The port: a whole number.
    let port_at = st
        .project
        .fields
        .iter()
        .position(|f| f.path == "port")
        .unwrap();
    while st.form_step.focus != port_at {
        drive(&s, &mut st, vec![key(KeyCode::Tab)]);
    }
    drive(&s, &mut st, chars("x"));
    assert_eq!(
        st.project.fields[port_at].check().unwrap_err(),
        "a whole number, please"
    );
    // In a text field, q is text; Esc leaves the field, then q asks (unsaved answers).
    drive(&s, &mut st, chars("q"));
    assert!(st.project.fields[port_at].value().ends_with("xq"));
    assert!(st.overlay.is_none());
    drive(&s, &mut st, vec![key(KeyCode::Esc)]);
    assert!(!st.in_text());
    assert_eq!(st.step, StepId::Workload);
    let cmds = drive(&s, &mut st, vec![key(KeyCode::Char('q'))]);
    assert!(cmds.is_empty());
    assert!(matches!(st.overlay, Some(Overlay::ConfirmQuit)));
    drive(&s, &mut st, vec![key(KeyCode::Char('n'))]);
    assert!(st.overlay.is_none() && !st.quit);
    // Esc outside a field goes back; Enter goes forward again with the answers kept.
    drive(&s, &mut st, vec![key(KeyCode::Esc)]);
    assert_eq!(st.step, StepId::Preset);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Workload);
    assert!(
        st.project.fields[port_at].value().ends_with("xq"),
        "answers survive back/forward"
    );
    // Ctrl-S from an incomplete form: not to the review, the reason is shown.
    drive(&s, &mut st, vec![ctrl('s')]);
    assert_eq!(st.step, StepId::Workload);
    assert!(st.status.is_some());
    // Help overlay, any key closes it.
    drive(
        &s,
        &mut st,
        vec![key(KeyCode::Esc), key(KeyCode::Char('?'))],
    );
    assert!(matches!(st.overlay, Some(Overlay::Help)));
    drive(&s, &mut st, vec![key(KeyCode::Char('x'))]);
    assert!(st.overlay.is_none());
    // Quit with unsaved answers: y quits.
    let cmds = drive(
        &s,
        &mut st,
        vec![key(KeyCode::Char('q')), key(KeyCode::Char('y'))],
    );
    assert_eq!(cmds, vec![Cmd::Quit]);
    assert!(st.quit);
}

#[test]
fn environments_step_toggles_and_per_env_values() {
    let s = session();
    let out = scratch("envs").join("shop");
    let mut st = new_state(&s, &out);
    let mut msgs = vec![key(KeyCode::Enter)];
    msgs.extend(chars("img:1"));
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars("shop.example.com"));
    msgs.push(key(KeyCode::Enter));
    msgs.push(key(KeyCode::Enter));
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Environments);
    let replicas = |st: &apwiz::testing::tui::app::State, env: &str| {
        st.project.env_fields[env]
            .iter()
            .find(|f| f.path == "replicas")
            .unwrap()
            .value()
            .to_string()
    };
    // Prefilled from the environment presets (the chart's values-<env>.yaml).
    assert_eq!(replicas(&st, "dev"), "1");
    assert_eq!(replicas(&st, "prod"), "3");
    let envs: Vec<String> = st
        .project
        .environments
        .iter()
        .map(|(e, _)| e.clone())
        .collect();
    assert_eq!(envs, ["dev", "staging", "prod"]);
    // Tab to staging's toggle, Space: staging off.
    drive(
        &s,
        &mut st,
        vec![key(KeyCode::Tab), key(KeyCode::Char(' '))],
    );
    assert_eq!(st.project.chosen_environments(), ["dev", "prod"]);
    // To prod's replicas: toggles (3), then replicas of dev, prod.
    while !matches!(
        apwiz::testing::tui::steps::envs::cells(&st.project)[st.env_step.focus],
        apwiz::testing::tui::steps::envs::Cell::Field { row: 0, col: 2 }
    ) {
        drive(&s, &mut st, vec![key(KeyCode::Tab)]);
    }
    assert!(st.in_text());
    drive(&s, &mut st, vec![key(KeyCode::Backspace)]);
    drive(&s, &mut st, chars("5"));
    let a = st.project.answers().unwrap();
    assert_eq!(a.environments, ["dev", "prod"]);
    let prod: Vec<String> = a.env_set["prod"].iter().map(|e| e.raw.clone()).collect();
    assert_eq!(prod, ["replicas=5"]);
    assert!(
        !a.env_set.contains_key("dev"),
        "unchanged values are not answers"
    );
    // A bad value blocks the step.
    drive(&s, &mut st, chars("x"));
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Environments);
}

/// The base `--set` answers of the wizard's project as they are, as typed.
fn set_exprs(st: &apwiz::testing::tui::app::State) -> Vec<String> {
    let a = st.project.answers().unwrap();
    a.set.iter().map(|e| e.raw.clone()).collect()
}

/// `apwiz new` of the web-app `shop` (image and host answered) into `out`, with `extra` flags.
fn new_shop(out: &std::path::Path, extra: &[&str]) {
    let mut args = vec![
        "new",
        "--non-interactive",
        "--preset",
        "web-app",
        "--name",
        "shop",
        "--image",
        "ghcr.io/acme/shop:1.4.2",
        "--set",
        "ingress.host=shop.example.com",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = apwiz(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Moves the Environments step's cursor to `env`'s field at `path`.
fn focus_env_field(
    s: &apwiz::testing::core::session::Session,
    st: &mut apwiz::testing::tui::app::State,
    env: &str,
    path: &str,
) {
    use apwiz::testing::tui::steps::envs::{Cell, cells};
    let col = st
        .project
        .environments
        .iter()
        .position(|(e, _)| e == env)
        .unwrap();
    let row = st.project.env_fields[env]
        .iter()
        .position(|f| f.path == path)
        .unwrap();
    for _ in 0..cells(&st.project).len() {
        if cells(&st.project)[st.env_step.focus] == (Cell::Field { row, col }) {
            return;
        }
        drive(s, st, vec![key(KeyCode::Tab)]);
    }
    panic!("no cell for {env} {path}");
}

#[test]
fn environments_resources_prefilled_checked_and_written_minimal() {
    let s = session();
    let root = scratch("env-resources");
    let out = root.join("tui/shop");
    std::fs::create_dir_all(&out).unwrap();
    let mut st = new_state(&s, &out);
    let mut msgs = vec![key(KeyCode::Enter)];
    msgs.extend(image_and_host());
    msgs.push(key(KeyCode::Enter));
    msgs.push(key(KeyCode::Enter));
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Environments, "{:?}", st.status);
    let value = |st: &apwiz::testing::tui::app::State, env: &str, path: &str| {
        st.project.env_fields[env]
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("{env} has no {path} row"))
            .value()
            .to_string()
    };
    // Every row of every column is prefilled from the chart's values-<env>.yaml.
    for env in ["dev", "staging", "prod"] {
        let file = apwiz::testing::core::values::read::parse_values(
            &std::fs::read_to_string(repo().join(format!("chart/values-{env}.yaml"))).unwrap(),
        )
        .unwrap()
        .value;
        for path in [
            "resources.requests.cpu",
            "resources.limits.cpu",
            "resources.requests.memory",
            "resources.limits.memory",
        ] {
            let ptr = format!("/{}", path.replace('.', "/"));
            let want = match file.pointer(&ptr).unwrap() {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(value(&st, env, path), want, "{env} {path}");
        }
    }
    assert_eq!(value(&st, "prod", "resources.limits.cpu"), "2");
    assert_eq!(value(&st, "dev", "resources.limits.memory"), "128Mi");
    // Nothing changed: no per-environment answers.
    assert!(st.project.answers().unwrap().env_set.is_empty());

    // A CPU limit that is no quantity: the schema's rule, said under the table; the step holds.
    focus_env_field(&s, &mut st, "prod", "resources.limits.cpu");
    assert!(st.in_text());
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("2 cores"));
    let why = apwiz::testing::tui::steps::Step::incomplete(&st.env_step, &st.project).unwrap();
    assert!(why.starts_with("prod CPU limit: CPU as cores"), "{why}");
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Environments);
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("4"));
    focus_env_field(&s, &mut st, "prod", "resources.limits.memory");
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("0Mi"));
    assert!(
        apwiz::testing::tui::steps::Step::incomplete(&st.env_step, &st.project).is_some(),
        "zero memory is refused"
    );
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("2Gi"));
    // Staging's request typed back to what it was: no answer.
    focus_env_field(&s, &mut st, "staging", "resources.requests.cpu");
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("100m"));
    let a = st.project.answers().unwrap();
    let prod: Vec<String> = a.env_set["prod"].iter().map(|e| e.raw.clone()).collect();
    assert_eq!(
        prod,
        ["resources.limits.cpu=4", "resources.limits.memory=2Gi"]
    );
    assert_eq!(a.env_set.len(), 1, "{:?}", a.env_set);

    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Review, "{:?}", st.status);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    // The same files as `apwiz new` with the same answers as --set-env.
    let cli_out = root.join("cli/shop");
    new_shop(
        &cli_out,
        &[
            "--set-env",
            "prod:resources.limits.cpu=4",
            "--set-env",
            "prod:resources.limits.memory=2Gi",
        ],
    );
    assert_eq!(files_of(&out), files_of(&cli_out));
    // Minimal: the base file has no resources (the chart's defaults), prod only what differs
    // from it, and the other environments are what a fresh project gets.
    let read = |name: &str| {
        apwiz::testing::core::values::read::parse_values(
            &std::fs::read_to_string(out.join(name)).unwrap(),
        )
        .unwrap()
        .value
    };
    assert!(read("values.yaml").get("resources").is_none());
    assert_eq!(
        read("values-prod.yaml")["resources"],
        serde_json::json!({
            "requests": {"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "128Mi"},
            "limits": {"cpu": 4, "memory": "2Gi", "ephemeral-storage": "1Gi"}
        })
    );
    let fresh = root.join("fresh/shop");
    new_shop(&fresh, &[]);
    for name in ["values.yaml", "values-dev.yaml", "values-staging.yaml"] {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).unwrap(),
            std::fs::read_to_string(fresh.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn edit_flow_keeps_files_byte_identical_and_comments() {
    let s = session();
    let root = scratch("edit");
    let out = root.join("shop");
    new_shop(&out, &[]);
    // The team comments a value.
    let base = out.join("values.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    let commented = text.replace("replicas: 2", "replicas: 2 # two is enough for now");
    assert_ne!(text, commented);
    std::fs::write(&base, &commented).unwrap();
    let before = files_of(&out);

    let answers =
        apwiz::testing::core::inputs::answers::Answers::load(&out.join(".apwiz.yaml")).unwrap();
    let start = apwiz::testing::core::scaffold::project::Start::Edit {
        out_dir: out.clone(),
        answers,
    };
    let mut st = apwiz::testing::tui::initial_state(&s, start, false).unwrap();
    assert!(st.editing);
    assert_eq!(st.step, StepId::Workload);
    assert!(!st.dirty);
    // Same answers: the review shows nothing to change and writing leaves every byte.
    drive(&s, &mut st, vec![ctrl('s')]);
    assert_eq!(st.step, StepId::Review);
    let files = st.review_step.files.clone().unwrap().unwrap();
    assert!(files.iter().all(|f| !f.changed), "{files:?}");
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(files_of(&out), before);

    // Change one answer (the host): only that line changes; the comment survives.
    let mut st = apwiz::testing::tui::initial_state(
        &s,
        apwiz::testing::core::scaffold::project::Start::Edit {
            out_dir: out.clone(),
            answers: apwiz::testing::core::inputs::answers::Answers::load(&out.join(".apwiz.yaml"))
                .unwrap(),
        },
        false,
    )
    .unwrap();
    let host_at = st
        .project
        .fields
        .iter()
        .position(|f| f.path == "ingress.host")
        .unwrap();
    while st.form_step.focus != host_at {
        drive(&s, &mut st, vec![key(KeyCode::Tab)]);
    }
    drive(&s, &mut st, vec![ctrl('u')]);
    drive(&s, &mut st, chars("www.example.com"));
    assert!(st.dirty);
    drive(&s, &mut st, vec![ctrl('s'), key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    let after = std::fs::read_to_string(&base).unwrap();
    assert!(after.contains("# two is enough for now"), "{after}");
    let changed: Vec<_> = commented
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        vec![("  host: shop.example.com", "  host: www.example.com")],
        "{after}"
    );
    assert_eq!(commented.lines().count(), after.lines().count());
}

#[test]
fn stale_results_are_never_shown() {
    let s = session();
    let out = scratch("stale").join("shop");
    let mut st = new_state(&s, &out);
    let mut msgs = vec![key(KeyCode::Enter)];
    msgs.extend(chars("img:1"));
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars("h.example.com"));
    drive(&s, &mut st, msgs);
    let later = std::time::Instant::now() + std::time::Duration::from_secs(1);
    // Typing pauses: one check is submitted.
    let c1 = update(&mut st, Msg::Tick(later));
    assert!(
        matches!(c1.as_slice(), [Cmd::Check { generation: 1, .. }]),
        "{c1:?}"
    );
    drive(&s, &mut st, chars("x"));
    assert!(
        update(&mut st, Msg::Tick(std::time::Instant::now())).is_empty(),
        "debounced"
    );
    let c2 = update(&mut st, Msg::Tick(later));
    assert!(
        matches!(c2.as_slice(), [Cmd::Check { generation: 2, .. }]),
        "{c2:?}"
    );
    // The older request's result arrives late: dropped.
    update(
        &mut st,
        Msg::Rendered {
            generation: 1,
            env: Some("dev".into()),
            result: Err("old".into()),
        },
    );
    assert!(st.pane.render.is_none());
    update(
        &mut st,
        Msg::Rendered {
            generation: 2,
            env: Some("dev".into()),
            result: Err("helm not found".into()),
        },
    );
    assert!(matches!(&st.pane.render, Some(Err(e)) if e == "helm not found"));
}

#[test]
fn features_step_toggles_fields_rules_and_answers_reproduce() {
    let s = session();
    let root = scratch("features");
    let out = root.join("tui/db");
    std::fs::create_dir_all(&out).unwrap();
    let mut st = new_state(&s, &out);
    let mut msgs = choose_preset(&st, "stateful-db");
    msgs.push(key(KeyCode::Enter)); // workload → features
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Features, "{:?}", st.status);
    let on = |st: &apwiz::testing::tui::app::State, name: &str| {
        st.project
            .features
            .iter()
            .find(|f| f.feature.name == name)
            .unwrap()
            .on
    };
    // The preset's features start on (backup: the preset's, in staging and prod).
    assert!(on(&st, "persistence") && on(&st, "backup") && on(&st, "tests"));
    assert!(!on(&st, "ingress") && !on(&st, "rbac"));
    let backup = st
        .project
        .features
        .iter()
        .find(|f| f.feature.name == "backup")
        .unwrap();
    assert_eq!(backup.preset_envs, ["staging", "prod"]);
    assert!(
        st.project.answers().unwrap().set.is_empty(),
        "the preset's choices need no answer"
    );

    // Persistence off: the chart's rule is said where it is chosen, and the step cannot go on.
    st.feature_step.focus_feature(&st.project, "persistence");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    assert!(!on(&st, "persistence"));
    let p = st
        .project
        .features
        .iter()
        .position(|f| f.feature.name == "persistence")
        .unwrap();
    assert!(
        st.project
            .feature_problem(p)
            .unwrap()
            .contains("a statefulset keeps its data in volumeClaimTemplates")
    );
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Features);
    // On again, and sized inline (the preset's own question, shared with the form).
    drive(
        &s,
        &mut st,
        vec![key(KeyCode::Char(' ')), key(KeyCode::Tab)],
    );
    assert!(st.in_text());
    let mut msgs: Vec<Msg> = (0..4).map(|_| key(KeyCode::Backspace)).collect();
    msgs.extend(chars("20 GB"));
    drive(&s, &mut st, msgs);
    assert!(
        st.project
            .feature_problem(p)
            .unwrap()
            .contains("a quantity such as 10Gi"),
        "validated as typed"
    );
    let mut msgs: Vec<Msg> = (0..5).map(|_| key(KeyCode::Backspace)).collect();
    msgs.extend(chars("20Gi"));
    drive(&s, &mut st, msgs);
    assert_eq!(st.project.feature_problem(p), None);

    // RBAC on: its fields open with working defaults; monitoring on with its interval.
    st.feature_step.focus_feature(&st.project, "rbac");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    st.feature_step.focus_feature(&st.project, "monitoring");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    // Autoscaling min above max is explained on the feature.
    st.feature_step.focus_feature(&st.project, "autoscaling");
    drive(
        &s,
        &mut st,
        vec![key(KeyCode::Char(' ')), key(KeyCode::Tab)],
    );
    drive(
        &s,
        &mut st,
        vec![
            key(KeyCode::Backspace),
            key(KeyCode::Char('9')),
            key(KeyCode::Char('9')),
        ],
    );
    let a = st
        .project
        .features
        .iter()
        .position(|f| f.feature.name == "autoscaling")
        .unwrap();
    assert!(st.project.feature_problem(a).unwrap().contains("min ≤ max"));
    // Off again: its fields close and record nothing.
    st.feature_step.focus_feature(&st.project, "autoscaling");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);

    let sets = set_exprs(&st);
    assert_eq!(
        sets,
        [
            "persistence.size=20Gi",
            "monitoring.enabled=true",
            "monitoring.scrapeInterval=30s",
            "rbac.enabled=true",
            "rbac.rules[0].resources={configmaps}",
            "rbac.rules[0].verbs={get,list,watch}",
        ]
    );
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Environments, "{:?}", st.status);
    drive(&s, &mut st, vec![key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?} {:?}",
        st.status,
        st.review_step.files
    );
    let values = std::fs::read_to_string(out.join("values.yaml")).unwrap();
    assert!(values.contains("size: 20Gi"), "{values}");

    // `apwiz new --answers` reproduces every file byte for byte.
    let cli_out = root.join("cli/db");
    let o = apwiz(&[
        "new",
        "--non-interactive",
        "--answers",
        out.join(".apwiz.yaml").to_str().unwrap(),
        "--out",
        cli_out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(files_of(&out), files_of(&cli_out));
}

#[test]
fn features_refuse_what_the_workload_cannot_have() {
    let s = session();
    let out = scratch("features-refused").join("shop");
    let mut st = new_state(&s, &out);
    let mut msgs = vec![key(KeyCode::Enter)];
    msgs.extend(chars("img:1"));
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars("shop.example.com"));
    msgs.push(key(KeyCode::Enter));
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Features);
    // web-app: ingress is on (its host is the form's question), pdb is the preset's in prod.
    let f = |st: &apwiz::testing::tui::app::State, n: &str| {
        st.project
            .features
            .iter()
            .find(|f| f.feature.name == n)
            .unwrap()
            .clone()
    };
    assert!(f(&st, "ingress").on);
    assert_eq!(f(&st, "pdb").preset_envs, ["prod"]);
    st.feature_step.focus_feature(&st.project, "backup");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    assert!(!f(&st, "backup").on, "refused");
    assert_eq!(
        st.status.as_deref(),
        Some(
            "Backup: backup is for statefulsets (the data they keep in their claims), and this is a deployment"
        )
    );
    // Ingress off records the answer; the host question stays the form's.
    st.feature_step.focus_feature(&st.project, "ingress");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    let sets = set_exprs(&st);
    assert_eq!(
        sets,
        ["ingress.host=shop.example.com", "ingress.enabled=false"]
    );
}

/// The microservices preset: a toggle per service. Ingress is the web front end's only (the
/// preset's), the worker has no Service so it is refused there with the chart's reason; turning
/// it on for the api asks the host the api inherits; a disruption budget for the web only. The
/// files equal `apwiz new` with the same `--set`s, pass `apwiz validate`, and the answers load
/// back into the same toggles.
#[test]
fn microservices_toggle_features_per_service() {
    use apwiz::testing::tui::steps::features::{Cell, cells};
    let s = session();
    let root = scratch("features-services");
    let out = root.join("tui/shop");
    std::fs::create_dir_all(&out).unwrap();
    let mut st = new_state(&s, &out);
    let mut msgs = choose_preset(&st, "microservices");
    msgs.extend(microservices_images_and_host());
    msgs.push(key(KeyCode::Enter));
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Features, "{:?}", st.status);
    let ingress = st
        .project
        .features
        .iter()
        .position(|f| f.feature.name == "ingress")
        .unwrap();
    let switches = |st: &apwiz::testing::tui::app::State, i: usize| -> Vec<(String, bool)> {
        st.project.features[i]
            .services
            .iter()
            .map(|s| (s.service.clone(), s.on))
            .collect()
    };
    let on = |name: &str, on: bool| (name.to_string(), on);
    assert_eq!(
        switches(&st, ingress),
        [on("web", true), on("api", false), on("worker", false)]
    );
    // The web's host is the form's question, shown under the feature with the web's name.
    let fields: Vec<String> = st
        .project
        .feature_fields(ingress)
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(fields, ["services.web.ingress.host"]);
    assert!(
        st.project
            .answers()
            .unwrap()
            .set
            .iter()
            .all(|e| !e.raw.contains("enabled"))
    );

    // The worker: refused, with the chart's reason.
    st.feature_step.focus_feature(&st.project, "ingress");
    drive(&s, &mut st, vec![key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(
        cells(&st.project)[st.feature_step.focus],
        Cell::Service(ingress, 2)
    );
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    assert_eq!(switches(&st, ingress)[2], on("worker", false));
    assert_eq!(
        st.status.as_deref(),
        Some("Ingress: worker has no Service (service.enabled: false), and Ingress needs one")
    );
    // The api: on; it has no host question of its own, so the shared host (inherited) is asked.
    drive(
        &s,
        &mut st,
        vec![key(KeyCode::BackTab), key(KeyCode::Char(' '))],
    );
    assert_eq!(switches(&st, ingress)[1], on("api", true));
    let fields: Vec<String> = st
        .project
        .feature_fields(ingress)
        .iter()
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(fields, ["services.web.ingress.host", "ingress.host"]);
    drive(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Features, "an empty host holds the step");
    assert_eq!(
        cells(&st.project)[st.feature_step.focus],
        Cell::Field(ingress, 1)
    );
    drive(&s, &mut st, chars("api.example.com"));
    // A disruption budget for the web only.
    st.feature_step.focus_feature(&st.project, "pdb");
    drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
    let sets = set_exprs(&st);
    let with_images = |rest: &[&str]| -> Vec<String> {
        let mut all = microservices_image_sets();
        all.extend(rest.iter().map(|s| s.to_string()));
        all
    };
    assert_eq!(
        sets,
        with_images(&[
            "services.web.ingress.host=shop.example.com",
            "services.api.ingress.enabled=true",
            "ingress.host=api.example.com",
            "services.web.pdb.enabled=true",
        ])
    );
    // The api off again: nothing inherits the shared host, so it is no answer; on: it is back.
    let api = |st: &mut apwiz::testing::tui::app::State| {
        st.feature_step.focus_feature(&st.project, "ingress");
        drive(&s, st, vec![key(KeyCode::Tab), key(KeyCode::Char(' '))]);
    };
    api(&mut st);
    assert_eq!(
        set_exprs(&st),
        with_images(&[
            "services.web.ingress.host=shop.example.com",
            "services.web.pdb.enabled=true",
        ])
    );
    api(&mut st);
    assert_eq!(set_exprs(&st), sets);
    drive(
        &s,
        &mut st,
        vec![
            key(KeyCode::Enter),
            key(KeyCode::Enter),
            key(KeyCode::Enter),
        ],
    );
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?} {:?}",
        st.status,
        st.review_step.written
    );
    let cli_out = root.join("cli/shop");
    let mut args = vec![
        "new",
        "--non-interactive",
        "--preset",
        "microservices",
        "--name",
        "shop",
    ];
    for e in &sets {
        args.extend(["--set", e.as_str()]);
    }
    let cli = cli_out.to_str().unwrap();
    args.extend(["--out", cli]);
    let o = apwiz(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(files_of(&out), files_of(&cli_out));
    for env in ["dev", "prod"] {
        let o = apwiz(&["validate", "--dir", out.to_str().unwrap(), "--env", env]);
        assert!(
            o.status.success(),
            "{env}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // Opened again: the same toggles, and the same answers.
    let answers =
        apwiz::testing::core::inputs::answers::Answers::load(&out.join(".apwiz.yaml")).unwrap();
    let st2 = apwiz::testing::tui::initial_state(
        &s,
        apwiz::testing::core::scaffold::project::Start::Edit {
            out_dir: out.clone(),
            answers: answers.clone(),
        },
        false,
    )
    .unwrap();
    assert_eq!(switches(&st2, ingress), switches(&st, ingress));
    assert_eq!(st2.project.answers().unwrap().set, answers.set);
}

/// The microservices preset's Environments table: the web and the api set their own replicas
/// (the environment's top-level count does not reach them), so each has a row; the worker
/// inherits the top level's row. Prod's web raised to 4 is the one answer written.
#[test]
fn microservices_environments_have_a_row_per_service_with_its_own_replicas() {
    let s = session();
    let out = scratch("envs-services").join("shop");
    let mut st = new_state(&s, &out);
    let mut msgs = choose_preset(&st, "microservices");
    msgs.extend(microservices_images_and_host());
    msgs.extend([key(KeyCode::Enter), key(KeyCode::Enter)]);
    drive(&s, &mut st, msgs);
    assert_eq!(st.step, StepId::Environments, "{:?}", st.status);
    let rows: Vec<(String, String, String)> = st.project.env_fields["prod"]
        .iter()
        .map(|f| (f.label.clone(), f.path.clone(), f.value().to_string()))
        .take(3)
        .collect();
    let row = |l: &str, p: &str, v: &str| (l.to_string(), p.to_string(), v.to_string());
    assert_eq!(
        rows,
        [
            row("web pods", "services.web.replicas", "2"),
            row("api pods", "services.api.replicas", "2"),
            row("worker pods", "replicas", "3"),
        ]
    );
    let host = st.project.env_fields["prod"].last().unwrap();
    assert_eq!(host.path, "services.web.ingress.host");
    assert_eq!(host.value(), "shop.example.com");
    focus_env_field(&s, &mut st, "prod", "services.web.replicas");
    drive(&s, &mut st, vec![key(KeyCode::Backspace)]);
    drive(&s, &mut st, chars("4"));
    let a = st.project.answers().unwrap();
    let prod: Vec<String> = a.env_set["prod"].iter().map(|e| e.raw.clone()).collect();
    assert_eq!(prod, ["services.web.replicas=4"]);
    assert_eq!(a.env_set.len(), 1);
    drive(&s, &mut st, vec![key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    let prod_file = std::fs::read_to_string(out.join("values-prod.yaml")).unwrap();
    let v = apwiz::testing::core::values::read::parse_values(&prod_file)
        .unwrap()
        .value;
    assert_eq!(
        v["services"],
        serde_json::json!({"web": {"replicas": 4}}),
        "{prod_file}"
    );
}

/// Runs the import commands `update` asked for as `jobs` would (the renders excepted), feeding
/// the results back; returns every command seen.
fn drive_import(
    s: &apwiz::testing::core::session::Session,
    st: &mut apwiz::testing::tui::app::State,
    msgs: Vec<Msg>,
) -> Vec<Cmd> {
    use apwiz::testing::tui::jobs;
    use apwiz::testing::tui::msg::Shared;
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut seen = Vec::new();
    let mut queue: std::collections::VecDeque<Msg> = msgs.into();
    while let Some(m) = queue.pop_front() {
        for c in update(st, m) {
            let reply = match &c {
                Cmd::Import(req) => Some(Msg::Imported(
                    rt.block_on(apwiz::testing::core::ops::import::prove(s, (**req).clone()))
                        .map(Shared::new)
                        .map_err(|e| e.to_string()),
                )),
                Cmd::PlanImport { proof, out_dir } => Some(Msg::Planned(
                    jobs::plan_import(s, proof, out_dir).map_err(|e| e.to_string()),
                )),
                Cmd::WriteImport { proof, out_dir } => Some(Msg::Written(
                    jobs::write_import(proof, out_dir).map_err(|e| e.to_string()),
                )),
                _ => None,
            };
            if let Some(r) = reply {
                queue.push_front(r);
            }
            seen.push(c);
        }
    }
    seen
}

fn typed_then_enter(text: &str) -> Vec<Msg> {
    let mut msgs = chars(text);
    msgs.push(key(KeyCode::Enter));
    msgs
}

/// The keys that choose the import of `kind` in the first screen's list (after the presets).
fn choose_import(
    st: &apwiz::testing::tui::app::State,
    kind: apwiz::testing::tui::steps::import::Kind,
) -> Vec<Msg> {
    let n = st.preset_step.visible(&st.presets).len()
        + st.preset_step
            .imports()
            .iter()
            .position(|k| *k == kind)
            .expect("the import is offered");
    let mut msgs: Vec<Msg> = (0..n).map(|_| key(KeyCode::Down)).collect();
    msgs.push(key(KeyCode::Enter));
    msgs
}

/// Import from the first screen: the gRPC fixture's manifests by keys, proven through the same
/// `core::ops::import` as `apwiz import manifests`, the report on the screen, the pane asked to
/// render the imported values, the review planned and written: the files are byte for byte
/// what `apwiz import manifests` writes for the same input. Esc walks back to the presets.
#[test]
fn import_manifests_from_the_first_screen_writes_what_apwiz_import_writes() {
    use apwiz::testing::tui::steps::import::{Kind, Phase};
    let s = session();
    let root = scratch("import-grpc");
    let out = root.join("tui");
    let mut st = new_state(&s, &out);
    let fixture = "tests/fixtures/import/apps/grpc-microservices.yaml";

    let keys = choose_import(&st, Kind::Manifests);
    drive_import(&s, &mut st, keys);
    assert_eq!(st.step, StepId::Preset);
    assert!(st.import_step.is_some() && st.in_text());
    // Nothing typed: refused, naming the field, nothing run.
    let cmds = drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(st.status.as_deref(), Some("Manifests: an answer is needed"));

    let cmds = drive_import(&s, &mut st, typed_then_enter(fixture));
    let Some(Cmd::Import(req)) = cmds.first() else {
        panic!("no import asked for: {cmds:?}")
    };
    assert_eq!(
        req.source,
        apwiz::testing::core::ops::import::Source::Manifests(vec![fixture.into()])
    );
    // The proof's result asks the pane for a render of the imported values.
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::CheckImport { env: None, .. })),
        "{cmds:?}"
    );
    let step = st.import_step.as_ref().unwrap();
    let (_, proven) = step.proven().expect("proven");
    assert_eq!(proven.release, "grpc-microservices");
    let (exact, changed, lossy) = proven.report.counted();
    assert!(exact > 0 && lossy == 0, "{exact} {changed} {lossy}");
    let text: Vec<String> = step
        .report_lines(&st.styles)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(text[0].contains("% exact"), "{text:?}");
    assert!(
        text.iter().any(|l| l.contains("✓ Service/")),
        "kept objects listed: {text:?}"
    );
    assert!(st.dirty);

    // Enter reviews: every file new; Enter writes.
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Review);
    let files = st.review_step.files.clone().unwrap().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.display.ends_with("values.yaml") && !f.exists),
        "{files:?}"
    );
    assert!(
        !out.join("values.yaml").exists(),
        "nothing before the write"
    );
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    assert_eq!(st.status.as_deref(), Some("files written"));
    assert!(!st.dirty);

    let cli = root.join("cli");
    let o = apwiz(&[
        "import",
        "manifests",
        fixture,
        "--out",
        cli.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["values.yaml", ".apwiz-import.yaml"] {
        assert_eq!(
            std::fs::read_to_string(out.join(name)).unwrap(),
            std::fs::read_to_string(cli.join(name)).unwrap(),
            "{name}"
        );
    }

    // Esc: the report again, the paths, then the presets.
    drive_import(&s, &mut st, vec![key(KeyCode::Esc)]);
    assert_eq!(st.step, StepId::Preset);
    assert!(matches!(
        st.import_step.as_ref().unwrap().phase,
        Phase::Done(_)
    ));
    drive_import(&s, &mut st, vec![key(KeyCode::Esc)]);
    assert!(matches!(st.import_step.as_ref().unwrap().phase, Phase::Ask));
    drive_import(&s, &mut st, vec![key(KeyCode::Esc)]);
    assert!(st.import_step.is_none());
}

/// A bad path: the error on the import screen names it and what to do; nothing is written, no
/// review is offered, and Enter goes back to the paths to fix it.
#[test]
fn import_of_a_bad_path_says_so_on_its_screen_and_writes_nothing() {
    use apwiz::testing::tui::steps::import::{Kind, Phase};
    let s = session();
    let root = scratch("import-bad");
    let out = root.join("tui");
    let mut st = new_state(&s, &out);
    let keys = choose_import(&st, Kind::Values);
    drive_import(&s, &mut st, keys);
    let bad = "tests/fixtures/import/no-such-values.yaml";
    drive_import(&s, &mut st, typed_then_enter(bad));
    let step = st.import_step.as_ref().unwrap();
    assert!(matches!(step.phase, Phase::Done(Err(_))));
    let text: Vec<String> = step
        .report_lines(&st.styles)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert!(
        text[0].contains(bad) && text[0].contains("no such file"),
        "{text:?}"
    );
    assert!(text[1].contains("nothing was written"), "{text:?}");
    // No review of a failed import.
    let cmds = drive_import(&s, &mut st, vec![ctrl('s')]);
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(st.step, StepId::Preset);
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(matches!(st.import_step.as_ref().unwrap().phase, Phase::Ask));
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}

/// The keys that import the bitnami-style values with staging and prod overlays (release shop)
/// from the first screen: the conventions typed over the default, the overlays as ENV=FILE.
fn bitnami_with_environments(st: &apwiz::testing::tui::app::State) -> Vec<Msg> {
    let mut msgs = choose_import(st, apwiz::testing::tui::steps::import::Kind::Values);
    let v = "tests/fixtures/import/values";
    msgs.extend(chars(&format!("{v}/bitnami.yaml")));
    msgs.push(key(KeyCode::Tab));
    msgs.extend((0.."helm-create".len()).map(|_| key(KeyCode::Backspace)));
    msgs.extend(chars("bitnami"));
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars(&format!(
        "staging={v}/bitnami-staging.yaml prod={v}/bitnami-prod.yaml"
    )));
    msgs.push(key(KeyCode::Tab));
    msgs.extend(typed_then_enter("shop"));
    msgs
}

/// A chart's values with two environments from the first screen: the conventions typed over
/// the default, the overlays as ENV=FILE; the pane renders the first environment's files and ^E
/// moves to the next; the review lists values.yaml and each environment's file.
#[test]
fn import_values_with_environments_renders_each_in_the_pane() {
    let s = session();
    let out = scratch("import-values").join("tui");
    let mut st = new_state(&s, &out);
    let keys = bitnami_with_environments(&st);
    let cmds = drive_import(&s, &mut st, keys);
    let (_, proven) = st
        .import_step
        .as_ref()
        .and_then(|i| i.proven())
        .unwrap_or_else(|| panic!("{cmds:?} {:?}", st.status));
    assert_eq!(proven.envs, ["staging", "prod"]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::CheckImport { env: Some(e), .. } if e == "staging")),
        "{cmds:?}"
    );
    let cmds = drive_import(&s, &mut st, vec![ctrl('e')]);
    assert!(
        matches!(cmds.as_slice(), [Cmd::CheckImport { env: Some(e), .. }] if e == "prod"),
        "{cmds:?}"
    );
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Review);
    let shown: Vec<String> = st
        .review_step
        .files
        .clone()
        .unwrap()
        .unwrap()
        .iter()
        .map(|f| f.display.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    for f in ["values.yaml", "values-staging.yaml", "values-prod.yaml"] {
        assert!(shown.iter().any(|s| s == f), "{f}: {shown:?}");
    }
}

/// After an import's review wrote values.yaml and values-staging.yaml / values-prod.yaml (from
/// the other chart's overlays, not the wizard's environments), `d` deploys the pane's import
/// environment, `:deploy` takes only the import's environments, and the env picker (^E) cycles
/// through them: each deploy's files are the written ones on disk.
#[test]
fn after_an_import_is_written_d_and_the_env_picker_use_the_imports_environments() {
    let s = session();
    let out = scratch("import-deploy-envs").join("tui");
    let mut st = new_state(&s, &out);
    let keys = bitnami_with_environments(&st);
    drive_import(&s, &mut st, keys);
    // Not written yet: d refuses.
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert_eq!(st.step, StepId::Review);
    assert!(drive_import(&s, &mut st, vec![key(KeyCode::Char('d'))]).is_empty());
    assert!(st.ops.is_none(), "{:?}", st.status);
    // Written: the import's environments' files are on disk.
    drive_import(&s, &mut st, vec![key(KeyCode::Enter)]);
    assert!(
        matches!(st.review_step.written, Some(Ok(_))),
        "{:?}",
        st.review_step.written
    );
    for f in ["values.yaml", "values-staging.yaml", "values-prod.yaml"] {
        assert!(out.join(f).is_file(), "{f} not written");
    }
    assert!(!out.join("values-dev.yaml").exists());
    let deployed = |st: &mut apwiz::testing::tui::app::State, msgs: Vec<Msg>| -> Option<String> {
        let cmds = drive_import(&s, st, msgs);
        let env = cmds.iter().find_map(|c| match c {
            Cmd::PlanDeploy(req) => {
                assert_eq!(req.0.request.dir, out, "deploys the written directory");
                req.0.request.env.clone()
            }
            _ => None,
        });
        st.ops = None;
        env
    };
    // d: the pane's environment, the import's first.
    assert_eq!(
        deployed(&mut st, vec![key(KeyCode::Char('d'))]).as_deref(),
        Some("staging"),
        "{:?}",
        st.status
    );
    // ^E moves the pane (and d) to the import's next environment.
    drive_import(&s, &mut st, vec![ctrl('e')]);
    assert_eq!(st.pane.env.as_deref(), Some("prod"));
    assert_eq!(
        deployed(&mut st, vec![key(KeyCode::Char('d'))]).as_deref(),
        Some("prod"),
        "{:?}",
        st.status
    );
    // :deploy names one of the import's environments, or is refused naming them.
    let mut cmd = vec![key(KeyCode::Char(':'))];
    cmd.extend(typed_then_enter("deploy staging"));
    assert_eq!(deployed(&mut st, cmd).as_deref(), Some("staging"));
    let mut cmd = vec![key(KeyCode::Char(':'))];
    cmd.extend(typed_then_enter("deploy dev"));
    assert_eq!(deployed(&mut st, cmd), None);
    assert_eq!(
        st.status.as_deref(),
        Some("dev is not one of the chosen environments (staging, prod)")
    );
}
