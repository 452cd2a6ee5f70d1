#!/usr/bin/env python3
"""Writes Sources/Privacy/Lexicon/NameLexicon+Data.swift, the scrubber's name lexicon.

Source: hand-curated lists of common names, typed here from memory of public frequency
rankings (Japanese surname rankings, e.g. the top of the myoji-yurai.net list; Japanese
given-name rankings of recent decades; US Census 2010 surname and SSA given-name
frequencies; common romaji spellings of the Japanese lists). Nothing is downloaded.
The lists are deliberately modest (a few hundred entries each): the scrubber finds most
names from their context (honorifics, titles, "患者", "patient", labels); the lexicon
only adds names written bare, without context.

Eponyms used in medicine (Parkinson, Wilson, Cushing, Graves, ...) are left out of the
English lists; the scrubber also refuses a lexicon hit followed by "disease", "syndrome"...

Usage: python3 scripts/privacy/make-name-lexicon.py   (rewrites the Swift file)
"""
import pathlib

JA_SURNAMES = """
佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水
山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本
斉藤 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田
上田 原 柴田 酒井 工藤 横山 宮崎 宮本 内田 高木 安藤 島田 谷口 大野 高田 丸山 今井 河野 藤本 村田
武田 上野 杉山 増田 小山 大塚 平野 菅原 久保 松井 千葉 岩崎 桜井 木下 野口 松尾 菊地 野村 新井 渡部
佐野 杉本 古川 大西 市川 五十嵐 小池 北村 安田 中西 川口 辻 本田 田口 久保田 東 中田 服部 樋口 福島
川崎 永井 松岡 秋山 小島 山内 吉川 西田 飯田 菅野 水野 関 川村 大石 須藤 堀 荒木 土屋 小松 大久保
片山 浅野 吉村 望月 岩田 星野 平田 本間 西川 松下 宮田 小西 大橋 黒田 内藤 桑原 松村 早川 岡崎 山中
"""

JA_GIVEN = """
太郎 次郎 一郎 健 誠 翔 大輔 拓也 健太 直樹 達也 和也 哲也 浩 隆 修 茂 実 勇 清 博 正 明 進 豊 弘
悠真 陽翔 蓮 湊 大翔 悠人 陽太 颯太 翔太 大和 樹 陸 海斗 健一 浩二 秀樹 誠一 孝 学 聡 剛 亮 淳
花子 恵子 幸子 京子 洋子 和子 裕子 久美子 由美子 真由美 美穂 恵 愛 舞 彩 葵 陽菜 結衣 さくら 美咲 凛
結菜 芽依 紬 陽葵 莉子 美羽 千尋 明美 直美 智子 典子 陽子 順子 節子 文子 花 桜 優子 真理 麻衣 綾
"""

# Kanji that end many Japanese surnames (田中, 山本, 長谷川, 望月): with the given-name kanji
# below they let the scrubber recognise a bare full name it has no entry for (芦田晴臣は…).
# Curated from the surname list above and common surnames beyond it. Kanji that also end
# everyday clinical words were left out (部 as in 腹部, 内 as in 体内, 上/下 as in 以上/低下).
JA_SURNAME_FINALS = "田 山 川 木 藤 野 原 井 村 本 島 嶋 沢 澤 崎 谷 林 森 橋 岡 瀬 尾 西 東 江 池 浦 場 間 宮 城 坂 塚 倉 関 石 水 元 屋 戸 波 垣 保 条 葉 永 海 里 辺 岸 堀 松 口 月 畑 地 津 浜 根 瀧 滝 柳 杉 嵐 賀 守 家 淵"

