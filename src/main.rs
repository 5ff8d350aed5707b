//! The `dafu` command. Every error is printed here, once; exit status 0 on success, 1 when the site's
//! files have problems (for `check`: errors, or warnings with `--deny-warnings`), 2 for usage or
//! input/output errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use dafu::diagnostic::display_path;
use dafu::import::{ImportError, ImportOptions, ImportReport, Outcome};
use dafu::report::{self, Format};
use dafu::site_check::{self, CheckOptions};
use dafu::{BuildError, BuildOptions, PublishOptions};

mod allocator;

#[global_allocator]
static ALLOCATOR: allocator::ByCommand = allocator::ByCommand;

#[derive(Parser)]
#[command(
    name = "dafu",
    version,
    about = "Publish reply letters (答复函) as a static archive"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every letter and render the archive into the output folder.
    Build {
        /// The site folder, holding site.yaml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The output folder (default: public/ in the site folder). Replaced only if the build succeeds.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Include drafts, marked as such (never for the public site).
        #[arg(long)]
        drafts: bool,
        /// Keep a build cache in DIR (save and restore it between CI runs): the next build parses
        /// only changed letters and renders only the pages they affect, with the same output.
        #[arg(long, value_name = "DIR")]
        cache: Option<PathBuf>,
        /// Write the output files added, changed and removed since the previous output to FILE,
        /// one per line (`A path`, `M path`, `D path`), for a deploy step to upload only those.
        #[arg(long, value_name = "FILE")]
        changes: Option<PathBuf>,
    },
    /// Turn existing replies (.txt, .md, .docx) into letter files in content/.
    Import {
        /// Letter files, or folders to search for .txt, .md and .docx files.
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        inputs: Vec<PathBuf>,
        /// The site folder, holding site.yaml (letters are checked against it).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Where to write letters, in a folder per year (default: content/ in the site folder).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Show what would be imported, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Replace letters imported before (otherwise an existing file is never overwritten).
        #[arg(long)]
        force: bool,
    },
    /// Preview the site while editing: build it with drafts, serve it from memory, and reload open
    /// pages on every save of a letter, template or site.yaml.
    Serve {
        /// The site folder, holding site.yaml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = dafu::serve::DEFAULT_PORT)]
        port: u16,
        /// The address to listen on. Anything but loopback shows drafts to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser.
        #[arg(long)]
        open: bool,
        /// Look for changes by polling, for network drives and shared folders without change events.
        #[arg(long)]
        poll: bool,
    },
    /// Check everything `build` checks, plus what must not be published (private phone and ID
    /// numbers, links that lead nowhere, unrendered `**`, mixed punctuation), writing nothing.
    Check {
        /// The site folder, holding site.yaml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Check the site as `build --drafts` makes it.
        #[arg(long)]
        drafts: bool,
        /// How to report: plain text, JSON, GitHub Actions annotations, GitLab Code Quality.
        #[arg(long, value_enum, default_value_t = FormatArg::Plain)]
        format: FormatArg,
        /// Fail (exit status 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Plain,
    Json,
    Github,
    Gitlab,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Plain => Format::Plain,
            FormatArg::Json => Format::Json,
            FormatArg::Github => Format::Github,
            FormatArg::Gitlab => Format::Gitlab,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Import {
            inputs,
            root,
            out,
            dry_run,
            force,
        } => {
            let out = out.unwrap_or_else(|| {
                if root == Path::new(".") {
                    PathBuf::from("content")
                } else {
                    root.join("content")
                }
            });
            import(&ImportOptions {
                inputs,
                root,
                out,
                dry_run,
                force,
            })
        }
        Command::Serve {
            root,
            port,
            bind,
            open,
            poll,
        } => match dafu::serve::run(dafu::serve::Options {
            root,
            bind,
            port,
            open,
            poll,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Command::Check {
            root,
            drafts,
            format,
            deny_warnings,
        } => check(root, drafts, format.into(), deny_warnings),
        Command::Build {
            root,
            out,
            drafts,
            cache,
            changes,
        } => {
            let out = out.unwrap_or_else(|| {
                if root == Path::new(".") {
                    PathBuf::from("public")
                } else {
                    root.join("public")
                }
            });
            let started = Instant::now();
            let cached = cache.is_some();
            let publishing = PublishOptions {
                cache,
                changes: changes.clone(),
            };
            let options = BuildOptions {
                root,
                out: out.clone(),
                drafts,
            };
            match dafu::publish(&options, &publishing) {
                Ok(report) => {
                    println!(
                        "built {} letters into {} ({} pages, {} assets{}) in {} ms{}{}",
                        report.letters,
                        out.display(),
                        report.pages,
                        report.assets,
                        if cached {
                            format!(
                                "; rendered {}, parsed {} letters",
                                report.rendered, report.parsed
                            )
                        } else {
                            String::new()
                        },
                        started.elapsed().as_millis(),
                        if report.withheld > 0 {
                            format!("; {} 不予公开 letters kept out", report.withheld)
                        } else {
                            String::new()
                        },
                        match (report.changes, &changes) {
                            (Some(c), Some(file)) => format!(
                                "\n{} added, {} changed, {} removed: listed in {}",
                                c.added,
                                c.modified,
                                c.removed,
                                file.display()
                            ),
                            _ => String::new(),
                        }
                    );
                    ExitCode::SUCCESS
                }
                Err(BuildError::Content(problems)) => {
                    for problem in &problems {
                        eprintln!("{problem}");
                    }
                    let files = problems
                        .iter()
                        .map(|p| &p.path)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len();
                    eprintln!(
                        "\nbuild failed: {} problem{} in {} file{}; {} was left as it was",
                        problems.len(),
                        if problems.len() == 1 { "" } else { "s" },
                        files,
                        if files == 1 { "" } else { "s" },
                        out.display()
                    );
                    ExitCode::from(1)
                }
                Err(BuildError::Output(message)) => {
                    eprintln!(
                        "error: {message}\nbuild failed; {} was left as it was",
                        out.display()
                    );
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn import(options: &ImportOptions) -> ExitCode {
    match dafu::import::run(options) {
        Ok(report) => {
            print_import(&report);
            if report.has_problems() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(ImportError::Config(d)) => {
            eprintln!("{d}\nimport failed; nothing was written");
            ExitCode::from(1)
        }
        Err(ImportError::Usage(message)) => {
            eprintln!("error: {message}\nimport failed; nothing was written");
            ExitCode::from(2)
        }
        Err(ImportError::Io(message)) => {
            eprintln!("error: {message}\nimport stopped; the letters listed above were written");
            ExitCode::from(2)
        }
    }
}

/// The per-file report: what was written where, then one line per field not found and per note,
/// each starting with the input's path.
fn print_import(report: &ImportReport) {
    let would = if report.dry_run { "would be " } else { "" };
    let (mut imported, mut there, mut fixing, mut failed) = (0, 0, 0, 0);
    for file in &report.files {
        let input = display_path(&file.input);
        match &file.outcome {
            Outcome::Imported { target, replaced } => {
                imported += 1;
                println!(
                    "{input}: {would}{} {}",
                    if *replaced { "replaced" } else { "written to" },
                    display_path(target)
                );
            }
            Outcome::AlreadyThere { existing, reason } => {
                there += 1;
                println!(
                    "{input}: already imported as {} ({reason}); skipped, use --force to replace it",
                    display_path(existing)
                );
                continue; // what it lacks was reported when it was imported
            }
            Outcome::NeedsFixing { target, problems } => {
                fixing += 1;
                eprintln!(
                    "{input}: {would}written to {} to be fixed: it does not pass the content checks yet, and `dafu build` skips folders starting with `_`",
                    display_path(target)
                );
                for p in problems {
                    eprintln!("{p}");
                }
                eprintln!("  then: fix the front matter and move the file into its year's folder");
            }
            Outcome::Failed { message, hint } => {
                failed += 1;
                eprintln!("{input}: error: {message}\n  help: {hint}");
            }
        }
        for line in file.missing.iter() {
            println!("{input}: {line}");
        }
        for note in &file.notes {
            println!("{input}: note: {note}");
        }
    }
    for (path, why) in &report.ignored {
        println!("{}: not imported: {why}", display_path(path));
    }
    println!(
        "\n{}{imported} imported, {there} already there, {fixing} to fix in _import, {failed} not imported{}",
        if report.dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        if report.ignored.is_empty() {
            String::new()
        } else {
            format!(", {} other files ignored", report.ignored.len())
        }
    );
}

/// `dafu check`: the report on stdout in the chosen format, a one-line summary on stderr.
fn check(root: PathBuf, drafts: bool, format: Format, deny_warnings: bool) -> ExitCode {
    use std::io::Write;
    let mut found = site_check::check(&CheckOptions {
        root: root.clone(),
        drafts,
    });
    report::relative_to(&root, &mut found.diagnostics);
    let summary = report::Summary {
        errors: found.errors(),
        warnings: found.warnings(),
        letters: found.letters,
        pages: found.pages,
    };
    let text = report::render(format, &found.diagnostics, &summary);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    eprintln!(
        "{}check: {}, {} in {} ({} rendered in memory, nothing written)",
        if format == Format::Plain && !found.diagnostics.is_empty() {
            "\n"
        } else {
            ""
        },
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.letters, "letter"),
        plural(summary.pages, "page"),
    );
    if summary.errors > 0 || (deny_warnings && summary.warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
