"""Trainer tooling for workshops: seats, rosters and cohort operations over the hub API."""
