"""The pure scoring engine: (scheme, marks) → per-component scores, total, passed.

No Flask, no SQLAlchemy, no models: a test scans the imports to keep it so.
"""
from lms.grading.engine import ComponentScore, GradeResult, best_reachable, format_total, grade

__all__ = ["ComponentScore", "GradeResult", "best_reachable", "format_total", "grade"]
