"""Quizzes: definitions from the course file or the browser, attempts that never lose an answer."""
