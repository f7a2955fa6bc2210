"""The signing-ceremony ledger: an append-only, hash-chained record of signed contracts and the
live total shown on the big screen."""
