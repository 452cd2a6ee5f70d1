import Foundation

/// Everything a BPE tokenizer is built from, whichever file it came from.
struct BPEDefinition {
    /// The file it was read from, for error messages.
    var source: String
    /// Vocabulary strings by id, in the byte-level spelling ("Ġworld") or the SentencePiece
    /// one ("▁world", byte tokens "<0xE6>").
    var tokens: [String]
    /// Merges in priority order (rank = index), as pairs of vocabulary strings.
    var merges: [(String, String)]
    /// Tokens matched verbatim in the text before BPE (`<|im_start|>` …); `special` marks
    /// control tokens (skipped by `decode(_:skipSpecialTokens: true)`).
    var addedTokens: [(id: Int, content: String, special: Bool)]
    var preTokenizer: PreTokenizer
    /// Look a whole word up before merging (HF `ignore_merges`, Llama 3).
    var ignoreMerges = false
    /// Apply Unicode NFC to the text first (Qwen2's normalizer).
    var normalizeNFC = false
    var bosTokenId: Int?
    var eosTokenId: Int?
    var paddingTokenId: Int?
    var unknownTokenId: Int?
    /// More ids that end a turn (config.json may list several EOS ids).
    var extraEndOfTurnIds: [Int] = []
    /// Jinja source of the chat template, if the file has one.
    var chatTemplate: String?
    var kind: TokenizerKind = .byteLevelBPE
    /// Merges already resolved to ids with their ranks (SentencePiece scores from a GGUF);
    /// when set, `merges` is not read.
    var resolvedMerges: [(left: Int32, right: Int32, merged: Int32, rank: Int32)]?
    /// SentencePiece: spell a character missing from the vocabulary with byte tokens (else
    /// it becomes the unknown token, consecutive ones fused into one).
    var byteFallback = true
    /// Added tokens matched in the normalized text rather than the raw text (tokenizer.json
    /// `"normalized": true`; SentencePiece only).
    var normalizedAddedTokenIds: Set<Int> = []
}

/// A BPE tokenizer (Sennrich et al. 2016, arXiv 1508.07909) of one of two kinds:
/// byte-level (GPT-2 scheme, Radford et al. 2019): text → special-token split → pre-tokenizer
/// words → bytes → merges; or SentencePiece-style (`SentencePiece.swift`): text →
/// special-token split → "▁" for spaces → characters, byte fallback → merges.
/// Thread-safe; the only shared mutable state is the word cache, behind a lock.
public final class BPETokenizer: @unchecked Sendable {
    /// Where the tokenizer was read from.
    public let source: String
    public let kind: TokenizerKind
    public let preTokenizer: PreTokenizer
    public let bosTokenId: Int?
    public let eosTokenId: Int?
    public let paddingTokenId: Int?
    public let unknownTokenId: Int?
    /// Ids that end an assistant turn: EOS and the end markers of the known chat formats
    /// (`<|im_end|>`, `<|eot_id|>`, `<|endoftext|>` …) that the vocabulary holds.
    public let endOfTurnTokenIds: Set<Int>
    /// Added tokens marked special (control tokens).
    public let specialTokenIds: Set<Int>
    /// Jinja source of the model's chat template (GGUF `tokenizer.chat_template` or
    /// tokenizer_config.json `chat_template`).
    public let chatTemplate: String?

    private let tokens: [String]
    /// Decoded bytes of token i: `tokenBytes[tokenOffsets[i]..<tokenOffsets[i+1]]`.
    private let tokenBytes: [UInt8]
    private let tokenOffsets: [Int32]
    /// Raw bytes → id, for whole-word lookups.
    private let idOfBytes: ByteStringTable
    /// Id of each single byte (-1 if the vocabulary lacks it).
    private let byteIds: [Int32]
    private let merges: MergeTable
    private let added: AddedTokenMatcher
    /// SentencePiece: added tokens matched after normalization.
    private let normalizedAdded: AddedTokenMatcher
    /// SentencePiece: byte-fallback tokens (decoded by runs, as the ByteFallback decoder does).
    private let isByteToken: [Bool]
    private let byteFallback: Bool
    private let ignoreMerges: Bool
    private let normalizeNFC: Bool
    private let cache = WordCache()

    public var vocabSize: Int { tokens.count }

