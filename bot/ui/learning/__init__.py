"""Learning: /quiz practice (spaced review), /quiz progress (with its chart) and /quiz remind."""
