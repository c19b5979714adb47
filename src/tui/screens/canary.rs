//! The canary screen: the set weight against the route's, both sides' pods, and keys that step,
//! promote or abort it (each a deploy with the canary's `--set`s from
//! [`core::ops::canary`](crate::core::ops::canary), planned then confirmed).
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::core::ops::canary;
use crate::core::ops::deploy::DeployRequest;
use crate::core::release::Target;
use crate::tui::component::{Ctx, Screen};
use crate::tui::keys::{Action, Scope};
use crate::tui::msg::{After, Cmd, OpsMsg, Shared};
use crate::tui::project::Project;
use crate::tui::screens::op::deploy;
use crate::tui::screens::{Effect, Next, OpsScreen, block};
use crate::tui::style::Styles;

/// The canary of a release: the set weight against the route's, both sides' pods, and keys that
/// step, promote or abort it (each a deploy with the canary's `--set`s, planned then confirmed).
#[derive(Debug, Clone)]
pub struct CanaryScreen {
    pub target: Target,
    /// The team's files the steps deploy.
    pub request: crate::core::inputs::Request,
    pub release: String,
    pub service: Option<String>,
    pub status: Option<Result<canary::Status, String>>,
    pub note: Option<String>,
}

/// The weights `+` and `-` move between.
pub(crate) const CANARY_LADDER: [u8; 4] = [5, 25, 50, 100];

/// The canary screen, loading.
pub fn canary_screen(
    target: Target,
    request: crate::core::inputs::Request,
    release: &str,
    service: Option<String>,
) -> (OpsScreen, Vec<Cmd>) {
    let cmd = Cmd::CanaryStatus {
        target: Shared::new(target.clone()),
        release: release.to_string(),
        service: service.clone(),
    };
    (
        OpsScreen::Canary(Box::new(CanaryScreen {
            target,
            request,
            release: release.to_string(),
            service,
            status: None,
            note: None,
        })),
        vec![cmd],
    )
}

impl CanaryScreen {
    /// A canary action as a deploy screen (`None` with a note when it cannot run now).
    fn act(&mut self, a: canary::Action) -> Option<(OpsScreen, Vec<Cmd>)> {
        let Some(Ok(st)) = &self.status else {
            self.note = Some("the canary's state is not read yet (r reads it again)".into());
            return None;
        };
        let opts = match canary::options(&a, self.service.as_deref(), st, None) {
            Ok(o) => o,
            Err(e) => {
                self.note = Some(e.to_string());
                return None;
            }
        };
        // The canary's release, whatever the directory's name says.
        let mut request = self.request.clone();
        request.release = Some(self.release.clone());
        let req = DeployRequest {
            target: self.target.clone(),
            request,
            opts,
        };
        let (mut screen, cmds) = deploy(req, &self.release);
        if let OpsScreen::Op(o) = &mut screen {
            o.op = "canary";
            if a == canary::Action::Promote
                && let Some(image) = &st.canary_image
            {
                o.after = Some(After::WriteImage {
                    file: canary::team_values(&self.request.dir),
                    service: self.service.clone(),
                    image: image.clone(),
                });
            }
        }
        Some((screen, cmds))
    }

    /// The next weight up or down the ladder from the route's.
    fn next_weight(&self, up: bool) -> Option<u8> {
        let Some(Ok(st)) = &self.status else {
            return None;
        };
        let now = st.set_weight.unwrap_or(st.route_weight()) as u8;
        if up {
            CANARY_LADDER.iter().copied().find(|w| *w > now)
        } else {
            CANARY_LADDER.iter().rev().copied().find(|w| *w < now)
        }
    }
}

impl CanaryScreen {
    /// A key's action: a step, promote or abort opens a deploy screen; `r` reads the state again.
    fn on_action(&mut self, a: Action) -> Next {
        let act = match a {
            Action::StepUp | Action::StepDown => match self.next_weight(a == Action::StepUp) {
                Some(w) => canary::Action::Step(w),
                None => {
                    self.note = Some(format!(
                        "no further step that way (steps: {CANARY_LADDER:?}); p promotes, x aborts"
                    ));
                    return Next::Stay(Effect::Cmds(Vec::new()));
                }
            },
            Action::Promote => canary::Action::Promote,
            Action::Abort => canary::Action::Abort,
            Action::Refresh => {
                self.status = None;
                return Next::Stay(Effect::Cmds(vec![Cmd::CanaryStatus {
                    target: Shared::new(self.target.clone()),
                    release: self.release.clone(),
                    service: self.service.clone(),
                }]));
            }
            Action::Close => return Next::Stay(Effect::Close),
            _ => return Next::Stay(Effect::Unhandled),
        };
        match self.act(act) {
            Some((screen, cmds)) => Next::Open(screen, cmds),
            None => Next::Stay(Effect::Cmds(Vec::new())),
        }
    }

