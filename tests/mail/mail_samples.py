"""Raw received email for the tests, written as mail programs write it (CRLF, encoded words)."""

import base64


def b64_word(text: str, charset: str) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def raw_email(
    *,
    sender: str = "Li Lei <li.lei@customer.example>",
    to: str = "Sales <sales@kehu.example>",
    subject: str = "Quote request",
    body: str = "Hello, please send us a quote.",
    message_id: str | None = "<q1@customer.example>",
    date: str | None = "Tue, 01 Dec 2026 09:30:00 +0800",
    headers: str = "",
    charset: str = "utf-8",
) -> bytes:
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}"]
    if message_id:
        lines.append(f"Message-ID: {message_id}")
    if date:
        lines.append(f"Date: {date}")
    if headers:
        lines += headers.strip("\n").split("\n")
    lines += [
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        "Content-Transfer-Encoding: 8bit",
    ]
    head = "\r\n".join(lines).encode("utf-8")  # 8-bit headers, as some clients send
    return head + b"\r\n\r\n" + body.encode(charset if charset != "x-klingon" else "utf-8")


def with_attachments(
    attachments: list[tuple[str, bytes]],
    *,
    sender: str = "li.lei@customer.example",
    subject: str = "Files",
    message_id: str = "<files@customer.example>",
    body: str = "See the files.",
) -> bytes:
    """A multipart/mixed message; each attachment is (Content-Disposition parameters, data)."""
    parts = [
        f"From: {sender}\r\nTo: sales@kehu.example\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0800\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="BOUNDARY"\r\n\r\n'
        f"--BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ]
    for disposition, data in attachments:
        encoded = base64.encodebytes(data).decode().replace("\n", "\r\n")
        parts.append(
            "--BOUNDARY\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; {disposition}\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
        )
    parts.append("--BOUNDARY--\r\n")
    return "".join(parts).encode("utf-8")


GBK_SUBJECT = "关于报价的问题：喆"  # 喆 is in GBK but not in GB2312
GBK_EMAIL = (
    "From: " + b64_word("王喆", "gbk") + " <wang.zhe@customer.example>\r\n"
    "To: sales@kehu.example\r\n"
    "Subject: " + b64_word(GBK_SUBJECT, "gbk") + "\r\n"
    "Message-ID: <gbk1@customer.example>\r\n"
    "Date: Tue, 01 Dec 2026 11:00:00 +0800\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=gb2312\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
).encode("ascii") + "您好，我是王喆。请报价。".encode("gbk")

BROKEN_MIME = (
    b"From: li.lei@customer.example\r\nTo: sales@kehu.example\r\nSubject: broken\r\n"
    b"Message-ID: <broken@customer.example>\r\nDate: Tue, 01 Dec 2026 12:00:00 +0800\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="NEVER"\r\n\r\n'
    b"--NEVER\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n"
    + base64.b64encode("边界从未关闭 the boundary never closes".encode())
    + b"\r\n--NEVER\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="cut.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLj###not-base64"
)

UNKNOWN_CHARSET = raw_email(
    subject="=?x-klingon?Q?Hallo?=",
    body="Grüße aus Köln, 你好",
    charset="x-klingon",
    message_id="<klingon@customer.example>",
)
