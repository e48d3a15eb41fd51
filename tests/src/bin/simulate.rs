//! The adversarial simulation at scale (`make simulate`; `twofold_tests::simulate`): prints
//! its figures as Markdown tables. Arguments: `[sessions] [messages per session] [seed]`,
//! default 1,000 sessions of 1,000 messages, seed 1.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use twofold_tests::simulate::{Config, run};

fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .map_or(default, |a| a.parse().unwrap())
    };
    let full = Config::full(arg(3, 1));
    let config = Config {
        sessions: usize::try_from(arg(1, full.sessions as u64)).unwrap(),
        messages_per_session: arg(2, full.messages_per_session),
        seed: full.seed,
    };
    let start = std::time::Instant::now();
    let report = run(&config);
    println!(
        "{config:?}: {:.1} s\n\n{report}",
        start.elapsed().as_secs_f64()
    );
}
