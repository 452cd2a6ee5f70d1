import Foundation

/// Everything a byte-level BPE tokenizer is built from, whichever file it came from.
struct BPEDefinition {
    /// The file it was read from, for error messages.
    var source: String
    /// Vocabulary strings by id, in the byte-level spelling ("Ġworld").
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
}

/// A byte-level BPE tokenizer (GPT-2 scheme: Radford et al. 2019; Sennrich et al. 2016,
/// arXiv 1508.07909): text → special-token split → pre-tokenizer words → bytes → merges.
/// Thread-safe; the only shared mutable state is the word cache, behind a lock.
public final class BPETokenizer: @unchecked Sendable {
    /// Where the tokenizer was read from.
    public let source: String
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
    private let ignoreMerges: Bool
    private let normalizeNFC: Bool
    private let cache = WordCache()

    public var vocabSize: Int { tokens.count }

    init(_ d: BPEDefinition) throws {
        source = d.source
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

        // Added tokens decode to their literal text; the rest are spelled byte-level.
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
        offsets.reserveCapacity(d.tokens.count + 1)
        for (id, token) in d.tokens.enumerated() {
            let raw = literal[id] ? Array(token.utf8) : (ByteLevel.bytes(ofTokenString: token) ?? Array(token.utf8))
            bytes.append(contentsOf: raw)
            offsets.append(Int32(bytes.count))
            if !literal[id], table.find(raw) == nil {
                table.insert(raw, value: id)
                if raw.count == 1, single[Int(raw[0])] < 0 { single[Int(raw[0])] = Int32(id) }
            }
        }
        tokenBytes = bytes
        tokenOffsets = offsets
        idOfBytes = table
        byteIds = single

        // Merges name vocabulary strings; a merge whose parts or result are not in the
        // vocabulary can never fire and is dropped (as llama.cpp does).
        var index: [String: Int32] = [:]
        index.reserveCapacity(d.tokens.count)
        for (id, t) in d.tokens.enumerated() where index[t] == nil { index[t] = Int32(id) }
        var triples: [(left: Int32, right: Int32, merged: Int32)] = []
        triples.reserveCapacity(d.merges.count)
        for (a, b) in d.merges {
            guard let l = index[a], let r = index[b], let m = index[a + b] else { continue }
            triples.append((l, r, m))
        }
        merges = MergeTable(triples)
        added = AddedTokenMatcher(d.addedTokens.map { (Array($0.content.utf8), $0.id) })
        specialTokenIds = Set(d.addedTokens.filter(\.special).map(\.id))

        var ends = Set(d.extraEndOfTurnIds.filter { d.tokens.indices.contains($0) })
        if let e = d.eosTokenId { ends.insert(e) }
        for marker in ["<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>", "<|endoftext|>", "<|end|>"] {
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
            added.split(buf) { start, end, addedId in
                if let addedId {
                    out.append(addedId)
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
        if word.count == 1 {
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
        merge(word, &out, &scratch)
        if cacheable { cache.insert(word, out[start...]) }
    }

    @inline(__always)
    private func appendByte(_ b: UInt8, _ out: inout [Int]) {
        let id = byteIds[Int(b)]
        if id >= 0 { out.append(Int(id)) } else if let unk = unknownTokenId { out.append(unk) }
    }

    /// BPE on one word: repeatedly merge the adjacent pair of lowest rank, leftmost first
    /// (HF tokenizers `Word::merge_all`). A min-heap of (rank, position) with stale entries
    /// skipped on pop keeps long words (unspaced Japanese sentences) at O(n log n).
    private func merge(_ word: UnsafeBufferPointer<UInt8>, _ out: inout [Int], _ s: inout MergeScratch) {
        let n = word.count
        s.reset(n)
        for k in 0..<n {
            let id = byteIds[Int(word[k])]
            s.ids[k] = id >= 0 ? id : Int32(unknownTokenId ?? -1)
            s.prev[k] = Int32(k - 1)
            s.next[k] = k + 1 < n ? Int32(k + 1) : -1
        }
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
        for id in ids where contains(id) {
            if skipSpecialTokens, specialTokenIds.contains(id) { continue }
            appendBytes(of: id, to: &bytes)
        }
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

    /// The id of a vocabulary string, e.g. `tokenId("<|im_end|>")`.
    public func tokenId(_ token: String) -> Int? {
        if let id = added.id(of: Array(token.utf8)) { return id }
        guard let raw = ByteLevel.bytes(ofTokenString: token) else { return nil }
        return idOfBytes.find(raw)
    }
}
