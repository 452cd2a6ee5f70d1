/// Japanese names after a label or a role: 氏名：山田太郎, 患者氏名 ヤマダ タロウ, 患者 山田太郎,
/// 主治医山田先生 (a known surname right after the role).
extension JapaneseNames {
    /// Labels after which the next kanji or katakana word is a name.
    static let strongLabels = ["患者氏名", "患者名", "氏名", "お名前", "名前", "署名", "記入者", "担当者", "連絡者", "キーパーソン"]
    /// Roles after which a word set off by a space or colon, or starting with a known
    /// surname, is a name.
    static let weakLabels = ["患者", "担当医", "主治医", "紹介医", "紹介元", "家族", "長男", "長女", "次男", "次女", "夫", "妻",
                             "母", "父", "息子", "娘", "看護師", "薬剤師", "医師", "Dr.", "Dr"]

    func labelledNames(_ view: TextView) -> [Candidate] {
        var found: [Candidate] = []
        for (labels, strong) in [(Self.strongLabels, true), (Self.weakLabels, false)] {
            for label in labels {
                var from = 0
                while let at = find(label, from: from, view) {
                    from = at + label.utf16.count
                    if let name = labelledName(after: from, strong: strong, view) { found.append(name) }
                }
            }
        }
        return found
    }

    func labelledName(after labelEnd: Int, strong: Bool, _ view: TextView) -> Candidate? {
        var start = labelEnd
        var separated = false
        while let u = view.unit(start), Script.isSpace(u) || u == 0x3A || u == 0xFF1A || (strong && u == 0x306F /* は */) {
            start += 1
            separated = true
        }
        // A weak label inside a longer word (患者数, 父親) is not a label.
        if !separated && !strong && !Script.isKanji(view.unit(start)) && !Script.isKatakana(view.unit(start)) { return nil }
        var end = start
        if Script.isKanji(view.unit(start)) {
            while Script.isKanji(view.unit(end)) { end += 1 }
            if Script.isSpace(view.unit(end)), Script.isKanji(view.unit(end + 1)), end - start <= 4 {
                end += 1
                while Script.isKanji(view.unit(end)), end - start <= 8 { end += 1 }
            }
        } else if Script.isKatakana(view.unit(start)) {
            while Script.isKatakana(view.unit(end)) || view.unit(end) == 0x30FB
                    || (Script.isSpace(view.unit(end)) && Script.isKatakana(view.unit(end + 1))) { end += 1 }
        } else {
            return nil
        }
        // 主治医山田先生: the name ends where an honorific or role written in kanji begins
        if let cut = (start + 1..<end).first(where: { p in
            NameStoplists.honorifics.contains { matches($0, at: p, view) && Script.isKanji($0.utf16.first) }
        }) {
            end = cut
        }
        guard end - start >= 2, end - start <= 9 else { return nil }
        let text = view.string(start, end)
        if !strong {
            guard separated || firstSurname(start, end, view) == start else { return nil }
            if Script.isKanji(view.unit(start)) {
                guard lexicon.japaneseSurnames.contains(where: { text.hasPrefix($0) }) || givenNameShaped(text) else { return nil }
            }
        }
        if let last = text.last, NameStoplists.clinicalEndings.contains(last) || NameStoplists.departmentEndings.contains(last) { return nil }
        return accept(start, end, view, minimum: 2)
    }

    /// A kanji word of two to four characters with no character that names rarely have.
    func givenNameShaped(_ text: String) -> Bool {
        let chars = text.filter { $0 != " " && $0 != "　" }
        return (2...5).contains(chars.count) && !chars.contains(where: NameStoplists.notInGivenNames.contains)
            && !NameStoplists.japaneseNonNames.contains(String(chars))
    }

}
