//! The first screen's import: a team's existing manifests (files, a directory, a kustomize
//! directory) or a values file written for another chart, with its environments' overlays.
//! `Enter` runs the import in the background through `core::ops::import` (the CLI's
//! `apwiz import`); the report comes back as a list (what was kept per object, what the
//! platform changes on purpose, what could not be expressed, what was not imported) with the
//! exactness figure, while the side pane renders the imported values. `Enter` on the report
//! reviews the files; `Esc` goes back to the paths.
use crossterm::event::{Event, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use super::form::draw_field;
pub use super::import_kind::Kind;
use crate::core::import::Note;
use crate::core::import::charts::Convention;
use crate::core::inputs::presets::{AnswerType, Question};
use crate::core::ops::import::{Proof, Proven, Request, Source};
use crate::tui::component::{Ctx, Effect, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::Shared;
use crate::tui::project::{Field, Project};
use crate::tui::style::Styles;

/// Where the import is.
#[derive(Debug, Clone, Default)]
pub enum Phase {
    /// The paths are being typed.
    #[default]
    Ask,
    /// The import runs in the background.
    Running,
    /// It came back: proven, refused (findings), or an error (a bad path, a bad file).
    Done(Result<Shared<Proof>, String>),
}

/// The import screen.
#[derive(Debug)]
pub struct ImportStep {
    pub kind: Kind,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub phase: Phase,
    /// The first line of the report shown.
    pub scroll: usize,
}

const PATH: &str = "import.path";
const ENVS: &str = "import.envs";
const FROM: &str = "import.from";
const NAME: &str = "import.name";

fn field(path: &str, label: &str, help: &str, required: bool, options: &[&str]) -> Field {
    let question = Question {
        path: path.to_string(),
        prompt: label.to_string(),
        help: Some(help.to_string()),
        answer_type: if options.is_empty() {
            AnswerType::String
        } else {
            AnswerType::Choice
        },
        options: options.iter().map(|o| o.to_string()).collect(),
        default: None,
        example: None,
        required,
    };
    Field {
        path: path.to_string(),
        label: label.to_string(),
        help: Some(help.to_string()),
        question,
        input: Input::new(options.first().map(|o| o.to_string()).unwrap_or_default()),
        default: None,
        loaded: false,
        spec: None,
    }
}

impl ImportStep {
    pub fn new(kind: Kind) -> ImportStep {
        let mut fields = Vec::new();
        match kind {
            Kind::Manifests => {
                fields.push(field(
                    PATH,
                    "Manifests",
                    "a file, a directory or a kustomize directory (several: separate with spaces)",
                    true,
                    &[],
                ));
                fields.push(field(
                    ENVS,
                    "Environments",
                    "optional: ENV=PATH of each overlay, e.g. dev=overlays/dev prod=overlays/prod",
                    false,
                    &[],
                ));
            }
            Kind::Values => {
                fields.push(field(
                    PATH,
                    "Values file",
                    "the values.yaml written for the other chart",
                    true,
                    &[],
                ));
                fields.push(field(
                    FROM,
                    "Written for",
                    "helm-create, bitnami or app-template",
                    true,
                    &["helm-create", "bitnami", "app-template"],
                ));
                fields.push(field(
                    ENVS,
                    "Environments",
                    "optional: ENV=FILE of each environment's values, e.g. prod=values-prod.yaml",
                    false,
                    &[],
                ));
            }
        }
        fields.push(field(
            NAME,
            "Release name",
            "optional with one workload; the objects keep the names they have",
            false,
            &[],
        ));
        ImportStep {
            kind,
            fields,
            focus: 0,
            phase: Phase::Ask,
            scroll: 0,
        }
    }

    fn value(&self, path: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.value().trim().to_string())
            .unwrap_or_default()
    }

    /// Sets the field at `path` (tests, and a path given on the command line).
    pub fn set(&mut self, path: &str, value: &str) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.path == path) {
            f.input = Input::new(value.to_string());
        }
    }

    /// The request the fields make, or the first field that is not right.
    pub fn request(&self) -> Result<Request, (usize, String)> {
        if let Some((i, why)) = self
            .fields
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.check().err().map(|w| (i, format!("{}: {w}", f.label))))
        {
            return Err((i, why));
        }
        let words = |path: &str| -> Vec<String> {
            self.value(path)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        let paths: Vec<std::path::PathBuf> = words(PATH).into_iter().map(Into::into).collect();
        let source = match self.kind {
            Kind::Manifests => Source::Manifests(paths),
            Kind::Values => {
                let from = match self.value(FROM).as_str() {
                    "bitnami" => Convention::Bitnami,
                    "app-template" => Convention::AppTemplate,
                    _ => Convention::HelmCreate,
                };
                match paths.as_slice() {
                    [one] => Source::Values {
                        file: one.clone(),
                        from,
                    },
                    _ => {
                        return Err((0, "Values file: one file, please".into()));
                    }
                }
            }
        };
        let name = Some(self.value(NAME)).filter(|n| !n.is_empty());
        Ok(Request {
            source,
            envs: words(ENVS),
            name,
            kube_version: None,
            stdin: String::new(),
        })
    }

    /// The import's result arrived.
    pub fn set_result(&mut self, r: Result<Shared<Proof>, String>) {
        self.phase = Phase::Done(r);
        self.scroll = 0;
    }

    /// The proven import, once there is one.
    pub fn proven(&self) -> Option<(&Shared<Proof>, &Proven)> {
        match &self.phase {
            Phase::Done(Ok(shared)) => match &*shared.0 {
                Proof::Proven(p) => Some((shared, p)),
                Proof::Refused(_) => None,
            },
            _ => None,
        }
    }

    /// The report's lines, as the list shows them.
    pub fn report_lines(&self, st: &Styles) -> Vec<Line<'static>> {
        let mut out = Vec::new();
        match &self.phase {
            Phase::Ask => {}
            Phase::Running => out.push(Line::from(Span::styled(
                "importing… reading the input, converting, rendering with helm, checking",
                st.muted,
            ))),
            Phase::Done(Err(e)) => {
                out.push(Line::from(Span::styled(format!("✗ {e}"), st.error)));
                out.push(Line::from(Span::styled(
                    "nothing was written · fix the path or the files, then Enter imports again",
                    st.muted,
                )));
            }
            Phase::Done(Ok(shared)) => match &*shared.0 {
                Proof::Refused(findings) => {
                    out.push(Line::from(Span::styled(
                        "✗ the imported values do not validate; nothing can be written",
                        st.error,
                    )));
                    for f in findings {
                        out.push(Line::from(Span::styled(
                            format!("  {}", f.to_text()),
                            st.error,
                        )));
                    }
                }
                Proof::Proven(p) => report(p, st, &mut out),
            },
        }
        out
    }
}

