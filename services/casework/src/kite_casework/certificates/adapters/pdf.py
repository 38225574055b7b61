"""The certificate as a PDF (reportlab): title, certified text, the office and date under the office's
red round seal (vector graphics: office name around the rim, a star in the middle), the key id, and a
QR code with the public verification address.

The signed payload, signature and key id travel inside the file (its Keywords, as one base64url
token), so `POST /certificates/verify` can check an uploaded file: a changed payload no longer
matches its signature. The page text is printed from that same payload.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese without embedding a font file
SEAL_RED = Color(0.85, 0.1, 0.1)
EMBED_MARK = "KITE-CERT:"
_TOKEN = re.compile(rb"KITE-CERT:([A-Za-z0-9_-]+)")

pdfmetrics.registerFont(UnicodeCIDFont(FONT))


@dataclass(frozen=True)
class SignedDocument:
    payload: str
    signature: str
    key_id: str


def embed_token(document: SignedDocument) -> str:
    raw = json.dumps(
        {"payload": document.payload, "signature": document.signature, "key_id": document.key_id},
        separators=(",", ":"),
    ).encode()
    return EMBED_MARK + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def extract_signed_document(pdf: bytes) -> SignedDocument | None:
    """The signed payload a Kite certificate PDF carries; None when the file carries none (readable)."""
    match = _TOKEN.search(pdf)
    if match is None:
        return None
    token = match.group(1).decode()
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return SignedDocument(str(data["payload"]), str(data["signature"]), str(data["key_id"]))
    except (ValueError, KeyError, TypeError):
        return None


def _seal(c: Canvas, cx: float, cy: float, office_name: str) -> None:
    radius = 21 * mm
    c.saveState()
    c.setStrokeColor(SEAL_RED)
    c.setFillColor(SEAL_RED)
    c.setLineWidth(2.2)
    c.circle(cx, cy, radius, stroke=1, fill=0)
    # the office name around the upper rim, left to right, each character upright to the centre
    chars = list(office_name)[:24]
    size = 11 if len(chars) <= 14 else 9
    span = min(240.0, 17.0 * len(chars))
    start = 90 + span / 2
    step = span / max(len(chars) - 1, 1)
    for i, ch in enumerate(chars):
        angle = start - i * step
        c.saveState()
        c.translate(
            cx + (radius - 5.5 * mm) * math.cos(math.radians(angle)),
            cy + (radius - 5.5 * mm) * math.sin(math.radians(angle)),
        )
        c.rotate(angle - 90)
        c.setFont(FONT, size)
        c.drawCentredString(0, -size / 2.8, ch)
        c.restoreState()
    # the five-pointed star in the middle
    outer, inner = 6 * mm, 2.4 * mm
    path = c.beginPath()
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = math.radians(90 + k * 36)
        x, y = cx + r * math.cos(a), cy + r * math.sin(a)
        if k == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    c.setFont(FONT, 9)
    c.drawCentredString(cx, cy - 12 * mm, "证明专用章")
    c.restoreState()


def render_certificate(document: SignedDocument, verify_url: str) -> bytes:
    """The PDF of a signed certificate, printed from its signed payload."""
    content = json.loads(document.payload)
    office_name: str = content["office"]["name"]
    issued_on: str = content["fields"]["issued_on"]
    width, height = A4
    buffer = io.BytesIO()
    # Uncompressed pages: the verification address stays findable in the file's bytes.
    c = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    c.setTitle(content["title"])
    c.setAuthor(office_name)
    c.setSubject(f"{content['title']} {content['certificate_id']}")
    c.setKeywords(embed_token(document))
    c.setCreator("Kite 风筝 · 电子印章")

    c.setFont(FONT, 26)
    c.drawCentredString(width / 2, height - 45 * mm, content["title"])
    style = ParagraphStyle("body", fontName=FONT, fontSize=14, leading=26, firstLineIndent=28, wordWrap="CJK")
    body = Paragraph(escape(content["text"]), style)  # text, not markup
    _, body_height = body.wrap(width - 50 * mm, height)
    body_top = height - 65 * mm
    body.drawOn(c, 25 * mm, body_top - body_height)

    sign_y = body_top - body_height - 30 * mm
    c.setFont(FONT, 14)
    c.drawRightString(width - 30 * mm, sign_y, office_name)
    c.drawRightString(width - 30 * mm, sign_y - 9 * mm, issued_on)
    _seal(c, width - 30 * mm - 24 * mm, sign_y - 2 * mm, office_name)

    qr = QrCodeWidget(verify_url)
    x0, y0, x1, y1 = qr.getBounds()
    side = 32 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    renderPDF.draw(drawing, c, 25 * mm, 30 * mm)
    c.setFillColor(black)
    c.setFont(FONT, 9)
    c.drawString(62 * mm, 56 * mm, "扫码或访问下列地址核验本证明的真伪和状态：")
    c.setFont("Helvetica", 8)
    c.drawString(62 * mm, 51 * mm, verify_url)
    c.setFont(FONT, 9)
    c.drawString(62 * mm, 44 * mm, f"证明编号：{content['certificate_id']}")
    c.drawString(62 * mm, 39 * mm, f"签名密钥：{document.key_id}（Ed25519）")
    c.drawString(62 * mm, 34 * mm, "本证明经电子签名，内容被改动即无法通过核验。")
    c.showPage()
    c.save()
    return buffer.getvalue()
