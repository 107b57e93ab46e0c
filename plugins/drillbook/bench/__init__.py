"""Benchmarks behind `make bench-site`, `make bench-dropin` and `make bench-drill`: not part of a build or a drill."""
