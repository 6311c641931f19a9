"""QR codes as PNG bytes (qrcode builds the matrix, Pillow draws it)."""

from __future__ import annotations

import io

import qrcode
from PIL import Image

BOX_PIXELS = 8  # pixels a module
QUIET_ZONE = 4  # modules of white border, as ISO/IEC 18004 asks


def qr_png(data: str) -> bytes:
    """A black-on-white PNG of a QR code (error correction M) carrying `data`."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * BOX_PIXELS, size * BOX_PIXELS), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