/// What a compared field is about, for the kept line of its object: `env` for
/// `pod.containers.main.env.PORT`, `securityContext` for `pod.securityContext.fsGroup`.
fn area(field: &str) -> &str {
    let rest = field
        .strip_prefix("pod.containers.main.")
        .or_else(|| field.strip_prefix("pod."))
        .unwrap_or(field);
    rest.split(['.', '[']).next().unwrap_or(rest)
}

/// The report of a proven import: the figure, then each part per object and field.
fn report(p: &Proven, st: &Styles, out: &mut Vec<Line<'static>>) {
    let r = &p.report;
    let (exact, changed, lossy) = r.counted();
    let mut head = vec![
        Span::styled(format!("{:.1}% exact", r.share_exact() * 100.0), st.ok),
        Span::raw(format!(
            " · {exact} of {} fields kept · {changed} changed on purpose · {lossy} not expressible",
            exact + changed + lossy
        )),
    ];
    if let Some(ratio) = r.ratio {
        head.push(Span::styled(
            format!(" · values {:.0}% of the manifests' lines", ratio * 100.0),
            st.muted,
        ));
    }
    out.push(Line::from(head));
    let envs = if p.envs.is_empty() {
        String::new()
    } else {
        format!(" + values-{{{}}}.yaml", p.envs.join(","))
    };
    out.push(Line::from(Span::styled(
        format!(
            "release {} · values.yaml{envs} · Enter reviews and writes",
            p.release
        ),
        st.muted,
    )));
    // Kept: per object, the fields reproduced exactly.
    let mut kept: Vec<(&str, Vec<&str>)> = Vec::new();
    for n in &r.exact {
        match kept.iter_mut().find(|(o, _)| *o == n.object) {
            Some((_, fields)) => fields.push(&n.field),
            None => kept.push((&n.object, vec![&n.field])),
        }
    }
    if !kept.is_empty() {
        out.push(Line::from(Span::styled("kept", st.title)));
        for (object, fields) in kept {
            let mut areas: Vec<&str> = Vec::new();
            for f in &fields {
                let a = area(f);
                if !areas.contains(&a) {
                    areas.push(a);
                }
            }
            out.push(Line::from(vec![
                Span::styled("  ✓ ", st.ok),
                Span::styled(object.to_string(), st.path),
                Span::raw(format!(" {} field(s) exact", fields.len())),
                Span::styled(format!(": {}", areas.join(", ")), st.muted),
            ]));
        }
    }
    let (added, on_purpose): (Vec<&Note>, Vec<&Note>) = r.changed.iter().partition(|n| n.added);
    let parts: [(&str, Vec<&Note>, ratatui::style::Style, &str); 4] = [
        (
            "changed by the platform on purpose",
            on_purpose,
            st.accent,
            "~",
        ),
        (
            "could not be expressed",
            r.lossy.iter().collect(),
            st.error,
            "✗",
        ),
        (
            "not imported (on purpose)",
            r.skipped.iter().collect(),
            st.muted,
            "-",
        ),
        ("added by the platform (not counted)", added, st.muted, "+"),
    ];
    for (title, notes, style, mark) in parts {
        if notes.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(title.to_string(), st.title)));
        for n in notes {
            out.push(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::styled(n.object.clone(), st.path),
                Span::raw(format!(" {}: {}", n.field, n.message)),
            ]));
            if let Some(h) = &n.hatch {
                out.push(Line::from(Span::styled(
                    format!("      keep it: {h}"),
                    st.muted,
                )));
            }
        }
    }
    for (title, lines) in [("warnings of the checks", &r.warnings), ("to do", &r.todos)] {
        if !lines.is_empty() {
            out.push(Line::from(Span::styled(title.to_string(), st.warning)));
            for l in lines {
                out.push(Line::from(Span::raw(format!("  {l}"))));
            }
        }
    }
}

