//! The ready-made pipelines in docs/ci/ are valid YAML and call only dafu commands and flags that
//! exist: every `dafu …` command line in them is given to the real binary with `--help` appended,
//! which clap rejects (exit status 2) if a subcommand, flag or value is unknown.

use std::path::Path;
use std::process::Command;

use serde_yaml::Value;

fn load(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/ci")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"))
}

/// Every shell script in a pipeline: GitHub's `run:` steps, GitLab's `script` lists.
fn scripts(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, v) in map {
                let key = key.as_str().unwrap_or_default();
                match (key, v) {
                    ("run", Value::String(s)) => out.push(s.clone()),
                    ("script" | "before_script" | "after_script", Value::Sequence(lines)) => {
                        out.extend(lines.iter().filter_map(|l| l.as_str().map(str::to_owned)));
                    }
                    _ => scripts(v, out),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| scripts(v, out)),
        _ => {}
    }
}

/// Shell words of a command line: quotes removed, `$VAR` replaced by a placeholder value.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = command.chars().peekable();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (q, '$') if q != Some('\'') => {
                // $NAME or ${NAME}: a placeholder stands for the value.
                if chars.peek() == Some(&'{') {
                    for c in chars.by_ref() {
                        if c == '}' {
                            break;
                        }
                    }
                } else {
                    while chars
                        .peek()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                    {
                        chars.next();
                    }
                }
                word.push_str("placeholder");
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The dafu command lines of a script, as argument lists (without `dafu`), with redirections and
/// what follows `||`, `&&`, `;` or `|` left out.
fn dafu_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        let line = line.split(" #").next().unwrap_or(line).trim();
        for part in line
            .split("&&")
            .flat_map(|p| p.split("||"))
            .flat_map(|p| p.split(';'))
        {
            let command = part.split('|').next().unwrap_or(part);
            let mut args = words(command);
            if args.first().map(String::as_str) != Some("dafu") {
                continue;
            }
            args.remove(0);
            // Drop redirections: `> file`, `2>&1`, `>file`.
            let mut kept = Vec::new();
            let mut skip_next = false;
            for a in args {
                if skip_next {
                    skip_next = false;
                } else if a == ">" || a == ">>" || a == "<" {
                    skip_next = true;
                } else if !a.starts_with('>') && !a.starts_with("2>") {
                    kept.push(a);
                }
            }
            found.push(kept);
        }
    }
    found
}

#[track_caller]
fn assert_commands_exist(name: &str) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    scripts(&load(name), &mut all);
    let commands: Vec<Vec<String>> = all.iter().flat_map(|s| dafu_commands(s)).collect();
    assert!(!commands.is_empty(), "{name} runs no dafu command");
    for args in &commands {
        let output = Command::new(env!("CARGO_BIN_EXE_dafu"))
            .args(args)
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{name}: `dafu {}` is not a valid dafu command:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    commands
}

fn has(commands: &[Vec<String>], wanted: &[&str]) -> bool {
    commands
        .iter()
        .any(|args| wanted.iter().all(|w| args.iter().any(|a| a == w)))
}

#[test]
fn github_workflow_is_valid_and_calls_only_real_commands() {
    let workflow = load("github-actions.yml");
    assert!(workflow.get("jobs").is_some() && workflow.get("on").is_some());
    let commands = assert_commands_exist("github-actions.yml");
    assert!(
        has(&commands, &["check", "--format", "github"]),
        "{commands:?}"
    );
    assert!(
        has(&commands, &["build", "--cache", "--changes"]),
        "{commands:?}"
    );
}

#[test]
fn gitlab_pipeline_is_valid_and_calls_only_real_commands() {
    let pipeline = load("gitlab-ci.yml");
    let report = &pipeline["check"]["artifacts"]["reports"]["codequality"];
    assert_eq!(report.as_str(), Some("gl-code-quality-report.json"));
    let commands = assert_commands_exist("gitlab-ci.yml");
    assert!(
        has(&commands, &["check", "--format", "gitlab"]),
        "{commands:?}"
    );
    assert!(
        has(&commands, &["build", "--cache", "--changes"]),
        "{commands:?}"
    );
}

#[test]
fn a_command_that_does_not_exist_is_caught() {
    let commands = dafu_commands("dafu build --cach .dafu-cache > log.txt 2>&1 && echo ok");
    assert_eq!(commands, [["build", "--cach", ".dafu-cache"]]);
    let output = Command::new(env!("CARGO_BIN_EXE_dafu"))
        .args(&commands[0])
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        words(r#"dafu check --root "$SITE_DIR" --format 'github'"#),
        [
            "dafu",
            "check",
            "--root",
            "placeholder",
            "--format",
            "github"
        ]
    );
}
