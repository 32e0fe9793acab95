"""Applications to a cohort: questionnaire, attachments, blind review, decisions, waitlist."""
