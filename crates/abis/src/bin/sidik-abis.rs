//! Stand-alone `sidik-abis` binary (the same commands as `sidik abis ...`).
use clap::Parser;

#[derive(Parser)]
#[command(
    name = "sidik-abis",
    about = "Sidik ABIS: fingerprint match, eval and bench"
)]
struct Cli {
    #[command(subcommand)]
    cmd: abis::cli::AbisCommand,
}

fn main() -> anyhow::Result<()> {
    abis::cli::run(Cli::parse().cmd)
}