    init(_ d: BPEDefinition) throws {
        source = d.source
        kind = d.kind
        byteFallback = d.byteFallback
        tokens = d.tokens
        preTokenizer = d.preTokenizer
        ignoreMerges = d.ignoreMerges
        normalizeNFC = d.normalizeNFC
        chatTemplate = d.chatTemplate
        guard !d.tokens.isEmpty else {
            throw TokenizerError.badField(file: d.source, field: "the vocabulary", problem: "is empty")
        }
        for (name, id) in [("bos", d.bosTokenId), ("eos", d.eosTokenId), ("padding", d.paddingTokenId), ("unknown", d.unknownTokenId)] {
            if let id, !d.tokens.indices.contains(id) {
                throw TokenizerError.badField(file: d.source, field: "the \(name) token id", problem: "is \(id), outside the vocabulary of \(d.tokens.count)")
            }
        }
        bosTokenId = d.bosTokenId
        eosTokenId = d.eosTokenId
        paddingTokenId = d.paddingTokenId
        unknownTokenId = d.unknownTokenId

        // Added tokens decode to their literal text; the rest are spelled byte-level, or as
        // SentencePiece pieces ("▁" = space) and byte tokens.
        let sentencePiece = d.kind == .sentencePieceBPE
        var literal = [Bool](repeating: false, count: d.tokens.count)
        for a in d.addedTokens {
            guard d.tokens.indices.contains(a.id) else {
                throw TokenizerError.badField(file: d.source, field: "added token \(a.content.debugDescription)", problem: "has id \(a.id), outside the vocabulary of \(d.tokens.count)")
            }
            literal[a.id] = true
        }
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        var table = ByteStringTable(capacity: d.tokens.count)
        var single = [Int32](repeating: -1, count: 256)
        var byteToken = [Bool](repeating: false, count: sentencePiece ? d.tokens.count : 0)
        offsets.reserveCapacity(d.tokens.count + 1)
        for (id, token) in d.tokens.enumerated() {
            let raw: [UInt8]
            var piece = !literal[id]
            if sentencePiece, let b = SentencePiece.byteValue(ofToken: token) {
                raw = [b]
                piece = false
                byteToken[id] = true
                if single[Int(b)] < 0 { single[Int(b)] = Int32(id) }
            } else if literal[id] {
                raw = Array(token.utf8)
            } else if sentencePiece {
                raw = SentencePiece.textBytes(ofPiece: token)
            } else {
                raw = ByteLevel.bytes(ofTokenString: token) ?? Array(token.utf8)
            }
            bytes.append(contentsOf: raw)
            offsets.append(Int32(bytes.count))
            if piece, table.find(raw) == nil {
                table.insert(raw, value: id)
                if !sentencePiece, raw.count == 1, single[Int(raw[0])] < 0 { single[Int(raw[0])] = Int32(id) }
            }
        }
        isByteToken = byteToken
        tokenBytes = bytes
        tokenOffsets = offsets
        idOfBytes = table
        byteIds = single

        // Merges name vocabulary strings; a merge whose parts or result are not in the
        // vocabulary can never fire and is dropped (as llama.cpp does).
        var index: [String: Int32] = [:]
        index.reserveCapacity(d.tokens.count)
        for (id, t) in d.tokens.enumerated() where index[t] == nil { index[t] = Int32(id) }
        if let resolved = d.resolvedMerges {
            merges = MergeTable(resolved)
        } else {
            var triples: [(left: Int32, right: Int32, merged: Int32, rank: Int32)] = []
            triples.reserveCapacity(d.merges.count)
            for (rank, (a, b)) in d.merges.enumerated() {
                guard let l = index[a], let r = index[b], let m = index[a + b] else { continue }
                triples.append((l, r, m, Int32(rank)))
            }
            merges = MergeTable(triples)
        }
        let raw = d.addedTokens.filter { !d.normalizedAddedTokenIds.contains($0.id) || !sentencePiece }
        added = AddedTokenMatcher(raw.map { (Array($0.content.utf8), $0.id) })
        normalizedAdded = AddedTokenMatcher(d.addedTokens.filter { sentencePiece && d.normalizedAddedTokenIds.contains($0.id) }
            .map { (SentencePiece.textBytes(ofPiece: $0.content), $0.id) })
        specialTokenIds = Set(d.addedTokens.filter(\.special).map(\.id))

        var ends = Set(d.extraEndOfTurnIds.filter { d.tokens.indices.contains($0) })
        if let e = d.eosTokenId { ends.insert(e) }
        for marker in ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>", "<|end|>", "<end_of_turn>"] {
            if let id = index[marker], literal[Int(id)] { ends.insert(Int(id)) }
        }
        endOfTurnTokenIds = ends
    }

    // MARK: encoding

    /// Token ids of `text`. Added tokens written in the text (`<|im_start|>` …) become their
    /// ids; no BOS or EOS is added (the chat template decides those).
    public func encode(_ text: String) -> [Int] {
        var text = normalizeNFC ? text.precomposedStringWithCanonicalMapping : text
        var out: [Int] = []
        out.reserveCapacity(text.utf8.count / 3 + 4)
        text.withUTF8 { buf in
            var scratch = MergeScratch()
            var normalized: [UInt8] = []
            added.split(buf) { start, end, addedId in
                if let addedId {
                    out.append(addedId)
                } else if kind == .sentencePieceBPE {
                    // The normalizer (" " → "▁") run backwards: vocabulary pieces are looked up
                    // by their text bytes, so a "▁" in the input is read as a space.
                    SentencePiece.replacingMetaspace(UnsafeBufferPointer(rebasing: buf[start..<end]), into: &normalized)
                    normalized.withUnsafeBufferPointer { part in
                        normalizedAdded.split(part) { s, e, id in
                            if let id { out.append(id) } else { encodeWord(UnsafeBufferPointer(rebasing: part[s..<e]), &out, &scratch) }
                        }
                    }
                } else {
                    let part = UnsafeBufferPointer(rebasing: buf[start..<end])
                    preTokenizer.forEachPiece(part) { s, e in
                        encodeWord(UnsafeBufferPointer(rebasing: part[s..<e]), &out, &scratch)
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, _ out: inout [Int], _ scratch: inout MergeScratch) {
        if word.isEmpty { return }
        if word.count == 1, kind == .byteLevelBPE {
            appendByte(word[0], &out)
            return
        }
        if ignoreMerges, let id = idOfBytes.find(word) {
            out.append(id)
            return
        }
        let cacheable = word.count <= WordCache.maxWordBytes
        if cacheable, cache.lookup(word, into: &out) { return }
        let start = out.count
        if kind == .sentencePieceBPE {
            sentencePieceSymbols(word, &scratch)
        } else {
            byteSymbols(word, &scratch)
        }
        merge(&out, &scratch)
        if cacheable { cache.insert(word, out[start...]) }
    }

    @inline(__always)
    private func appendByte(_ b: UInt8, _ out: inout [Int]) {
        let id = byteIds[Int(b)]
        if id >= 0 { out.append(Int(id)) } else if let unk = unknownTokenId { out.append(unk) }
    }

    /// The initial symbols of a byte-level word: one per byte.
    private func byteSymbols(_ word: UnsafeBufferPointer<UInt8>, _ s: inout MergeScratch) {
        s.reset(word.count)
        for b in word {
            let id = byteIds[Int(b)]
            s.ids.append(id >= 0 ? id : Int32(unknownTokenId ?? -1))
        }
    }

    /// The initial symbols of a SentencePiece word: one per character in the vocabulary;
    /// a character it lacks becomes its byte tokens, or (without them) the unknown token,
    /// runs of which fuse into one (HF tokenizers `BPE::merge_word`, `fuse_unk`).
    private func sentencePieceSymbols(_ word: UnsafeBufferPointer<UInt8>, _ s: inout MergeScratch) {
        s.reset(word.count)
        var i = 0
        var lastWasUnknown = false
        while i < word.count {
            let b0 = word[i]
            let len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
            let end = min(i + len, word.count)
            if let id = idOfBytes.find(UnsafeBufferPointer(rebasing: word[i..<end])) {
                s.ids.append(Int32(id))
                lastWasUnknown = false
            } else if byteFallback, word[i..<end].allSatisfy({ byteIds[Int($0)] >= 0 }) {
                for b in word[i..<end] { s.ids.append(byteIds[Int(b)]) }
                lastWasUnknown = false
            } else if let unk = unknownTokenId {
                if !lastWasUnknown { s.ids.append(Int32(unk)) }
                lastWasUnknown = true
            }
            i = end
        }
    }

    /// BPE on one word's symbols (`s.ids`): repeatedly merge the adjacent pair of lowest
    /// rank, leftmost first (HF tokenizers `Word::merge_all`; llama.cpp's SentencePiece
    /// merge by score is the same with equal scores as equal ranks). A min-heap of (rank,
    /// position) with stale entries skipped on pop keeps long words (unspaced Japanese
    /// sentences) at O(n log n).
    private func merge(_ out: inout [Int], _ s: inout MergeScratch) {
        let n = s.ids.count
        guard n > 0 else { return }
        s.link(n)
        for k in 0..<(n - 1) {
            if let m = merges.lookup(s.ids[k], s.ids[k + 1]) { s.push(m.rank, k) }
        }
        while let (rank, pos) = s.pop() {
            let nx = Int(s.next[pos])
            guard s.ids[pos] != MergeScratch.dead, nx >= 0,
                  let m = merges.lookup(s.ids[pos], s.ids[nx]), m.rank == rank else { continue }
            s.ids[pos] = m.merged
            s.ids[nx] = MergeScratch.dead
            let after = Int(s.next[nx])
            s.next[pos] = Int32(after)
            if after >= 0 { s.prev[after] = Int32(pos) }
            let before = Int(s.prev[pos])
            if before >= 0, let m2 = merges.lookup(s.ids[before], s.ids[pos]) { s.push(m2.rank, before) }
            if after >= 0, let m3 = merges.lookup(s.ids[pos], s.ids[after]) { s.push(m3.rank, pos) }
        }
        var k = 0
        while k >= 0 {
            if s.ids[k] >= 0 { out.append(Int(s.ids[k])) }
            k = Int(s.next[k])
        }
    }

    // MARK: decoding

    /// The text of `ids`: the bytes of every token, read as UTF-8 at the end, so characters
    /// split across tokens come out whole. Invalid UTF-8 becomes U+FFFD; ids outside the
    /// vocabulary are skipped (check them with `contains(_:)` where that matters).
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        // SentencePiece: a run of byte tokens that is not valid UTF-8 becomes one U+FFFD per
        // byte (HF `ByteFallback` decoder).
        var run: [UInt8] = []
        func flush() {
            guard !run.isEmpty else { return }
            if String(validating: run, as: UTF8.self) != nil {
                bytes.append(contentsOf: run)
            } else {
                for _ in run { bytes.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
            }
            run.removeAll(keepingCapacity: true)
        }
        for id in ids where contains(id) {
            if skipSpecialTokens, specialTokenIds.contains(id) { continue }
            if kind == .sentencePieceBPE, isByteToken[id] {
                appendBytes(of: id, to: &run)
            } else {
                flush()
                appendBytes(of: id, to: &bytes)
            }
        }
        flush()
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text of `ids` as a sampled answer: like `decode`, but a character left
    /// unfinished at the end (the sample stopped at its token limit inside a multi-byte
    /// character, e.g. after one of the three byte tokens of "患") is dropped, so the answer
    /// ends on a character boundary instead of U+FFFD.
    public func decodeWholeCharacters(_ ids: [Int], skipSpecialTokens: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where contains(id) {
            if skipSpecialTokens, specialTokenIds.contains(id) { continue }
            appendBytes(of: id, to: &bytes)
        }
        return String(decoding: bytes[..<StreamingDecoder.completePrefix(bytes)], as: UTF8.self)
    }

    /// Appends the raw bytes token `id` stands for.
    public func appendBytes(of id: Int, to bytes: inout [UInt8]) {
        guard contains(id) else { return }
        bytes.append(contentsOf: tokenBytes[Int(tokenOffsets[id])..<Int(tokenOffsets[id + 1])])
    }

    /// Number of text bytes token `id` stands for (0 outside the vocabulary).
    public func byteCount(of id: Int) -> Int {
        contains(id) ? Int(tokenOffsets[id + 1] - tokenOffsets[id]) : 0
    }

    public func contains(_ id: Int) -> Bool { id >= 0 && id < tokens.count }

    /// The vocabulary's spelling of a token ("Ġworld", "<|im_end|>"); "" outside the vocabulary.
    public func tokenString(_ id: Int) -> String { contains(id) ? tokens[id] : "" }

    /// The merges as pairs of vocabulary strings, in priority order (for writing tokenizer.json).
    func mergePairs() -> [(String, String)] {
        merges.all().map { (tokens[Int($0.left)], tokens[Int($0.right)]) }
    }

    /// The id of a vocabulary string, e.g. `tokenId("<|im_end|>")`.
    public func tokenId(_ token: String) -> Int? {
        if let id = added.id(of: Array(token.utf8)) ?? normalizedAdded.id(of: SentencePiece.textBytes(ofPiece: token)) { return id }
        if kind == .sentencePieceBPE {
            if let b = SentencePiece.byteValue(ofToken: token) { return byteIds[Int(b)] >= 0 ? Int(byteIds[Int(b)]) : nil }
            return idOfBytes.find(SentencePiece.textBytes(ofPiece: token))
        }
        guard let raw = ByteLevel.bytes(ofTokenString: token) else { return nil }
        return idOfBytes.find(raw)
    }
}
