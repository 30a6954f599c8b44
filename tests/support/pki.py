"""A test PKI made with ``cryptography``: root → intermediate → signer, like a
Vietnamese public CA's chain under the national root, plus an expired signer and
a signer under a root nobody trusts.

Keys are small (RSA 2048, made once per process) and every certificate carries
the extensions a signing token's certificate has (key usage: digital signature,
non-repudiation). :func:`sign_pdf` signs with pyHanko the way a signing tool with
a USB token does: PAdES (CAdES detached), SHA-256, into an existing empty field.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

UTC = dt.UTC
NOW = dt.datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _name(common: str, org: str = "Ban Cơ yếu Chính phủ (thử nghiệm)") -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ])


@functools.cache
def _key(label: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _issue(
    subject: x509.Name, key: rsa.RSAPrivateKey, issuer: Issued | None, *, ca: bool,
    not_before: dt.datetime, not_after: dt.datetime,
) -> Issued:
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=not ca, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


@dataclass(frozen=True)
class Pki:
    root: Issued
    intermediate: Issued
    signer: Issued
    expired_signer: Issued
    untrusted_root: Issued
    untrusted_signer: Issued

    def write_trust_roots(self, folder: Path) -> Path:
        """The DIC's trust-root folder: the root as PEM (and nothing of the other root)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "root-ca.pem").write_bytes(self.root.pem())
        return folder


@functools.cache
def make_pki() -> Pki:
    year = dt.timedelta(days=365)
    root = _issue(_name("Root CA thử nghiệm"), _key("root"), None, ca=True,
                  not_before=NOW - 10 * year, not_after=NOW + 10 * year)
    inter = _issue(_name("CA thử nghiệm cấp 2", "Công ty CA thử nghiệm"), _key("inter"), root,
                   ca=True, not_before=NOW - 5 * year, not_after=NOW + 5 * year)
    signer = _issue(_name("Nguyễn Trí Phương", "Sở Công Thương"), _key("signer"), inter,
                    ca=False, not_before=NOW - year, not_after=NOW + year)
    expired = _issue(_name("Trần Hết Hạn", "Sở Công Thương"), _key("expired"), inter, ca=False,
                     not_before=NOW - 2 * year, not_after=NOW - dt.timedelta(days=30))
    other_root = _issue(_name("Root CA lạ", "Tổ chức lạ"), _key("other-root"), None, ca=True,
                        not_before=NOW - 10 * year, not_after=NOW + 10 * year)
    stranger = _issue(_name("Lê Người Lạ", "Tổ chức lạ"), _key("stranger"), other_root,
                      ca=False, not_before=NOW - year, not_after=NOW + year)
    return Pki(root, inter, signer, expired, other_root, stranger)


def sign_pdf(
    pdf: bytes, who: Issued, *, chain: tuple[Issued, ...] = (), field: str | None = None,
    timestamp: dt.datetime | None = None,
) -> bytes:
    """``pdf`` signed by ``who`` (PAdES baseline B) as an incremental update, into
    ``field`` (an existing empty one) or a new invisible field. pyHanko's synchronous
    signer runs an event loop of its own: under a running loop it works in a thread."""
    import asyncio
    import concurrent.futures

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _sign_pdf(pdf, who, chain=chain, field=field, timestamp=timestamp)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_sign_pdf, pdf, who, chain=chain, field=field,
                           timestamp=timestamp).result()


def _sign_pdf(
    pdf: bytes, who: Issued, *, chain: tuple[Issued, ...], field: str | None,
    timestamp: dt.datetime | None,
) -> bytes:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    key_der = who.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1(who.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1(c.cert) for c in chain]),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    name = field or "Signature_test"
    meta = signers.PdfSignatureMetadata(
        field_name=name, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
    )
    out = io.BytesIO()
    pdf_signer = signers.PdfSigner(meta, signer=signer)
    if timestamp is not None:
        pdf_signer.signer_reported_dt = timestamp  # type: ignore[attr-defined]
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()
