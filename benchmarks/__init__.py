"""Benchmarks of whole cycles, forecasts and the backtest; and the synthetic data they run on."""
