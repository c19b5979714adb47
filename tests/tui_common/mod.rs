//! Shared by the TUI tests: a session on the repository's chart, keys as messages, and a driver
//! that runs the commands `update` returns synchronously (the renders excepted).
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Command;

use apwiz::testing::core::scaffold::project::Start;
use apwiz::testing::core::session::{Options, Session};
use apwiz::testing::tui::app::{State, update};
use apwiz::testing::tui::msg::{Cmd, Msg};
use apwiz::testing::tui::{self, jobs};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A session on the repository's chart, with no user config and the given theme.
pub fn session_with(theme: Option<&str>) -> Session {
    Session::open(Options {
        config: Some(repo().join("target/no-such-apwiz-config.yaml")),
        theme: theme.map(str::to_string),
        chart: Some(repo().join("chart")),
        chart_version: None,
        helm: std::env::var_os("APWIZ_HELM").map(PathBuf::from),
        policies: None,
    })
    .expect("session")
}

pub fn session() -> Session {
    session_with(None)
}

/// A fresh scratch directory under target/.
pub fn scratch(name: &str) -> PathBuf {
    let d = repo()
        .join("target/tui-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn new_state(s: &Session, out_dir: &Path) -> State {
    tui::initial_state(
        s,
        Start::New {
            out_dir: out_dir.to_path_buf(),
            given: Default::default(),
        },
        false,
    )
    .unwrap()
}

/// The keys that choose workload preset `name` in the preset list (Down to it, Enter).
pub fn choose_preset(state: &State, name: &str) -> Vec<Msg> {
    let i = state
        .preset_step
        .visible(&state.presets)
        .iter()
        .position(|p| p.name == name)
        .unwrap_or_else(|| panic!("no preset {name}"));
    let mut msgs: Vec<Msg> = (0..i).map(|_| key(KeyCode::Down)).collect();
    msgs.push(key(KeyCode::Enter));
    msgs
}

/// The keys that answer the form's image and, after Tab, the host (web-app, microservices).
pub fn image_and_host() -> Vec<Msg> {
    let mut msgs = chars("ghcr.io/acme/shop:1.4.2");
    msgs.push(key(KeyCode::Tab));
    msgs.extend(chars("shop.example.com"));
    msgs
}

/// The microservices preset's answers, as the form asks them: each service's image, then the web
/// front end's host.
pub const MICROSERVICES_IMAGES: [(&str, &str); 3] = [
    ("web", "ghcr.io/acme/shop-web:1.4.2"),
    ("api", "ghcr.io/acme/shop-api:1.4.2"),
    ("worker", "ghcr.io/acme/shop-worker:1.4.2"),
];

/// Types the microservices form: an image per service, then the web's host.
pub fn microservices_images_and_host() -> Vec<Msg> {
    let mut msgs = Vec::new();
    for (_, image) in MICROSERVICES_IMAGES {
        msgs.extend(chars(image));
        msgs.push(key(KeyCode::Tab));
    }
    msgs.extend(chars("shop.example.com"));
    msgs
}

/// The `--set`s the microservices form records for the images.
pub fn microservices_image_sets() -> Vec<String> {
    MICROSERVICES_IMAGES
        .iter()
        .map(|(svc, image)| format!("services.{svc}.image={image}"))
        .collect()
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn chars(s: &str) -> Vec<Msg> {
    s.chars().map(|c| key(KeyCode::Char(c))).collect()
}

/// Sends `msgs`, running plan and write commands at once; returns every command seen.
pub fn drive(session: &Session, state: &mut State, msgs: Vec<Msg>) -> Vec<Cmd> {
    let mut seen = Vec::new();
    let mut queue: std::collections::VecDeque<Msg> = msgs.into();
    while let Some(m) = queue.pop_front() {
        for c in update(state, m) {
            match &c {
                Cmd::Plan { answers, out_dir } => {
                    let r = apwiz::testing::core::ops::new::plan(session, answers, out_dir, true)
                        .map(|(_, p)| jobs::review_files(session, &p))
                        .map_err(|e| e.to_string());
                    queue.push_front(Msg::Planned(r));
                }
                Cmd::Write { answers, out_dir } => {
                    let r = apwiz::testing::core::ops::new::write(session, answers, out_dir)
                        .map_err(|e| e.to_string());
                    queue.push_front(Msg::Written(r));
                }
                _ => {}
            }
            seen.push(c);
        }
    }
    seen
}

/// Runs the apwiz binary in the repository with no user config.
pub fn apwiz(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_apwiz"))
        .args(args)
        .current_dir(repo())
        .env(
            "APWIZ_CONFIG",
            repo().join("target/no-such-apwiz-config.yaml"),
        )
        .env("NO_COLOR", "1")
        .env_remove("APWIZ_THEME")
        .output()
        .expect("run apwiz")
}

/// The files of `dir`, name → text, sorted.
pub fn files_of(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}
