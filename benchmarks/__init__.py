"""Benchmarks (scripts). A regular package: opacus 1.6.0 installs a top-level `benchmarks`
package into site-packages, which would otherwise shadow this folder."""
