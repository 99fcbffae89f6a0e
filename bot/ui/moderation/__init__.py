"""Moderating: /quiz-admin commands (questions, daily question, config), the question modal, drafts."""
