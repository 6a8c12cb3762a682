"""Encryption of backup archives: AES-256-GCM with a key derived by scrypt from the operator's passphrase.

The whole archive is one authenticated message, so a flipped byte, a truncated file or a wrong
passphrase all fail the same check before anything is restored.
"""

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"OPENRDV-BACKUP-1\n"
_SALT, _NONCE = 16, 12


class SealError(Exception):
    """The archive cannot be opened: wrong passphrase, tampered or truncated."""


def _key(passphrase: bytes, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase)


def seal(*, plaintext: bytes, passphrase: bytes) -> bytes:
    salt, nonce = os.urandom(_SALT), os.urandom(_NONCE)
    return MAGIC + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, MAGIC)


def unseal(*, sealed: bytes, passphrase: bytes) -> bytes:
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + _SALT + _NONCE + 16:
        raise SealError("this is not an OpenRDV backup, or it is truncated")
    salt = sealed[len(MAGIC) : len(MAGIC) + _SALT]
    nonce = sealed[len(MAGIC) + _SALT : len(MAGIC) + _SALT + _NONCE]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, sealed[len(MAGIC) + _SALT + _NONCE :], MAGIC)
    except InvalidTag:
        raise SealError("wrong passphrase, or the archive was altered or truncated") from None
