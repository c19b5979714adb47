//! A real terminal for end-to-end tests: a tmux server of the test's own (its own socket) with
//! one 120×36 `sh` whose prompt is `READY$ `, keys and text sent to it, and a wait for what the
//! screen shows. Test files add their own ways of typing and waiting as further `impl Tmux`
//! blocks.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The one session of every test's tmux server (`send-keys -t SESSION`).
pub const SESSION: &str = "t";

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts the server (socket `apwiz-<name>-<pid>`) with the shell in `dir`; None (and a note
    /// on stderr) when tmux is not installed.
    pub fn new_session(name: &str, dir: &Path) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("skipped: tmux is not installed (scripts/install-tools.sh installs it)");
            return None;
        }
        let t = Tmux {
            socket: format!("apwiz-{name}-{}", std::process::id()),
        };
        let ok = t
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                SESSION,
                "-x",
                "120",
                "-y",
                "36",
                "-c",
            ])
            .arg(dir)
            .args(["env", "PS1=READY$ ", "TERM=xterm-256color", "sh"])
            .status()
            .expect("run tmux")
            .success();
        assert!(ok, "tmux new-session");
        Some(t)
    }

    /// A tmux command on this server.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]).args(args);
        c
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        let o = self
            .cmd(&["capture-pane", "-p", "-t", SESSION])
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
}

impl Tmux {
    /// Sends tmux key names (`Enter`, `Escape`, `C-c`, a character), one after another.
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let st = self.cmd(&["send-keys", "-t", SESSION, k]).status().unwrap();
            assert!(st.success());
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Types `text` as it is.
    pub fn text(&self, text: &str) {
        let st = self
            .cmd(&["send-keys", "-t", SESSION, "-l", text])
            .status()
            .unwrap();
        assert!(st.success());
        std::thread::sleep(Duration::from_millis(60));
    }

    /// The screen once it shows `needle` (`what` names it if it never does within `within`).
    pub fn wait_long(&self, needle: &str, what: &str, within: Duration) -> String {
        let end = Instant::now() + within;
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            assert!(
                Instant::now() < end,
                "waited for {what} ({needle:?}); the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}
