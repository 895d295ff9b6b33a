//! `habitd completions SHELL` and `habitd man`: generated from the clap
//! definitions, non-empty, and — run by a real bash — completing habit ids
//! read from the config at the moment Tab is pressed.

use std::path::Path;

use crate::pipes::{command, output_of};
use crate::support::TestHome;

const CONFIG: &str = r#"[settings]
timezone = "UTC"

[habits.sip]
title = "Sip"
at = "12:00"

[habits.tea]
title = "Tea"
at = "16:00"
"#;

fn stdout_of(home: &TestHome, args: &[&str]) -> String {
    let out = output_of(command(home, args));
    assert!(out.status.success(), "habitd {args:?}: {out:?}");
    assert!(out.stderr.is_empty(), "habitd {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn each_shell_gets_a_script_that_asks_habitd() {
    let home = TestHome::new();
    for (shell, registers) in [
        (
            "bash",
            "complete -o nospace -o bashdefault -o nosort -F _clap_complete_habitd habitd",
        ),
        ("zsh", "#compdef habitd"),
        ("fish", "complete --keep-order --exclusive --command habitd"),
    ] {
        let script = stdout_of(&home, &["completions", shell]);
        assert!(script.contains(registers), "{shell}:\n{script}");
        assert!(script.contains("_HABITD_COMPLETE"), "{shell}:\n{script}");
    }
    let wrong = output_of(command(&home, &["completions", "tcsh"]));
    assert_eq!(wrong.status.code(), Some(2));
}

/// What bash offers for `line` (ending where Tab is pressed), with the
/// script from `habitd completions bash` loaded and `habitd` on PATH.
fn bash_completes(home: &TestHome, line: &str) -> Vec<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_habitd")).parent().unwrap();
    let script = r#"
source <(habitd completions bash) || exit 3
read -r -a COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$LINE"
COMP_POINT=${#LINE}
_clap_complete_habitd habitd "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let cmd = command(home, &[]);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // The same environment, with bash in place of habitd.
    let mut bash = std::process::Command::new("bash");
    bash.arg("-c")
        .arg(script)
        .env("LINE", line)
        .env("PATH", path);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => bash.env(key, value),
            None => bash.env_remove(key),
        };
    }
    bash.current_dir(home.home_dir())
        .stdin(std::process::Stdio::null());
    let out = output_of(bash);
    assert!(out.status.success(), "bash for {line:?}: {out:?}");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_habit_ids_from_the_config_as_it_is_now() {
    let home = TestHome::new();
    home.write_config(CONFIG);
    let done = bash_completes(&home, "habitd done ");
    assert!(
        done.contains(&"sip".to_string()) && done.contains(&"tea".to_string()),
        "{done:?}"
    );
    assert_eq!(bash_completes(&home, "habitd done t"), ["tea"]);
    let snooze = bash_completes(&home, "habitd snooze ");
    assert!(snooze.contains(&"all".to_string()), "{snooze:?}");
    assert_eq!(bash_completes(&home, "habitd log s"), ["sip"]);
    assert!(bash_completes(&home, "habitd sn").contains(&"snooze".to_string()));

    // An edit shows at the next Tab, with no new script.
    home.write_config(&CONFIG.replace("tea", "walk"));
    assert_eq!(bash_completes(&home, "habitd done w"), ["walk"]);
}

#[test]
fn the_man_pages_are_roff_for_habitd_and_each_subcommand() {
    let home = TestHome::new();
    let page = stdout_of(&home, &["man"]);
    assert!(page.contains(".TH habitd 1"), "{page}");
    for sub in ["run", "init", "edit", "done", "completions"] {
        assert!(
            page.contains(&format!("habitd\\-{sub}(1)")),
            "{sub}:\n{page}"
        );
        let own = stdout_of(&home, &["man", sub]);
        assert!(
            own.contains(&format!(".TH habitd-{sub} 1")),
            "{sub}:\n{own}"
        );
        assert!(own.contains(".SH SYNOPSIS"), "{sub}:\n{own}");
    }
    let wrong = output_of(command(&home, &["man", "nope"]));
    assert_eq!(wrong.status.code(), Some(2));

    let dir = home.path().join("man1");
    std::fs::create_dir(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let out = output_of(command(&home, &["man", "--dir", dir_arg]));
    assert!(out.status.success(), "{out:?}");
    for file in ["habitd.1", "habitd-done.1", "habitd-service-install.1"] {
        let page = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(page.contains(".SH SYNOPSIS"), "{file}: {page:?}");
    }
    // The same page as `habitd man done` prints.
    assert_eq!(
        std::fs::read_to_string(dir.join("habitd-done.1")).unwrap(),
        stdout_of(&home, &["man", "done"])
    );
}
