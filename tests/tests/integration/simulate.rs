//! The small configuration of the adversarial simulation (`make simulate` runs the full one):
//! every step's promises are asserted inside the model; here, that the run did what it claims.

use twofold_tests::simulate::{Config, run};

#[test]
fn small_adversarial_simulation() {
    let config = Config {
        sessions: 8,
        messages_per_session: 400,
        seed: 7,
    };
    let r = run(&config);
    assert_eq!(r.sessions, 8);
    assert_eq!(
        r.sent,
        8 * 400 + 8 * 3,
        "each session's messages plus settle()'s three"
    );
    // No replay was accepted and every session settled: `run` would have panicked otherwise.
    // The adversary acted and was rejected every time; PQ epochs completed in both patterns.
    for n in [
        r.dropped,
        r.replays_rejected,
        r.tampered_rejected,
        r.forged_rejected,
        r.restores,
    ] {
        assert!(n > 0, "{r}");
    }
    assert!(r.delivered + r.dropped <= r.sent);
    assert!(r.pq_epochs > 0, "{r}");
    for pattern in ["ping-pong", "bursty"] {
        assert!(
            !r.healing[pattern].is_empty(),
            "no PQ epoch completed in {pattern}: {r}"
        );
    }
}
