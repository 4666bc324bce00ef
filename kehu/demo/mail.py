"""The demo's email: conversations with customers on their timelines, and two messages from
strangers in the review list. Nothing is sent: the demo never talks to a mail server."""

import datetime
import random
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from kehu.customers.models import Person
from kehu.demo.accounts import users_by_id
from kehu.demo.names import CN_AREA
from kehu.mail import receiving as mail_receive

EMAIL_THREADS_ZH = [
    (
        "关于报价的问题",
        "您好，报价单已收到。请问年付是否有折扣？",
        "您好，年付可以优惠 8%，我稍后发正式报价。",
    ),
    (
        "下周拜访时间",
        "下周二下午方便吗？我们想当面聊一下实施计划。",
        "周二下午三点可以，我带上方案过去。",
    ),
    ("发票信息", "请把发票抬头改为我们的新公司名称。", "已更新，新发票会在本周内寄出。"),
]
EMAIL_THREADS_EN = [
    (
        "Question about the quote",
        "Thanks for the quote. Is there a discount for paying yearly?",
        "Yes, 8% off for a yearly plan. I will send the revised quote today.",
    ),
    (
        "Next week's visit",
        "Does Tuesday afternoon work for you? We'd like to go over the rollout.",
        "Tuesday at 3 pm works; I will bring the plan.",
    ),
]
#: mail from addresses no one in Kehu has: the review list has something to decide
UNKNOWN_SENDERS = [
    ("陈静", "chen.jing@newclient.example", "咨询产品试用", "您好，想了解一下贵公司的试用政策。"),
    (
        "Mark Davis",
        "mark.davis@prospect.example",
        "Pricing for 50 seats",
        "Hi, could you send pricing for 50 seats?",
    ),
]


def _mail(sender: str, to: str, subject: str, body: str, at, message_id: str,
          in_reply_to: str = "") -> bytes:  # fmt: skip
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(body)
    return message.as_bytes()


def add_emails(rng: random.Random, users: dict, people: list[Person], now) -> None:
    """Conversations with customers, taken in as mail from the owners' mailboxes would be (a
    customer's message and the owner's answer, on the timeline), and two messages from
    strangers in the review list. Nothing is sent: the demo never talks to a mail server."""
    by_id = users_by_id(users)
    with_email = [p for p in people if p.email]
    for number, person in enumerate(rng.sample(with_email, min(20, len(with_email)))):
        owner = by_id[person.owner_id]
        chinese = person.city in CN_AREA
        subject, question, answer = rng.choice(EMAIL_THREADS_ZH if chinese else EMAIL_THREADS_EN)
        asked = now - datetime.timedelta(days=rng.randint(1, 30), hours=rng.randint(1, 8))
        first = f"<demo-{number}-q@customer.example>"
        customer = formataddr((person.name, person.email))
        mail_receive.receive(_mail(customer, owner.email, subject, question, asked, first),
                             owner=owner, source="imap")  # fmt: skip
        answered = asked + datetime.timedelta(hours=rng.randint(1, 20))
        colleague = formataddr((owner.get_full_name() or owner.username, owner.email))
        reply = _mail(colleague, customer, ("回复：" if chinese else "Re: ") + subject, answer,
                      min(answered, now), f"<demo-{number}-a@kehu.example.com>", first)  # fmt: skip
        mail_receive.receive(reply, owner=owner, source="imap")
    for number, (name, address, subject, body) in enumerate(UNKNOWN_SENDERS):
        at = now - datetime.timedelta(hours=rng.randint(2, 48))
        owner = users["liu.yang"] if number == 0 else users["emily.carter"]
        raw = _mail(formataddr((name, address)), owner.email, subject, body, at,
                    f"<demo-unknown-{number}@stranger.example>")  # fmt: skip
        mail_receive.receive(raw, owner=owner, source="imap")
