"""Password rules (SECURITY-CHECKS rows 11 and 12)."""
from lms.auth.passwords import hash_password, password_problems, verify_password


def test_eight_characters_is_the_minimum():
    assert password_problems("kz7#q2w") == ["Use at least 8 characters."]
    assert password_problems("eight888 tree") == []


def test_long_passphrases_are_allowed():
    passphrase = "the quick brown fox jumps over the lazy dog " * 3
    assert len(passphrase) > 64
    assert password_problems(passphrase) == []


def test_no_composition_rules():
    assert password_problems("onlylowercaseletters") == []


def test_common_passwords_are_refused_whatever_the_case():
    assert any("commonly used" in p for p in password_problems("Password1"))
    assert any("commonly used" in p for p in password_problems("qwertyuiop"))


def test_own_email_or_name_is_refused():
    problems = password_problems("amina.diallo", email="amina.diallo@example.org", name="Amina Diallo")
    assert any("your name or e-mail" in p for p in problems)


def test_hash_is_scrypt_and_verifies():
    hashed = hash_password("a long enough secret")
    assert hashed.startswith("scrypt:")
    assert verify_password(hashed, "a long enough secret")
    assert not verify_password(hashed, "a long enough secreT")
    assert not verify_password(None, "anything")
