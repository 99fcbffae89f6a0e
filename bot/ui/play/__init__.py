"""Playing: /quiz commands, the question posts members answer, leaderboards and stats."""