    /// A background result: the canary's state.
    fn on_msg(&mut self, m: OpsMsg) {
        if let OpsMsg::Canary(r) = m {
            self.status = Some(r);
        }
    }
}

/// The header line.
pub(super) fn header(c: &CanaryScreen, st: &Styles) -> Line<'static> {
    Line::from(vec![
        Span::styled("apwiz canary ", st.title),
        Span::styled(c.release.clone(), st.accent),
        Span::raw(
            c.service
                .as_ref()
                .map(|x| format!(" service {x}"))
                .unwrap_or_default(),
        ),
    ])
}

/// Draws the screen.
pub(super) fn draw(f: &mut Frame, area: Rect, c: &CanaryScreen, st: &Styles) {
    let mut l = Vec::new();
    match &c.status {
        None => l.push(Line::from(Span::styled(
            "reading the canary: Deployments, pods, the HTTPRoute, the release's values…",
            st.muted,
        ))),
        Some(Err(e)) => l.push(Line::from(Span::styled(e.clone(), st.error))),
        Some(Ok(s)) => {
            if s.on() {
                let set = s
                    .set_weight
                    .map(|w| format!("{w}%"))
                    .unwrap_or_else(|| "?".into());
                l.push(Line::from(vec![
                    Span::styled("weight ", st.title),
                    Span::raw(format!("set {set} · the route sends ")),
                    Span::styled(format!("{}%", s.route_weight()), st.accent),
                    Span::raw(" to the canary"),
                ]));
                // A bar of the route's split: stable ░, canary █.
                let width = 40usize;
                let canary = (s.route_weight() as usize * width).div_ceil(100).min(width);
                l.push(Line::from(vec![
                    Span::styled("░".repeat(width - canary), st.muted),
                    Span::styled("█".repeat(canary), st.accent),
                ]));
            } else {
                l.push(Line::from(Span::styled(
                    "no canary running: all traffic to stable (start one with apwiz canary start --image IMAGE)",
                    st.muted,
                )));
            }
            l.push(Line::raw(""));
            let side = |name: &str, image: &Option<String>, pods: &[canary::PodRow]| {
                let mut out = vec![Line::from(vec![
                    Span::styled(format!("{name:<8}"), st.title),
                    Span::raw(image.clone().unwrap_or_else(|| "-".into())),
                ])];
                for p in pods {
                    out.push(Line::from(vec![
                        Span::raw(format!("  {} ", p.name)),
                        Span::styled(
                            if p.ready { "ready" } else { "not ready" },
                            if p.ready { st.ok } else { st.warning },
                        ),
                        Span::styled(
                            format!(" · {} · {} restarts", p.phase, p.restarts),
                            if p.restarts > 0 { st.warning } else { st.muted },
                        ),
                    ]));
                }
                out
            };
            l.extend(side("stable", &s.stable_image, &s.stable_pods));
            if s.on() {
                l.extend(side("canary", &s.canary_image, &s.canary_pods));
            }
            for w in &s.warnings {
                l.push(Line::from(Span::styled(format!("! {w}"), st.warning)));
            }
            l.push(Line::raw(""));
            l.push(Line::from(Span::styled(
                format!(
                    "+/- step the weight ({:?}) · p promote · x abort: each is a deploy, planned then confirmed",
                    CANARY_LADDER
                ),
                st.muted,
            )));
        }
    }
    if let Some(n) = &c.note {
        l.push(Line::from(Span::styled(format!("! {n}"), st.warning)));
    }
    f.render_widget(
        Paragraph::new(l)
            .wrap(Wrap { trim: false })
            .block(block(" canary ".to_string(), st)),
        area,
    );
}

impl Screen<OpsScreen> for CanaryScreen {
    fn release(&self) -> Option<(&Target, &str)> {
        Some((&self.target, &self.release))
    }

    fn scope(&self) -> Scope {
        Scope::Canary
    }

    fn action(&mut self, a: Action, _project: &mut Project, _ctx: &Ctx) -> Effect {
        self.on_action(a).into()
    }

    super::module_parts!(update);
}
