import Foundation
import Testing
@testable import ModelFiles

// The real base model (SmolLM2-135M-Instruct, Q4_1 weights, Q8_0 embedding). Every
// expected number is read from the file's own metadata and cross-checked against the
// tensor descriptors. CI fetches the file; a missing file fails the test.

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../..").standardized
let baseModel = packageRoot.appendingPathComponent("policies/base/SmolLM2-135M-Instruct.Q4_1.gguf")

/// One pass over a [rows, cols] matrix: moments, non-finite count, rows that are all zero.
struct MatrixSummary {
    var mean = 0.0, std = 0.0, nonFinite = 0, zeroRows = 0

    init(_ x: [Float], cols: Int) {
        var sum = 0.0, sumSquares = 0.0
        x.withUnsafeBufferPointer { p in
            for r in 0..<(p.count / cols) {
                var any = false
                for i in (r * cols)..<((r + 1) * cols) {
                    let v = Double(p[i])
                    if !v.isFinite { nonFinite += 1 }
                    if v != 0 { any = true }
                    sum += v
                    sumSquares += v * v
                }
                if !any { zeroRows += 1 }
            }
        }
        mean = sum / Double(x.count)
        std = (sumSquares / Double(x.count) - mean * mean).squareRoot()
    }
}

@Test func realModelDescriptorsAgreeWithMetadata() throws {
    let gguf = try GGUFFile(url: baseModel)
    let arch = try gguf.string("general.architecture")
    #expect(arch == "llama")
    let layers = try gguf.int("\(arch).block_count")
    let dModel = try gguf.int("\(arch).embedding_length")
    let ffn = try gguf.int("\(arch).feed_forward_length")
    let heads = try gguf.int("\(arch).attention.head_count")
    let kvHeads = try gguf.int("\(arch).attention.head_count_kv")
    // key_length is optional in llama.cpp; it defaults to d_model / heads.
    let headDim = gguf.metadata["\(arch).attention.key_length"]?.intValue ?? dModel / heads
    let vocab = try gguf.strings("tokenizer.ggml.tokens").count
    #expect(dModel % heads == 0 && heads % kvHeads == 0)
    #expect(try gguf.int("\(arch).rope.dimension_count") == headDim)
    #expect(gguf.metadata["\(arch).vocab_size"]?.intValue ?? vocab == vocab)
    #expect(try gguf.double("\(arch).rope.freq_base") > 0)

    // token_embd, output_norm, nine tensors per block, and output.weight unless tied.
    let tied = gguf.tensors.allSatisfy { $0.name != "output.weight" }
    #expect(gguf.tensors.count == 2 + 9 * layers + (tied ? 0 : 1))
    #expect(try gguf.info("token_embd.weight").shape == [vocab, dModel])
    #expect(try gguf.info("output_norm.weight").shape == [dModel])
    // general.file_type 3 is llama.cpp's LLAMA_FTYPE_MOSTLY_Q4_1: Q4_1 matrices, F32 norms.
    #expect(try gguf.int("general.file_type") == 3)
    let expected: [(String, [Int])] = [
        ("attn_q", [heads * headDim, dModel]), ("attn_k", [kvHeads * headDim, dModel]),
        ("attn_v", [kvHeads * headDim, dModel]), ("attn_output", [dModel, heads * headDim]),
        ("ffn_gate", [ffn, dModel]), ("ffn_up", [ffn, dModel]), ("ffn_down", [dModel, ffn]),
    ]
    for i in 0..<layers {
        for (name, shape) in expected {
            let info = try gguf.info("blk.\(i).\(name).weight")
            #expect(info.shape == shape, "blk.\(i).\(name)")
            #expect(info.type == .q4_1, "blk.\(i).\(name)")
        }
        for norm in ["attn_norm", "ffn_norm"] {
            let info = try gguf.info("blk.\(i).\(norm).weight")
            #expect(info.shape == [dModel] && info.type == .f32, "blk.\(i).\(norm)")
        }
    }
    // Descriptors tile the data section in order without overlap.
    let sorted = gguf.tensors.sorted { $0.offset < $1.offset }
    for (a, b) in zip(sorted, sorted.dropFirst()) {
        #expect(a.offset + a.byteCount <= b.offset, "\(a.name) overlaps \(b.name)")
    }
}

