"""The mailspec reference server: a strict POP3 server with SMTP/LMTP delivery into mbox
files. Run it with ``python -m mailspec.reference_server``; see README.md beside this file."""
