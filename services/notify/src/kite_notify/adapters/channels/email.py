"""The email channel: one plain-text message over SMTP, upgraded with STARTTLS before anything is sent."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from kite_notify.adapters.channel_settings import SmtpSettings
from kite_notify.domain.delivery import OutboundMessage, PermanentFailure, Sent, TechnicalError


class EmailChannel:
    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.host is None:
            raise ValueError("KITE_SMTP_HOST is not set")
        self.settings = settings
        self.tls = ssl.create_default_context(cafile=settings.ca_file)

    def message(self, m: OutboundMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = m.address
        mail["Subject"] = m.title
        mail["Message-ID"] = make_msgid(idstring=str(m.notification_id), domain="kite")
        mail["X-Kite-Notification-Id"] = str(m.notification_id)
        mail.set_content(m.body, charset="utf-8")
        return mail

    async def send(self, m: OutboundMessage) -> Sent:
        await asyncio.to_thread(self._send, self.message(m))
        return Sent("delivered")  # the receiving server took it: SMTP reports nothing later

    def _send(self, mail: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host or "", s.port, timeout=s.timeout_s) as smtp:
                smtp.ehlo()
                if s.starttls:
                    smtp.starttls(context=self.tls)
                    smtp.ehlo()
                if s.username and s.password:
                    smtp.login(s.username, s.password.get_secret_value())
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(500 <= code < 600 for code in codes):
                raise PermanentFailure(f"收件地址被拒收（SMTP {codes[0]}）") from exc
            raise TechnicalError(f"收件地址暂时无法投递（SMTP {codes[0] if codes else '?'}）") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TechnicalError(f"邮件服务器不可用：{type(exc).__name__}") from exc
