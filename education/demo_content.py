# ruff: noqa: RUF001  (Chinese texts use full-width punctuation)
"""Demo texts for education: tips and warnings in English, Simplified and Traditional
Chinese. Data only; education.demo loads it."""

# slug -> (topic, severity, [variant texts: {language: (title, body)}])
TIPS = {
    "set-strong-password": (
        "password",
        "info",
        [
            {
                "en": ("Set a strong password", "Use 12+ characters and never reuse it."),
                "zh-hans": ("设置强密码", "使用 12 位以上字符，不要重复使用。"),
                "zh-hant": ("設定強密碼", "使用 12 位以上字元，不要重複使用。"),
            },
            {
                "en": ("Your password is your key", "A long passphrase beats a short code."),
                "zh-hans": ("密码就是钥匙", "长的口令比短密码更安全。"),
                "zh-hant": ("密碼就是鑰匙", "長的口令比短密碼更安全。"),
            },
        ],
    ),
    "bind-your-phone": (
        "one_time_code",
        "info",
        [
            {
                "en": ("Bind your phone", "One-time codes go to your bound phone only."),
                "zh-hans": ("绑定手机", "一次性验证码只会发送到你绑定的手机。"),
                "zh-hant": ("綁定手機", "一次性驗證碼只會發送到你綁定的手機。"),
            }
        ],
    ),
    "set-transaction-limits": (
        "large_payment",
        "info",
        [
            {
                "en": ("Set your limits", "A daily limit caps what a thief could take."),
                "zh-hans": ("设置交易限额", "每日限额能减少被盗损失。"),
                "zh-hant": ("設定交易限額", "每日限額能減少被盜損失。"),
            }
        ],
    ),
    "never-share-otp": (
        "one_time_code",
        "warning",
        [
            {
                "en": ("Nobody needs your code", "Not even our staff will ask for it."),
                "zh-hans": ("不要透露验证码", "我们的员工也不会向你索取验证码。"),
                "zh-hant": ("不要透露驗證碼", "我們的員工也不會向你索取驗證碼。"),
            },
            {
                "en": ("A code is a signature", "Sharing it lets someone pay as you."),
                "zh-hans": ("验证码等于签名", "透露验证码等于让别人以你的名义付款。"),
                "zh-hant": ("驗證碼等於簽名", "透露驗證碼等於讓別人以你的名義付款。"),
            },
        ],
    ),
    "avoid-public-wifi": (
        "public_wifi",
        "info",
        [
            {
                "en": ("Pay on mobile data", "Public Wi-Fi can be watched by others."),
                "zh-hans": ("用流动数据付款", "公共 Wi-Fi 可能被他人监听。"),
                "zh-hant": ("用流動數據付款", "公共 Wi-Fi 可能被他人監聽。"),
            }
        ],
    ),
    "spot-phishing": (
        "phishing",
        "warning",
        [
            {
                "en": ("Check the link", "We never send login links by SMS."),
                "zh-hans": ("检查链接", "我们不会通过短信发送登录链接。"),
                "zh-hant": ("檢查連結", "我們不會透過短訊發送登入連結。"),
            }
        ],
    ),
}

QUIZ = {
    "tip": "never-share-otp",
    "prompt": {
        "en": "Who may ask for your one-time code?",
        "zh-hans": "谁可以向你索取验证码",
        "zh-hant": "誰可以向你索取驗證碼",
    },
    "choices": [
        ({"en": "Nobody", "zh-hans": "任何人都不可以", "zh-hant": "任何人都不可以"}, True),
        ({"en": "Wallet staff", "zh-hans": "钱包客服", "zh-hant": "錢包客服"}, False),
    ],
}

ACK_PHRASES = {"en": "I understand the risk", "zh-hans": "我了解风险", "zh-hant": "我了解風險"}

_LARGE = {
    "en": ("Large payment", "Check the payee before you send this much."),
    "zh-hans": ("大额付款", "付款前请核实收款人。"),
    "zh-hant": ("大額付款", "付款前請核實收款人。"),
}
_LARGE_2 = {
    "en": ("Take a moment", "Scammers push for urgent, large transfers."),
    "zh-hans": ("请稍等", "骗子常催促你紧急大额转账。"),
    "zh-hant": ("請稍等", "騙子常催促你緊急大額轉賬。"),
}

# slug -> (rule fields, [variant texts: {language: (title, body)}])
RULES = {
    "large-payment": (
        {
            "scenario": "large_payment",
            "min_amounts": {"CNY": "10000", "HKD": "10000", "USD": "1500"},
            "friction": "interstitial",
            "escalate_every": 3,
            "max_friction": "typed_ack",
            "cooldown_minutes": 30,
        },
        [_LARGE, _LARGE_2],
    ),
    "large-payment-new-payee": (
        {
            "scenario": "large_payment",
            "severity": "critical",
            "min_amounts": {"CNY": "5000", "HKD": "5000", "USD": "750"},
            "payee_new_within_days": 30,
            "friction": "typed_ack",
            "max_friction": "cooling_off",
            "escalate_every": 2,
            "cooling_off_seconds": 600,
            "never_suppress": True,
        },
        [
            {
                "en": ("New payee, large amount", "Do you know this person? Scams start so."),
                "zh-hans": ("新收款人，大额付款", "你认识对方吗？很多骗局由此开始。"),
                "zh-hant": ("新收款人，大額付款", "你認識對方嗎？很多騙局由此開始。"),
            }
        ],
    ),
    "new-payee": (
        {"scenario": "new_payee", "payee_new_within_days": 0, "cooldown_minutes": 60},
        [
            {
                "en": ("First payment to this payee", "Check the name and account."),
                "zh-hans": ("首次向此收款人付款", "请核对姓名和账户。"),
                "zh-hant": ("首次向此收款人付款", "請核對姓名和賬戶。"),
            }
        ],
    ),
    "public-wifi": (
        {"scenario": "public_wifi", "network_types": ["public_wifi"], "cooldown_minutes": 120},
        [TIPS["avoid-public-wifi"][2][0]],
    ),
    "password-entry": (
        {"scenario": "password_entry", "cooldown_minutes": 1440},
        [
            {
                "en": ("Only type it here", "No one from the wallet will ask for it."),
                "zh-hans": ("只在这里输入密码", "钱包工作人员不会索取你的密码。"),
                "zh-hant": ("只在這裡輸入密碼", "錢包工作人員不會索取你的密碼。"),
            }
        ],
    ),
    "new-device-login": (
        {
            "scenario": "new_device_login",
            "severity": "critical",
            "device_known": False,
            "friction": "interstitial",
            "never_suppress": True,
        },
        [
            {
                "en": ("New device", "If this is not you, change your password now."),
                "zh-hans": ("新设备登录", "如果不是你本人，请立即修改密码。"),
                "zh-hant": ("新裝置登入", "如果不是你本人，請立即修改密碼。"),
            }
        ],
    ),
    "first-payment": (
        {"scenario": "first_payment", "max_account_age_days": 30},
        [
            {
                "en": ("Your first payment", "Check the amount and the payee twice."),
                "zh-hans": ("你的首次付款", "请仔细核对金额和收款人。"),
                "zh-hant": ("你的首次付款", "請仔細核對金額和收款人。"),
            }
        ],
    ),
}
