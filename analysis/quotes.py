"""The identifying-detail check a free-text answer must pass before it is quoted.

Respondents are asked not to name anyone, but a proposal can still say "anh Tuấn ở Sở Xây dựng
tỉnh Quảng Nam đã ký 3 văn bản…". Quoting it would break the anonymity promise: this check finds
the details that point at a person — names of people, of agencies and units, places, figures,
addresses — conservatively (a false alarm costs an analyst a rewording, a miss costs a
respondent). Vietnamese proper nouns are capitalised, so a capitalised word inside a sentence
that is not one of the institutional words everyone uses (Đảng, Nhà nước, Chính phủ…) is
flagged as a possible name.

Pure Python; the report re-runs it on every approved quote, so a quote approved before a rule
was added is still held back.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Detail", "identifying_details", "quotable"]


@dataclass(frozen=True)
class Detail:
    kind: str       # person | unit | place | number | contact | capital
    text: str
    start: int

    @property
    def reason(self) -> str:
        return {"person": "tên người", "unit": "tên cơ quan, đơn vị", "place": "địa danh",
                "number": "số liệu cụ thể", "contact": "địa chỉ liên hệ, đường dẫn",
                "capital": "từ viết hoa giữa câu (có thể là tên riêng)"}[self.kind]


#: Capitalised words that name no one: institutions, documents, the country.
COMMON = {
    "đảng", "nhà", "nước", "chính", "phủ", "quốc", "hội", "bộ", "trị", "trung", "ương",
    "ban", "bí", "thư", "nghị", "định", "quyết", "kết", "luận", "thông", "tư", "hiến", "pháp",
    "luật", "chỉ", "thị", "quy", "việt", "nam", "mặt", "trận", "tổ", "đoàn", "thanh", "niên",
    "công", "liên", "phụ", "nữ", "cựu", "chiến", "binh", "nông", "dân", "đại", "xiii", "xiv",
    "ủy", "kiểm", "tra", "nội", "tòa", "án", "viện", "sát", "toán", "nhân", "hđnd", "ubnd",
    "bch", "nđ", "cp", "kl", "tw", "qđ", "nq", "ct", "covid", "cntt", "thủ", "tướng", "chủ",
    "tịch", "ttg", "bchtw", "mttq",
}
SURNAMES = ("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào "
            "Trịnh Mai Lưu Tạ Cao Lương Hà Tô Quách Thái Triệu Lâm Chu Châu Kiều La Mạc Phùng "
            "Tăng Vương Văn Doãn Khổng Âu Nông Lò Hứa Lục Giang Từ Tôn Ninh Khúc Thân").split()
TITLES = {"ông", "bà", "anh", "chị", "em", "cô", "chú", "bác", "đ/c", "đc", "đồng chí",
          "giám đốc", "phó giám đốc", "chủ tịch", "phó chủ tịch", "bí thư", "phó bí thư",
          "trưởng phòng", "phó trưởng phòng", "trưởng ban", "phó trưởng ban", "chánh văn phòng",
          "thủ trưởng", "cán bộ", "chuyên viên"}
UNITS = {"sở", "phòng", "ban", "cục", "chi cục", "tổng cục", "vụ", "bộ", "ubnd", "ủy ban",
         "ủy ban nhân dân", "huyện ủy", "tỉnh ủy", "thành ủy", "đảng ủy", "trường", "bệnh viện",
         "trung tâm", "công ty", "kho bạc", "chi nhánh", "hđnd", "văn phòng", "thanh tra",
         "tòa án", "viện kiểm sát", "công an", "đội", "trạm", "hạt", "ban quản lý", "hội đồng"}
PLACES = {"tỉnh", "thành phố", "tp", "tp.", "huyện", "quận", "thị xã", "thị trấn", "xã",
          "phường", "đặc khu", "thôn", "ấp", "bản", "tổ dân phố", "khu phố", "đường", "phố",
          "làng", "khu vực"}
#: National documents may be cited by number ("Nghị định 73/2023"): not a figure about anyone.
DOCUMENTS = r"(?:nghị định|nghị quyết|kết luận|chỉ thị|quy định|thông tư|luật|hiến pháp|" \
            r"quyết định)\s+(?:số\s+)?"
PROVINCES = [
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa",
    "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ",
    "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình", "Quảng Trị", "Đà Nẵng", "Quảng Ngãi",
    "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Hồ Chí Minh", "Sài Gòn", "Đồng Nai",
    "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang", "Quảng Nam",
    "Quảng Bình", "Bình Định", "Phú Yên", "Kon Tum", "Đắk Nông", "Bình Dương", "Bình Phước",
    "Long An", "Tiền Giang", "Bến Tre", "Trà Vinh", "Sóc Trăng", "Bạc Liêu", "Kiên Giang",
    "Hậu Giang", "Bà Rịa", "Vũng Tàu", "Bình Thuận", "Ninh Thuận", "Hà Giang", "Yên Bái",
    "Hòa Bình", "Bắc Giang", "Bắc Kạn", "Vĩnh Phúc", "Hải Dương", "Thái Bình", "Nam Định",
    "Hà Nam", "Thừa Thiên", "Hạ Long", "Quy Nhơn", "Nha Trang", "Vinh", "Phú Quốc", "Côn Đảo",
]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _capital(word: str) -> bool:
    return word[:1].isupper()


def identifying_details(text: str) -> list[Detail]:
    """Every detail of ``text`` that could point at a person, in order of appearance."""
    text = _fold(text or "")
    found: list[Detail] = []
    for m in re.finditer(r"[\w.+-]+@[\w-]+\.[\w.]+|https?://\S+|www\.\S+", text):
        found.append(Detail("contact", m.group(0), m.start()))
    for m in re.finditer(r"\d+(?:[.,/:-]\d+)*(?:/[A-ZĐ-]+)?", text):
        before = text[:m.start()].lower()
        if re.search(DOCUMENTS + r"$", before) or (
                re.search(r"năm\s+$", before) and re.fullmatch(r"(19|20)\d\d", m.group(0))):
            continue
        found.append(Detail("number", m.group(0), m.start()))
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"[^\W\d_][\w/.]*", text)]
    words = [t.rstrip(".") if t.lower() not in ("tp.",) else t for t, _ in tokens]
    claimed: set[int] = set()

    def phrase(i: int, size: int) -> str:
        return " ".join(w.lower() for w in words[i:i + size])

    def names_after(j: int) -> int:
        end = j
        while end < len(words) and _capital(words[end]):
            end += 1
        return end

    for i in range(len(words)):
        for size in (3, 2, 1):
            head = phrase(i, size)
            for kind, heads in (("person", TITLES), ("unit", UNITS), ("place", PLACES)):
                if head not in heads:
                    continue
                if kind == "place" and _capital(words[i]) and head not in ("tp", "tp."):
                    continue  # "Xã hội", "Phố biến": a capitalised word starting a sentence
                end = names_after(i + size)
                tail = [w for w in words[i + size:end] if w.lower() not in COMMON]
                if end > i + size and (kind != "unit" or tail):
                    start = tokens[i][1]
                    stop = tokens[end - 1][1] + len(tokens[end - 1][0])
                    found.append(Detail(kind, text[start:stop], start))
                    claimed.update(range(i, end))
    for i, word in enumerate(words):
        if word in SURNAMES and i + 1 < len(words) and _capital(words[i + 1]):
            end = names_after(i + 1)
            stop = tokens[end - 1][1] + len(tokens[end - 1][0])
            found.append(Detail("person", text[tokens[i][1]:stop], tokens[i][1]))
            claimed.update(range(i, end))
    for name in PROVINCES:
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            found.append(Detail("place", m.group(0), m.start()))
    for i, (_token, start) in enumerate(tokens):
        word = words[i]
        if i in claimed or not _capital(word) or word.lower() in COMMON:
            continue
        before = text[:start].rstrip()
        if not before or before[-1] in ".!?:;\n\"\u201c(-\u2013\u2014\u2022":
            continue
        found.append(Detail("capital", word, start))
    found.sort(key=lambda d: (d.start, d.kind))
    return found


def quotable(text: str) -> bool:
    """True when the text holds no identifying detail (and is not empty)."""
    return bool((text or "").strip()) and not identifying_details(text)
