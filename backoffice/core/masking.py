"""Masking of personal data for admin lists, staff-facing API responses and logs."""

import re


def mask_phone(phone: str | None) -> str:
    """`13812345678` -> `138****5678`; short numbers keep only their last two digits."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) >= 8:
        return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    return f"{'*' * max(len(digits) - 2, 0)}{digits[-2:]}"


def mask_email(email: str | None) -> str:
    """`alice@example.com` -> `a****@example.com`."""
    if not email or "@" not in email:
        return mask_phone(email)
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"


def mask_id_number(id_number: str | None) -> str:
    """`110101199003074518` -> `1101**********4518`."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return f"{'*' * (len(id_number) - 2)}{id_number[-2:]}"
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"


# Patterns for free text (log lines): e-mail addresses, international numbers, mainland
# mobile numbers and 18-character resident ID numbers. Serial numbers carry letters, so the
# word boundaries keep them intact.
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")
_ID_NUMBER = re.compile(r"(?<![\w])(\d{17}[\dXx])(?![\w])")
_PHONE = re.compile(r"(?<![\w+])(\+\d{8,15}|1\d{10})(?![\w])")


def mask_text(text: str) -> str:
    text = _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)
    return _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
