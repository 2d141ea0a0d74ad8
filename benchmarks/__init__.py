"""Benchmarks (run as scripts: see each module). A regular package, not a namespace one:
opacus 1.6.0 installs a top-level `benchmarks` package that would otherwise shadow it."""
