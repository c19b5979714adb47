//! Snapshots of every step, the help overlay, the quit question and the side pane (a render
//! with findings, and helm failing), at 80×24 (panes stacked) and 160×48 (side by side); and the
//! styles of every theme. ratatui's TestBackend + insta.
mod support;
mod tui_common;

use apwiz::testing::core::check::manifests::Object;
use apwiz::testing::core::check::report::{Finding, Report, Severity, Source, Timings};
use apwiz::testing::core::ops::import::Proof;
use apwiz::testing::tui::app::{State, update};
use apwiz::testing::tui::msg::{Cmd, Msg};
use apwiz::testing::tui::style::Styles;
use apwiz::testing::tui::view;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tui_common::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn screen(state: &mut State, w: u16, h: u16) -> String {
    update(state, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, state)).unwrap();
    format!("{}", t.backend())
}

/// A state on a fixed directory (paths in the review are part of the picture).
fn fixed_state(name: &str) -> (apwiz::testing::core::session::Session, State) {
    let s = session();
    let dir = repo().join("target/tui-snapshots").join(name).join("shop");
    let _ = std::fs::remove_dir_all(&dir);
    let st = new_state(&s, &dir);
    (s, st)
}

fn filled(name: &str) -> (apwiz::testing::core::session::Session, State) {
    let (s, mut st) = fixed_state(name);
    let mut msgs = vec![key(KeyCode::Enter)];
    msgs.extend(image_and_host());
    drive(&s, &mut st, msgs);
    (s, st)
}

fn object(kind: &str, name: &str, service: &str) -> Object {
    Object {
        kind: kind.into(),
        name: name.into(),
        namespace: None,
        api_version: "v1".into(),
        service: Some(service.into()),
        source: None,
        value: json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}),
    }
}

