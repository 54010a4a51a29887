"""The private modules behind `mockserver.strategies`, one concept each."""
