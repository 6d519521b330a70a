//! The node entrypoint, run on the host with /bin/sh and with busybox sh,
//! the shells of the project's images.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use trainc::plan::ENTRYPOINT_SCRIPT;

/// Shells the entrypoint must run under: the host's POSIX sh and busybox.
const SHELLS: [&[&str]; 2] = [&["/bin/sh"], &["/usr/bin/busybox", "sh"]];

/// Arguments that break naive quoting, heredocs or word splitting.
const HOSTILE_ARGS: &[&str] = &[
    "plain",
    "",
    "two words",
    "it's",
    "\"double\"",
    "$(touch /tmp/trainc-entrypoint-pwned)",
    "`id`",
    "$HOME",
    "${PATH}",
    "line one\nline two",
    "EOF",
    "PYTHON",
    "a\nEOF\nb",
    "back\\slash\\n",
    "*",
    "-n",
    "%s%d",
    "tab\there",
    "trailing newline\n",
    "ünïcödé",
];

struct Sandbox {
    folder: PathBuf,
    script: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Self {
        let folder =
            std::env::temp_dir().join(format!("trainc-entrypoint-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&folder);
        fs::create_dir_all(&folder).unwrap();
        let script = folder.join("entrypoint.sh");
        fs::write(&script, ENTRYPOINT_SCRIPT).unwrap();
        Self { folder, script }
    }

    /// Runs the entrypoint under `shell` with `argv` after it, with
    /// TRAINC_DIR pointing at the sandbox and the given extra environment.
    /// trainc never sets TRAINC_DIR in a plan, so nodes use /opt/trainc.
    fn run(&self, shell: &[&str], argv: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(shell[0]);
        command
            .args(&shell[1..])
            .arg(&self.script)
            .args(argv)
            .env_remove("TRAINC_WAIT_FOR_MASTER")
            .env_remove("TRAINC_MASTER_TIMEOUT")
            .env("TRAINC_DIR", &self.folder)
            .env("PIP_NO_INDEX", "1");
        for (name, value) in env {
            command.env(name, value);
        }
        command
            .output()
            .unwrap_or_else(|error| panic!("running {shell:?} failed: {error}"))
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.folder);
    }
}

/// Splits NUL-terminated records, as printed by `printf '%s\0'`.
fn nul_records(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|byte| *byte == 0)
        .map(|record| String::from_utf8(record.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .split_last()
        .map(|(last, records)| {
            assert_eq!(last, "", "output ends with NUL");
            records.to_vec()
        })
        .unwrap()
}

fn printer_argv<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut argv = vec!["/usr/bin/printf", "%s\\0"];
    argv.extend_from_slice(args);
    argv
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn hostile_argv_arrives_byte_identical() {
    let sandbox = Sandbox::new("argv");

    for shell in SHELLS {
        let output = sandbox.run(shell, &printer_argv(HOSTILE_ARGS), &[]);

        assert!(output.status.success(), "{shell:?}: {}", stderr_of(&output));
        assert_eq!(nul_records(&output.stdout), HOSTILE_ARGS, "{shell:?}");
    }
    assert!(!Path::new("/tmp/trainc-entrypoint-pwned").exists());
}

#[test]
fn entrypoint_execs_the_command() {
    let sandbox = Sandbox::new("exec");

    for shell in SHELLS {
        let child = Command::new(shell[0])
            .args(&shell[1..])
            .arg(&sandbox.script)
            .args(["/bin/sh", "-c", "echo $$"])
            .env("TRAINC_DIR", &sandbox.folder)
            .env_remove("TRAINC_WAIT_FOR_MASTER")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        let output = child.wait_with_output().unwrap();

        let printed: u32 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap();
        assert_eq!(
            printed, pid,
            "{shell:?}: the command runs in the entrypoint's process"
        );
    }
}

#[test]
fn command_exit_code_passes_through() {
    let sandbox = Sandbox::new("exit-code");

    for shell in SHELLS {
        let output = sandbox.run(shell, &["/bin/sh", "-c", "exit 7"], &[]);

        assert_eq!(output.status.code(), Some(7), "{shell:?}");
    }
}

#[test]
fn waits_until_master_accepts() {
    let sandbox = Sandbox::new("wait-ok");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();

    for shell in SHELLS {
        let output = sandbox.run(
            shell,
            &printer_argv(&["started"]),
            &[
                ("TRAINC_WAIT_FOR_MASTER", "1"),
                ("MASTER_ADDR", "127.0.0.1"),
                ("MASTER_PORT", &port),
                ("TRAINC_MASTER_TIMEOUT", "30"),
            ],
        );

        assert!(output.status.success(), "{shell:?}: {}", stderr_of(&output));
        assert!(output.stdout.ends_with(b"started\0"), "{shell:?}");
    }
}

#[test]
fn wait_timeout_fails_clearly() {
    let sandbox = Sandbox::new("wait-timeout");
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port().to_string()
    };

    for shell in SHELLS {
        let output = sandbox.run(
            shell,
            &printer_argv(&["started"]),
            &[
                ("TRAINC_WAIT_FOR_MASTER", "1"),
                ("MASTER_ADDR", "127.0.0.1"),
                ("MASTER_PORT", &closed_port),
                ("TRAINC_MASTER_TIMEOUT", "0"),
            ],
        );

        assert_eq!(output.status.code(), Some(1), "{shell:?}");
        assert!(
            stderr_of(&output).contains(
                "trainc: timed out after 0 s waiting for the rendezvous master at 127.0.0.1:"
            ),
            "{shell:?}: {}",
            stderr_of(&output)
        );
        assert!(
            !output.stdout.ends_with(b"started\0"),
            "{shell:?}: the command ran"
        );
    }
}

#[test]
fn invalid_master_timeout_rejected() {
    let sandbox = Sandbox::new("wait-invalid");

    let output = sandbox.run(
        SHELLS[0],
        &printer_argv(&["started"]),
        &[
            ("TRAINC_WAIT_FOR_MASTER", "1"),
            ("MASTER_ADDR", "127.0.0.1"),
            ("MASTER_PORT", "29500"),
            ("TRAINC_MASTER_TIMEOUT", "5m"),
        ],
    );

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("invalid TRAINC_MASTER_TIMEOUT '5m'"));
}

#[test]
fn pip_failure_stops_node_with_its_code() {
    let sandbox = Sandbox::new("pip-fail");
    fs::write(
        sandbox.folder.join("requirements.txt"),
        "this is not ~ a valid requirement !!\n",
    )
    .unwrap();

    for shell in SHELLS {
        let output = sandbox.run(shell, &printer_argv(&["started"]), &[]);

        let code = output.status.code().expect("an exit code");
        assert_ne!(code, 0, "{shell:?}");
        let stderr = stderr_of(&output);
        assert!(
            stderr.contains(&format!("trainc: pip install failed with exit code {code}")),
            "{shell:?}: {stderr}"
        );
        assert!(
            !output.stdout.ends_with(b"started\0"),
            "{shell:?}: the command ran"
        );
    }
}
