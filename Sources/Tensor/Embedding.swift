// Token embedding lookup (llm.c `encoder_forward` without the position table: Llama
// encodes positions with RoPE inside attention).

/// out (N,C) ← table (V,C) rows `ids` (N).
public func embeddingForward(
    _ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, table: UnsafePointer<Float>, n: Int, c: Int
) {
    parallelFor(n) { row in
        (out + row * c).update(from: table + Int(ids[row]) * c, count: c)
    }
}

/// dtable (V,C) += dout rows scattered back to their ids. Serial: rows may share an id,
/// and N·C adds are negligible next to the GEMMs.
public func embeddingBackward(
    dtable: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, ids: UnsafePointer<Int32>, n: Int, c: Int
) {
    for row in 0..<n {
        let d = dtable + Int(ids[row]) * c, g = dout + row * c
        for i in 0..<c { d[i] += g[i] }
    }
}
