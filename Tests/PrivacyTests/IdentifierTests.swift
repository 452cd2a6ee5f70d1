import Testing
@testable import Privacy

/// Each kind of identifier is replaced, in Japanese and English, and what surrounds it stays.
@Suite struct IdentifierTests {
    let scrubber = Scrubber.standard

    @Test(arguments: [
        ("患者 山田太郎、68歳男性。", "患者 〔氏名〕、68歳男性。"),
        ("山田さんは3日前から発熱。", "〔氏名〕さんは3日前から発熱。"),
        ("主治医山田先生に報告。", "主治医〔氏名〕先生に報告。"),
        ("氏名：榊原 美咲", "氏名：〔氏名〕"),
        ("一ノ瀬様のHbA1c 7.2%", "〔氏名〕様のHbA1c 7.2%"),
        ("ヤマダ タロウ様へ連絡", "〔氏名〕様へ連絡"),
        ("ゆうとくんは喘鳴あり", "〔氏名〕くんは喘鳴あり"),
        ("佐藤健が来院", "〔氏名〕が来院"),
        ("宍戸大輔、体温38.5℃", "〔氏名〕、体温38.5℃"),
        ("Mr. Tanaka reports chest pain.", "Mr. [NAME] reports chest pain."),
        ("Seen with Dr Sarah O'Brien today.", "Seen with Dr [NAME] today."),
        ("patient John Smith, 45-year-old", "patient [NAME], 45-year-old"),
        ("Tanaka-san prefers Japanese.", "[NAME]-san prefers Japanese."),
        ("Referred by Dr. J. Pemberton.", "Referred by Dr. [NAME]."),
        ("Name: Kowalczyk Ngozi", "Name: [NAME]"),
    ])
    func names(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test(arguments: [
        ("携帯 090-1234-5678 まで", "携帯 [PHONE] まで"),
        ("自宅 03-3456-7890", "自宅 [PHONE]"),
        ("連絡先：０９０－１２３４－５６７８", "連絡先：[PHONE]"),
        ("+81 90-1234-5678 に電話", "[PHONE] に電話"),
        ("call (415) 555-0134 after 5pm", "call [PHONE] after 5pm"),
        ("mobile 07700 900123.", "mobile [PHONE]."),
        ("ring +44 20 7946 0958", "ring [PHONE]"),
    ])
    func phones(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test(arguments: [
        ("患者番号 1234567 の検査", "患者番号 [ID] の検査"),
        ("カルテ番号：K-20931", "カルテ番号：[ID]"),
        ("入院番号 A123456", "入院番号 [ID]"),
        ("保険者番号 06139012", "保険者番号 [ID]"),
        ("MRN: 555-1234, HbA1c 7.2%", "MRN: [ID], HbA1c 7.2%"),
        ("NHS number 943 476 5919", "NHS number [ID]"),
        ("record MRN-0012345 reviewed", "record [ID] reviewed"),
        ("SSN 123-45-6789", "SSN [ID]"),
    ])
    func recordNumbers(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test func myNumberNeedsItsCheckDigit() {
        // 1234 5678 901? : the check digit of 12345678901 is 8
        #expect(MyNumber.isValid([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 8]))
        #expect(!MyNumber.isValid([1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 9]))
        #expect(scrubber.scrub("番号 1234 5678 9018 を確認").text == "番号 [ID] を確認")
        #expect(scrubber.scrub("個数 1234 5678 9019 を確認").text == "個数 1234 5678 9019 を確認")
        #expect(scrubber.scrub("マイナンバー 1234-5678-9019").text == "マイナンバー [ID]")
    }

    @Test(arguments: [
        ("生年月日 昭和31年3月5日", "生年月日 [DATE]"),
        ("平成元年4月1日に入院", "[DATE]に入院"),
        ("令和5年10月2日手術", "[DATE]手術"),
        ("2023/04/05 受診", "[DATE] 受診"),
        ("3月5日に入院", "[DATE]に入院"),
        ("入院日：3月5日", "入院日：[DATE]"),
        ("DOB March 14", "DOB [DATE]"),
        ("admitted on 5 May with", "admitted on [DATE] with"),
        ("昭和31年3月生まれ", "[DATE]生まれ"),
        ("DOB 03/14/1956.", "DOB [DATE]."),
        ("admitted on 14 March 2023 with", "admitted on [DATE] with"),
        ("born March 14, 1956", "born [DATE]"),
        ("seen 2024-01-09", "seen [DATE]"),
        ("H8.1.19に手術", "[DATE]に手術"),
    ])
    func dates(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test(arguments: [
        ("〒150-0001 東京都渋谷区神宮前1-2-3", "[ADDRESS]"),
        ("住所：大阪府大阪市北区梅田2丁目4番9号", "住所：[ADDRESS]"),
        ("神奈川県横浜市青葉区在住", "[ADDRESS]在住"),
        ("札幌市中央区北2条西11丁目2に住む", "[ADDRESS]に住む"),
        ("lives at 221 Baker Street, London NW1 6XE now", "lives at [ADDRESS] now"),
        ("1600 Pennsylvania Ave NW, Washington, DC 20500", "[ADDRESS]"),
        ("postcode SW1A 1AA", "postcode [ADDRESS]"),
    ])
    func addresses(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test(arguments: [
        ("連絡は hanako.sato@example.jp へ", "連絡は [EMAIL] へ"),
        ("email j.smith@clinic.example.org.", "email [EMAIL]."),
        ("画像はhttps://ehr.example.jp/patients/483920。", "画像は[URL]。"),
        ("see https://portal.example.org/record?mrn=0340098 for images", "see [URL] for images"),
        ("guideline: https://www.nice.org.uk/guidance/ng", "guideline: https://www.nice.org.uk/guidance/ng"),
    ])
    func contacts(_ input: String, _ expected: String) {
        #expect(scrubber.scrub(input).text == expected)
    }

    @Test func prefecturesAndYearsAloneStay() {
        for text in ["東京都在住の70代男性", "2019年に胃癌手術", "lives in Texas since 2010", "令和5年から内服"] {
            #expect(scrubber.scrub(text).text == text)
        }
    }
}