@Test func realModelTensorsDequantizeToPlausibleValues() throws {
    let gguf = try GGUFFile(url: baseModel)
    let embd = try gguf.info("token_embd.weight")
    #expect(embd.type == .q8_0)
    let e = try gguf.floats("token_embd.weight")
    #expect(e.count == embd.elementCount)
    let es = MatrixSummary(e, cols: embd.shape[1])
    print("token_embd \(embd.shape): mean \(es.mean), std \(es.std)")
    #expect(es.nonFinite == 0)
    #expect(abs(es.mean) < 0.1 * es.std)
    #expect(es.std > 1e-3 && es.std < 1)
    // Every embedding row belongs to a token, so none is all zeros.
    #expect(es.zeroRows == 0)

    let q = try gguf.floats("blk.0.attn_q.weight", shape: try gguf.info("blk.0.attn_q.weight").shape)
    let qs = MatrixSummary(q, cols: try gguf.info("blk.0.attn_q.weight").shape[1])
    print("blk.0.attn_q: mean \(qs.mean), std \(qs.std)")
    #expect(qs.nonFinite == 0 && qs.zeroRows == 0)
    #expect(abs(qs.mean) < 0.1 * qs.std && qs.std > 1e-3 && qs.std < 1)
    // Q4_1 stores 4-bit codes: each 32-element block holds at most 16 distinct values.
    for b in stride(from: 0, to: q.count / 32, by: 101) {
        #expect(Set(q[(32 * b)..<(32 * b + 32)]).count <= 16)
    }
    // RMSNorm gains are F32, read as stored.
    let g = try gguf.floats("blk.0.attn_norm.weight")
    let stored = try gguf.withRawBytes("blk.0.attn_norm.weight") { raw, _ in Array(raw.bindMemory(to: Float.self)) }
    #expect(g == stored && g.allSatisfy { $0.isFinite } && g.contains { $0 != 0 })
}

@Test func wrongShapeIsReportedWithFileAndTensor() throws {
    let gguf = try GGUFFile(url: baseModel)
    #expect(throws: ModelFileError.shapeMismatch(
        file: baseModel.path, tensor: "blk.0.attn_k.weight", expected: [1, 2], found: try gguf.info("blk.0.attn_k.weight").shape)
    ) {
        try gguf.floats("blk.0.attn_k.weight", shape: [1, 2])
    }
}

@Test func dequantizeIntoABufferView() throws {
    // Two tensors into one contiguous buffer, as a parameter buffer with named views.
    let gguf = try GGUFFile(url: fixtures.appendingPathComponent("tiny-llama/model.gguf"))
    let a = try gguf.info("blk.0.attn_norm.weight"), b = try gguf.info("blk.0.attn_k.weight")
    var buffer = [Float](repeating: .nan, count: a.elementCount + b.elementCount)
    try buffer.withUnsafeMutableBufferPointer { all in
        try gguf.floats(a.name, into: UnsafeMutableBufferPointer(rebasing: all[0..<a.elementCount]))
        try gguf.floats(b.name, into: UnsafeMutableBufferPointer(rebasing: all[a.elementCount...]))
        // A view of the wrong size is refused, naming the tensor.
        #expect(throws: ModelFileError.shapeMismatch(file: gguf.url.path, tensor: b.name, expected: [3], found: b.shape)) {
            try gguf.floats(b.name, into: UnsafeMutableBufferPointer(rebasing: all[0..<3]))
        }
    }
    #expect(Array(buffer[0..<a.elementCount]) == (try gguf.floats(a.name)))
    #expect(Array(buffer[a.elementCount...]) == (try gguf.floats(b.name)))
}