# Kanji common in Japanese given names (a modest selection of the characters most used in
# names, as in name-ranking lists; the characters of the given names above are added too).
# Written after the first measurements on the synthetic corpus, so the corpus's bare
# Japanese names not in the lexicon are not a blind test of this list.
JA_GIVEN_KANJI = """太 郎 一 二 三 健 大 輔 翔 陽 悠 真 蓮 湊 人 斗 樹 陸 海 和 也 哉 介 助 亮 誠 直 浩 博 隆 孝 修 茂 実 勇
清 正 明 進 豊 弘 秀 英 剛 淳 聡 学 彦 雄 夫 男 治 司 志 士 信 俊 恵 美 子 花 香 奈 菜 愛 舞 彩 葵 結 衣 咲 凛 凜 莉 羽 千
尋 智 典 順 節 文 桜 優 理 麻 綾 紗 希 詩 織 琴 音 瑞 紀 夏 晴 臣 篤 瑛 伊 凪 柊 蒼 颯 紘 睦 冬 馬 佳 白 里 由 裕 久 幸 京 洋
穂 静 貴 敏 光 春 秋 良 康 次 功 達 勝 宏 昭 章 悟 晃 航 凱 碧 律 奏 芽 依 紬 心 杏 澪 遥 華 鈴 乃 桃 朱 萌 絢 汐 雫 栞 茜
楓 椿 梓 渚 翼 之 慎 雅 拓 哲 徹 崇 敦 竜 龍 虎 将 隼 匠 歩 未 来 帆 果 那 南 絵 枝 代 江 沙 紫 藍 玲 怜 伶 礼 零 瑠 璃 唯
湧 侑 祐 佑 勇 駿 晴 暖 颯 湊 蒼 碧 陽 楓 朝 夕 星 宙 空 岳 峻 巧 涼 凉 諒 遼 稔 徳 憲 靖 義 仁 孝 忠 誠 茉 結 彩 詩 綺""".split()

ROMAJI_SURNAMES = """
Sato Suzuki Takahashi Tanaka Ito Watanabe Yamamoto Nakamura Kobayashi Kato Yoshida Yamada Sasaki
Yamaguchi Matsumoto Inoue Kimura Hayashi Saito Shimizu Yamazaki Mori Ikeda Hashimoto Abe Ishikawa
Yamashita Nakajima Ishii Ogawa Maeda Okada Hasegawa Fujita Goto Kondo Murakami Endo Aoki Sakamoto
Fukuda Ota Nishimura Fujii Kaneko Okamoto Fujiwara Nakano Miura Harada Nakagawa Matsuda Takeuchi Ono
Tamura Nakayama Wada Ishida Morita Ueda Shibata Sakai Kudo Yokoyama Miyazaki Miyamoto Uchida Takagi
Ando Shimada Taniguchi Ohno Takada Maruyama Imai Kono Fujimoto Murata Takeda Ueno Sugiyama Masuda
"""

ROMAJI_GIVEN = """
Taro Jiro Ichiro Ken Makoto Sho Daisuke Takuya Kenta Naoki Tatsuya Kazuya Tetsuya Hiroshi Takashi
Osamu Shigeru Minoru Isamu Kiyoshi Akira Susumu Yutaka Hiroki Haruto Ren Minato Yuto Sota Shota
Yamato Itsuki Riku Kaito Kenichi Koji Hideki Seiichi Manabu Satoshi Tsuyoshi Ryo Jun Hanako Keiko
Sachiko Kyoko Yoko Kazuko Yuko Kumiko Yumiko Mayumi Miho Megumi Ai Mai Aya Aoi Hina Yui Sakura
Misaki Rin Yuna Mei Tsumugi Himari Riko Miu Chihiro Akemi Naomi Tomoko Noriko Junko Setsuko Fumiko
"""

EN_FIRST = """
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew
Anthony Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason
Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel
Gregory Alexander Patrick Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Zachary Douglas Peter
Kyle Noah Ethan Jeremy Walter Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur
Lawrence Jordan Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy
Vincent Liam Oliver Lucas Mason Harry Oscar Charlie Alfie Leo Archie Freddie Theo Hugo Isaac Toby
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Sandra
Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie Dorothy Rebecca
Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela Nicole Samantha Katherine
Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather Diane Olivia Julie Joyce Victoria
Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha
Madison Teresa Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia
Denise Amber Beverly Danielle Marilyn Charlotte Natalie Diana Brittany Doris Kayla Alexis Lori Amelia
Isla Ava Mia Ella Poppy Lily Sophie Chloe Jessica Eleanor Freya Florence Ivy Matilda Rosie Zoe Maya
"""

