//! The core's error type. Each error knows its [`ErrorKind`], which the binary maps to an exit
//! code (usage 2, environment 3, anything else 1).
use std::path::PathBuf;

/// What kind of problem an [`Error`] is; decides the exit code at the binary edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line or an answer is wrong or missing (exit 2).
    Usage,
    /// Something outside apwiz is missing or unusable: helm, the chart (exit 3).
    Environment,
    /// Anything else: a file that cannot be parsed or written (exit 1).
    Failure,
}

/// A setting the user can change to fix an error. The core names the setting; each front end
/// words the remedy its own way (a flag for the CLI, a field or config key for the TUI).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// The helm binary.
    Helm,
    /// The chart (directory or archive).
    Chart,
    /// Permission to update existing files.
    Force,
    /// The team's directory or its values files.
    Dir,
}

impl ErrorKind {
    /// The exit code this kind means: usage 2, environment 3, anything else 1. The one place.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Usage => 2,
            ErrorKind::Environment => 3,
            ErrorKind::Failure => 1,
        }
    }
}

/// Every failure the core can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Yaml {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Environment(String),
    /// Something outside apwiz is missing or unusable and a setting fixes it.
    #[error("{message}")]
    NeedsSetting { message: String, setting: Setting },
    #[error("{0}")]
    Invalid(String),
    #[error("{} exists", path.display())]
    WouldOverwrite { path: PathBuf },
    #[error("missing answer: {question}; pass {flag}")]
    MissingAnswer { question: String, flag: String },
}

impl Error {
    /// The kind of this error (decides the exit code).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_) | Error::WouldOverwrite { .. } | Error::MissingAnswer { .. } => {
                ErrorKind::Usage
            }
            Error::NeedsSetting {
                setting: Setting::Dir | Setting::Force,
                ..
            } => ErrorKind::Usage,
            Error::Environment(_) | Error::NeedsSetting { .. } => ErrorKind::Environment,
            _ => ErrorKind::Failure,
        }
    }

    /// The setting that fixes this error, for the front end to word.
    pub(crate) fn remedy(&self) -> Option<Setting> {
        match self {
            Error::NeedsSetting { setting, .. } => Some(*setting),
            Error::WouldOverwrite { .. } => Some(Setting::Force),
            _ => None,
        }
    }

    /// An environment problem that `setting` fixes.
    pub(crate) fn needs(setting: Setting, message: impl Into<String>) -> Self {
        Error::NeedsSetting {
            message: message.into(),
            setting,
        }
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The core's result type.
pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;
