"""What the scenario sends, shared by scenario.py (3.12 venv) and the tests that check it."""

XP, TOTAL, CORRECT, MASTERED = 12, 10, 9, 2  # the ActivityEvent's metrics
ACTIVE, INACTIVE, WASTE = 600, 60, 30  # the TimeSpentEvent's seconds