EN_SURNAMES = """
Smith Johnson Williams Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Anderson
Thomas Taylor Moore Jackson Martin Lee Perez Thompson Harris Sanchez Clark Ramirez Lewis Robinson
Walker Allen Scott Torres Nguyen Flores Adams Nelson Carter Mitchell Roberts Gomez Phillips Campbell
Parker Edwards Collins Stewart Morris Rogers Reed Cook Morgan Cooper Peterson Bailey Rivera Richardson
Cox Howard Ward Peterson Gray James Watson Brooks Kelly Sanders Bennett Wood Barnes Ross Henderson
Coleman Jenkins Perry Powell Long Patterson Hughes Butler Simmons Foster Gonzales Bryant Alexander
Russell Griffin Diaz Hayes Myers Ford Hamilton Graham Sullivan Wallace Woods Cole West Jordan Owens
Reynolds Fisher Ellis Harrison Gibson McDonald Cruz Marshall Ortiz Gomez Murray Freeman Wells Webb
Simpson Stevens Tucker Porter Hunter Hicks Crawford Henry Boyd Mason Morales Kennedy Warren Dixon
Ramos Reyes Burns Gordon Shaw Holmes Rice Robertson Hunt Black Daniels Palmer Mills Nichols Grant
Knight Ferguson Rose Stone Hawkins Dunn Perkins Hudson Spencer Gardner Stephens Payne Pierce Berry
Matthews Arnold Wagner Willis Ray Watkins Olson Carroll Duncan Snyder Hart Cunningham Bradley Lane
Andrews Ruiz Harper Fox Riley Armstrong Carpenter Weaver Greene Lawrence Elliott Chavez Sims Austin
Peters Kelley Franklin Lawson Fields Ryan Schmidt Carr Vasquez Castillo Wheeler Chapman Oliver
Montgomery Richards Williamson Johnston Banks Meyer Bishop McCoy Howell Morrison Hansen Fernandez
Harvey Little Burton Stanley Nguyen George Jacobs Reid Fuller Lynch Dean Gilbert Garrett Romero Welch
Davies Evans Wright Walsh Byrne Ryan O'Brien O'Connor Murphy Kelly Doyle McCarthy Patel Singh Khan
Ali Ahmed Shah Hussain Begum Chen Wang Li Zhang Liu Kim Park Choi Tran Pham
"""

# Capitalised words that are also common English words or medical eponyms: never
# treated as a name on their own (a title or a context word still makes them one).
EPONYMS = set("""
Parkinson Alzheimer Cushing Addison Graves Hashimoto Wilson Barrett Turner Down Bell Murphy Evans
Wells Apgar Crohn Hodgkin Kaposi Raynaud Paget Marfan Huntington Tourette Meniere Wernicke Korsakoff
Guillain Stevens Johnson Kawasaki Takayasu Still Reiter Bright Conn Cushing Glasgow Child Pugh Killip
""".split())

def words(block):
    seen, out = set(), []
    for w in block.split():
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out

def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    given_kanji = []
    for ch in JA_GIVEN_KANJI + [c for name in words(JA_GIVEN) for c in name if "\u4e00" <= c <= "\u9fff"]:
        if ch not in given_kanji:
            given_kanji.append(ch)
    lists = {
        "japaneseSurnameFinals": words(JA_SURNAME_FINALS),
        "japaneseGivenNameKanji": given_kanji,
        "japaneseSurnames": words(JA_SURNAMES),
        "japaneseGivenNames": words(JA_GIVEN),
        "romajiSurnames": words(ROMAJI_SURNAMES),
        "romajiGivenNames": words(ROMAJI_GIVEN),
        "englishFirstNames": words(EN_FIRST),
        "englishSurnames": [w for w in words(EN_SURNAMES) if w not in EPONYMS],
    }
    out = [
        "// Generated by scripts/privacy/make-name-lexicon.py; do not edit (change the script and rerun it).",
        "// Hand-curated common names; the script's docstring states the sources.",
        "",
        "extension NameLexicon {",
        "    /// Space-separated lists, split once when the lexicon is first used.",
        "    static let data: [String: String] = [",
    ]
    for key, names in lists.items():
        lines = []
        line = ""
        for name in names:
            if len(line) + len(name) + 1 > 90:
                lines.append(line)
                line = ""
            line = (line + " " + name).strip()
        lines.append(line)
        body = "\n".join("            " + l for l in lines)
        out.append(f'        "{key}": """\n{body}\n            """,')
    out += ["    ]", "}", ""]
    target = root / "Sources/Privacy/Lexicon/NameLexicon+Data.swift"
    target.write_text("\n".join(out), encoding="utf-8")
    total = sum(len(v) for v in lists.values())
    print(f"{target.relative_to(root)}: {total} names in {len(lists)} lists")

if __name__ == "__main__":
    main()
