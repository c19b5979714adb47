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
    #[error("{0}")]
    Invalid(String),
    #[error("{} exists; pass --force to update it (comments and hand-written keys are kept, a backup is written to {}.bak)", path.display(), path.display())]
    WouldOverwrite { path: PathBuf },
    #[error("missing answer: {question}; pass {flag}")]
    MissingAnswer { question: String, flag: String },
    #[error("cancelled: a newer request superseded this one")]
    Cancelled,
}

impl Error {
    /// The kind of this error (decides the exit code).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Usage(_) | Error::WouldOverwrite { .. } | Error::MissingAnswer { .. } => {
                ErrorKind::Usage
            }
            Error::Environment(_) => ErrorKind::Environment,
            _ => ErrorKind::Failure,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