impl Screen for ImportStep {
    fn scope(&self) -> Scope {
        match self.phase {
            Phase::Ask => Scope::Form,
            _ => Scope::Import,
        }
    }

    fn in_text(&self) -> bool {
        matches!(self.phase, Phase::Ask)
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        let n = self.fields.len();
        match (&self.phase, a) {
            (Phase::Ask, Action::NextField) => {
                self.focus = (self.focus + 1) % n;
                Effect::Handled
            }
            (Phase::Ask, Action::PrevField) => {
                self.focus = (self.focus + n - 1) % n;
                Effect::Handled
            }
            (Phase::Ask, Action::Next) => match self.request() {
                Ok(req) => {
                    self.phase = Phase::Running;
                    Effect::Import(Box::new(req))
                }
                Err((i, why)) => {
                    self.focus = i;
                    Effect::Refused(why)
                }
            },
            (Phase::Running, Action::Back) => Effect::Handled,
            (Phase::Done(_), Action::Back) => {
                self.phase = Phase::Ask;
                Effect::Handled
            }
            (Phase::Done(_), Action::Up) => {
                self.scroll = self.scroll.saturating_sub(1);
                Effect::Handled
            }
            (Phase::Done(_), Action::Down) => {
                self.scroll += 1;
                Effect::Handled
            }
            (Phase::Done(_), Action::Next) => match self.proven() {
                Some(_) => Effect::Next,
                None => {
                    self.phase = Phase::Ask;
                    Effect::Handled
                }
            },
            _ => Effect::Unhandled,
        }
    }

    fn key(&mut self, key: KeyEvent, _project: &mut Project, _ctx: &Ctx) -> Effect {
        if !matches!(self.phase, Phase::Ask) {
            return Effect::Unhandled;
        }
        let Some(field) = self.fields.get_mut(self.focus) else {
            return Effect::Unhandled;
        };
        match to_input_request(&Event::Key(key)) {
            Some(req) => {
                field.input.handle(req);
                Effect::Handled
            }
            None => Effect::Unhandled,
        }
    }

    fn incomplete(&self, _project: &Project) -> Option<String> {
        match &self.phase {
            Phase::Done(Ok(_)) if self.proven().is_some() => None,
            Phase::Running => Some("the import is running".into()),
            _ => self
                .request()
                .err()
                .map(|(_, why)| why)
                .or_else(|| Some("Enter imports".into())),
        }
    }

    fn draw(&self, f: &mut Frame, area: Rect, _project: &Project, _ctx: &Ctx, st: &Styles) {
        f.render_widget(
            Paragraph::new(Span::styled(self.kind.title(), st.title)),
            Rect::new(area.x, area.y, area.width, 1.min(area.height)),
        );
        let mut y = 2u16;
        if matches!(self.phase, Phase::Ask) {
            for (i, field) in self.fields.iter().enumerate() {
                let used = draw_field(f, area, y, field, i == self.focus, true, st);
                if used == 0 {
                    break;
                }
                y += used;
            }
            y += 1;
            if y < area.height {
                f.render_widget(
                    Paragraph::new(Span::styled(
                        "Enter imports (nothing is written before the review) · Esc back to the presets",
                        st.muted,
                    ))
                    .wrap(Wrap { trim: true }),
                    Rect::new(area.x, area.y + y, area.width, area.height - y),
                );
            }
            return;
        }
        let from = self.value(PATH);
        let envs = self.value(ENVS);
        let mut said = vec![Span::styled("from ", st.muted), Span::styled(from, st.path)];
        if !envs.is_empty() {
            said.push(Span::styled(format!(" · {envs}"), st.muted));
        }
        said.push(Span::styled(" · Esc changes", st.muted));
        f.render_widget(
            Paragraph::new(Line::from(said)),
            Rect::new(area.x, area.y + 1, area.width, 1.min(area.height - 1)),
        );
        if area.height <= y {
            return;
        }
        let lines: Vec<Line> = self
            .report_lines(st)
            .into_iter()
            .skip(self.scroll)
            .collect();
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Rect::new(area.x, area.y + y, area.width, area.height - y),
        );
    }
}
