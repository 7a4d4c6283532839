"""The nine rule families. Each module exposes `check(chain)` yielding findings."""
