//! The one door the integration tests (`tests/*.rs`) come through. The library's modules are
//! crate-private, so the compiler reports dead code and a `pub` that nothing outside reaches;
//! the tests see only what is re-exported here, under the paths the items have inside the crate
//! (`apwiz::testing::core::values::read::parse_values` is `crate::core::values::read::parse_values`).
//! Adding a line here is how a test reaches something new; nothing else is exported.

pub mod core {
    pub mod fleet {
        pub mod impact {
            pub use crate::core::fleet::impact::{Class, EnvImpact, TeamImpact};
        }
        pub mod status {
            pub use crate::core::fleet::status::{
                EnvStatus, Live, PolicyCount, Status, TeamStatus, Validation,
            };
        }
        pub mod teams {
            pub use crate::core::fleet::teams::Header;
        }
        pub mod upgrade {
            pub use crate::core::fleet::upgrade::{Outcome, Verdict};
        }
    }
    pub use crate::core::base::error::ErrorKind;

    pub mod base {
        pub mod helm {
            pub use crate::core::base::helm::{Args, Helm, Locate, Version, locate};
        }
        pub mod jobs {
            pub use crate::core::base::jobs::Latest;
        }
        pub mod names {
            pub use crate::core::base::names::check;
        }
    }

    pub mod check {
        pub mod netpol {
            pub use crate::core::check::netpol::{
                Actor, Direction, Network, Protocol, pods_of, selects,
            };
        }
        pub use crate::core::check::Checker;
        pub mod manifests {
            pub use crate::core::check::manifests::{Object, parse};
        }
        pub mod pipeline {
            pub use crate::core::check::pipeline::validate_linting_the_team;
            pub use crate::core::check::pipeline::{check_in_process, layer_from_text, validate};
        }
        pub mod policies {
            pub use crate::core::check::policies::Policies;
        }
        pub mod report {
            pub use crate::core::check::report::{Finding, Report, Severity, Source, Timings};
        }
        pub mod schema {
            pub use crate::core::check::schema::SchemaCheck;
        }
    }

    pub mod docs {
        pub use crate::core::docs::example_answers;
    }

    pub mod import {
        pub mod lift {
            pub use crate::core::import::lift::{lines, minimal, without_lift};
        }
        pub mod manifests {
            pub use crate::core::import::manifests::{convert, read_text};
        }
    }

    pub mod inputs {
        pub use crate::core::inputs::{Inputs, Request, resolve};
        pub mod answers {
            pub use crate::core::inputs::answers::Answers;
            pub use crate::core::inputs::answers::ChartPin;
        }
        pub mod chart {
            pub use crate::core::inputs::chart::load;
        }
        pub mod presets {
            pub use crate::core::inputs::presets::{BUILTIN, Preset, PresetKind, builtin};
        }
    }

    pub mod ops {
        pub mod fleet {
            pub use crate::core::ops::fleet::{PlannedTeam, Request, Source, UpgradePlan};
        }
        pub mod import {
            pub use crate::core::ops::import::{Proof, Source, prove};
        }
        pub mod canary {
            pub use crate::core::ops::canary::{PodRow, Status};
        }
        pub mod deploy {
            pub use crate::core::ops::deploy::{DeployPlan, DeployPlanning, DeployRequest};
        }
        pub mod new {
            pub use crate::core::ops::new::{plan, write};
        }
        pub mod rollback {
            pub use crate::core::ops::rollback::RollbackPlan;
        }
        pub mod uninstall {
            pub use crate::core::ops::uninstall::UninstallPlan;
        }
    }

    pub mod release {
        pub mod lease {
            pub use crate::core::release::lease::{Holder, Refusal};
        }
        pub use crate::core::release::{Cluster, Target, watch};
        pub mod cause {
            pub use crate::core::release::cause::CauseCard;
        }
        pub mod diff {
            pub use crate::core::release::diff::{Change, PathChange};
        }
        pub mod events {
            pub use crate::core::release::events::{Kind, Phase, ReleaseEvent};
        }
        pub mod ops {
            pub use crate::core::release::ops::HookObject;
        }
        pub mod prechecks {
            pub use crate::core::release::prechecks::{Check, Status};
        }
        pub mod records {
            pub use crate::core::release::records::{History, Revision, Source};
        }
        pub mod releases {
            pub use crate::core::release::releases::Release;
        }
    }

    pub mod scaffold {
        pub mod overrides {
            pub use crate::core::scaffold::overrides::{update_text, write_atomic};
        }
        pub mod project {
            pub use crate::core::scaffold::project::Start;
        }
    }

    pub mod session {
        pub use crate::core::session::{Options, Session};
    }

    pub mod values {
        pub mod merge {
            pub use crate::core::values::merge::coalesce;
        }
        pub mod read {
            pub use crate::core::values::read::parse_values;
        }
        pub mod setexpr {
            pub use crate::core::values::setexpr::SetExpr;
        }
    }
}

pub mod tui {
    pub use crate::tui::{fleet_state, initial_state};

    pub mod app {
        pub use crate::tui::app::{Overlay, State, update};
    }
    pub mod highlight {
        pub use crate::tui::highlight::yaml;
    }
    pub mod jobs {
        pub use crate::tui::jobs::Jobs;
        pub use crate::tui::jobs::review_files;
        pub use crate::tui::jobs::{plan_import, render_result, write_import};
    }
    pub mod keys {
        pub use crate::tui::keys::Action;
        pub use crate::tui::keys::Scope;
    }
    pub mod msg {
        pub use crate::tui::msg::FleetProgress;
        pub use crate::tui::msg::{
            After, Cmd, Msg, OpEnd, OpsMsg, RenderResult, RevisionView, Shared, StatusHead,
        };
    }
    pub mod screens {
        pub mod fleet {
            pub use crate::tui::screens::fleet::{FleetScreen, SortBy, UpgradeStage, View};
        }
        pub use crate::tui::screens::{
            Effect, OpScreen, OpsScreen, Panel, Stage, canary_screen, deploy, history, releases,
            status,
        };
    }
    pub mod steps {
        pub mod import {
            pub use crate::tui::steps::import::{Kind, Phase};
        }
        pub use crate::tui::steps::{Step, StepId};
        pub mod envs {
            pub use crate::tui::steps::envs::{Cell, cells};
        }
        pub mod features {
            pub use crate::tui::steps::features::{Cell, cells};
        }
    }
    pub mod style {
        pub use crate::tui::style::Styles;
    }
    pub mod view {
        pub use crate::tui::view::draw;
    }
}
