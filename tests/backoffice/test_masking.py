from backoffice.core.masking import mask_email, mask_id_number, mask_phone, mask_text


def test_phone_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+85291234567") == "+85*****4567"
    assert mask_phone("") == ""


def test_email_and_id_number():
    assert mask_email("alice@example.com") == "a****@example.com"
    assert mask_id_number("110101199003074518") == "1101**********4518"


def test_free_text_masks_pii_but_not_serial_numbers():
    text = "customer 13812345678 alice@example.com id 11010119900307451X txn TXN202611220001"
    masked = mask_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "alice@example.com" not in masked
    assert "11010119900307451X" not in masked
    assert "TXN202611220001" in masked
