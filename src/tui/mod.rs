//! The full-screen wizard (ratatui + crossterm): terminal set-up and restore, and the loop.
//!
//! Elm-style, like gitui and ratatui's component architecture: [`app::State`] holds everything
//! shown; [`app::update`] turns a [`msg::Msg`] into new state and [`msg::Cmd`]s without ever
//! awaiting; [`jobs`] is the only place that starts background work and sends results back as
//! messages over the loop's channel; [`view`] only draws; [`keys`] is the keymap as data (footer
//! and help read it); each step is a component in [`steps`]. The terminal is restored on quit,
//! on error, on panic and on SIGINT/SIGTERM/SIGHUP; a signal while an operation runs first
//! lets it write its run record, then says what became of helm (exit 130/143/129).
pub(crate) mod app;
pub(crate) mod component;
pub(crate) mod highlight;
pub(crate) mod jobs;
pub(crate) mod keys;
pub(crate) mod msg;
pub(crate) mod pane;
pub(crate) mod project;
pub(crate) mod screens;
pub(crate) mod steps;
pub(crate) mod style;
pub(crate) mod view;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};

use crate::core::base::error::{Error, Result};
use crate::core::base::names;
use crate::core::ops::Intent;
use crate::core::scaffold::project::Start;
use crate::core::session::Session;

use app::State;
use msg::{Cmd, Msg, OpsMsg};
use project::Project;
use style::Styles;

/// The shortest time between two frames drawn for watch events (≤ 10 a second).
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Whether colours are wanted (`NO_COLOR` unset or empty).
pub(crate) fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The state the wizard starts in (also what the tests drive).
pub fn initial_state(session: &Session, start: Start, colour: bool) -> Result<State> {
    let styles = Styles::new(&session.theme, colour).map_err(Error::Usage)?;
    let chart = session.chart().map_err(|e| e.to_string());
    let presets = session.presets.clone();
    let (project, editing) = match start {
        Start::New { out_dir, given } => {
            let dir_for_name = if out_dir.ends_with("deploy") {
                session.cwd.clone()
            } else {
                std::path::absolute(&out_dir).unwrap_or_else(|_| out_dir.clone())
            };
            let mut p = Project::new(&presets, out_dir, names::from_dir(&dir_for_name));
            p.prefill(&given, &presets);
            (p, false)
        }
        Start::Edit { out_dir, answers } => (Project::load(&presets, out_dir, answers), true),
    };
    Ok(State::new(
        presets,
        chart,
        session.themes.clone(),
        styles,
        project,
        editing,
    ))
}

/// Restores the terminal: mouse capture off, raw mode off, the main screen back, cursor shown.
pub(crate) fn restore() {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::restore();
    let _ = crossterm::execute!(std::io::stdout(), crossterm::cursor::Show);
    let _ = std::io::stdout().flush();
}

/// Timings written for `scripts/bench-tui.sh` when `APWIZ_TUI_BENCH` names a file.
#[derive(Default)]
struct Bench {
    path: Option<PathBuf>,
    first_frame: Option<f64>,
    frames: Vec<(f64, bool)>,
    keys: usize,
    last_edit: Option<Instant>,
    pane_updates: Vec<f64>,
    /// A key waiting for its frame, and whether an operation streamed then.
    key_at: Option<Instant>,
    /// Key press → frame drawn, ms, with whether an operation or a watch was streaming.
    key_frames: Vec<(f64, bool)>,
}

impl Bench {
    fn from_env() -> Bench {
        Bench {
            path: std::env::var_os("APWIZ_TUI_BENCH").map(PathBuf::from),
            ..Bench::default()
        }
    }

