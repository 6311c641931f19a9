"""Build the default .docx templates in docgen/templates/: run `python -m docgen.build_templates`."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

OUT_DIR = Path(__file__).parent / "templates"

# GB/T 9704-2012: A4, margins 37 (top) / 35 (bottom) / 28 (left) / 26 (right) mm, 22 lines a page.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINE_PITCH = Pt(28.95)  # (297 - 37 - 35) mm / 22 lines

# The official fonts are commercial; the font table names a substitute (w:altName) for each, which
# Word uses when the official font is not installed.
TITLE_FONT, TITLE_ALT = "方正小标宋简体", "宋体"
BODY_FONT, BODY_ALT = "仿宋_GB2312", "仿宋"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"

# Numbering definitions: one per list so each list starts at 1 and runs on across pages.
REQUEST_NUM_ID = 1  # 1. 2. 3.  (request items)
TERM_NUM_ID = 2  # 一、二、三、 (agreed terms)

KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "Header", "Footer"}


# ---------------------------------------------------------------- document set-up


def new_document(title: str, document_id: bool = True) -> DocxDocument:
    """An empty A4 document with the official page set-up, styles, fonts and numbering; `document_id`: the footer
    carries the `{{ document_id }}` placeholder (a template's; a document written directly, the letter, has none)."""
    doc = Document()
    _trim_package(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), Mm(20)
    _styles(doc)
    _fonts(doc)
    _numbering(doc)
    _footer(doc, document_id)
    props = doc.core_properties
    props.title, props.author, props.last_modified_by, props.comments = title, "", "", ""
    props.revision = 1
    return doc


def _trim_package(doc: DocxDocument) -> None:
    """Drop what python-docx's default template carries and we never use (keeps files small)."""
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml", "/webSettings")):
            del part.rels[rid]
    pkg_rels = doc.part.package.rels
    for rid, rel in list(pkg_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del pkg_rels[rid]
    styles = doc.styles.element
    for child in list(styles):
        if child.tag == qn("w:latentStyles"):
            styles.remove(child)
        elif child.tag == qn("w:style") and child.get(qn("w:styleId")) not in KEEP_STYLES:
            styles.remove(child)


def _set_fonts(rpr_owner, east_asia: str, size: Pt, bold: bool = False) -> None:
    font = rpr_owner.font
    font.name = LATIN_FONT
    font.size = size
    font.bold = bold
    rfonts = rpr_owner.element.get_or_add_rPr().get_or_add_rFonts()
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _styles(doc: DocxDocument) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    _set_fonts(normal, BODY_FONT, Pt(16))
    for lang in styles.element.iter(qn("w:lang")):  # the document's default language: Chinese
        lang.set(qn("w:eastAsia"), "zh-CN")
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.widow_control = True

    def add(name: str, east_asia: str, size: Pt, bold: bool = False):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        _set_fonts(style, east_asia, size, bold)
        return style

    title = add("DocTitle", TITLE_FONT, Pt(22))
    tf = title.paragraph_format
    tf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    tf.line_spacing = 1.0  # single, not the body's fixed pitch
    tf.space_before, tf.space_after = Pt(0), Pt(16)
    tf.keep_with_next = True

    heading = add("DocHeading", HEADING_FONT, Pt(16))
    heading.paragraph_format.keep_with_next = True
    heading.paragraph_format.space_before = Pt(6)

    body = add("DocBody", BODY_FONT, Pt(16))
    body.paragraph_format.first_line_indent = Pt(32)  # two characters

    table = add("TableText", BODY_FONT, Pt(14))
    tbf = table.paragraph_format
    tbf.line_spacing = 1.0  # single: the QR image must not be clipped
    tbf.space_before = tbf.space_after = Pt(2)

    # The closing block (此致, the addressee, signatures, the verification block) stays on one page with the last
    # line of the text before it: no page holds only 此致, only a signature block, or half a verification block.
    closing = add("Closing", BODY_FONT, Pt(16))
    closing.paragraph_format.keep_with_next = True
    closing.paragraph_format.keep_together = True
    closing_body = add("ClosingBody", BODY_FONT, Pt(16))
    closing_body.paragraph_format.first_line_indent = Pt(32)
    closing_body.paragraph_format.keep_with_next = True
    closing_table = add("ClosingTableText", BODY_FONT, Pt(14))
    ctf = closing_table.paragraph_format
    ctf.line_spacing = 1.0
    ctf.space_before = ctf.space_after = Pt(2)
    ctf.keep_with_next = True
    ctf.keep_together = True

    small = add("SmallNote", BODY_FONT, Pt(10.5))
    sf = small.paragraph_format
    sf.line_spacing = 1.0


def _fonts(doc: DocxDocument) -> None:
    """Declare the official fonts with their fallbacks (w:altName) in word/fontTable.xml."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    table = parse_xml(part.blob)
    for name, alt in ((TITLE_FONT, TITLE_ALT), (BODY_FONT, BODY_ALT), (HEADING_FONT, "SimHei")):
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                '<w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
            )
        )
    from lxml import etree

    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _numbering(doc: DocxDocument) -> None:
    numbering = doc.part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)
    for num_id, fmt, text in ((REQUEST_NUM_ID, "decimal", "%1."), (TERM_NUM_ID, "chineseCounting", "%1、")):
        numbering.append(
            parse_xml(
                f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">'
                '<w:multiLevelType w:val="singleLevel"/>'
                f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:suff w:val="nothing"/><w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                '<w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl></w:abstractNum>'
            )
        )
    for num_id in (REQUEST_NUM_ID, TERM_NUM_ID):
        numbering.append(
            parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>')
        )


def _footer(doc: DocxDocument, document_id: bool = True) -> None:
    """Page number "— 1 —" and (`document_id`) the document id on every page."""
    footer = doc.sections[0].footer
    page = footer.paragraphs[0]
    page.style = doc.styles["SmallNote"]
    page.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page.add_run("— ")
    page._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    page.add_run(" —")
    if document_id:
        note = footer.add_paragraph("文书编号：{{ document_id }}", style="SmallNote")
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER


# ---------------------------------------------------------------- building blocks


def title(doc: DocxDocument, text: str) -> None:
    doc.add_paragraph(text, style="DocTitle")


def right(doc: DocxDocument, text: str) -> Paragraph:
    p = doc.add_paragraph(text, style="Normal")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def heading(doc: DocxDocument, text: str) -> None:
    doc.add_paragraph(text, style="DocHeading")


def body(doc: DocxDocument, text: str, indent: bool = True) -> Paragraph:
    return doc.add_paragraph(text, style="DocBody" if indent else "Normal")


def kept(doc: DocxDocument, text: str) -> Paragraph:
    """A paragraph of a document's last section that stays on the page of the closing block after it: where the
    section ends in conditional paragraphs, any of them may be the last one rendered (lead_into_closing leads in
    only the one right before the block)."""
    p = body(doc, text)
    p.paragraph_format.keep_with_next = True
    return p


def tag(doc: DocxDocument, statement: str) -> None:
    """A docxtpl paragraph tag ({%p ... %}): the paragraph disappears when rendered."""
    doc.add_paragraph("{%p " + statement + " %}", style="Normal")


def numbered(doc: DocxDocument, text: str, num_id: int) -> None:
    p = doc.add_paragraph(text, style="Normal")
    p._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def _table(doc: DocxDocument, widths_mm: Iterable[float], rows: int, borders: bool = True, closing: bool = False):
    """A table with its column widths where every renderer reads them: the grid (w:tblGrid, what LibreOffice and
    WPS lay out by), each cell (w:tcW, Word) and the table's width, in a fixed layout. `closing`: part of the
    closing block (rows never split, kept with what follows)."""
    widths = [Mm(w) for w in widths_mm]
    table = doc.add_table(rows=rows, cols=len(widths))
    if borders:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(width.twips))
    tbl_pr = table._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblW")):
        tbl_pr.remove(old)
    tbl_pr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{sum(w.twips for w in widths)}" w:type="dxa"/>'))
    tbl_pr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        if closing:
            row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
    return table


def _in_closing_table(cell) -> bool:
    """Whether the cell's row is one of the closing block's (rows that never split)."""
    return cell._tc.getparent().find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None


def _cell(cell, text: str, align: WD_ALIGN_PARAGRAPH | None = None) -> None:
    p = cell.paragraphs[0]
    p.style = "ClosingTableText" if _in_closing_table(cell) else "TableText"
    p.text = text
    if align is not None:
        p.alignment = align


def fields_table(doc: DocxDocument, rows: list[tuple[str, str]]) -> None:
    """Label | value rows with fixed placeholders."""
    table = _table(doc, (42, 114), len(rows))
    for row, (label, value) in zip(table.rows, rows, strict=True):
        _cell(row.cells[0], label, WD_ALIGN_PARAGRAPH.CENTER)
        _cell(row.cells[1], value)


def loop_table(doc: DocxDocument, loop: str, header: list[str], cells: list[str], widths: list[float]) -> None:
    """An optional header row, then one row per item of `loop` ("x in xs") through {%tr %} tags."""
    table = _table(doc, widths, 3 + bool(header))
    rows = list(table.rows)
    if header:
        for cell, text in zip(rows.pop(0).cells, header, strict=True):
            _cell(cell, text, WD_ALIGN_PARAGRAPH.CENTER)
    _cell(rows[0].cells[0], "{%tr for " + loop + " %}")
    for cell, text in zip(rows[1].cells, cells, strict=True):
        _cell(cell, text)
    _cell(rows[2].cells[0], "{%tr endfor %}")


def party_table(doc: DocxDocument, party: str) -> None:
    """The particulars the case holds for one party, as label | value rows."""
    loop_table(doc, f"row in {party}.rows", [], ["{{ row.label }}", "{{ row.value }}"], [42, 114])


def request_items(doc: DocxDocument) -> None:
    tag(doc, "for item in request_items")
    numbered(
        doc,
        "{{ item.text }}{% if item.amount %}（金额：人民币{{ item.amount }}元，{{ item.amount_capital }}）{% endif %}",
        REQUEST_NUM_ID,
    )
    tag(doc, "endfor")
    tag(doc, "if requests_text")
    body(doc, "{{ requests_text }}")
    tag(doc, "endif")
    body(  # the sum of the items listed above (the amount first claimed only when none is listed)
        doc,
        "请求金额合计：{% if request_total %}人民币{{ request_total }}元（{{ request_total_capital }}）"
        "{% else %}无{% endif %}",
    )


def agreed_terms(doc: DocxDocument) -> None:
    tag(doc, "for term in agreement.terms")
    numbered(
        doc,
        "{{ term.text }}{% if term.amount %}，金额人民币{{ term.amount }}元（{{ term.amount_capital }}）"
        "{% endif %}{% if term.due_date or term.method %}，{% if term.due_date %}于{{ term.due_date }}前"
        "{% endif %}{% if term.method %}以{{ term.method }}方式{% endif %}履行{% endif %}。",
        TERM_NUM_ID,
    )
    tag(doc, "endfor")
    tag(doc, "if agreement.total")
    body(doc, "以上款项合计人民币{{ agreement.total }}元（{{ agreement.total_capital }}）。")
    tag(doc, "endif")


def evidence_and_witnesses(doc: DocxDocument) -> None:
    heading(doc, "证据和证据来源")
    tag(doc, "if evidence")
    loop_table(
        doc,
        "e in evidence",
        ["序号", "证据名称", "证据来源", "证明目的"],
        ["{{ e.number }}", "{{ e.name }}", "{{ e.source }}", "{{ e.purpose }}"],
        [14, 56, 36, 50],
    )
    tag(doc, "else")
    body(doc, "无")
    tag(doc, "endif")
    heading(doc, "证人")
    tag(doc, "if witnesses")
    loop_table(
        doc,
        "w in witnesses",
        ["序号", "姓名", "住所", "联系电话"],
        ["{{ w.number }}", "{{ w.name }}", "{{ w.address }}", "{{ w.phone }}"],
        [14, 30, 72, 40],
    )
    tag(doc, "else")
    body(doc, "无")
    tag(doc, "endif")


def closing_line(doc: DocxDocument, text: str = "", align: WD_ALIGN_PARAGRAPH | None = None) -> Paragraph:
    """A line of the closing block (kept with the next line and the text before it; see `_styles`)."""
    p = doc.add_paragraph(text, style="Closing")
    if align is not None:
        p.alignment = align
    return p


def closing_table(doc: DocxDocument, widths_mm: Iterable[float], rows: int):
    """A borderless table of the closing block (signatures, a seal, the date)."""
    closing_line(doc)
    return _table(doc, widths_mm, rows, borders=False, closing=True)


def signature(doc: DocxDocument, who: str, date: str) -> None:
    closing_line(doc)
    p = closing_line(doc, who + "（签名或盖章）：" + "\u3000" * 6, WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.space_before = Pt(12)
    closing_line(doc, date, WD_ALIGN_PARAGRAPH.RIGHT)


def addressee(doc: DocxDocument, to: str) -> None:
    doc.add_paragraph("此致", style="ClosingBody")
    closing_line(doc, to)


def verification(doc: DocxDocument, signatures: bool = False) -> None:
    """QR code linking to the public check page, with the document id: one block, never split. `signatures`: the
    block states each signature (who, for whom and in what capacity, when, the identity proof, an agent's
    authority)."""
    table = closing_table(doc, (34, 122), 1)
    _cell(table.rows[0].cells[0], "{{ qr }}", WD_ALIGN_PARAGRAPH.CENTER)
    cell = table.rows[0].cells[1]
    _cell(cell, "文书编号：{{ document_id }}")
    lines = ["案件编号：{{ serial }}", "生成日期：{{ issued_date }}"]
    if signatures:
        lines += ["{%p for s in signatures %}", "签署核验：{{ s.text }}", "{%p endfor %}"]
    lines += ["扫描二维码或访问下列地址核验本文书真伪：", "{{ verify_url }}"]
    for text in lines:
        cell.add_paragraph(text, style="ClosingTableText")


def worker_table(doc: DocxDocument) -> None:
    """The worker as 劳动争议调解仲裁法 art. 28 and 办案规则 art. 29 ask: name, gender, birth date and age,
    ID, occupation, work unit, domicile, mailing address, phone (不详 where the case does not know one); a foreigner's
    nationality, or the ethnicity the worker gave."""
    party_table(doc, "worker")


def employer_table(doc: DocxDocument) -> None:
    """The employer: name, domicile, mailing address, phone, the legal representative (or principal) and title."""
    party_table(doc, "employer")


def _party_signs(role: str) -> tuple[str, str]:
    """A party's two lines of the signature block: a person signs; an organisation seals (盖章) and a named person
    signs for it, its legal representative or an agent (民法典 arts. 61, 162, 490), the seal image beside the
    name, never alone."""
    organisation = f'{{% if {role}.kind == "employer" %}}'
    return (
        f"{organisation}{{{{ {role}.role }}}}（盖章）：{{{{ {role}.name }}}}{{{{ seal_{role} }}}}"
        f"{{% else %}}{{{{ {role}.role }}}}（签名）：{{{{ sig_{role} }}}}{{% endif %}}",
        f'{organisation}{{{{ signed.{role}.capacity or "法定代表人或委托代理人" }}}}（签名）：'
        f"{{{{ signed.{role}.signatory }}}}{{{{ sig_{role} }}}}{{% endif %}}",
    )


def signatures_table(doc: DocxDocument) -> None:
    """Each signature drawn on a phone (an organisation's by the person who signed for it, with its seal), the time
    it was given, the mediator's, and the centre's seal."""
    applicant_seal, applicant_person = _party_signs("applicant")
    respondent_seal, respondent_person = _party_signs("respondent")
    table = closing_table(doc, (78, 78), 5)
    for row, (left, right_text) in zip(
        table.rows,
        (
            (applicant_seal, respondent_seal),
            (applicant_person, respondent_person),
            ("{{ signed.applicant.at }}", "{{ signed.respondent.at }}"),
            ("调解员（签名）：{{ sig_mediator }}", "调解组织（盖章）：{{ seal }}"),
            ("{{ signed.mediator.at }}", "{{ agreement.effective_date or outcome.date }}"),
        ),
        strict=True,
    ):
        _cell(row.cells[0], left)
        _cell(row.cells[1], right_text)


def application_signatures(doc: DocxDocument) -> None:
    """The two applicants' signature lines of a joint application: a person signs; an organisation seals and its
    legal representative or agent signs (法释〔2011〕5号 art. 3: an agent files the authorisation)."""
    table = closing_table(doc, (78, 78), 3)
    for column, role in enumerate(("applicant", "respondent")):
        organisation = f'{{% if {role}.kind == "employer" %}}'
        _cell(table.rows[0].cells[column], f"{organisation}申请人（盖章）：{{% else %}}申请人（签名）：{{% endif %}}")
        _cell(table.rows[1].cells[column], f"{organisation}法定代表人或委托代理人（签名）：{{% endif %}}")
    _cell(table.rows[2].cells[1], "{{ issued_date }}")


def attachments(doc: DocxDocument) -> None:
    """附： the materials filed with the application, numbered."""
    closing_line(doc, "附：")
    tag(doc, "for a in attachments")
    closing_line(doc, "{{ a.number }}. {{ a.text }}")
    tag(doc, "endfor")


# ---------------------------------------------------------------- the four documents


def application() -> DocxDocument:
    doc = new_document("劳动人事争议调解申请书")
    title(doc, "劳动人事争议调解申请书")
    right(doc, "案件编号：{{ serial }}")
    heading(doc, "申请人（{{ applicant.kind_label }}）")
    party_table(doc, "applicant")
    heading(doc, "被申请人（{{ respondent.kind_label }}）")
    party_table(doc, "respondent")
    heading(doc, "请求事项")
    request_items(doc)
    body(doc, '案件提交地：{{ claim.venue or "无" }}')
    heading(doc, "事实和理由")
    body(doc, "{{ claim.facts }}")
    heading(doc, "证据")
    tag(doc, "if evidence")
    loop_table(
        doc,
        "e in evidence",
        ["序号", "证据名称", "证据来源", "证明目的"],
        ["{{ e.number }}", "{{ e.name }}", "{{ e.source }}", "{{ e.purpose }}"],
        [14, 56, 36, 50],
    )
    tag(doc, "else")
    body(doc, "无")
    tag(doc, "endif")
    addressee(doc, "{{ centre.name }}")
    signature(doc, "申请人", "{{ created_date }}")
    verification(doc)
    return doc


def agreement() -> DocxDocument:
    doc = new_document("调解协议书")
    title(doc, "调解协议书")
    right(doc, "案件编号：{{ serial }}")
    body(doc, "{{ applicant.role }}：{{ applicant.summary }}", indent=False)
    body(doc, "{{ respondent.role }}：{{ respondent.summary }}", indent=False)
    body(
        doc,
        "调解组织：{{ centre.name }}{% if centre.address %}，地址：{{ centre.address }}{% endif %}"
        "{% if centre.phone %}，电话：{{ centre.phone }}{% endif %}",
        indent=False,
    )
    body(doc, "调解员：{{ mediator.name }}", indent=False)
    heading(doc, "争议事项")
    body(
        doc,
        "{{ applicant.name }}与{{ respondent.name }}因劳动人事争议，于{{ created_date }}向{{ centre.name }}"
        "申请调解。申请人的请求如下：",
    )
    request_items(doc)
    heading(doc, "协议内容")
    body(doc, "经{{ centre.name }}主持调解，双方当事人自愿达成如下协议：")
    agreed_terms(doc)
    tag(doc, "if agreement.waivers")
    body(doc, "双方确认：{{ agreement.waivers }}。")
    tag(doc, "endif")
    heading(doc, "协议效力")
    body(
        doc,
        "本协议经双方当事人签名或者盖章、调解员签名并加盖调解组织印章后生效"
        "{% if agreement.effective_date %}，生效日期为{{ agreement.effective_date }}"
        "{% if agreement.effective_time %}（最后一方签名时间{{ agreement.effective_time }}）{% endif %}"
        "{% endif %}。"
        "调解协议书对双方当事人具有约束力，当事人应当履行。一方当事人在协议约定期限内不履行调解协议的，"
        "另一方当事人可以依法申请仲裁。双方当事人可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。",
    )
    body(
        doc,
        "本协议{% if agreement.copies %}一式{{ agreement.copies_cn }}份，{% endif %}"
        "双方当事人各执一份，其余由调解组织留存，具有同等效力。",
    )
    signatures_table(doc)
    verification(doc, signatures=True)
    return doc


def arbitration() -> DocxDocument:
    doc = new_document("劳动人事争议仲裁申请书")
    title(doc, "劳动人事争议仲裁申请书")
    right(doc, "案件编号：{{ serial }}")
    tag(doc, 'if applicant.kind == "worker"')
    heading(doc, "申请人（劳动者）")
    worker_table(doc)
    heading(doc, "被申请人（用人单位）")
    employer_table(doc)
    tag(doc, "else")
    heading(doc, "申请人（用人单位）")
    employer_table(doc)
    heading(doc, "被申请人（劳动者）")
    worker_table(doc)
    tag(doc, "endif")
    heading(doc, "仲裁请求")
    tag(doc, "if breach.terms")
    body(
        doc,
        "请求裁决被申请人履行双方于{{ agreement.effective_date }}经{{ centre.name }}调解达成的调解协议中"
        "未履行的下列义务：",
    )
    tag(doc, "for term in breach.terms")
    numbered(
        doc,
        "{{ term.text }}{% if term.amount %}，金额人民币{{ term.amount }}元（{{ term.amount_capital }}）"
        "{% endif %}{% if term.due_date %}，约定于{{ term.due_date }}前履行{% endif %}。",
        REQUEST_NUM_ID,
    )
    tag(doc, "endfor")
    tag(doc, "endif")
    request_items(doc)
    heading(doc, "事实和理由")
    tag(doc, "if employment.started")
    body(
        doc,
        "申请人于{{ employment.started }}入职被申请人处{% if employment.ended %}，于{{ employment.ended }}离职"
        "{% endif %}{% if employment.known_on %}，于{{ employment.known_on }}知道其权利被侵害{% endif %}。",
    )
    tag(doc, "endif")
    body(doc, "{{ claim.facts }}")
    tag(doc, 'if outcome.kind == "failed"')
    body(
        doc,
        "本争议已于{{ created_date }}向{{ centre.name }}申请调解，于{{ outcome.date }}调解不成"
        "{% if outcome.reason %}（{{ outcome.reason }}）{% endif %}。",
    )
    tag(doc, "else")
    body(doc, "本争议已于{{ created_date }}向{{ centre.name }}申请调解。")
    tag(doc, "endif")
    evidence_and_witnesses(doc)
    addressee(doc, '{{ arbitration_commission or "________劳动人事争议仲裁委员会" }}')
    signature(doc, "申请人", "{{ issued_date }}")
    verification(doc)
    return doc


def judicial_confirmation() -> DocxDocument:
    doc = new_document("司法确认申请书")
    title(doc, "司法确认申请书")
    right(doc, "案件编号：{{ serial }}")
    body(doc, "申请人：{{ applicant.summary }}", indent=False)
    body(doc, "申请人：{{ respondent.summary }}", indent=False)
    heading(doc, "请求事项")
    body(doc, "请求人民法院确认申请人于{{ outcome.date }}经{{ centre.name }}主持调解达成的调解协议有效。")
    heading(doc, "事实和理由")
    body(
        doc,
        "申请人{{ applicant.name }}与{{ respondent.name }}因劳动人事争议，于{{ created_date }}向"
        "{{ centre.name }}申请调解，经调解员{{ mediator.name }}主持调解，于{{ outcome.date }}"
        "自愿达成如下调解协议：",
    )
    agreed_terms(doc)
    tag(doc, "if agreement.waivers")
    body(doc, "双方确认：{{ agreement.waivers }}。")
    tag(doc, "endif")
    tag(doc, "if agreement.effective_date")
    body(doc, "该调解协议自{{ agreement.effective_date }}起生效。")
    tag(doc, "endif")
    body(
        doc,
        "申请人出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；如果因为该协议内容而给他人"
        "造成损害的，愿意承担相应的民事责任和其他法律责任。",
    )
    # 民事诉讼法 art. 205: the court that invited the mediation, or the parties' choice among the basic courts of a
    # party's domicile, of the subject matter's location and of the centre's seat.
    tag(doc, "if court.name")
    body(doc, "依照《中华人民共和国民事诉讼法》第二百零五条，申请人向{{ court.name }}（{{ court.basis }}）提出本申请。")
    tag(doc, "else")
    body(
        doc,
        "依照《中华人民共和国民事诉讼法》第二百零五条，本申请可以向当事人住所地、标的物所在地、调解组织所在地的基层"
        "人民法院提出{% if court.choices %}，本案可选择：{{ court.choices }}{% endif %}。",
    )
    tag(doc, "endif")
    addressee(doc, '{{ court.name or "________人民法院" }}')
    application_signatures(doc)
    attachments(doc)
    verification(doc)
    return doc


def termination_notice() -> DocxDocument:
    """调解终止通知书, one per party (`addressee`): what ended the mediation (or why it was not accepted), when, and
    the party's next right in one sentence: arbitration before the commission by the safe last day (调解仲裁法
    arts. 5, 27), or, for a delegated case, its return to the court or institute (法释〔2021〕23号 arts. 15 ¶2, 21).
    Second person "你（单位）" throughout; nothing addressed to the other party's situation."""
    doc = new_document("调解终止通知书")
    title(doc, "调解终止通知书")
    right(doc, "案件编号：{{ serial }}")
    doc.add_paragraph("{{ addressee.name }}：", style="Normal")
    # YOU_AND_OTHER / OTHER: the parties as this notice's addressee reads them ("你（单位）" is always the addressee).
    you_and_other = (
        "{% if addressee.is_applicant %}你（单位）与{{ respondent.name }}"
        "{% else %}{{ applicant.name }}与你（单位）{% endif %}"
    )
    other = "{% if addressee.is_applicant %}{{ respondent.name }}{% else %}你（单位）{% endif %}"
    subject = (
        "{% if delegation.partner %}{{ delegation.partner }}于{{ delegation.delegated_date }}"
        "{{ delegation.kind_label }}本调解组织调解的YOU_AND_OTHER之间的劳动人事争议（案号：{{ delegation.case_no }}）"
        "{% elif addressee.is_applicant %}你（单位）于{{ created_date }}向本调解组织申请调解的与{{ respondent.name }}"
        "之间的劳动人事争议{% else %}{{ applicant.name }}于{{ created_date }}向本调解组织申请调解的与你（单位）"
        "之间的劳动人事争议{% endif %}"
    ).replace("YOU_AND_OTHER", you_and_other)
    what = (
        '{% if notice.end == "declined" %}，本调解组织经审查，于{{ outcome.date }}决定不予受理。'
        '理由：{{ outcome.reason or "不符合受理条件" }}。'
        '{% elif notice.end == "withdrawn" %}，{% if addressee.is_applicant %}你（单位）{% else %}{{ applicant.name }}'
        "{% endif %}于{{ outcome.date }}撤回调解申请，本调解组织于同日终止调解。"
        '{% elif notice.end == "refused" %}，因OTHER明确表示不同意调解，本调解组织于{{ outcome.date }}终止调解。'
        '{% elif notice.end == "silent" %}，因OTHER未在答复期限（至{{ notice.answer_due }}）内答复是否同意调解，'
        "本调解组织于{{ outcome.date }}终止调解。"
        '{% else %}，因{{ outcome.closure_reason or "调解不成" }}{% if outcome.reason %}（{{ outcome.reason }}）'
        "{% endif %}，本调解组织于{{ outcome.date }}终止调解。{% endif %}"
    ).replace("OTHER", other)
    body(doc, subject + what)
    # A delegated case goes back (art. 15 ¶2 on a refusal or silence; art. 21 on every failure).
    tag(doc, "if notice.returns")
    kept(
        doc,
        '{% if notice.end == "withdrawn" %}本调解组织已将撤回调解申请的情况告知{{ delegation.partner }}。'
        '{% else %}依照《人民法院在线调解规则》{% if notice.end in ("refused", "silent") %}第十五条第二款、{% endif %}'
        '第二十一条，本案{% if notice.end in ("refused", "silent") %}及相关材料{% endif %}退回'
        "{{ delegation.partner }}{% if not notice.arbitrate %}，由"
        '{% if delegation.partner_kind == "court" %}该院{% else %}该委{% endif %}依法'
        '{% if notice.returns == "file" %}登记立案{% elif notice.returns == "resume" %}恢复审理'
        "{% else %}处理{% endif %}{% endif %}。{% endif %}",
    )
    tag(doc, "endif")
    # The next right: arbitration, named for the applicant with its safe last day, for the respondent as the rule.
    tag(doc, "if notice.arbitrate and addressee.is_applicant")
    kept(
        doc,
        '{% if notice.end == "withdrawn" %}撤回调解申请不影响你（单位）依法申请仲裁。{% endif %}'
        "依照《中华人民共和国劳动争议调解仲裁法》第五条、第二十七条，你（单位）可以向"
        '{{ arbitration_commission or "有管辖权的劳动人事争议仲裁委员会" }}申请仲裁，'
        "{% if notice.ran_out_before %}按你（单位）提供的日期，申请仲裁的时效期间可能已于{{ notice.before_date }}届满，"
        "请尽快申请。{% else %}请最迟于{{ notice.last_day }}提出仲裁申请。{% endif %}",
    )
    tag(doc, "if notice.last_day and notice.restart_day and notice.restart_day != notice.last_day")
    kept(
        doc,
        "该日期自你（单位）申请调解之日（{{ notice.received_date }}）起重新计算一年；如自调解终止之日起计算则至"
        "{{ notice.restart_day }}。仲裁委员会可能按前一种方法计算，请以较早的日期为准。",
    )
    tag(doc, "endif")
    tag(doc, "if notice.wages_exception")
    kept(doc, "劳动关系存续期间因拖欠劳动报酬发生争议的，申请仲裁不受一年时效期间的限制（第二十七条第四款）。")
    tag(doc, "endif")
    tag(doc, "elif notice.arbitrate")
    kept(
        doc,
        "你（单位）对本争议有仲裁请求的，可以依照《中华人民共和国劳动争议调解仲裁法》第五条向"
        '{{ arbitration_commission or "有管辖权的劳动人事争议仲裁委员会" }}申请仲裁，申请仲裁的时效期间为一年，'
        "自知道或者应当知道其权利被侵害之日起计算（第二十七条）。",
    )
    tag(doc, "endif")
    doc.add_paragraph("特此通知。", style="ClosingBody")
    table = closing_table(doc, (78, 78), 2)
    _cell(table.rows[0].cells[1], "{{ centre.name }}（盖章）{{ seal }}")
    _cell(table.rows[1].cells[1], "{{ outcome.date or issued_date }}")
    verification(doc)
    return doc


def failure_report() -> DocxDocument:
    """调解终结报告 (法释〔2021〕23号 art. 21): a delegated case that ended without agreement, reported to its court or
    institute by the mediator: the basic facts, why it failed, conduct that raised the other party's costs, and
    what else the court should know; sent with the `closed` event and kept in the case."""
    doc = new_document("调解终结报告")
    title(doc, "调解终结报告")
    right(doc, "案件编号：{{ serial }}")
    doc.add_paragraph("{{ delegation.partner }}：", style="Normal")
    body(
        doc,
        '你{% if delegation.partner_kind == "court" %}院{% else %}委{% endif %}于{{ delegation.delegated_date }}'
        "{{ delegation.kind_label }}本调解组织调解的{{ applicant.name }}与{{ respondent.name }}劳动人事争议一案"
        "（案号：{{ delegation.case_no }}），本调解组织{% if delegation.accepted_date %}于"
        "{{ delegation.accepted_date }}接受{{ delegation.kind_label }}，{% endif %}"
        "{% if mediator.name %}由调解员{{ mediator.name }}主持调解，{% endif %}于{{ outcome.date }}终结调解。"
        "依照《人民法院在线调解规则》第二十一条，现将有关情况报告如下：",
    )
    heading(doc, "一、调解基本情况")
    body(doc, "{{ report.facts }}。")
    heading(doc, "二、调解不成的原因")
    body(doc, "{{ outcome.closure_reason }}{% if report.reason %}：{{ report.reason }}{% endif %}。")
    heading(doc, "三、导致其他当事人诉讼成本增加的行为")
    body(doc, '{{ report.costs or "无" }}。')
    heading(doc, "四、需要向人民法院提示的其他情况")
    kept(doc, '{{ report.notes or "无" }}。')
    tag(doc, "if report.generated")
    kept(doc, "本报告依据平台记录的被申请人答复情况制作，本案相关材料已随本报告退回。")
    tag(doc, "endif")
    table = closing_table(doc, (78, 78), 2)
    _cell(table.rows[0].cells[0], "调解员（签名）：{{ report.signed_by or mediator.name }}")
    _cell(table.rows[0].cells[1], "{{ centre.name }}（盖章）{{ seal }}")
    _cell(table.rows[1].cells[1], "{{ issued_date }}")
    verification(doc)
    return doc


def payment_order() -> DocxDocument:
    """支付令申请书 (劳动争议调解仲裁法 art. 16; 民事诉讼法 art. 225): the agreed pay not paid in time."""
    doc = new_document("支付令申请书")
    title(doc, "支付令申请书")
    right(doc, "案件编号：{{ serial }}")
    heading(doc, "申请人（劳动者）")
    worker_table(doc)
    heading(doc, "被申请人（用人单位）")
    employer_table(doc)
    heading(doc, "请求事项")
    body(
        doc,
        "请求人民法院向被申请人发出支付令，督促被申请人向申请人给付下列款项"
        "{% if breach.total %}，共计人民币{{ breach.total }}元（{{ breach.total_capital }}）{% endif %}：",
    )
    tag(doc, "for term in breach.terms")
    numbered(
        doc,
        "{{ term.text }}{% if term.amount %}，人民币{{ term.amount }}元（{{ term.amount_capital }}）"
        "{% endif %}{% if term.due_date %}，约定于{{ term.due_date }}前履行{% endif %}。",
        REQUEST_NUM_ID,
    )
    tag(doc, "endfor")
    heading(doc, "事实和理由")
    body(
        doc,
        "申请人与被申请人因劳动争议，于{{ created_date }}向{{ centre.name }}申请调解，经调解员{{ mediator.name }}"
        "主持调解，双方达成调解协议，该协议于{{ agreement.effective_date }}生效。被申请人应当在协议约定的期限内"
        "履行上列给付义务，但至{{ breach.date or issued_date }}仍未履行。依照《中华人民共和国劳动争议调解仲裁法》"
        "第十六条及《中华人民共和国民事诉讼法》第二百二十五条，申请人持调解协议书申请支付令。",
    )
    body(doc, "申请人与被申请人之间没有其他债务纠纷，支付令能够送达被申请人。")
    addressee(doc, '{{ debtor_court or centre.basic_court or "________人民法院" }}')
    signature(doc, "申请人", "{{ issued_date }}")
    closing_line(doc, "附：调解协议书一份")
    verification(doc)
    return doc


def arbitral_review() -> DocxDocument:
    """仲裁审查申请书 (办案规则 art. 74): both parties, within 15 days of the agreement taking effect."""
    doc = new_document("仲裁审查申请书")
    title(doc, "仲裁审查申请书")
    right(doc, "案件编号：{{ serial }}")
    body(doc, "申请人：{{ applicant.summary }}", indent=False)
    body(doc, "申请人：{{ respondent.summary }}", indent=False)
    heading(doc, "请求事项")
    body(
        doc,
        "请求仲裁委员会对申请人于{{ agreement.effective_date }}经{{ centre.name }}"
        "主持调解达成的调解协议进行审查，"
        "并依法制作调解书。",
    )
    heading(doc, "事实和理由")
    body(
        doc,
        "申请人{{ applicant.name }}与{{ respondent.name }}因劳动人事争议，于{{ created_date }}向{{ centre.name }}"
        "申请调解，经调解员{{ mediator.name }}主持调解，自愿达成如下调解协议，该协议经双方签名、调解员签名并加盖"
        "调解组织印章，于{{ agreement.effective_date }}生效：",
    )
    agreed_terms(doc)
    body(doc, "依照《劳动人事争议仲裁办案规则》第七十四条，双方自调解协议生效之日起十五日内共同提出本申请。")
    addressee(doc, '{{ arbitration_commission or "________劳动人事争议仲裁委员会" }}')
    application_signatures(doc)
    attachments(doc)
    verification(doc)
    return doc


BUILDERS = {
    "application": application,
    "agreement": agreement,
    "arbitration": arbitration,
    "judicial_confirmation": judicial_confirmation,
    "termination_notice": termination_notice,
    "payment_order": payment_order,
    "arbitral_review": arbitral_review,
    "failure_report": failure_report,
}


CLOSING_STYLES = ("Closing", "ClosingBody", "ClosingTableText")


def lead_into_closing(doc: DocxDocument) -> None:
    """The last text before the closing block keeps with it, so the block never stands alone on a page. Tag
    paragraphs ({%p ... %}) vanish when rendered: the text before them leads in (each branch's, the `else`
    one included); a table leads in whole (a list longer than a page still breaks: no renderer can keep it)."""

    def style(p) -> str:
        found = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        return found.get(qn("w:val")) if found is not None else ""

    def keep(p) -> None:
        ppr = p.get_or_add_pPr()
        if ppr.find(qn("w:keepNext")) is None:
            ppr.insert(1 if ppr.find(qn("w:pStyle")) is not None else 0, parse_xml(f"<w:keepNext {nsdecls('w')}/>"))

    def text(element) -> str:
        return "".join(t.text or "" for t in element.iter(qn("w:t")))

    def lead(element) -> None:
        if element.tag == qn("w:p"):
            keep(element)
            return
        for p in element.iter(qn("w:p")):  # every row: LibreOffice keeps a table with what follows only then
            keep(p)

    blocks = [e for e in doc.element.body if e.tag in (qn("w:p"), qn("w:tbl"))]
    first = next(
        i
        for i, e in enumerate(blocks)
        if (e.tag == qn("w:p") and style(e) in CLOSING_STYLES)
        or (e.tag == qn("w:tbl") and e.find(f".//{qn('w:cantSplit')}") is not None)
    )
    for element in blocks[first:]:  # directly too: LibreOffice keeps a table with what follows only then
        for p in [element] if element.tag == qn("w:p") else element.iter(qn("w:p")):
            keep(p)
    i = first - 1
    while i >= 0 and text(blocks[i]).strip() in ("{%p endif %}", "{%p endfor %}"):
        i -= 1  # tags vanish: what is before them leads in
    while i >= 0:
        lead(blocks[i])
        if i >= 1 and text(blocks[i - 1]).strip() == "{%p else %}":
            i -= 2  # the other branch leads in too
        else:
            break


def build(out_dir: Path = OUT_DIR) -> list[Path]:
    """Write the default templates into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, builder in BUILDERS.items():
        path = out_dir / f"{kind}.docx"
        doc = builder()
        lead_into_closing(doc)
        doc.save(str(path))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(f"{written} {written.stat().st_size} bytes")
