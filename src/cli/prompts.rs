//! Asking for missing answers on a terminal (`inquire`). Without a terminal, or with
//! `--non-interactive`, nothing is asked: [`Asker::missing`] fails at once naming the flag.
use std::io::IsTerminal;

use crate::core::base::error::{Error, Result};
use crate::core::inputs::presets::{AnswerType, Question};

/// Asks, or refuses to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Asker {
    pub interactive: bool,
}

impl Asker {
    /// Interactive when allowed and both stdin and stderr are terminals (prompts draw on stderr).
    pub(crate) fn new(non_interactive: bool) -> Self {
        Asker {
            interactive: !non_interactive
                && std::io::stdin().is_terminal()
                && std::io::stderr().is_terminal(),
        }
    }

    /// The error for an answer that cannot be asked.
    pub(crate) fn missing(question: &str, flag: &str) -> Error {
        Error::MissingAnswer {
            question: question.to_string(),
            flag: flag.to_string(),
        }
    }

    /// Free text (with a default and a check).
    pub(crate) fn text(
        &self,
        prompt: &str,
        help: Option<&str>,
        default: Option<&str>,
        flag: &str,
        check: fn(&str) -> std::result::Result<(), String>,
    ) -> Result<String> {
        if !self.interactive {
            return Err(Self::missing(prompt, flag));
        }
        let mut p = inquire::Text::new(prompt);
        if let Some(h) = help {
            p = p.with_help_message(h);
        }
        if let Some(d) = default {
            p = p.with_default(d);
        }
        let p = p.with_validator(move |s: &str| {
            Ok(match check(s) {
                Ok(()) => inquire::validator::Validation::Valid,
                Err(m) => inquire::validator::Validation::Invalid(m.into()),
            })
        });
        p.prompt().map_err(cancelled)
    }

    /// One of `options`.
    pub(crate) fn select(&self, prompt: &str, options: Vec<String>, flag: &str) -> Result<String> {
        if !self.interactive {
            return Err(Self::missing(prompt, flag));
        }
        inquire::Select::new(prompt, options)
            .prompt()
            .map_err(cancelled)
    }

    /// Some of `options` (all pre-selected).
    pub(crate) fn multi(
        &self,
        prompt: &str,
        options: Vec<String>,
        flag: &str,
    ) -> Result<Vec<String>> {
        if !self.interactive {
            return Err(Self::missing(prompt, flag));
        }
        let all: Vec<usize> = (0..options.len()).collect();
        inquire::MultiSelect::new(prompt, options)
            .with_default(&all)
            .prompt()
            .map_err(cancelled)
    }

    /// A preset question, answered as the text of a `--set` value.
    pub(crate) fn question(&self, q: &Question, flag: &str) -> Result<String> {
        if !self.interactive {
            return Err(Self::missing(&q.prompt, flag));
        }
        match q.answer_type {
            AnswerType::Boolean => {
                let mut p = inquire::Confirm::new(&q.prompt);
                if let Some(d) = q.default.as_ref().and_then(|d| d.as_bool()) {
                    p = p.with_default(d);
                }
                if let Some(h) = &q.help {
                    p = p.with_help_message(h);
                }
                p.prompt().map(|b| b.to_string()).map_err(cancelled)
            }
            AnswerType::Choice => inquire::Select::new(&q.prompt, q.options.clone())
                .prompt()
                .map_err(cancelled),
            AnswerType::Integer => {
                let default = q.default.as_ref().map(|d| d.to_string());
                self.text(
                    &q.prompt,
                    q.help.as_deref(),
                    default.as_deref(),
                    flag,
                    |s| {
                        s.trim()
                            .parse::<i64>()
                            .map(|_| ())
                            .map_err(|_| "a whole number, please".into())
                    },
                )
            }
            AnswerType::String => {
                let default = q
                    .default
                    .as_ref()
                    .and_then(|d| d.as_str().map(str::to_string));
                let help = q
                    .help
                    .clone()
                    .or_else(|| q.example.as_ref().map(|e| format!("e.g. {e}")));
                self.text(&q.prompt, help.as_deref(), default.as_deref(), flag, |s| {
                    if s.trim().is_empty() {
                        Err("an answer is needed".into())
                    } else {
                        Ok(())
                    }
                })
            }
        }
    }
}

fn cancelled(e: inquire::InquireError) -> Error {
    match e {
        inquire::InquireError::OperationCanceled | inquire::InquireError::OperationInterrupted => {
            Error::Usage("cancelled".into())
        }
        other => Error::Usage(format!("cannot ask: {other}; pass the answer as a flag")),
    }
}