    fn save(&self) {
        let Some(p) = &self.path else { return };
        let frames: Vec<String> = self
            .frames
            .iter()
            .map(|(ms, busy)| format!("[{ms:.3},{busy}]"))
            .collect();
        let updates: Vec<String> = self
            .pane_updates
            .iter()
            .map(|m| format!("{m:.1}"))
            .collect();
        // Peak resident memory (Linux), in kB.
        let peak_kb = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            })
            .unwrap_or_else(|| "-1".into());
        let key_frames: Vec<String> = self
            .key_frames
            .iter()
            .map(|(ms, busy)| format!("[{ms:.3},{busy}]"))
            .collect();
        let text = format!(
            "{{\"firstFrameMs\":{:.2},\"peakRssKb\":{peak_kb},\"keys\":{},\"frames\":[{}],\"paneUpdatesMs\":[{}],\"keyToFrameMs\":[{}]}}\n",
            self.first_frame.unwrap_or(-1.0),
            self.keys,
            frames.join(","),
            updates.join(","),
            key_frames.join(",")
        );
        let _ = std::fs::write(p, text);
    }
}

/// Runs the wizard until the user quits. The terminal is restored however it ends.
pub fn run(session: Arc<Session>, runtime: tokio::runtime::Handle, start: Start) -> Result<u8> {
    let state = initial_state(&session, start, colour_wanted())?;
    run_state(session, runtime, state, Vec::new())
}

/// The state of `apwiz deploy` or `apwiz status --watch` on a terminal: the operation screen
/// alone (closing it quits), over the team's directory.
pub(crate) fn operation_state(
    session: &Session,
    intent: Intent,
    colour: bool,
) -> Result<(State, Vec<Cmd>)> {
    let out_dir = match &intent {
        Intent::Deploy { request, .. } => request.request.dir.clone(),
        Intent::Watch { .. } => session.cwd.clone(),
    };
    let start = Start::New {
        out_dir,
        given: Default::default(),
    };
    let mut state = initial_state(session, start, colour)?;
    let (screen, cmds) = match intent {
        Intent::Deploy { request, release } => {
            state.target = request.target.clone();
            state.request = Some(request.request.clone());
            screens::deploy(*request, &release)
        }
        Intent::Watch {
            target,
            release,
            dir,
        } => {
            state.target = target.clone();
            state.request = Some(crate::core::inputs::Request {
                dir,
                ..Default::default()
            });
            screens::status(target, &release)
        }
    };
    state.ops = Some(screen);
    state.ops_alone = true;
    state.check_due = None;
    Ok((state, cmds))
}

/// `apwiz deploy` / `apwiz status --watch` on a terminal: the screen until the user closes it.
pub fn run_operation(
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    intent: Intent,
) -> Result<u8> {
    let (state, cmds) = operation_state(&session, intent, colour_wanted())?;
    run_state(session, runtime, state, cmds)
}

/// The state of `apwiz fleet` on a terminal: the fleet screen alone (closing it quits).
pub fn fleet_state(
    session: &Session,
    request: crate::core::ops::fleet::Request,
    newest: Option<String>,
    colour: bool,
) -> Result<(State, Vec<Cmd>)> {
    let start = Start::New {
        out_dir: session.cwd.clone(),
        given: Default::default(),
    };
    let mut state = initial_state(session, start, colour)?;
    let (screen, cmds) = screens::fleet::fleet(request, newest);
    state.ops = Some(screens::OpsScreen::Fleet(Box::new(screen)));
    state.ops_alone = true;
    state.check_due = None;
    Ok((state, cmds))
}

/// `apwiz fleet` on a terminal: the fleet screen until the user quits.
pub fn run_fleet(
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    request: crate::core::ops::fleet::Request,
    newest: Option<String>,
) -> Result<u8> {
    let (state, cmds) = fleet_state(&session, request, newest, colour_wanted())?;
    run_state(session, runtime, state, cmds)
}