#[test]
fn steps() {
    for (w, h) in SIZES {
        let (s, mut st) = fixed_state(&format!("steps-{w}"));
        insta::assert_snapshot!(format!("preset_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Char('/'))]);
        drive(&s, &mut st, chars("cron"));
        insta::assert_snapshot!(format!("preset_filter_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Esc)]);

        let (s, mut st) = filled(&format!("form-{w}"));
        insta::assert_snapshot!(format!("workload_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, chars(" x"));
        insta::assert_snapshot!(format!("workload_invalid_{w}x{h}"), screen(&mut st, w, h));
        drive(
            &s,
            &mut st,
            vec![key(KeyCode::Backspace), key(KeyCode::Backspace)],
        );
        drive(&s, &mut st, vec![key(KeyCode::Enter)]);
        insta::assert_snapshot!(format!("features_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Enter)]);
        insta::assert_snapshot!(format!("environments_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Enter)]);
        insta::assert_snapshot!(format!("review_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Char('?'))]);
        insta::assert_snapshot!(format!("help_{w}x{h}"), screen(&mut st, w, h));
        drive(
            &s,
            &mut st,
            vec![key(KeyCode::Esc), key(KeyCode::Char('q'))],
        );
        insta::assert_snapshot!(format!("confirm_quit_{w}x{h}"), screen(&mut st, w, h));
    }
}

/// The Features step of the microservices preset: a toggle per service (ingress the web's,
/// refused on the worker with the reason under the line), then ingress on for the api with the
/// shared host asked.
#[test]
fn features_per_service() {
    for (w, h) in SIZES {
        let (s, mut st) = fixed_state(&format!("features-services-{w}"));
        update(&mut st, Msg::Resize(w, h));
        let mut msgs = choose_preset(&st, "microservices");
        msgs.extend(microservices_images_and_host());
        msgs.push(key(KeyCode::Enter));
        drive(&s, &mut st, msgs);
        st.feature_step.focus_feature(&st.project, "ingress");
        drive(&s, &mut st, vec![key(KeyCode::Tab), key(KeyCode::Tab)]);
        insta::assert_snapshot!(
            format!("features_per_service_worker_{w}x{h}"),
            screen(&mut st, w, h)
        );
        drive(
            &s,
            &mut st,
            vec![key(KeyCode::BackTab), key(KeyCode::Char(' '))],
        );
        insta::assert_snapshot!(
            format!("features_per_service_api_{w}x{h}"),
            screen(&mut st, w, h)
        );
        // Enter goes to the empty host, then on once it is typed.
        let mut msgs = vec![key(KeyCode::Enter)];
        msgs.extend(chars("api.example.com"));
        msgs.push(key(KeyCode::Enter));
        drive(&s, &mut st, msgs);
        insta::assert_snapshot!(
            format!("environments_per_service_{w}x{h}"),
            screen(&mut st, w, h)
        );
    }
}

/// The Features step of a statefulset: persistence turned off (the chart's rule said on the
/// line), then on and sized inline; RBAC on with its fields; backup the preset's.
#[test]
fn features_of_a_statefulset() {
    for (w, h) in SIZES {
        let (s, mut st) = fixed_state(&format!("features-{w}"));
        update(&mut st, Msg::Resize(w, h));
        let mut msgs = choose_preset(&st, "stateful-db");
        msgs.push(key(KeyCode::Enter));
        drive(&s, &mut st, msgs);
        st.feature_step.focus_feature(&st.project, "persistence");
        drive(&s, &mut st, vec![key(KeyCode::Char(' '))]);
        insta::assert_snapshot!(
            format!("features_statefulset_no_persistence_{w}x{h}"),
            screen(&mut st, w, h)
        );
        let mut msgs = vec![key(KeyCode::Char(' ')), key(KeyCode::Tab)];
        msgs.extend((0..4).map(|_| key(KeyCode::Backspace)));
        msgs.extend(chars("20Gi"));
        drive(&s, &mut st, msgs);
        st.feature_step.focus_feature(&st.project, "rbac");
        drive(
            &s,
            &mut st,
            vec![key(KeyCode::Char(' ')), key(KeyCode::Tab)],
        );
        insta::assert_snapshot!(
            format!("features_statefulset_sized_{w}x{h}"),
            screen(&mut st, w, h)
        );
    }
}

#[test]
fn side_pane() {
    for (w, h) in SIZES {
        let (s, mut st) = filled(&format!("pane-{w}"));
        if w < 100 {
            // Narrow: the pane is a toggle.
            drive(&s, &mut st, vec![key(KeyCode::Esc), ctrl('w')]);
        }
        let later = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let cmds = update(&mut st, Msg::Tick(later));
        assert_eq!(cmds.len(), 1);
        let g = st.check_generation;
        update(
            &mut st,
            Msg::Rendered {
                generation: g,
                env: Some("dev".into()),
                result: Err("helm not found: install it with scripts/install-tools.sh helm, or pass --helm PATH".into()),
            },
        );
        insta::assert_snapshot!(format!("pane_helm_missing_{w}x{h}"), screen(&mut st, w, h));

        let objects = vec![
            object("Service", "shop", "shop"),
            object("Deployment", "shop", "shop"),
            object("Ingress", "shop", "shop"),
        ];
        feed_render(&mut st, objects, Some("dev"), 120.0);
        let mut f = Finding::new(
            Source::Schema,
            Severity::Error,
            "replicas",
            "minimum",
            "replicas must be at least 1, got 0.",
        );
        f.file = Some("deploy/values-dev.yaml".into());
        f.line = Some(4);
        f.fix = Some("Set replicas to 1 or more.".into());
        let mut report = Report {
            ok: false,
            errors: 0,
            warnings: 0,
            environment: Some("dev".into()),
            files: vec!["deploy/values.yaml".into(), "deploy/values-dev.yaml".into()],
            checks: Vec::new(),
            findings: vec![f],
            objects: 3,
            timings: Timings::default(),
        };
        report.finish();
        update(
            &mut st,
            Msg::Validated {
                generation: g,
                env: Some("dev".into()),
                result: Ok(report),
            },
        );
        insta::assert_snapshot!(format!("pane_findings_{w}x{h}"), screen(&mut st, w, h));
    }
}

#[test]
fn themes() {
    let s = session();
    let names: Vec<String> = s.themes.iter().map(|t| t.name.clone()).collect();
    for name in [
        "default",
        "high-contrast",
        "solarized-dark",
        "mono",
        "light",
        "colour-blind",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} is built in");
    }
    for t in &s.themes {
        let styles = Styles::new(t, true).unwrap();
        insta::assert_debug_snapshot!(format!("theme_{}", t.name), styles);
        // Every theme draws every step (the screen text does not depend on colour).
        let s = session_with(Some(&t.name));
        let dir = repo()
            .join("target/tui-snapshots/theme")
            .join(&t.name)
            .join("shop");
        let mut st = new_state(&s, &dir);
        assert_eq!(st.styles.name, t.name);
        assert!(screen(&mut st, 80, 24).contains("web-app"));
    }
    // NO_COLOR: no colour at all, emphasis kept.
    let plain = Styles::new(&s.theme, false).unwrap();
    assert_eq!(plain.error.fg, None);
    assert!(
        plain
            .error
            .add_modifier
            .contains(ratatui::style::Modifier::BOLD)
    );
    // A wrong colour names the key.
    let mut bad = s.theme.clone();
    bad.colors.insert("warning".into(), "yelow".into());
    let e = Styles::new(&bad, true).unwrap_err();
    assert!(e.contains("colors.warning") && e.contains("yelow"), "{e}");
}

/// The first screen's import: the paths asked, then the report of the gRPC fixture's import
/// (proven by the same `core::ops::import` as the CLI) beside the pane showing the render of
/// the imported values (the proof's own render, fed as the pane's result), then a bad path's
/// error on the same screen.
#[test]
fn import_screen() {
    use apwiz::testing::tui::msg::Shared;
    let rt = tokio::runtime::Runtime::new().unwrap();
    for (w, h) in SIZES {
        let (s, mut st) = fixed_state(&format!("import-{w}"));
        let n = st.preset_step.visible(&st.presets).len();
        let mut keys: Vec<Msg> = (0..n).map(|_| key(KeyCode::Down)).collect();
        drive(&s, &mut st, std::mem::take(&mut keys));
        insta::assert_snapshot!(format!("import_offered_{w}x{h}"), screen(&mut st, w, h));
        drive(&s, &mut st, vec![key(KeyCode::Enter)]);
        drive(
            &s,
            &mut st,
            chars("tests/fixtures/import/apps/grpc-microservices.yaml"),
        );
        insta::assert_snapshot!(format!("import_ask_{w}x{h}"), screen(&mut st, w, h));

        let cmds = update(&mut st, key(KeyCode::Enter));
        let Some(Cmd::Import(req)) = cmds.first() else {
            panic!("{cmds:?}")
        };
        insta::assert_snapshot!(format!("import_running_{w}x{h}"), screen(&mut st, w, h));
        let proof = rt
            .block_on(apwiz::testing::core::ops::import::prove(
                &s,
                (**req).clone(),
            ))
            .expect("the import is proven");
        let Proof::Proven(proven) = &proof else {
            panic!("refused")
        };
        let objects = proven.objects.clone();
        let cmds = update(&mut st, Msg::Imported(Ok(Shared::new(proof))));
        assert!(
            matches!(cmds.as_slice(), [Cmd::CheckImport { .. }]),
            "{cmds:?}"
        );
        if w < 100 {
            // Narrow: the pane is a toggle.
            drive(&s, &mut st, vec![ctrl('w')]);
            insta::assert_snapshot!(format!("import_pane_{w}x{h}"), {
                feed_render(&mut st, objects.clone(), None, 150.0);
                screen(&mut st, w, h)
            });
            drive(&s, &mut st, vec![ctrl('w')]);
        } else {
            feed_render(&mut st, objects, None, 150.0);
        }
        insta::assert_snapshot!(format!("import_report_{w}x{h}"), screen(&mut st, w, h));

        // Back to the paths; a file that is not there.
        drive(&s, &mut st, vec![key(KeyCode::Esc)]);
        for _ in 0.."grpc-microservices.yaml".len() {
            drive(&s, &mut st, vec![key(KeyCode::Backspace)]);
        }
        drive(&s, &mut st, chars("no-such.yaml"));
        let cmds = update(&mut st, key(KeyCode::Enter));
        let Some(Cmd::Import(req)) = cmds.first() else {
            panic!("{cmds:?}")
        };
        let err = rt
            .block_on(apwiz::testing::core::ops::import::prove(
                &s,
                (**req).clone(),
            ))
            .expect_err("no such file");
        update(&mut st, Msg::Imported(Err(err.to_string())));
        insta::assert_snapshot!(format!("import_error_{w}x{h}"), screen(&mut st, w, h));
    }
}

/// The pane's render result for `objects` in `env` (a fixed time, so the picture is stable), as
/// the render job makes it.
fn feed_render(st: &mut State, objects: Vec<Object>, env: Option<&str>, millis: f64) {
    let g = st.check_generation;
    update(
        st,
        Msg::Rendered {
            generation: g,
            env: env.map(str::to_string),
            result: Ok(apwiz::testing::tui::jobs::render_result(
                objects,
                millis,
                Vec::new(),
                "default",
            )),
        },
    );
}

/// The render pane's network view: a real prod render (helm, `chart/values-prod.yaml`) of
/// `examples/four-services.yaml`, whose services call each other by `dependsOn` (web → api →
/// cache, database), made into the pane's result by the render job's own `render_result`; `n` in
/// the pane switches from the objects to who may reach whom, and back; the footer lists it.
#[test]
fn pane_network_view_of_a_prod_render_with_depends_on() {
    let out = support::template_output(
        &support::chart(),
        &["examples/four-services.yaml", "chart/values-prod.yaml"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let objects =
        apwiz::testing::core::check::manifests::parse(&String::from_utf8_lossy(&out.stdout))
            .expect("helm's output parses");
    for (w, h) in SIZES {
        let (s, mut st) = filled(&format!("pane-net-{w}"));
        update(&mut st, Msg::Resize(w, h));
        let mut msgs = vec![key(KeyCode::Esc), key(KeyCode::Char(':'))];
        msgs.extend(chars("env prod"));
        msgs.push(key(KeyCode::Enter));
        // The pane in focus (beside) or shown (narrow): its keys apply.
        msgs.push(ctrl('w'));
        drive(&s, &mut st, msgs);
        assert_eq!(st.pane.env.as_deref(), Some("prod"), "{:?}", st.status);
        let g = st.check_generation;
        let result =
            apwiz::testing::tui::jobs::render_result(objects.clone(), 250.0, Vec::new(), "apps");
        assert!(
            result
                .netpol
                .iter()
                .any(|l| l.starts_with("  web ") && l.ends_with("-> api: http 8080/TCP")),
            "{:#?}",
            result.netpol
        );
        update(
            &mut st,
            Msg::Rendered {
                generation: g,
                env: Some("prod".into()),
                result: Ok(result),
            },
        );
        let objects_view = screen(&mut st, w, h);
        assert!(objects_view.contains("n network"), "{objects_view}");
        update(&mut st, key(KeyCode::Char('n')));
        insta::assert_snapshot!(format!("pane_network_prod_{w}x{h}"), screen(&mut st, w, h));
        update(&mut st, key(KeyCode::Char('n')));
        assert_eq!(screen(&mut st, w, h), objects_view, "n again: the objects");
    }
}
