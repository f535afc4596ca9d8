#!/usr/bin/env python3
"""Regenerates the encoded HTML fixtures of tests/parser/charset_test.cc.

Each fixture is a small page whose <p id="marker"> holds known text, written
in one legacy encoding with Python's codecs (standard library only). Run it
from anywhere: the files land next to this script.
"""
import codecs
import os

HERE = os.path.dirname(os.path.abspath(__file__))

PAGE = ('<!DOCTYPE html>\n<html><head>{decl}<title>charset fixture</title>'
        '</head>\n<body><p id="marker">{marker}</p></body></html>\n')

# name: (codec, BOM bytes, declaration in <head>, marker text)
FIXTURES = {
    'gbk_meta.html': (
        'gbk', b'', '<meta charset="gbk">', '简体中文：编码测试'),
    # Characters only GB18030 has: U+20000 and U+1F600 (four-byte forms),
    # U+0F40 TIBETAN KA (a four-byte form in the BMP), and the euro sign.
    'gb18030_meta.html': (
        'gb18030', b'', '<meta charset="gb18030">', '\U00020000ཀ\U0001F600€中文'),
    'big5_http_equiv.html': (
        'big5', b'',
        '<meta http-equiv="Content-Type" content="text/html; charset=big5">',
        '繁體中文測試'),
    # No declaration: the test gives the charset in the Content-Type.
    'shift_jis_nolabel.html': (
        'shift_jis', b'', '', '日本語のテキスト、カタカナとｶﾀｶﾅ'),
    'euc_jp_meta.html': (
        'euc_jp', b'', '<META CHARSET=EUC-JP>', '日本語とｶﾀｶﾅ'),
    # content before http-equiv, and a label of EUC-KR that is not its name.
    'euc_kr_http_equiv.html': (
        'euc_kr', b'',
        "<meta content='text/html; charset=ks_c_5601-1987' "
        'http-equiv="content-type">',
        '한국어 테스트'),
    # iso-8859-1 means windows-1252: bytes 0x80-0x9F are € ’ “ ” – and so on.
    'windows1252_meta.html': (
        'cp1252', b'', '<meta charset="iso-8859-1">', '€ ’ “ ” café – naïve'),
    'windows1252_nolabel.html': (
        'cp1252', b'', '', '€ ’ “ ” café – naïve'),
    'iso2022jp_nolabel.html': ('iso2022_jp', b'', '', '日本語の文章'),
    'koi8r_meta.html': ('koi8_r', b'', '<meta charset="koi8-r">', 'Русский текст'),
    'utf16le_bom.html': (
        'utf-16-le', codecs.BOM_UTF16_LE, '', 'UTF-16 текст 中文 \U0001F600'),
    'utf16be_bom.html': (
        'utf-16-be', codecs.BOM_UTF16_BE, '', 'UTF-16 текст 中文 \U0001F600'),
    # The BOM wins over a wrong declaration.
    'utf8_bom.html': (
        'utf-8', codecs.BOM_UTF8, '<meta charset="windows-1252">', 'UTF-8 ✓ 中文'),
    'utf8_nolabel.html': ('utf-8', b'', '', 'Ünïcödé ✓ 中文'),
    # A meta declaring UTF-16 in ASCII-compatible bytes means UTF-8.
    'utf8_meta_utf16.html': (
        'utf-8', b'', '<meta charset="utf-16">', 'Ünïcödé ✓'),
}


def main():
    for name, (codec, bom, decl, marker) in sorted(FIXTURES.items()):
        data = bom + PAGE.format(decl=decl, marker=marker).encode(codec)
        with open(os.path.join(HERE, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
