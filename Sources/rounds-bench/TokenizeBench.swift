import ArgumentParser
import Foundation
import Tokenizer

/// `rounds-bench tokenize`: encode and decode throughput on mixed Japanese / English text.
struct TokenizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Encode/decode throughput (MB/s, tokens/s) of a model's tokenizer on mixed clinical text.")

    @Option(help: "The model whose tokenizer to measure: a .gguf file, a tokenizer.json, or a Hugging Face folder.")
    var model = "policies/base/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Tokenizer fixture whose case texts join the corpus (skipped if absent).")
    var fixtures = "Tests/Fixtures/reference/tokenizer.json"

    @Option(help: "Corpus size in megabytes.")
    var megabytes = 4.0

    @Option(help: "Timed passes over the corpus after the first (cold-cache) pass.")
    var passes = 3

    @Option(help: "Megabytes of random words (almost no word repeats, so every word goes through BPE merging).")
    var uniqueMegabytes = 1.0

    func validate() throws {
        guard megabytes > 0, megabytes <= 1024 else { throw ValidationError("--megabytes must be in (0, 1024], e.g. --megabytes 4") }
        guard uniqueMegabytes >= 0, uniqueMegabytes <= 1024 else { throw ValidationError("--unique-megabytes must be in [0, 1024], e.g. --unique-megabytes 1") }
        guard passes >= 1 else { throw ValidationError("--passes must be at least 1, e.g. --passes 3") }
    }

    func run() throws {
        let t0 = Date()
        let tokenizer = try BPETokenizer.load(modelPath: URL(fileURLWithPath: model))
        print("loaded \(model) (\(tokenizer.vocabSize) tokens) in \(Self.seconds(Date().timeIntervalSince(t0)))")

        let documents = Self.corpus(megabytes: megabytes, extra: Self.fixtureTexts(fixtures))
        let bytes = documents.reduce(0) { $0 + $1.utf8.count }
        let mb = Double(bytes) / 1_000_000
        let cjk = documents.reduce(0) { $0 + $1.unicodeScalars.filter { $0.value >= 0x3000 }.count }
        print("corpus: \(documents.count) documents, \(String(format: "%.2f", mb)) MB UTF-8, \(cjk) CJK characters; one thread")

        var ids: [[Int]] = []
        let cold = Self.time { ids = documents.map(tokenizer.encode) }
        let tokens = ids.reduce(0) { $0 + $1.count }
        Self.report("encode, first pass (cold word cache)", mb: mb, tokens: tokens, seconds: cold)
        var warm = (cpu: Double.infinity, wall: Double.infinity)
        for _ in 0..<passes {
            let t = Self.time { for d in documents { _ = tokenizer.encode(d) } }
            if t.cpu < warm.cpu { warm = t }
        }
        Self.report("encode, best of \(passes) warm passes", mb: mb, tokens: tokens, seconds: warm)
        var decoded: [String] = []
        let decode = Self.time { decoded = ids.map { tokenizer.decode($0) } }
        Self.report("decode", mb: mb, tokens: tokens, seconds: decode)
        guard decoded == documents else { throw ValidationError("decode(encode(text)) differs from the text: the tokenizer is broken") }
        print(String(format: "%.2f bytes/token", Double(bytes) / Double(tokens)))

        if uniqueMegabytes > 0 {
            let random = Self.randomWords(megabytes: uniqueMegabytes)
            let rmb = Double(random.reduce(0) { $0 + $1.utf8.count }) / 1_000_000
            var n = 0
            let t = Self.time { n = random.reduce(0) { $0 + tokenizer.encode($1).count } }
            Self.report("encode, \(String(format: "%.2f", rmb)) MB of random words (BPE on nearly every word)", mb: rmb, tokens: n, seconds: t)
        }
    }

    /// Lines of random English-like words and random kanji/kana runs (worst case for the
    /// word cache; the kana/kanji runs are long pre-tokens, the slow path of BPE).
    static func randomWords(megabytes: Double) -> [String] {
        var state: UInt64 = 0xBADC0DE
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        let letters = Array("etaoinshrdlucmfwypvbgkjqxz")
        let kana = (0x3041...0x3093).compactMap(Unicode.Scalar.init).map(Character.init)
        var lines: [String] = []
        var total = 0
        while Double(total) < megabytes * 1_000_000 {
            var line = ""
            for _ in 0..<20 {
                if next(2) == 0 {
                    line += " " + String((0..<(2 + next(9))).map { _ in letters[next(letters.count)] })
                } else {
                    line += String((0..<(2 + next(15))).map { _ in
                        next(3) == 0 ? kana[next(kana.count)] : Character(Unicode.Scalar(UInt32(0x4E00 + next(0x5000)))!)
                    }) + "、"
                }
            }
            total += line.utf8.count
            lines.append(line)
        }
        return lines
    }

    /// Rates per second of this thread's CPU time (the figure that does not depend on how
    /// busy the machine is), with wall-clock time beside it.
    static func report(_ what: String, mb: Double, tokens: Int, seconds: (cpu: Double, wall: Double)) {
        print("\(what): \(String(format: "%.2f", mb / seconds.cpu)) MB/s, \(String(format: "%.0f", Double(tokens) / seconds.cpu)) tokens/s"
            + " (CPU \(Self.seconds(seconds.cpu)), wall \(Self.seconds(seconds.wall)))")
    }

    static func seconds(_ s: Double) -> String { String(format: "%.3f s", s) }

    static func time(_ body: () -> Void) -> (cpu: Double, wall: Double) {
        func cpuNow() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        let wall = DispatchTime.now().uptimeNanoseconds
        let cpu = cpuNow()
        body()
        return (cpuNow() - cpu, Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9)
    }

    static func fixtureTexts(_ path: String) -> [String] {
        struct File: Decodable { struct Case: Decodable { var text: String }; var cases: [Case] }
        guard let data = FileManager.default.contents(atPath: path),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases.map(\.text).filter { !$0.isEmpty }
    }

    /// Documents of 3–12 sentences drawn with a fixed seed from the sentences below and the
    /// fixture texts, with varied numbers, so later documents are not copies of earlier ones.
    static func corpus(megabytes: Double, extra: [String]) -> [String] {
        let pool = sentences + extra
        var state: UInt64 = 0x5EED
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % n
        }
        var documents: [String] = []
        var total = 0
        while Double(total) < megabytes * 1_000_000 {
            var doc = ""
            for _ in 0..<(3 + next(10)) {
                doc += pool[next(pool.count)].replacingOccurrences(of: "{n}", with: String(40 + next(160)))
                doc += next(4) == 0 ? "\n" : " "
            }
            total += doc.utf8.count
            documents.append(doc)
        }
        return documents
    }

    static let sentences = [
        "患者は{n}歳男性。主訴は胸痛で、救急外来を受診した。",
        "血圧は{n}/80 mmHg、脈拍は{n}回/分、体温は37.{n}℃であった。",
        "心電図でST上昇を認め、急性心筋梗塞と診断された。",
        "既往歴：高血圧、2型糖尿病、脂質異常症。喫煙歴は{n}本/日×30年。",
        "HbA1cは{n}%と高値であり、メトホルミンの増量を検討した。",
        "胸部X線で右下肺野に浸潤影を認め、市中肺炎として抗菌薬を開始した。",
        "アレルギー歴：ペニシリン系抗菌薬で発疹。",
        "退院後は外来で経過観察とし、2週間後に再診予定とした。",
        "ご家族には病状と今後の治療方針について説明し、同意を得た。",
        "頭部CTでは明らかな出血や梗塞を認めなかった。",
        "The patient is a {n}-year-old woman presenting with shortness of breath for three days.",
        "Blood pressure {n}/85 mmHg, heart rate {n} bpm, SpO2 94% on room air.",
        "Start aspirin 81 mg daily and atorvastatin 40 mg at bedtime; recheck lipids in 6 weeks.",
        "Assessment: community-acquired pneumonia, CURB-65 score of 2. Plan: admit to the ward.",
        "She denies fever, chills, nausea, or vomiting. No known drug allergies.",
        "Labs: WBC 12,{n}/μL, CRP 8.{n} mg/dL, creatinine 1.{n} mg/dL.",
        "抗凝固療法（DOAC）中のため、出血リスクを評価した上で continue the current dose.",
        "Follow up in clinic: 外来フォローアップ in 2 weeks, sooner if symptoms worsen.",
    ]
}
