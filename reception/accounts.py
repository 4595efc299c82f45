"""Accounts for the upload page: a JSON file outside the repository, argon2id hashes, roles.

The file (``RECEPTION_ACCOUNTS``, see ``reception.config``, mode 0600)
looks like::

    {"version": 1, "users": {"mueller": {"hash": "$argon2id$...", "role": "officer",
                                         "district": "16051", "failures": 0, "last_failure": null}}}

Roles: ``officer`` uploads and rolls back its own loads; ``admin`` may do everything. Every write
replaces the file atomically (temporary file + ``os.replace``) under an advisory lock, so that two
sign-ins at once cannot lose a failure count.

Wrong passwords: :func:`authenticate` answers ``None`` whether the name or the password was wrong
(the caller shows one generic message), and after ``FREE_FAILURES`` failures in a row on one
account it waits ``2 ** (n - FREE_FAILURES)`` seconds (at most ``MAX_DELAY``) before checking,
on the server. Nothing here logs a password or a hash.
"""

from __future__ import annotations

import fcntl
import functools
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from reception import config

log = logging.getLogger("reception.accounts")

ROLES = ("officer", "admin")
FREE_FAILURES = 3
MAX_DELAY = 30.0
MIN_PASSWORD_LENGTH = 8
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
# An address as reminders need it: one @, no spaces or angle brackets (not RFC 5322 in full:
# the mail server has the last word, and a refused address waits for the next run)
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;]{1,64}@[^@\s<>,;]+\.[^@\s<>,;]{2,}$")

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """A hash to check an unknown name's password against (evens out the time), made at the
    first sign-in, not at import: every ``etl`` command imports this module, and one argon2id
    hash cost ``etl ingest`` 0.3-1 s."""
    return _hasher.hash("not a real password; evens out the time for unknown names")


