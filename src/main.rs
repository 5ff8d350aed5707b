//! The `dafu` command. Every error is printed here, once; exit status 0 on success, 1 when the site's
//! files have problems, 2 for usage or input/output errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

use dafu::{BuildError, BuildOptions};

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
        Command::Build { root, out, drafts } => {
            let out = out.unwrap_or_else(|| {
                if root == Path::new(".") {
                    PathBuf::from("public")
                } else {
                    root.join("public")
                }
            });
            let started = Instant::now();
            match dafu::build(&BuildOptions {
                root,
                out: out.clone(),
                drafts,
            }) {
                Ok(report) => {
                    println!(
                        "built {} letters into {} ({} pages, {} assets) in {} ms{}",
                        report.letters,
                        out.display(),
                        report.pages,
                        report.assets,
                        started.elapsed().as_millis(),
                        if report.withheld > 0 {
                            format!("; {} 不予公开 letters kept out", report.withheld)
                        } else {
                            String::new()
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
