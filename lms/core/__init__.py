"""Shared pieces every feature uses: database base, time, errors, security headers, CLI group."""
