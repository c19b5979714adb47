//! The TUI's state and its one `update(state, message) → commands` function. `update` never
//! awaits and never does I/O: slow or blocking work leaves as a [`Cmd`] for
//! [`jobs`](super::jobs) and comes back as a [`Msg`]. The steps are components
//! ([`steps`](super::steps)); this file routes keys to them and moves between them.
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::core::inputs::Request;
use crate::core::inputs::chart::Chart;
use crate::core::inputs::presets::Preset;
use crate::core::inputs::themes::Theme;
use crate::core::ops::deploy::{DeployOptions, DeployRequest};
use crate::core::release::Target;
use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{self, Action, Scope};
use crate::tui::msg::{Cmd, Msg, Shared};
use crate::tui::pane::{Pane, PaneView};
use crate::tui::project::Project;
use crate::tui::screens::{self, OpsScreen};
use crate::tui::steps::StepId;
use crate::tui::steps::envs::EnvStep;
use crate::tui::steps::features::FeatureStep;
use crate::tui::steps::form::FormStep;
use crate::tui::steps::import::ImportStep;
use crate::tui::steps::preset::PresetStep;
use crate::tui::steps::review::ReviewStep;
use crate::tui::style::Styles;

/// How long typing must pause before a render + validation is submitted.
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(150);
/// Below this width the side pane is a toggle; at or above it, always visible.
pub(crate) const PANE_ALWAYS_WIDTH: u16 = 100;

/// What covers the wizard.
#[derive(Debug)]
pub enum Overlay {
    Help,
    Palette(Input),
    /// Quit with unsaved answers? (y/n)
    ConfirmQuit,
}

/// Everything the TUI shows.
pub struct State {
    pub presets: Vec<Preset>,
    /// The chart (`None`: not found; the pane says why).
    pub chart: Option<Arc<Chart>>,
    pub chart_error: Option<String>,
    pub themes: Vec<Theme>,
    pub styles: Styles,
    pub colour: bool,
    pub project: Project,
    /// The edit flow (a project loaded from its answers file).
    pub editing: bool,
    pub step: StepId,
    pub preset_step: PresetStep,
    pub form_step: FormStep,
    pub feature_step: FeatureStep,
    pub env_step: EnvStep,
    pub review_step: ReviewStep,
    /// The first screen's import, once chosen instead of a preset (shown in the preset's place;
    /// its review writes the import's files).
    pub import_step: Option<ImportStep>,
    pub pane: Pane,
    /// The side pane has the focus.
    pub focus_pane: bool,
    /// Narrow terminals: the pane is shown instead of the wizard.
    pub show_pane: bool,
    pub overlay: Option<Overlay>,
    pub size: (u16, u16),
    /// Answers changed since the last write.
    pub dirty: bool,
    /// When the debounced check is due.
    pub check_due: Option<Instant>,
    /// The newest check request (results of older ones are dropped).
    pub check_generation: u64,
    /// One line for the user (why a step cannot go on, a palette error…).
    pub status: Option<String>,
    pub quit: bool,
    /// The exit status when the loop ends: 0, or 128 + the signal when Ctrl-C (SIGINT, 130),
    /// SIGHUP (129) or SIGTERM (143) ended it, as shells expect.
    pub exit_status: u8,
    /// An operation screen over the wizard (deploy, rollback, history).
    pub ops: Option<OpsScreen>,
    /// The operation screen is all there is (`apwiz deploy` on a terminal): closing it quits.
    pub ops_alone: bool,
    /// The cluster operations go to (`--kubeconfig`, `--context`, `-n`, else the defaults).
    pub target: Target,
    /// The screens to come back to, newest last (Close reopens the last).
    pub ops_back: Vec<screens::Back>,
    /// The team's files as the command line named them (`apwiz deploy --dir … --env …`), for
    /// operations started from a screen opened alone; else the wizard's files are used.
    pub request: Option<Request>,
}

