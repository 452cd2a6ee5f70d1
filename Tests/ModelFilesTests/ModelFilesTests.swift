import Foundation
import Testing
@testable import ModelFiles

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/reference").standardized

@Test func readsTinyGGUFDescriptors() throws {
    let gguf = try GGUFFile(url: fixtures.appendingPathComponent("tiny-llama/model.gguf"))
    #expect(gguf.version == 3)
    #expect(try gguf.string("general.architecture") == "llama")
    #expect(try gguf.int("llama.block_count") == 2)
    let q = try gguf.info("blk.0.attn_q.weight")
    #expect(q.shape == [64, 64])
    #expect(q.type == .f32)
    let st = try SafetensorsFile(url: fixtures.appendingPathComponent("tiny-llama/model.safetensors"))
    #expect(try st.info("model.layers.0.self_attn.k_proj.weight").shape == [32, 64])
    // The same non-permuted tensor is byte-identical in both files.
    let a = try st.floats("model.layers.1.mlp.down_proj.weight")
    let b = try gguf.withRawBytes("blk.1.ffn_down.weight") { raw, _ in Array(raw.bindMemory(to: Float.self)) }
    #expect(a == b)
}
