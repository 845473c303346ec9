# ruff: noqa: RUF001  (Chinese texts use full-width punctuation)
"""Reference data loaded by the data migration (and re-applied by the demo): regulatory
regimes with their holiday calendars, and the knowledge base of canned responses.

Texts shown to customers are marked with gettext_noop so they are in the catalog; the
notice templates translate them when they render."""

from django.utils.translation import gettext_noop

REGIMES = [
    {
        "code": "UK",
        "name": gettext_noop("United Kingdom payment services"),
        "regulator_name": gettext_noop("Financial Ombudsman Service"),
        "regulator_contact": gettext_noop(
            "Financial Ombudsman Service, Exchange Tower, London E14 9SR; telephone "
            "0800 023 4567; www.financial-ombudsman.org.uk"
        ),
        "time_zone": "Europe/London",
        "statutory_days": 15,
        "extended_days": 35,
        "day_kind": "business",
        "customer_time_zones": ["Europe/London"],
        "is_default": False,
    },
    {
        "code": "CN",
        "name": gettext_noop("Mainland China non-bank payment institutions"),
        "regulator_name": gettext_noop("People's Bank of China"),
        "regulator_contact": gettext_noop(
            "People's Bank of China financial consumer protection hotline 12363"
        ),
        "time_zone": "Asia/Shanghai",
        "statutory_days": 15,
        "extended_days": 30,
        "day_kind": "calendar",
        "customer_time_zones": ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei"],
        "is_default": True,
    },
    {
        "code": "US",
        "name": gettext_noop("United States consumer financial services"),
        "regulator_name": gettext_noop("Consumer Financial Protection Bureau"),
        "regulator_contact": gettext_noop(
            "Consumer Financial Protection Bureau, (855) 411-2372, "
            "www.consumerfinance.gov/complaint"
        ),
        "time_zone": "America/New_York",
        "statutory_days": 15,
        "extended_days": 60,
        "day_kind": "calendar",
        "customer_time_zones": [
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Los_Angeles",
        ],
        "is_default": False,
    },
]

HOLIDAYS = {
    "UK": [
        ("2026-01-01", "New Year's Day"),
        ("2026-04-03", "Good Friday"),
        ("2026-04-06", "Easter Monday"),
        ("2026-05-04", "Early May bank holiday"),
        ("2026-05-25", "Spring bank holiday"),
        ("2026-08-31", "Summer bank holiday"),
        ("2026-12-25", "Christmas Day"),
        ("2026-12-28", "Boxing Day (substitute day)"),
        ("2027-01-01", "New Year's Day"),
        ("2027-03-26", "Good Friday"),
        ("2027-03-29", "Easter Monday"),
        ("2027-05-03", "Early May bank holiday"),
        ("2027-05-31", "Spring bank holiday"),
        ("2027-08-30", "Summer bank holiday"),
        ("2027-12-27", "Christmas Day (substitute day)"),
        ("2027-12-28", "Boxing Day (substitute day)"),
    ],
    "CN": [
        ("2026-01-01", "New Year's Day"),
        ("2026-02-16", "Spring Festival"),
        ("2026-02-17", "Spring Festival"),
        ("2026-02-18", "Spring Festival"),
        ("2026-04-05", "Qingming Festival"),
        ("2026-05-01", "Labour Day"),
        ("2026-06-19", "Dragon Boat Festival"),
        ("2026-09-25", "Mid-Autumn Festival"),
        ("2026-10-01", "National Day"),
        ("2026-10-02", "National Day"),
        ("2026-10-05", "National Day"),
        ("2027-01-01", "New Year's Day"),
    ],
    "US": [
        ("2026-01-01", "New Year's Day"),
        ("2026-01-19", "Martin Luther King Jr. Day"),
        ("2026-02-16", "Washington's Birthday"),
        ("2026-05-25", "Memorial Day"),
        ("2026-06-19", "Juneteenth"),
        ("2026-07-03", "Independence Day (observed)"),
        ("2026-09-07", "Labor Day"),
        ("2026-10-12", "Columbus Day"),
        ("2026-11-11", "Veterans Day"),
        ("2026-11-26", "Thanksgiving Day"),
        ("2026-12-25", "Christmas Day"),
        ("2027-01-01", "New Year's Day"),
    ],
}

# key, category ("" = any), (title en, zh-hans, zh-hant), (text en, zh-hans, zh-hant)
CANNED_RESPONSES = [
    (
        "acknowledgement",
        "",
        ("We have received your complaint", "我们已收到您的投诉", "我們已收到您的投訴"),
        (
            "Thank you for contacting us. We have received your complaint and a member of our "
            "team is looking into it. We will keep you informed of our progress.",
            "感谢您联系我们。我们已收到您的投诉，专人正在跟进处理，我们会及时向您通报进展。",
            "感謝您聯絡我們。我們已收到您的投訴，專人正在跟進處理，我們會及時向您通報進展。",
        ),
    ),
    (
        "funds-not-received-clearing",
        "funds_not_received",
        ("Funds in bank clearing", "款项正在银行清算中", "款項正在銀行清算中"),
        (
            "Your payment succeeded on our side and the funds are being cleared by the "
            "receiving bank. At peak times clearing can take two to three business days. "
            "We are tracking it and will tell you as soon as it arrives.",
            "您的付款在我方已成功，款项正由收款银行清算。高峰期清算可能需要二至三个工作日。"
            "我们正在跟踪，到账后会第一时间通知您。",
            "您的付款在我方已成功，款項正由收款銀行清算。高峰期清算可能需要二至三個工作日。"
            "我們正在跟蹤，到賬後會第一時間通知您。",
        ),
    ),
    (
        "duplicate-charge-refund",
        "duplicate_charge",
        ("Duplicate charge refunded", "重复扣款已退回", "重複扣款已退回"),
        (
            "We confirmed that you were charged twice for the same payment. The duplicate "
            "amount is being refunded to the account you paid from.",
            "经核实，同一笔付款被重复扣款。重复扣除的金额正在退回您的付款账户。",
            "經核實，同一筆付款被重複扣款。重複扣除的金額正在退回您的付款賬戶。",
        ),
    ),
    (
        "account-security-reset",
        "account_security",
        ("Securing your account", "保护您的账户安全", "保護您的賬戶安全"),
        (
            "For your safety we have secured your account. Please change your password, "
            "never share one-time codes with anyone, and avoid paying over public Wi-Fi.",
            "为保障您的安全，我们已对您的账户采取保护措施。请修改密码，切勿向任何人透露验证码，"
            "并避免在公共 Wi-Fi 下付款。",
            "為保障您的安全，我們已對您的賬戶採取保護措施。請修改密碼，切勿向任何人透露驗證碼，"
            "並避免在公共 Wi-Fi 下付款。",
        ),
    ),
    (
        "transaction-failure-explained",
        "transaction_failure",
        ("Why the payment failed", "付款失败的原因", "付款失敗的原因"),
        (
            "The payment was declined before any money left your account. Please check your "
            "balance, daily limit and linked card, then try again.",
            "该笔付款在扣款前已被拒绝，资金未离开您的账户。请检查余额、每日限额及绑定的银行卡后重试。",
            "該筆付款在扣款前已被拒絕，資金未離開您的賬戶。請檢查餘額、每日限額及綁定的銀行卡後重試。",
        ),
    ),
]
