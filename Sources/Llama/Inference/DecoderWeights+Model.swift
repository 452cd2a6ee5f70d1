// Decoder views onto a loaded model's parameter buffer (no copy: the fused qkv and
// gate|up blocks of `ParameterLayout` are used as single GEMMs).

extension DecoderGeometry {
    public init(_ config: LlamaConfiguration) {
        self.init(layers: config.layerCount, width: config.hiddenSize, ffnWidth: config.intermediateSize,
                  heads: config.headCount, kvHeads: config.kvHeadCount, headDim: config.headDim,
                  vocabulary: config.vocabularySize, ropeTheta: config.ropeTheta, normEps: config.rmsNormEps,
                  maxPositions: config.contextLength)
        architecture = config.architecture
    }
}

extension DecoderWeights {
    /// Views into `parameters` laid out as `layout`; `parameters` must outlive the views.
    public init(layout: ParameterLayout, parameters: UnsafePointer<Float>) {
        precondition(layout.storesProjections, "a frozen (QLoRA) base is for training; load the model in fp32 to decode")
        let p = parameters
        self.init(
            embedding: p + layout.embedding,
            layers: layout.layers.map { l in
                var w = DecoderLayerWeights(
                    attentionNorm: p + l.attnNorm, wq: p + l.wqkv, wk: p + l.wk, wv: p + l.wv, wo: p + l.wo,
                    ffnNorm: p + l.ffnNorm, wGate: p + l.wGateUp, wUp: p + l.wUp, wDown: p + l.wDown)
                w.qkvBias = l.qkvBias.map { p + $0 }
                w.qNorm = l.qNorm.map { p + $0 }
                w.kNorm = l.kNorm.map { p + $0 }
                w.postAttentionNorm = l.postAttentionNorm.map { p + $0 }
                w.postFFNNorm = l.postFFNNorm.map { p + $0 }
                return w
            },
            finalNorm: p + layout.finalNorm,
            lmHead: p + layout.lmHead)
    }
}

extension LlamaModel {
    /// The base weights as decoder views (a LoRA adapter, if attached, is not applied:
    /// merge it into a copy of the parameters first).
    public var decoderWeights: DecoderWeights {
        var weights = DecoderWeights(layout: layout, parameters: parameters.pointer)
        for (offset, matrix) in blockWeights { weights.candidates[UnsafePointer(parameters.pointer + offset)] = matrix }
        if let runtimeAdapter {  // decode reads the base's encodings plus the adapter (AdapterDecode.swift)
            for l in weights.layers.indices { weights.layers[l].compact = runtimeAdapter.layers[l] }
            weights.compactLMHead = runtimeAdapter.lmHead
            weights.owner = runtimeAdapter
        }
        return weights
    }

    public var decoderGeometry: DecoderGeometry { DecoderGeometry(config) }
}
