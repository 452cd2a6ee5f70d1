/// Japanese names written bare, without honorific or label: a known surname with a given
/// name (山田太郎は), a full name with a space where one side is known (佐藤 健が), an
/// unknown surname before a known given name (宍戸大輔), and a run shaped like a full name
/// (芦田晴臣は: a common surname ending, then given-name kanji, then a particle).
extension JapaneseNames {
    func bareNames(_ view: TextView) -> [Candidate] {
        var found: [Candidate] = []
        var i = 0
        while i < view.count {
            guard Script.isKanji(view.units[i]) else { i += 1; continue }
            var end = i
            while Script.isKanji(view.unit(end)) { end += 1 }
            if let name = bareName(i, end, view) { found.append(name) }
            i = end
        }
        return found
    }

    func bareName(_ start: Int, _ end: Int, _ view: TextView) -> Candidate? {
        // 佐藤 健 / 榊原 美咲: a run, one space, and a short run, one side known
        if Script.isSpace(view.unit(end)), Script.isKanji(view.unit(end + 1)), end - start <= 3 {
            var next = end + 1
            while Script.isKanji(view.unit(next)) { next += 1 }
            let family = view.string(start, end), given = view.string(end + 1, next)
            if next - end - 1 <= 3,
               lexicon.japaneseSurnames.contains(family) && givenNameShaped(given)
                || lexicon.japaneseGivenNames.contains(given) && givenNameShaped(family) {
                return Candidate(start: start, end: next, kind: .name)
            }
        }
        // 宍戸大輔: an unknown surname of one to three kanji before a known given name of two or more
        for cut in stride(from: max(start + 1, end - 3), to: end - 1, by: 1) where end - start - (end - cut) <= 3 {
            let given = view.string(cut, end), family = view.string(start, cut)
            if given.count >= 2, lexicon.japaneseGivenNames.contains(given), !family.contains(where: NameStoplists.notInGivenNames.contains),
               !NameStoplists.japaneseNonNames.contains(family), !NameStoplists.japaneseRoles.contains(where: family.hasPrefix),
               let last = family.last, !NameStoplists.clinicalEndings.contains(last) {
                return Candidate(start: start, end: end, kind: .name)
            }
        }
        if let shaped = nameShaped(start, end, view) { return shaped }
        for p in start..<end {
            for length in stride(from: min(lexicon.longestJapaneseSurname, end - p), through: 1, by: -1) {
                let surname = view.string(p, p + length)
                guard lexicon.japaneseSurnames.contains(surname) else { continue }
                var rest = view.string(p + length, end)
                if NameStoplists.honorifics.contains(where: rest.hasPrefix) || NameStoplists.japaneseRoles.contains(where: rest.hasPrefix) {
                    rest = ""
                }
                if lexicon.japaneseGivenNames.contains(rest) { return Candidate(start: p, end: end, kind: .name) }
                guard p == start, length >= 2 else { continue }
                if rest.isEmpty { return Candidate(start: p, end: p + length, kind: .name) }
                if rest.count <= 2, !rest.contains(where: NameStoplists.notInGivenNames.contains),
                   let last = rest.last, !NameStoplists.clinicalEndings.contains(last) {
                    return Candidate(start: p, end: end, kind: .name)
                }
            }
        }
        return nil
    }

    /// A run shaped like a full name the lexicon does not hold: a surname of two or three
    /// kanji ending in a common surname kanji (芦田, 百瀬), then one to three kanji common in
    /// given names (晴臣), and after it a particle or punctuation (は, が, の, 、).
    func nameShaped(_ start: Int, _ end: Int, _ view: TextView) -> Candidate? {
        let run = Array(view.string(start, end))
        guard (3...6).contains(run.count), run.count == end - start else { return nil }
        if end < view.count {
            guard let after = Unicode.Scalar(view.units[end]).map(Character.init),
                  Self.afterName.contains(after) || Script.isSpace(view.units[end]) else { return nil }
        }
        for surnameLength in [2, 3] where run.count - surnameLength >= 1 && run.count - surnameLength <= 3 {
            let family = run[..<surnameLength], given = run[surnameLength...]
            guard lexicon.japaneseSurnameFinals.contains(family.last!),
                  given.allSatisfy(lexicon.japaneseGivenNameKanji.contains),
                  !family.contains(where: NameStoplists.notInGivenNames.contains),
                  !NameStoplists.clinicalEndings.contains(family.first!),
                  !NameStoplists.japaneseRoles.contains(where: String(run).hasPrefix),
                  !NameStoplists.notSurnames.contains(String(family)) else { continue }
            return Candidate(start: start, end: end, kind: .name)
        }
        return nil
    }

    /// What may follow a bare name: particles and punctuation.
    static let afterName: Set<Character> = Set("はがのをにともへやさ、。，．,.)）」』")
}
