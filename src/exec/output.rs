//! Output while a job runs: node output prefixed by node name,
//! and progress (indicatif on a terminal, plain lines otherwise).

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};

/// Splits a node's output into lines and prints each as `node | line`.
/// A partial last line waits for the next chunk or for [`finish`](Self::finish).
pub struct PrefixedLines {
    prefix: String,
    pending: Vec<u8>,
}

impl PrefixedLines {
    pub fn new(node: &str, width: usize) -> Self {
        Self {
            prefix: format!("{node:<width$} | "),
            pending: Vec::new(),
        }
    }

    /// Appends bytes and returns the complete lines they finish.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        self.pending.extend_from_slice(bytes);
        let mut lines = Vec::new();
        while let Some(end) = self.pending.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            lines.push(self.format(&line[..line.len() - 1]));
        }
        lines
    }

    /// Returns the unfinished last line, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.pending.is_empty() {
            return None;
        }
        let line = std::mem::take(&mut self.pending);
        Some(self.format(&line))
    }

    fn format(&self, line: &[u8]) -> String {
        let text = String::from_utf8_lossy(line);
        format!("{}{}", self.prefix, text.trim_end_matches('\r'))
    }
}

/// Prints lines to stdout, flushing so that output from several nodes
/// interleaves line by line.
pub fn print_lines(lines: &[String]) {
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        // A closed pipe (`trainc apply | head`) must not stop the job.
        let _ = writeln!(stdout, "{line}");
    }
    let _ = stdout.flush();
}

/// Progress of the steps before a job runs: a spinner on a terminal,
/// plain lines on stderr otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("the template is valid"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    pub fn step(&self, message: impl Into<String>) {
        let message = message.into();
        match &self.bar {
            Some(bar) => bar.set_message(message),
            None => eprintln!("{message}"),
        }
    }

    /// Prints a line that stays, above the spinner on a terminal.
    pub fn note(&self, message: impl AsRef<str>) {
        match &self.bar {
            Some(bar) => bar.println(message.as_ref()),
            None => eprintln!("{}", message.as_ref()),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_lines_join_split_chunks() {
        let mut lines = PrefixedLines::new("job-node-1", 10);
        assert!(lines.push(b"hel").is_empty());
        assert_eq!(lines.push(b"lo\nwor"), ["job-node-1 | hello"]);
        assert_eq!(lines.finish().as_deref(), Some("job-node-1 | wor"));
        assert_eq!(lines.finish(), None);
    }
}
