"""Tests of the reference server's IMAP core (sans-IO) and its wiring."""
