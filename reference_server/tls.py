"""TLS contexts: a given certificate, or a throw-away CA made with trustme (--tls-auto)."""

from __future__ import annotations

import ssl
from pathlib import Path


def auto_certificate(data: Path) -> tuple[Path, Path, Path]:
    """Make a CA and a server certificate for 127.0.0.1 / localhost / ::1.

    Returns (certificate chain, key, CA) paths; the CA PEM is ``<data>/ca.pem``.
    """
    import trustme

    ca = trustme.CA(organization_name="mailspec reference test CA")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1", common_name="localhost")
    ca_path = data / "ca.pem"
    cert_path = data / "server-cert.pem"
    key_path = data / "server-key.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    cert.cert_chain_pems[0].write_to_path(str(cert_path))
    for extra in cert.cert_chain_pems[1:]:
        extra.write_to_path(str(cert_path), append=True)
    cert.private_key_pem.write_to_path(str(key_path))
    key_path.chmod(0o600)
    return cert_path, key_path, ca_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    return context