impl State {
    /// A state on `project`; `styles` from the session's theme.
    pub(crate) fn new(
        presets: Vec<Preset>,
        chart: Result<Arc<Chart>, String>,
        themes: Vec<Theme>,
        styles: Styles,
        project: Project,
        editing: bool,
    ) -> State {
        let (chart, chart_error) = match chart {
            Ok(c) => (Some(c), None),
            Err(e) => (None, Some(e)),
        };
        let colour = styles.colour;
        let mut s = State {
            presets,
            chart,
            chart_error,
            themes,
            styles,
            colour,
            project,
            editing,
            step: StepId::Preset,
            preset_step: PresetStep::default(),
            form_step: FormStep::default(),
            feature_step: FeatureStep::default(),
            env_step: EnvStep::default(),
            review_step: ReviewStep::default(),
            import_step: None,
            pane: Pane::default(),
            focus_pane: false,
            show_pane: false,
            overlay: None,
            size: (80, 24),
            dirty: false,
            check_due: None,
            check_generation: 0,
            status: None,
            quit: false,
            exit_status: 0,
            ops: None,
            ops_alone: false,
            target: Target::default(),
            request: None,
            ops_back: Vec::new(),
        };
        s.pane.env = s.project.chosen_environments().first().cloned();
        // Pre-filled or loaded: start at the first step that still needs something.
        if s.project.preset.is_some() {
            if let Some(c) = s.chart.clone() {
                if s.project.features.is_empty() {
                    s.project.prefill_features(&s.presets, &c);
                }
                if s.project.env_fields.is_empty() {
                    s.project.prefill_environments(&s.presets, &c);
                }
            }
            // Editing shows today's answers from the form; flags that answer the whole form skip it.
            let target = if editing || s.project.first_invalid().is_some() {
                StepId::Workload
            } else {
                StepId::Features
            };
            s.enter(target);
            s.check_due = Some(Instant::now());
        } else {
            s.enter(StepId::Preset);
        }
        s
    }

