// Decoder views onto a loaded model's parameter buffer (no copy: the fused qkv and
// gate|up blocks of `ParameterLayout` are used as single GEMMs).

extension DecoderGeometry {
    public init(_ config: LlamaConfiguration) {
        self.init(layers: config.layerCount, width: config.hiddenSize, ffnWidth: config.intermediateSize,
                  heads: config.headCount, kvHeads: config.kvHeadCount, headDim: config.headDim,
                  vocabulary: config.vocabularySize, ropeTheta: config.ropeTheta, normEps: config.rmsNormEps,
                  maxPositions: config.contextLength)
    }
}

extension DecoderWeights {
    /// Views into `parameters` laid out as `layout`; `parameters` must outlive the views.
    public init(layout: ParameterLayout, parameters: UnsafePointer<Float>) {
        let p = parameters
        self.init(
            embedding: p + layout.embedding,
            layers: layout.layers.map { l in
                DecoderLayerWeights(
                    attentionNorm: p + l.attnNorm, wq: p + l.wqkv, wk: p + l.wk, wv: p + l.wv, wo: p + l.wo,
                    ffnNorm: p + l.ffnNorm, wGate: p + l.wGateUp, wUp: p + l.wUp, wDown: p + l.wDown)
            },
            finalNorm: p + layout.finalNorm,
            lmHead: p + layout.lmHead)
    }
}

extension LlamaModel {
    /// The base weights as decoder views (a LoRA adapter, if attached, is not applied:
    /// merge it into a copy of the parameters first).
    public var decoderWeights: DecoderWeights {
        DecoderWeights(layout: layout, parameters: parameters.pointer)
    }

    public var decoderGeometry: DecoderGeometry { DecoderGeometry(config) }
}