fn run_state(
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    mut state: State,
    first: Vec<Cmd>,
) -> Result<u8> {
    let started = Instant::now();
    let mut bench = Bench::from_env();
    let mut terminal = ratatui::try_init().map_err(|e| Error::io("<terminal>", e))?;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    // ratatui's hook restores the screen on panic; also turn mouse capture off first.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    let result = event_loop(
        &mut terminal,
        &mut state,
        session,
        runtime,
        &mut bench,
        started,
        first,
    );
    restore();
    let _ = std::panic::take_hook();
    bench.save();
    // On the normal screen again (a hung-up terminal takes nothing: the run record has it all).
    let (code, farewell) = result?;
    let mut err = std::io::stderr();
    for l in &farewell {
        let _ = writeln!(err, "{l}");
    }
    Ok(code)
}

/// The loop: draws when something changed (a stream's events at most every REDRAW_EVERY),
/// waits for messages, updates the state with each and runs the commands it returns; a signal
/// during an operation makes the loop wait for the operation to leave.
fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut State,
    session: Arc<Session>,
    runtime: tokio::runtime::Handle,
    bench: &mut Bench,
    started: Instant,
    first: Vec<Cmd>,
) -> Result<(u8, Vec<String>)> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), stop.clone());
    #[cfg(unix)]
    spawn_signals(&runtime, tx.clone());
    let mut jobs = jobs::Jobs::new(session, runtime, tx);
    for c in first {
        jobs.run(c);
    }
    let size = terminal.size().map_err(|e| Error::io("<terminal>", e))?;
    state.size = (size.width, size.height);
    let mut dirty = true;
    // Watch events are coalesced: at most one frame per REDRAW_EVERY for them (keys draw at once).
    let mut stream_dirty = false;
    let mut last_draw = Instant::now();
    // A signal that came while an operation ran: the operation is told to leave, and the loop
    // ends once its run record is written (or LEAVE_WITHIN has passed).
    let mut leaving: Option<(&'static str, Instant)> = None;
    let mut farewell = Vec::new();
    let result = loop {
        if dirty || (stream_dirty && last_draw.elapsed() >= REDRAW_EVERY) {
            stream_dirty = false;
            last_draw = Instant::now();
            let drawn = draw_frame(terminal, state, bench, started);
            // A hung-up terminal cannot be drawn on: the leaving operation still ends properly.
            if leaving.is_none() {
                drawn?;
            }
            dirty = false;
        }
        let mut timeout = match state.check_due {
            Some(due) => due
                .saturating_duration_since(Instant::now())
                .min(Duration::from_millis(250)),
            None => Duration::from_millis(250),
        };
        if stream_dirty {
            timeout = timeout.min(REDRAW_EVERY.saturating_sub(last_draw.elapsed()));
        }
        let mut msgs = Vec::new();
        match rx.recv_timeout(timeout) {
            Ok(m) => msgs.push(m),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break Ok((0, Vec::new())),
        }
        msgs.extend(rx.try_iter());
        msgs.push(Msg::Tick(Instant::now()));
        for m in msgs {
            if let Msg::Signal(name) = m
                && leaving.is_none()
                && state.ops.as_ref().is_some_and(|o| o.busy())
            {
                leaving = Some((name, Instant::now()));
                jobs.run(Cmd::Leave(name));
                dirty = true;
                continue;
            }
            match redraw_for(&m, state, bench) {
                Redraw::No => {}
                Redraw::Now => dirty = true,
                Redraw::Stream => stream_dirty = true,
            }
            let cmds = app::update(state, m);
            if !cmds.is_empty() {
                dirty = true;
            }
            for c in cmds {
                if c == Cmd::Quit {
                    state.quit = true;
                } else {
                    jobs.run(c);
                }
            }
        }
        if let Some((name, since)) = leaving {
            let done = !state.ops.as_ref().is_some_and(|o| o.busy());
            if done || since.elapsed() >= LEAVE_WITHIN {
                farewell = leave_lines(state, name, done);
                app::update(state, Msg::Signal(name));
            }
        }
        if state.quit {
            break Ok((state.exit_status, std::mem::take(&mut farewell)));
        }
    };
    stop.store(true, Ordering::Relaxed);
    jobs.shutdown();
    result
}

