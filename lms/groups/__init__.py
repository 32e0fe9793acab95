"""Groups of participants within a cohort, formed by hand or by ``formation``."""