class AccountError(ValueError):
    """A request the store refuses (unknown name, existing name, bad role, weak password)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class User:
    name: str
    role: str
    district: str | None = None
    email: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def accounts_path() -> Path:
    return config.accounts_path()


# ---------------------------------------------------------------- file

def _read(path: Path) -> dict:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": 1, "users": {}}
    if not isinstance(raw, dict) or not isinstance(raw.get("users"), dict):
        raise AccountError("corrupt_store", path=str(path))
    return raw


def _write(path: Path, store: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed below, replaced atomically)
        "w", encoding="utf-8", dir=path.parent, prefix=path.name + ".", suffix=".tmp", delete=False)
    try:
        with handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(store, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path | None = None) -> Iterator[tuple[Path, dict]]:
    """The store, read under an exclusive lock; write it back with ``_write`` inside."""
    path = Path(path or accounts_path())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a") as lock:
        os.chmod(lock_path, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path, _read(path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _user(name: str, entry: Mapping) -> User:
    return User(name=name, role=entry["role"], district=entry.get("district") or None,
                email=entry.get("email") or None)


def _check_email(email: str | None) -> None:
    if email is not None and not EMAIL_PATTERN.match(email):
        raise AccountError("bad_email", email=email[:100])


# ---------------------------------------------------------------- management

def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("weak_password", minimum=MIN_PASSWORD_LENGTH)


def add_user(name: str, password: str, role: str = "officer", district: str | None = None,
             path: Path | None = None, email: str | None = None) -> User:
    if not NAME_PATTERN.match(name or ""):
        raise AccountError("bad_name", name=name)
    if role not in ROLES:
        raise AccountError("bad_role", role=role)
    if district is not None and not re.fullmatch(r"\d{5}", district):
        raise AccountError("bad_district", district=district)
    _check_password(password)
    _check_email(email)
    with _locked(path) as (file, store):
        if name in store["users"]:
            raise AccountError("exists", name=name)
        store["users"][name] = {
            "hash": _hasher.hash(password), "role": role, "district": district,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "failures": 0, "last_failure": None,
            "email": email,
        }
        _write(file, store)
    log.info("account %s added (role %s)", name, role)
    return User(name, role, district, email)


def set_email(name: str, email: str | None, path: Path | None = None) -> None:
    """The address reminders and alerts go to (None: none)."""
    _check_email(email)
    with _locked(path) as (file, store):
        entry = store["users"].get(name)
        if entry is None:
            raise AccountError("unknown", name=name)
        entry["email"] = email
        _write(file, store)
    log.info("e-mail address of account %s changed", name)


def officer_addresses(ags: str, path: Path | None = None) -> list[str]:
    """The addresses of the officer accounts of district ``ags`` (sorted, each once)."""
    try:
        users = _read(Path(path or accounts_path()))["users"]
    except AccountError:
        return []
    return sorted({entry["email"] for entry in users.values()
                   if entry.get("role") == "officer" and entry.get("district") == ags
                   and entry.get("email")})


def remove_user(name: str, path: Path | None = None) -> None:
    with _locked(path) as (file, store):
        if store["users"].pop(name, None) is None:
            raise AccountError("unknown", name=name)
        _write(file, store)
    log.info("account %s removed", name)


def set_password(name: str, password: str, path: Path | None = None) -> None:
    """A new password; also clears the failure count (the way an admin unlocks an account)."""
    _check_password(password)
    with _locked(path) as (file, store):
        entry = store["users"].get(name)
        if entry is None:
            raise AccountError("unknown", name=name)
        # a new password also ends every lasting sign-in of the account (reception.web.session)
        entry.update(hash=_hasher.hash(password), failures=0, last_failure=None,
                     session=secrets.token_urlsafe(16))
        _write(file, store)
    log.info("password of account %s changed", name)


def list_users(path: Path | None = None) -> list[dict]:
    """Name, role, district, failure count of every account (never the hash)."""
    store = _read(Path(path or accounts_path()))
    return [{"name": name, "role": e["role"], "district": e.get("district"),
             "failures": e.get("failures", 0), "created_at": e.get("created_at"),
             "email": e.get("email")}
            for name, e in sorted(store["users"].items())]


def get_user(name: str, path: Path | None = None) -> User | None:
    """The account as it is in the file now (for role checks on every page run)."""
    try:
        entry = _read(Path(path or accounts_path()))["users"].get(name)
    except AccountError:
        return None
    return _user(name, entry) if entry else None


# ---------------------------------------------------------------- lasting sign-in

def session_epoch(name: str, path: Path | None = None) -> str | None:
    """The account's current session epoch: a random string that every lasting sign-in of the
    account carries (``reception.web.session``); None for an unknown account or one never signed
    in since this existed. Random rather than a counter: an account removed and added again
    under the same name must not revive old cookies."""
    try:
        entry = _read(Path(path or accounts_path()))["users"].get(name)
    except AccountError:
        return None
    return (entry or {}).get("session") or None


def renew_session_epoch(name: str, path: Path | None = None) -> str | None:
    """A new epoch for ``name``: every sign-in made before is void at once, on every device.
    Returns the new epoch (None: unknown account)."""
    with _locked(path) as (file, store):
        entry = store["users"].get(name)
        if entry is None:
            return None
        entry["session"] = secrets.token_urlsafe(16)
        _write(file, store)
    log.info("sessions of %s ended", name)
    return entry["session"]


# ---------------------------------------------------------------- sign-in

def delay_for(failures: int) -> float:
    """Seconds to wait before checking a password after ``failures`` failures in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES), MAX_DELAY))


def authenticate(name: str, password: str, path: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time) -> User | None:
    """The user if name and password match, else ``None`` (no hint which one was wrong)."""
    path = Path(path or accounts_path())
    dummy = _dummy_hash()  # before the look-up: a first sign-in costs the same either way
    entry = _read(path)["users"].get(name or "")
    if entry is None:
        _verify(dummy, password or "")
        log.info("sign-in failed")
        return None
    delay = delay_for(int(entry.get("failures", 0)))
    if delay:
        sleep(delay)
    with _locked(path) as (file, store):
        entry = store["users"].get(name)
        if entry is None:
            return None
        if _verify(entry["hash"], password or ""):
            changed = entry.get("failures", 0) != 0
            entry.update(failures=0, last_failure=None)
            if _hasher.check_needs_rehash(entry["hash"]):
                entry["hash"], changed = _hasher.hash(password), True
            if changed:
                _write(file, store)
            log.info("sign-in of %s", name)
            return _user(name, entry)
        entry["failures"] = int(entry.get("failures", 0)) + 1
        entry["last_failure"] = now()
        _write(file, store)
        log.info("sign-in failed for an existing account (%s failures in a row)", entry["failures"])
        return None


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------- roles

def can_upload(user: User | None) -> bool:
    return user is not None and user.role in ROLES


def can_rollback(user: User | None, load_row: Mapping) -> bool:
    """Admins roll back any load, officers only the loads they made themselves."""
    if user is None:
        return False
    if user.role == "admin":
        return True
    return user.role == "officer" and load_row.get("loaded_by") == user.name


def can_load_district(user: User | None, ags: str) -> bool:
    """Officers bound to a district report only for that district."""
    if user is None:
        return False
    return user.role == "admin" or user.district is None or user.district == ags