/// Input: a thread that reads terminal events and forwards them as messages until `stop`.
fn spawn_input(tx: mpsc::Sender<Msg>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => {
                    let msg = match event::read() {
                        Ok(Event::Key(k)) if k.kind == KeyEventKind::Press => Msg::Key(k),
                        Ok(Event::Mouse(m)) => Msg::Mouse(m),
                        Ok(Event::Resize(w, h)) => Msg::Resize(w, h),
                        Ok(_) => continue,
                        Err(_) => break,
                    };
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
}

/// Signals from outside, as messages (every one of them: a second one while leaving quits at
/// once).
#[cfg(unix)]
fn spawn_signals(runtime: &tokio::runtime::Handle, tx: mpsc::Sender<Msg>) {
    runtime.spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        loop {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => "SIGHUP",
            };
            if tx.send(Msg::Signal(name)).is_err() {
                return;
            }
        }
    });
}

/// Draws one frame, timing it for the benchmark (and a key's time to its frame).
fn draw_frame(
    terminal: &mut ratatui::DefaultTerminal,
    state: &State,
    bench: &mut Bench,
    started: Instant,
) -> Result<()> {
    let t = Instant::now();
    let drawn = terminal
        .draw(|f| view::draw(f, state))
        .map(|_| ())
        .map_err(|e| Error::io("<terminal>", e));
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    if bench.first_frame.is_none() {
        bench.first_frame = Some(started.elapsed().as_secs_f64() * 1000.0);
    }
    // Busy: a render runs for the pane, or an operation or a watch streams events.
    let streaming = state.ops.as_ref().is_some_and(|o| o.busy() || o.watching());
    bench.frames.push((ms, state.pane.running || streaming));
    if let Some(k) = bench.key_at.take() {
        bench
            .key_frames
            .push((k.elapsed().as_secs_f64() * 1000.0, streaming));
    }
    drawn
}

/// When a message asks for a frame.
enum Redraw {
    No,
    /// At once (a key, a result).
    Now,
    /// With the stream's next frame (a watch event).
    Stream,
}

/// The frame `m` asks for, counted for the benchmark (keys, the pane's updates).
fn redraw_for(m: &Msg, state: &State, bench: &mut Bench) -> Redraw {
    match m {
        Msg::Tick(_) => Redraw::No,
        Msg::Key(k) => {
            // The end-to-end tests' way to check that a panic restores the terminal.
            if k.code == crossterm::event::KeyCode::F(12)
                && std::env::var_os("APWIZ_TUI_TEST_PANIC").is_some()
            {
                panic!("APWIZ_TUI_TEST_PANIC: panic on F12, as asked");
            }
            bench.keys += 1;
            bench.last_edit = Some(Instant::now());
            bench.key_at.get_or_insert_with(Instant::now);
            Redraw::Now
        }
        Msg::Ops(OpsMsg::Release { .. }) => Redraw::Stream,
        Msg::Rendered { generation, .. } if *generation == state.check_generation => {
            if let Some(t) = bench.last_edit {
                bench.pane_updates.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            Redraw::Now
        }
        _ => Redraw::Now,
    }
}

/// How long a signalled apwiz waits for the running operation to write its run record.
const LEAVE_WITHIN: Duration = Duration::from_secs(10);

/// What is said on the restored terminal after a signal ended a running operation: what became
/// of helm and where the run record is.
fn leave_lines(state: &State, signal: &str, done: bool) -> Vec<String> {
    match &state.ops {
        Some(screens::OpsScreen::Op(o)) if done => o.left_lines(),
        Some(screens::OpsScreen::Op(o)) => vec![format!(
            "apwiz ended by {signal} before the {} had written its run record ({} s): helm runs in its own process group and may go on; `apwiz status --release {} -n {}` says how it ended",
            o.op,
            LEAVE_WITHIN.as_secs(),
            o.release,
            o.namespace
        )],
        _ => Vec::new(),
    }
}