    /// What the screens' calls are given besides the project.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            presets: &self.presets,
            chart: self.chart.as_deref(),
        }
    }

    /// The current step as a component.
    pub fn step_ref(&self) -> &dyn Screen {
        if let (StepId::Preset, Some(i)) = (self.step, &self.import_step) {
            return i;
        }
        self.step_of(self.step)
    }

    /// The wizard's step `id` (the preset's, not an import shown in its place).
    fn step_of(&self, id: StepId) -> &dyn Screen {
        match id {
            StepId::Preset => &self.preset_step,
            StepId::Workload => &self.form_step,
            StepId::Features => &self.feature_step,
            StepId::Environments => &self.env_step,
            StepId::Review => &self.review_step,
        }
    }

    fn dispatch(
        &mut self,
        f: impl FnOnce(&mut dyn Screen, &mut Project, &Ctx) -> Effect,
    ) -> Effect {
        let ctx = Ctx {
            presets: &self.presets,
            chart: self.chart.as_deref(),
        };
        let step: &mut dyn Screen = match self.step {
            StepId::Preset if self.import_step.is_some() => match self.import_step.as_mut() {
                Some(i) => i,
                None => &mut self.preset_step,
            },
            StepId::Preset => &mut self.preset_step,
            StepId::Workload => &mut self.form_step,
            StepId::Features => &mut self.feature_step,
            StepId::Environments => &mut self.env_step,
            StepId::Review => &mut self.review_step,
        };
        f(step, &mut self.project, &ctx)
    }

    /// Whether the side pane is drawn next to the wizard.
    pub(crate) fn pane_beside(&self) -> bool {
        self.size.0 >= PANE_ALWAYS_WIDTH
    }

    /// The key scopes where the cursor is, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        if let Some(o) = &self.ops {
            return vec![o.scope(), Scope::Global];
        }
        if self.focus_pane || (!self.pane_beside() && self.show_pane) {
            let pane = match self.pane.view {
                PaneView::Objects => Scope::Pane,
                PaneView::Network => Scope::PaneNetwork,
            };
            vec![pane, Scope::Global]
        } else {
            vec![self.step_ref().scope(), Scope::Global]
        }
    }

    /// Whether typed characters are text where the cursor is.
    pub fn in_text(&self) -> bool {
        match &self.overlay {
            Some(Overlay::Palette(_)) => true,
            Some(_) => false,
            None if self.ops.is_some() => self.ops.as_ref().is_some_and(OpsScreen::in_text),
            None => !self.focus_pane && self.step_ref().in_text(),
        }
    }

    /// Moves to `step` (entering it).
    fn enter(&mut self, step: StepId) -> Vec<Cmd> {
        self.step = step;
        self.focus_pane = false;
        self.dispatch(|s, p, c| {
            s.enter(p, c);
            Effect::Handled
        });
        if let (StepId::Review, Some(proof)) = (step, self.import_proof()) {
            self.review_step.files = None;
            return vec![Cmd::PlanImport {
                proof,
                out_dir: self.project.out_dir.clone(),
            }];
        }
        if step == StepId::Review {
            return match self.project.answers() {
                Ok(answers) => vec![Cmd::Plan {
                    answers,
                    out_dir: self.project.out_dir.clone(),
                }],
                Err(e) => {
                    self.review_step.files = Some(Err(e));
                    Vec::new()
                }
            };
        }
        Vec::new()
    }

    /// The first step before `target` that is not complete, if any.
    fn blocking_step(&mut self, target: StepId) -> Option<(StepId, String)> {
        for id in StepId::ALL.iter().copied().filter(|s| *s < target) {
            let why = self.step_of(id).incomplete(&self.project);
            if let Some(w) = why {
                return Some((id, w));
            }
        }
        None
    }

    fn go(&mut self, target: StepId) -> Vec<Cmd> {
        if self.import_step.is_some() {
            // An import goes from its report to the review, and back.
            return match (target, self.import_proof()) {
                (StepId::Review, Some(_)) | (StepId::Preset, _) => {
                    self.status = None;
                    self.enter(target)
                }
                _ => {
                    self.status = Some("import first: Enter on the paths runs it".into());
                    Vec::new()
                }
            };
        }
        if target > self.step
            && let Some((id, why)) = self.blocking_step(target)
        {
            self.status = Some(why);
            if id != self.step {
                return self.enter(id);
            }
            return Vec::new();
        }
        self.status = None;
        self.enter(target)
    }

    fn changed(&mut self) {
        self.dirty = true;
        self.schedule();
    }

    /// Asks for a check once typing pauses.
    pub(crate) fn schedule(&mut self) {
        self.check_due = Some(Instant::now() + DEBOUNCE);
    }

    /// The check for the pane's environment, now.
    fn check_now(&mut self) -> Vec<Cmd> {
        self.check_due = None;
        if let Some(proof) = self.import_proof() {
            self.check_generation += 1;
            self.pane.running = true;
            self.pane.incomplete = None;
            return vec![Cmd::CheckImport {
                generation: self.check_generation,
                proof,
                out_dir: self.project.out_dir.clone(),
                env: self.pane.env.clone(),
            }];
        }
        if self.chart.is_none() || self.project.preset.is_none() {
            return Vec::new();
        }
        let chosen = self.project.chosen_environments();
        if self.pane.env.as_ref().is_none_or(|e| !chosen.contains(e)) {
            self.pane.env = chosen.first().cloned();
        }
        match self.project.answers() {
            Ok(answers) => {
                self.check_generation += 1;
                self.pane.running = true;
                self.pane.incomplete = None;
                vec![Cmd::Check {
                    generation: self.check_generation,
                    answers,
                    out_dir: self.project.out_dir.clone(),
                    env: self.pane.env.clone(),
                }]
            }
            Err(e) => {
                self.pane.incomplete = Some(e);
                Vec::new()
            }
        }
    }

    /// Opens the deploy screen for the written files and environment `env` (default: the
    /// pane's).
    fn open_deploy(&mut self, env: Option<&str>) -> Result<Vec<Cmd>, String> {
        if self.dirty || !matches!(self.review_step.written, Some(Ok(_))) && !self.editing {
            return Err("write the files first (Review, then Enter); d then deploys them".into());
        }
        // The environments of the files written: an import's own overlays, else the chosen ones.
        let chosen = self.environments();
        let env = match env {
            Some(e) if chosen.iter().any(|c| c == e) => e.to_string(),
            Some(e) => {
                return Err(format!(
                    "{e} is not one of the chosen environments ({})",
                    chosen.join(", ")
                ));
            }
            None => match self.pane.env.clone().or_else(|| chosen.first().cloned()) {
                Some(e) => e,
                None => return Err("no environment chosen".into()),
            },
        };
        let req = DeployRequest {
            target: self.target.clone(),
            request: Request {
                dir: self.project.out_dir.clone(),
                env: Some(env),
                ..Request::default()
            },
            opts: DeployOptions::default(),
        };
        let mut cmds = self.stop_watch();
        let (screen, more) = screens::deploy(req, &self.release_name());
        cmds.extend(more);
        self.ops = Some(screen);
        Ok(cmds)
    }

    /// What an operation screen's effect does to the app (`None`: the key was not the screen's).
    fn ops_effect(&mut self, e: screens::Effect, watching: bool) -> Option<Vec<Cmd>> {
        match e {
            Effect::Cmds(c) => Some(c),
            Effect::Close if !self.ops_back.is_empty() => {
                let mut cmds = if watching {
                    vec![Cmd::StopWatch]
                } else {
                    Vec::new()
                };
                if let Some(b) = self.ops_back.pop() {
                    let (screen, more) = screens::reopen(b);
                    self.ops = Some(screen);
                    cmds.extend(more);
                }
                Some(cmds)
            }
            Effect::Close if self.ops_alone => {
                self.quit = true;
                Some(vec![Cmd::Quit])
            }
            Effect::Close => {
                self.ops = None;
                Some(if watching {
                    vec![Cmd::StopWatch]
                } else {
                    Vec::new()
                })
            }
            Effect::Unhandled => None,
            Effect::Refused(why) => {
                self.status = Some(why);
                Some(Vec::new())
            }
            // A screen over the wizard gives none of the wizard's effects.
            _ => Some(Vec::new()),
        }
    }

    /// The release of the operation on screen, else the wizard's.
    fn ops_release(&self) -> (Target, String) {
        match self.ops.as_ref().and_then(OpsScreen::release) {
            Some((target, release)) => (target.clone(), release.to_string()),
            None => (self.target.clone(), self.release_name()),
        }
    }

    /// Leaves the screen on display for another (remembered to come back to): stops a
    /// status screen's watch.
    fn stop_watch(&mut self) -> Vec<Cmd> {
        if let Some(b) = self.ops.as_ref().and_then(OpsScreen::back) {
            self.ops_back.push(b);
        }
        if self.ops.as_ref().is_some_and(OpsScreen::watching) {
            vec![Cmd::StopWatch]
        } else {
            Vec::new()
        }
    }

    /// The release the answers name (the directory's name until answered).
    fn release_name(&self) -> String {
        self.project
            .answers()
            .map(|a| a.name)
            .unwrap_or_else(|_| self.project.default_name.clone())
    }

    fn quit(&mut self) -> Vec<Cmd> {
        if self.dirty {
            self.overlay = Some(Overlay::ConfirmQuit);
            Vec::new()
        } else {
            self.quit = true;
            vec![Cmd::Quit]
        }
    }

    fn cycle_theme(&mut self, name: Option<&str>) -> Result<(), String> {
        let next = match name {
            Some(n) => self
                .themes
                .iter()
                .find(|t| t.name == n)
                .ok_or_else(|| format!("unknown theme {n:?}"))?,
            None => {
                let i = self
                    .themes
                    .iter()
                    .position(|t| t.name == self.styles.name)
                    .unwrap_or(0);
                &self.themes[(i + 1) % self.themes.len().max(1)]
            }
        };
        self.styles = Styles::new(next, self.colour)?;
        self.status = Some(format!("theme {}", next.name));
        Ok(())
    }

    /// The proven import of the first screen, if there is one.
    pub fn import_proof(&self) -> Option<Shared<crate::core::ops::import::Proof>> {
        self.import_step
            .as_ref()
            .and_then(|i| i.proven())
            .map(|(shared, _)| shared.clone())
    }

    /// The environments of the files the wizard writes (an import's own, else the chosen ones).
    fn environments(&self) -> Vec<String> {
        match self.import_step.as_ref().and_then(|i| i.proven()) {
            Some((_, p)) => p.envs.clone(),
            None if self.import_step.is_some() => Vec::new(),
            None => self.project.chosen_environments(),
        }
    }

    /// An import's result: the report on its screen, the pane renders the imported values.
    fn imported(&mut self, r: Result<Shared<crate::core::ops::import::Proof>, String>) -> Vec<Cmd> {
        let Some(i) = self.import_step.as_mut() else {
            return Vec::new();
        };
        i.set_result(r);
        self.pane.render = None;
        self.pane.report = None;
        self.pane.running = false;
        self.pane.env = self.environments().first().cloned();
        if self.import_proof().is_some() {
            self.dirty = true;
            return self.check_now();
        }
        Vec::new()
    }

    fn next_env(&mut self, name: Option<&str>) -> Result<Vec<Cmd>, String> {
        let chosen = self.environments();
        let next = match name {
            Some(n) if chosen.iter().any(|e| e == n) => n.to_string(),
            Some(n) => {
                return Err(format!(
                    "{n} is not one of the chosen environments ({})",
                    chosen.join(", ")
                ));
            }
            None => {
                let i = self
                    .pane
                    .env
                    .as_ref()
                    .and_then(|e| chosen.iter().position(|c| c == e))
                    .map(|i| i + 1)
                    .unwrap_or(0);
                match chosen.get(i % chosen.len().max(1)) {
                    Some(e) => e.clone(),
                    None => return Ok(Vec::new()),
                }
            }
        };
        self.pane.env = Some(next);
        self.pane.selected = 0;
        self.pane.scroll = 0;
        Ok(self.check_now())
    }

    fn run_palette(&mut self, line: &str) -> Vec<Cmd> {
        let mut words = line.split_whitespace();
        let cmd = words.next().unwrap_or("");
        let arg = words.next();
        let result: Result<Vec<Cmd>, String> = match (cmd, arg) {
            ("w" | "write", _) => {
                let mut cmds = self.go(StepId::Review);
                if self.step == StepId::Review {
                    self.status = Some("review the files, then Enter writes".into());
                }
                cmds.retain(|_| true);
                Ok(cmds)
            }
            ("q" | "quit", _) => Ok(self.quit()),
            ("q!" | "quit!", _) => {
                self.quit = true;
                Ok(vec![Cmd::Quit])
            }
            ("env", e) => self.next_env(e),
            ("deploy", e) => self.open_deploy(e),
            ("canary", svc) => {
                let (target, release) = self.ops_release();
                let mut cmds = self.stop_watch();
                let request = self.request.clone().unwrap_or_else(|| Request {
                    dir: self.project.out_dir.clone(),
                    env: self.pane.env.clone(),
                    ..Request::default()
                });
                let (screen, more) =
                    screens::canary_screen(target, request, &release, svc.map(str::to_string));
                cmds.extend(more);
                self.ops = Some(screen);
                Ok(cmds)
            }
            ("releases", _) => {
                let mut cmds = self.stop_watch();
                let (screen, more) = screens::releases(self.target.clone());
                cmds.extend(more);
                self.ops = Some(screen);
                Ok(cmds)
            }
            ("status", _) => {
                let (target, release) = self.ops_release();
                let mut cmds = self.stop_watch();
                let (screen, more) = screens::status(target, &release);
                self.ops = Some(screen);
                cmds.extend(more);
                Ok(cmds)
            }
            ("history", _) => {
                let (target, release) = self.ops_release();
                let mut cmds = self.stop_watch();
                let (screen, more) = screens::history(target, &release);
                cmds.extend(more);
                self.ops = Some(screen);
                Ok(cmds)
            }
            ("theme", t) => self.cycle_theme(t).map(|_| Vec::new()),
            ("preset", Some(p)) => {
                if crate::core::inputs::presets::find(
                    &self.presets,
                    p,
                    crate::core::inputs::presets::PresetKind::Workload,
                )
                .is_ok()
                {
                    self.project.preset = Some(p.to_string());
                    let chart = self.chart.clone();
                    self.project.choose_preset(&self.presets, chart.as_deref());
                    self.changed();
                    Ok(self.go(StepId::Workload))
                } else {
                    Err(format!("unknown preset {p:?}"))
                }
            }
            ("", _) => Ok(Vec::new()),
            (other, _) => Err(format!(
                "unknown command :{other} (write, quit, env <name>, theme <name>, preset <name>, deploy <env>, status, history, releases, canary [service])"
            )),
        };
        match result {
            Ok(c) => c,
            Err(e) => {
                self.status = Some(e);
                Vec::new()
            }
        }
    }

    fn on_overlay_key(&mut self, key: KeyEvent) -> Option<Vec<Cmd>> {
        let overlay = self.overlay.take()?;
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        match overlay {
            Overlay::Help => {
                // Any key closes the help; Ctrl-C still quits.
                if ctrl_c {
                    return Some(self.quit());
                }
                Some(Vec::new())
            }
            Overlay::ConfirmQuit => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.quit = true;
                    Some(vec![Cmd::Quit])
                }
                _ if ctrl_c => {
                    self.quit = true;
                    Some(vec![Cmd::Quit])
                }
                _ => Some(Vec::new()),
            },
            Overlay::Palette(mut input) => match key.code {
                KeyCode::Esc => Some(Vec::new()),
                KeyCode::Enter => {
                    let line = input.value().to_string();
                    Some(self.run_palette(&line))
                }
                _ if ctrl_c => Some(Vec::new()),
                _ => {
                    if let Some(req) = to_input_request(&crossterm::event::Event::Key(key)) {
                        input.handle(req);
                    }
                    self.overlay = Some(Overlay::Palette(input));
                    Some(Vec::new())
                }
            },
        }
    }

    /// A key, offered in this order: an overlay, a screen's text field, the screen over the
    /// wizard, then the wizard (its step or the pane, then the wizard's own keys).
    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if let Some(cmds) = self.on_overlay_key(key) {
            return cmds;
        }
        self.status = None;
        if let Some(o) = self.ops.as_mut()
            && o.in_text()
        {
            let watching = o.watching();
            let ctx = Ctx {
                presets: &self.presets,
                chart: self.chart.as_deref(),
            };
            let e = o.key(key, &mut self.project, &ctx);
            return self.ops_effect(e, watching).unwrap_or_default();
        }
        let scopes = self.scopes();
        let in_text = self.in_text();
        let action = keys::action(&scopes, &key, in_text);
        if self.ops.is_some() {
            return action.map(|a| self.on_ops_action(a)).unwrap_or_default();
        }
        if matches!(scopes[0], Scope::Pane | Scope::PaneNetwork) {
            if let Some(a) = action
                && self.pane.action(a)
            {
                return Vec::new();
            }
        } else if let Some(a) = action {
            match self.dispatch(|s, p, c| s.action(a, p, c)) {
                Effect::Unhandled => {}
                o => return self.outcome(o),
            }
        } else {
            let o = self.dispatch(|s, p, c| s.key(key, p, c));
            return self.outcome(o);
        }
        match action {
            Some(a) => self.on_wizard_action(a),
            None => Vec::new(),
        }
    }

    /// An action on the screen over the wizard: the screen's, else the few global keys that
    /// do not touch the wizard.
    fn on_ops_action(&mut self, a: Action) -> Vec<Cmd> {
        let Some(o) = self.ops.as_mut() else {
            return Vec::new();
        };
        let watching = o.watching();
        let (before, back) = (o.ident(), o.back());
        let ctx = Ctx {
            presets: &self.presets,
            chart: self.chart.as_deref(),
        };
        let effect = o.action(a, &mut self.project, &ctx);
        if o.ident() != before
            && let Some(b) = back
        {
            self.ops_back.push(b);
        }
        if let Some(cmds) = self.ops_effect(effect, watching) {
            return cmds;
        }
        match a {
            Action::Help | Action::Palette | Action::CycleTheme => self.global(a),
            Action::Quit if self.ops.as_ref().is_some_and(OpsScreen::busy) => {
                self.status =
                    Some("helm is running: q twice detaches, Ctrl-C twice interrupts it".into());
                Vec::new()
            }
            Action::Quit => self.quit(),
            _ => Vec::new(),
        }
    }

    /// The keys that work over every screen: the help, the palette, the next theme.
    fn global(&mut self, a: Action) -> Vec<Cmd> {
        match a {
            Action::Help => self.overlay = Some(Overlay::Help),
            Action::Palette => self.overlay = Some(Overlay::Palette(Input::default())),
            Action::CycleTheme => {
                if let Err(e) = self.cycle_theme(None) {
                    self.status = Some(e);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The wizard's own keys (neither the step nor the pane took the action).
    fn on_wizard_action(&mut self, a: Action) -> Vec<Cmd> {
        match a {
            Action::Quit => self.quit(),
            Action::Help | Action::Palette | Action::CycleTheme => self.global(a),
            Action::Back if self.import_step.is_some() && self.step == StepId::Preset => {
                // Leaving the import: back to the presets.
                self.import_step = None;
                self.pane.render = None;
                self.pane.report = None;
                Vec::new()
            }
            Action::Back if self.import_step.is_some() && !self.focus_pane => {
                self.go(StepId::Preset)
            }
            Action::Back => {
                if self.focus_pane {
                    self.focus_pane = false;
                    return Vec::new();
                }
                if !self.pane_beside() && self.show_pane {
                    self.show_pane = false;
                    return Vec::new();
                }
                match self.step.prev() {
                    Some(p) => self.go(p),
                    None => Vec::new(),
                }
            }
            Action::Review => self.go(StepId::Review),
            Action::Deploy => {
                let env = self.pane.env.clone();
                self.open_deploy(env.as_deref()).unwrap_or_else(|e| {
                    self.status = Some(e);
                    Vec::new()
                })
            }
            Action::FocusPane => {
                if self.pane_beside() {
                    self.focus_pane = !self.focus_pane;
                } else {
                    self.show_pane = !self.show_pane;
                }
                Vec::new()
            }
            Action::TogglePane => {
                self.show_pane = !self.show_pane;
                Vec::new()
            }
            Action::NextEnv => self.next_env(None).unwrap_or_default(),
            Action::PageDown | Action::PageUp => {
                self.pane.action(a);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn outcome(&mut self, o: Effect) -> Vec<Cmd> {
        match o {
            Effect::Unhandled | Effect::Handled | Effect::Close | Effect::Open(..) => Vec::new(),
            Effect::Cmds(c) => c,
            Effect::Refused(why) => {
                self.status = Some(why);
                Vec::new()
            }
            Effect::Changed => {
                self.changed();
                Vec::new()
            }
            Effect::StartImport(kind) => {
                self.import_step = Some(ImportStep::new(kind));
                Vec::new()
            }
            Effect::Import(req) => vec![Cmd::Import(req)],
            Effect::Next if self.import_step.is_some() => self.go(StepId::Review),
            Effect::Write if self.import_step.is_some() => match self.import_proof() {
                Some(proof) => vec![Cmd::WriteImport {
                    proof,
                    out_dir: self.project.out_dir.clone(),
                }],
                None => {
                    self.review_step.writing = false;
                    Vec::new()
                }
            },
            Effect::Next => {
                if self.step == StepId::Preset {
                    // A preset chosen: new answers to check.
                    self.changed();
                }
                match self.step.next() {
                    Some(n) => self.go(n),
                    None => Vec::new(),
                }
            }
            Effect::Write => match self.project.answers() {
                Ok(answers) => vec![Cmd::Write {
                    answers,
                    out_dir: self.project.out_dir.clone(),
                }],
                Err(e) => {
                    self.review_step.writing = false;
                    self.status = Some(e);
                    Vec::new()
                }
            },
        }
    }
}

/// The one update function: a message in, the commands it asks for out. Never awaits.
pub fn update(s: &mut State, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Key(k) => {
            let cmds = s.on_key(k);
            if s.quit && k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL)
            {
                s.exit_status = 130;
            }
            cmds
        }
        Msg::Mouse(m) => {
            match m.kind {
                MouseEventKind::ScrollDown => {
                    s.pane.action(Action::Down);
                }
                MouseEventKind::ScrollUp => {
                    s.pane.action(Action::Up);
                }
                _ => {}
            }
            Vec::new()
        }
        Msg::Resize(w, h) => {
            s.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => match s.check_due {
            Some(due) if due <= now => s.check_now(),
            _ => Vec::new(),
        },
        Msg::Signal(name) => {
            s.quit = true;
            s.exit_status = match name {
                "SIGTERM" => 143,
                "SIGHUP" => 129,
                _ => 130,
            };
            vec![Cmd::Quit]
        }
        Msg::Rendered {
            generation,
            env,
            result,
        } => {
            if generation == s.check_generation && env == s.pane.env {
                s.pane.set_render(result);
            }
            Vec::new()
        }
        Msg::Validated {
            generation,
            env,
            result,
        } => {
            if generation == s.check_generation && env == s.pane.env {
                s.pane.report = Some(result);
                s.pane.running = false;
            }
            Vec::new()
        }
        Msg::Planned(r) => {
            s.review_step.files = Some(r);
            Vec::new()
        }
        Msg::Note(n) => {
            match s.ops.as_mut() {
                Some(o) => o.note(n),
                None => s.status = Some(n),
            }
            Vec::new()
        }
        Msg::Imported(r) => s.imported(r),
        Msg::Ops(m) => match s.ops.as_mut() {
            Some(o) => o.update(m),
            None => Vec::new(),
        },
        Msg::Written(r) => {
            s.review_step.writing = false;
            let ok = r.is_ok();
            s.review_step.written = Some(r);
            if ok {
                s.dirty = false;
                s.status = Some("files written".into());
                if let Some(proof) = s.import_proof() {
                    return vec![Cmd::PlanImport {
                        proof,
                        out_dir: s.project.out_dir.clone(),
                    }];
                }
                if let Ok(a) = s.project.answers() {
                    s.project.base = Some(a.clone());
                    return vec![Cmd::Plan {
                        answers: a,
                        out_dir: s.project.out_dir.clone(),
                    }];
                }
            }
            Vec::new()
        }
    }
}
